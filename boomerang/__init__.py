"""Boomerang operator tooling: the `boomerang` command, the portfolio importer and the local stack."""
