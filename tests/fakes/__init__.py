"""Fakes of external services for tests (real HTTP on 127.0.0.1 where the service speaks HTTP)."""
