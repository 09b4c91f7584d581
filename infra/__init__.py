"""AWS CDK (Python) infrastructure for Boomerang."""
