"""Who calls: API keys (stored only as SHA-256 hashes, with scopes) and people (OIDC tokens, with roles)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.core.errors import Forbidden, Unauthorized
from app.services.identity import Identity, Role, TokenValidator
from app.storage.models import Actor

KEY_PREFIX = "tfr_"


class Scope(StrEnum):
    """What a caller may do; a route names the one it needs."""

    READ = "read"
    SUBMIT = "submit"
    DECIDE = "decide"
    RERUN = "rerun"


# A key configured with the old scope `write` may read, submit and rerun, but not decide: a
# decision is a person's act, so a key decides only when its line grants `decide` explicitly.
LEGACY_WRITE = frozenset({Scope.READ, Scope.SUBMIT, Scope.RERUN})
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.VIEWER: frozenset({Scope.READ}),
    Role.SUBMITTER: frozenset({Scope.READ, Scope.SUBMIT}),
    Role.APPROVER: frozenset({Scope.READ, Scope.DECIDE, Scope.RERUN}),
    Role.ADMIN: frozenset(Scope),
}


class ActorKind(StrEnum):
    PERSON = "person"
    KEY = "key"


def parse_scopes(text: str) -> frozenset[Scope]:
    """'read', 'write' (legacy) or scopes joined by '+' ('read+submit+decide')."""
    scopes: set[Scope] = set()
    for part in text.split("+"):
        word = part.strip().lower()
        if word == "write":
            scopes |= LEGACY_WRITE
        else:
            scopes.add(Scope(word))  # ValueError names an unknown scope
    # Every scope implies reading what it acts on.
    return frozenset(scopes | {Scope.READ})


def scopes_text(scopes: Iterable[Scope]) -> str:
    return "+".join(s.value for s in Scope if s in set(scopes))


@dataclass(frozen=True)
class Principal:
    """Who called: a person (verified token) or an API key, and what they may do."""

    name: str
    scopes: frozenset[Scope]
    kind: ActorKind = ActorKind.KEY
    subject: str | None = None
    email: str | None = None

    def require(self, scope: Scope) -> None:
        if scope not in self.scopes:
            who = f"API key '{self.name}'" if self.kind is ActorKind.KEY else f"'{self.name}'"
            raise Forbidden(
                f"{who} may not {scope.value}: this route needs the {scope.value} scope or role",
                details={"needed": scope.value, "granted": sorted(s.value for s in self.scopes)},
            )

    def actor(self) -> Actor:
        """The stored record of who acted."""
        return Actor(
            kind=self.kind.value, subject=self.subject or self.name, name=self.name, email=self.email
        )


def person_principal(identity: Identity) -> Principal:
    """A person's principal: the union of their roles' scopes; no role, no access."""
    scopes: frozenset[Scope] = frozenset()
    for role in identity.roles:
        scopes |= ROLE_SCOPES[role]
    if not scopes:
        raise Forbidden(
            f"'{identity.name}' is signed in but has no tfreview role; ask an admin to add you to a mapped group",
        )
    return Principal(
        name=identity.name,
        scopes=scopes,
        kind=ActorKind.PERSON,
        subject=identity.subject,
        email=identity.email,
    )


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_key_lines(lines: list[str]) -> dict[str, Principal]:
    """'name:scopes:sha256' lines to a map from hash to principal."""
    table: dict[str, Principal] = {}
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        name, scopes, digest = text.split(":")
        table[digest.lower()] = Principal(name=name, scopes=parse_scopes(scopes))
    return table


def bearer_token(authorization: str | None) -> str:
    """The token of 'Bearer <token>'; Unauthorized otherwise."""
    if not authorization:
        raise Unauthorized(
            "missing Authorization header; send 'Authorization: Bearer <api key or sign-in token>'"
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Authorization must be 'Bearer <api key or sign-in token>'")
    return token.strip()


def looks_like_jwt(token: str) -> bool:
    """A JWS compact token (three base64url parts); keys this tool issues never contain a dot."""
    return token.count(".") == 2 and not token.startswith(KEY_PREFIX)


class KeyRing:
    """The configured keys and, when OIDC is set up, people's tokens; authenticate() maps an
    Authorization header to a Principal."""

    def __init__(self, lines: list[str], tokens: TokenValidator | None = None) -> None:
        self._keys = parse_key_lines(lines)
        self._tokens = tokens

    @property
    def accepts_people(self) -> bool:
        return self._tokens is not None

    def __len__(self) -> int:
        return len(self._keys)

    def authenticate(self, authorization: str | None) -> Principal:
        """A key's principal, else a person's (a valid OIDC token with a mapped role)."""
        token = bearer_token(authorization)
        principal = self._find_key(token)
        if principal is not None:
            return principal
        if looks_like_jwt(token):
            if self._tokens is None:
                raise Unauthorized(
                    "sign-in tokens are not accepted: OIDC is not configured (TFR_OIDC_ISSUER)"
                )
            return person_principal(self._tokens.validate(token))
        raise Unauthorized("API key not recognised")

    def authenticate_key(self, authorization: str | None) -> Principal:
        """The principal of an API key (never of a person's token)."""
        principal = self._find_key(bearer_token(authorization))
        if principal is None:
            raise Unauthorized("API key not recognised")
        return principal

    def _find_key(self, token: str) -> Principal | None:
        digest = hash_key(token)
        found = None
        for known, principal in self._keys.items():
            # Compare every hash in constant time so timing says nothing about which key was close.
            if hmac.compare_digest(known, digest):
                found = principal
        return found


def new_key_line(name: str, scopes: Scope | Iterable[Scope]) -> tuple[str, str]:
    """A new random key and its 'name:scopes:sha256' configuration line."""
    if isinstance(scopes, Scope):
        scopes = {scopes}
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, f"{name}:{scopes_text(frozenset(scopes) | {Scope.READ})}:{hash_key(key)}"


def main(argv: list[str] | None = None) -> int:
    """`tfreview-keys new NAME --scope read+submit`: print a new key and the line to configure."""
    import argparse  # the command line only: the API's cold start skips it

    parser = argparse.ArgumentParser(
        prog="tfreview-keys", description="Create API keys for the tfreview API."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("new", help="print a new key and its hash line")
    new.add_argument("name", help="a label for the key, e.g. ci or dashboard")
    new.add_argument(
        "--scope",
        default=Scope.READ.value,
        help="scopes joined by '+': read, submit, decide, rerun (write = read+submit+rerun)",
    )
    args = parser.parse_args(argv)
    try:
        scopes = parse_scopes(args.scope)
    except ValueError:
        parser.error("--scope takes read, submit, decide, rerun or write, joined by '+'")
    if not all(ch.isalnum() or ch in "-_." for ch in args.name):
        parser.error("name may hold letters, digits, '-', '_' and '.' only")
    key, line = new_key_line(args.name, scopes)
    sys.stdout.write(f"key (give to the client, shown once): {key}\n")
    sys.stdout.write(f"line for TFR_API_KEYS or the keys secret: {line}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
