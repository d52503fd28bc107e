"""People's identity: an OIDC token (JWT) checked against the issuer's published keys, and its roles.

The dashboard sends the signed-in person's ID token (audience: the dashboard's client id) as
`Authorization: Bearer <jwt>`; the API and the edge authorizer check it here with the same code.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from app.core.errors import Unauthorized
from app.core.settings import Settings

if TYPE_CHECKING:
    import jwt
    from jwt.exceptions import InvalidTokenError

# PyJWT and cryptography are imported on the first token, not at start-up: a cold start that only
# serves API keys never pays for them.

# Asymmetric algorithms only: "none" and the HMAC family are never accepted, so a public key can
# never be used as an HMAC secret (the classic RS256 -> HS256 confusion).
ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
# Clock skew tolerated on exp, nbf and iat.
LEEWAY_SECONDS = 60
# Keys are re-read at least this often, so a revoked key stops working within the hour.
JWKS_MAX_AGE_SECONDS = 3600.0
# An unknown kid re-reads the keys (a rotation), but not more often than this: forged kids cannot
# turn the API into a load generator against the provider.
JWKS_MIN_REFRESH_SECONDS = 30.0
# Bounds on what the provider sends and on how long we wait for it.
FETCH_TIMEOUT_SECONDS = 5.0
MAX_DOCUMENT_BYTES = 512 * 1024
MAX_TOKEN_CHARS = 16 * 1024


class Role(StrEnum):
    VIEWER = "viewer"
    APPROVER = "approver"
    SUBMITTER = "submitter"
    ADMIN = "admin"


class InvalidToken(Unauthorized):
    """The bearer token is not a valid token of the configured issuer for this audience."""

    code = "invalid_token"


class ProviderUnavailable(InvalidToken):
    """The issuer's discovery document or keys could not be read."""

    code = "identity_provider_unavailable"


@dataclass(frozen=True)
class Identity:
    """A person as their verified token names them."""

    subject: str
    email: str | None
    name: str
    roles: frozenset[Role]
    expires_at: int
    claims: Mapping[str, Any] = field(repr=False, default_factory=dict)


def parse_role_map(text: str) -> dict[str, Role]:
    """'group=role,group=role' to a map; a role is viewer, approver, submitter or admin."""
    mapping: dict[str, Role] = {}
    for part in text.split(","):
        item = part.strip()
        if not item:
            continue
        group, sep, role = item.rpartition("=")
        if not sep or not group.strip():
            raise ValueError(f"role map entry {item!r} must be 'group=role'")
        try:
            mapping[group.strip()] = Role(role.strip().lower())
        except ValueError:
            raise ValueError(
                f"role map entry {item!r}: role must be one of {', '.join(r.value for r in Role)}"
            ) from None
    return mapping


def claim_values(claims: Mapping[str, Any], name: str) -> list[str]:
    """The strings under a claim: a list, or a space/comma separated string; dots walk into objects
    (Keycloak's realm_access.roles) when no claim has the dotted name itself."""
    value: Any = claims.get(name)
    if value is None and "." in name:
        value = claims
        for step in name.split("."):
            value = value.get(step) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def roles_of(claims: Mapping[str, Any], roles_claim: str, role_map: Mapping[str, Role]) -> frozenset[Role]:
    """The roles the mapped groups grant; unmapped groups grant nothing."""
    return frozenset(role_map[g] for g in claim_values(claims, roles_claim) if g in role_map)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the issuer's documents are where discovery says they are; never follow elsewhere


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch_document(url: str) -> bytes:
    """GET a provider document (bounded size and time); ProviderUnavailable on any failure."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with _OPENER.open(request, timeout=FETCH_TIMEOUT_SECONDS) as response:
            data: bytes = response.read(MAX_DOCUMENT_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise ProviderUnavailable(f"identity provider answered {exc.code} for {url}") from None
    except (OSError, ValueError) as exc:
        raise ProviderUnavailable(f"identity provider unreachable ({type(exc).__name__})") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ProviderUnavailable("identity provider document too large")
    return data


def _fetch_json(fetch: Callable[[str], bytes], url: str) -> dict[str, Any]:
    content = fetch(url)
    try:
        document = json.loads(content)
    except ValueError:
        raise ProviderUnavailable("identity provider sent a document that is not JSON") from None
    if not isinstance(document, dict):
        raise ProviderUnavailable("identity provider sent a document that is not a JSON object")
    return document


class KeySet:
    """The issuer's signing keys by kid: from discovery's jwks_uri, cached, re-read on rotation."""

    def __init__(
        self,
        issuer: str,
        *,
        fetch: Callable[[str], bytes] = fetch_document,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._issuer = issuer.rstrip("/")
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._read_at: float | None = None
        self._jwks_uri: str | None = None
        self._lock = threading.Lock()

    def _discover(self) -> str:
        if self._jwks_uri is None:
            document = _fetch_json(self._fetch, f"{self._issuer}/.well-known/openid-configuration")
            # The document must be the issuer's own (OIDC Discovery §4.3): a mismatch means a
            # misconfiguration or a mix-up, and its keys must not be trusted for this issuer.
            if str(document.get("issuer", "")).rstrip("/") != self._issuer:
                raise ProviderUnavailable("discovery document names another issuer")
            uri = document.get("jwks_uri")
            if not isinstance(uri, str) or not uri.startswith(("https://", "http://")):
                raise ProviderUnavailable("discovery document has no jwks_uri")
            self._jwks_uri = uri
        return self._jwks_uri

    def _load(self) -> None:
        import jwt
        from jwt.exceptions import PyJWKError

        document = _fetch_json(self._fetch, self._discover())
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []) if isinstance(document.get("keys"), list) else []:
            if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
                continue
            alg = entry.get("alg")
            if alg is not None and alg not in ALLOWED_ALGORITHMS:
                continue
            if entry.get("kty") == "oct":
                continue  # a symmetric key in a public key set is never a signing key we accept
            try:
                keys[str(entry.get("kid", ""))] = jwt.PyJWK(entry)
            except (PyJWKError, ValueError, TypeError):
                continue  # one key of a type we cannot use does not spoil the others
        self._keys = keys
        self._read_at = self._clock()

    def key(self, kid: str) -> jwt.PyJWK:
        """The key with this kid, re-reading the set when it is unknown or old."""
        with self._lock:
            now = self._clock()
            stale = self._read_at is None or now - self._read_at > JWKS_MAX_AGE_SECONDS
            may_refresh = self._read_at is None or now - self._read_at >= JWKS_MIN_REFRESH_SECONDS
            if stale or (kid not in self._keys and may_refresh):
                self._load()
            found = self._keys.get(kid)
            if found is None:
                raise InvalidToken("token signed with an unknown key")
            return found


class TokenValidator:
    """Checks a bearer JWT: signature by the issuer's key, alg allow-list, iss, aud, exp, nbf, iat."""

    def __init__(
        self,
        issuer: str,
        audiences: list[str],
        *,
        roles_claim: str = "groups",
        role_map: Mapping[str, Role] | None = None,
        keys: KeySet | None = None,
    ) -> None:
        if not audiences:
            raise ValueError("an audience is required: a token for another client must not be accepted")
        self._issuer = issuer.rstrip("/")
        self._audiences = list(audiences)
        self._roles_claim = roles_claim
        self._role_map = dict(role_map or {})
        self._keys = keys or KeySet(issuer)

    def __call__(self, token: str) -> Identity:
        return self.validate(token)

    def validate(self, token: str) -> Identity:
        """The identity of a valid token; InvalidToken (401) otherwise, never another exception."""
        import jwt
        from jwt.exceptions import InvalidTokenError

        if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise InvalidToken("bearer token is not a JWT")
        try:
            header = jwt.get_unverified_header(token)
        except InvalidTokenError:
            raise InvalidToken("bearer token is not a JWT") from None
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise InvalidToken("token algorithm not allowed")
        key = self._keys.key(str(header.get("kid", "")))
        if not _key_fits(key, alg):
            raise InvalidToken("token algorithm does not match its key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self._audiences,
                issuer=[self._issuer, self._issuer + "/"],
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"], "verify_signature": True},
            )
        except InvalidTokenError as exc:
            raise InvalidToken(f"token refused: {_reason(exc)}") from None
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise InvalidToken("token refused: no subject")
        email = claims.get("email") if isinstance(claims.get("email"), str) else None
        name = next(
            (
                str(claims[c])
                for c in ("name", "preferred_username", "email")
                if isinstance(claims.get(c), str) and claims[c]
            ),
            subject,
        )
        return Identity(
            subject=subject[:256],
            email=email[:320] if email else None,
            name=name[:200],
            roles=roles_of(claims, self._roles_claim, self._role_map),
            expires_at=int(claims["exp"]),
            claims=claims,
        )


_FAMILIES = {"RSA": ("RS", "PS"), "EC": ("ES",), "OKP": ("EdDSA",)}


def _key_fits(key: jwt.PyJWK, alg: str) -> bool:
    """A key that names its algorithm signs with that one only; otherwise the key type decides."""
    declared = key._jwk_data.get("alg")
    if declared is not None:
        return bool(declared == alg)
    if key.key_type == "EC":
        return key.algorithm_name == alg  # the curve fixes the algorithm (P-256 -> ES256, ...)
    return alg.startswith(_FAMILIES.get(key.key_type or "", ()))


def _reason(exc: InvalidTokenError) -> str:
    """A short, safe reason (no token content) for the 401's message."""
    names = {
        "ExpiredSignatureError": "expired",
        "ImmatureSignatureError": "not yet valid",
        "InvalidAudienceError": "wrong audience",
        "InvalidIssuerError": "wrong issuer",
        "InvalidSignatureError": "bad signature",
        "MissingRequiredClaimError": "a required claim is missing",
        "InvalidIssuedAtError": "issued in the future",
    }
    return names.get(type(exc).__name__, "malformed")


def token_validator(settings: Settings) -> TokenValidator | None:
    """The validator for people's tokens, or None when OIDC is not configured (keys only)."""
    if settings.oidc_issuer is None:
        return None
    return TokenValidator(
        settings.oidc_issuer,
        settings.oidc_audience,
        roles_claim=settings.oidc_roles_claim,
        role_map={group: Role(role) for group, role in settings.oidc_role_map.items()},
    )
