"""Shared domain contract: canonical events, configuration, clock. Imports no AWS SDK."""
