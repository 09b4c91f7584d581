"""Tiny fake Lambda handlers used by the local stack tests (imported by the stack via Handler strings)."""
