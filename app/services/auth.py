"""API keys: stored only as SHA-256 hashes with a scope; bearer tokens are checked against them."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import secrets
import sys
from dataclasses import dataclass
from enum import StrEnum

from app.core.errors import Forbidden, Unauthorized

KEY_PREFIX = "tfr_"


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class Principal:
    """Who called: the key's name and what it may do."""

    name: str
    scope: Scope

    def require(self, scope: Scope) -> None:
        if scope is Scope.WRITE and self.scope is not Scope.WRITE:
            raise Forbidden(f"API key '{self.name}' is read-only; this route needs a write key")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_key_lines(lines: list[str]) -> dict[str, Principal]:
    """'name:scope:sha256' lines to a map from hash to principal."""
    table: dict[str, Principal] = {}
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, scope, digest = text.split(":")
        table[digest.lower()] = Principal(name=name, scope=Scope(scope))
    return table


class KeyRing:
    """The configured keys; authenticate() maps an Authorization header to a Principal."""

    def __init__(self, lines: list[str]) -> None:
        self._keys = parse_key_lines(lines)

    def __len__(self) -> int:
        return len(self._keys)

    def authenticate(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthorized("missing Authorization header; send 'Authorization: Bearer <api key>'")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Authorization must be 'Bearer <api key>'")
        digest = hash_key(token.strip())
        for known, principal in self._keys.items():
            # Compare every hash in constant time so timing says nothing about which key was close.
            if hmac.compare_digest(known, digest):
                return principal
        raise Unauthorized("API key not recognised")


def new_key_line(name: str, scope: Scope) -> tuple[str, str]:
    """A new random key and its 'name:scope:sha256' configuration line."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, f"{name}:{scope.value}:{hash_key(key)}"


def main(argv: list[str] | None = None) -> int:
    """`tfreview-keys new NAME --scope read|write`: print a new key and the line to configure."""
    parser = argparse.ArgumentParser(
        prog="tfreview-keys", description="Create API keys for the tfreview API."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("new", help="print a new key and its hash line")
    new.add_argument("name", help="a label for the key, e.g. ci or dashboard")
    new.add_argument("--scope", choices=[s.value for s in Scope], default=Scope.READ.value)
    args = parser.parse_args(argv)
    if not all(ch.isalnum() or ch in "-_." for ch in args.name):
        parser.error("name may hold letters, digits, '-', '_' and '.' only")
    key, line = new_key_line(args.name, Scope(args.scope))
    sys.stdout.write(f"key (give to the client, shown once): {key}\n")
    sys.stdout.write(f"line for TFR_API_KEYS or the keys secret: {line}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
