"""People's tokens: checked against real RSA keys fetched over HTTP from a discovery document."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from app.core.errors import Forbidden
from app.services.auth import ActorKind, KeyRing, Scope
from app.services.identity import (
    InvalidToken,
    KeySet,
    ProviderUnavailable,
    Role,
    TokenValidator,
    claim_values,
    parse_role_map,
)
from tests.fakes.oidc_issuer import AUDIENCE, ROLE_MAP, Issuer, serve_issuer


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    with serve_issuer() as served:
        yield served


def _validator(issuer: Issuer, **kwargs: object) -> TokenValidator:
    return TokenValidator(issuer.url, [AUDIENCE], role_map=parse_role_map(ROLE_MAP), **kwargs)  # type: ignore[arg-type]


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_valid_token_names_the_person_and_their_roles(issuer: Issuer) -> None:
    identity = _validator(issuer).validate(issuer.token("approver"))
    assert identity.subject == "user-approver"
    assert identity.email == "approver@example.test"
    assert identity.name == "Approver Person"
    assert identity.roles == {Role.APPROVER}


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"lifetime": -120}, "expired"),
        ({"aud": "another-client"}, "wrong audience"),
        ({"iss": "https://evil.example"}, "wrong issuer"),
        ({"nbf": int(time.time()) + 600}, "not yet valid"),
        ({"sub": None}, "required claim"),
        ({"exp": None}, "required claim"),
    ],
)
def test_claims_are_checked(issuer: Issuer, claims: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidToken, match=reason):
        _validator(issuer).validate(issuer.token("admin", **claims))  # type: ignore[arg-type]


def test_small_clock_skew_is_tolerated(issuer: Issuer) -> None:
    # Expired 30 s ago: inside the 60 s leeway, as a provider's clock a little ahead would make it.
    _validator(issuer).validate(issuer.token("viewer", lifetime=-30))


def test_a_forged_signature_is_refused(issuer: Issuer) -> None:
    # Signed by a key the issuer never published, under the published key's kid.
    issuer.add_key("attacker", publish=False)
    forged = jwt.encode(
        jwt.decode(issuer.token("admin"), options={"verify_signature": False}),
        issuer.keys["attacker"],
        algorithm="RS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(InvalidToken, match="bad signature"):
        _validator(issuer).validate(forged)
    # A genuine token with one changed claim fails the same way.
    head, body, signature = issuer.token("viewer").split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["groups"] = ["tfr-admins"]
    with pytest.raises(InvalidToken, match="bad signature"):
        _validator(issuer).validate(f"{head}.{_b64(claims)}.{signature}")


def test_alg_none_and_hmac_with_the_public_key_are_refused(issuer: Issuer) -> None:
    claims = jwt.decode(issuer.token("admin"), options={"verify_signature": False})
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'k1'})}.{_b64(claims)}."
    with pytest.raises(InvalidToken, match="algorithm not allowed"):
        _validator(issuer).validate(unsigned)
    # The RS256 -> HS256 confusion: the public key (which anyone can fetch) used as an HMAC secret.
    public_pem = (
        issuer.keys["k1"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    head = _b64({"alg": "HS256", "typ": "JWT", "kid": "k1"})
    import hashlib
    import hmac

    payload = _b64(claims)
    mac = hmac.new(public_pem, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    confused = f"{head}.{payload}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(InvalidToken, match="algorithm not allowed"):
        _validator(issuer).validate(confused)
    # A published RS256 key never verifies another algorithm, even another RSA one.
    ps = jwt.encode(claims, issuer.keys["k1"], algorithm="PS256", headers={"kid": "k1"})
    with pytest.raises(InvalidToken, match="does not match its key"):
        _validator(issuer).validate(ps)


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c", "x" * 20_000, "...."])
def test_malformed_tokens_are_refused_with_401(issuer: Issuer, token: str) -> None:
    with pytest.raises(InvalidToken):
        _validator(issuer).validate(token)


def test_keys_are_cached_and_a_rotation_is_picked_up(issuer: Issuer) -> None:
    now = [1000.0]
    validator = _validator(issuer, keys=KeySet(issuer.url, clock=lambda: now[0]))
    for _ in range(5):
        validator.validate(issuer.token("viewer"))
    assert issuer.jwks_fetches == 1
    # The provider rotates: a new key signs; the first token with its kid re-reads the set.
    issuer.add_key("k2")
    now[0] += 31
    assert validator.validate(issuer.token("viewer", kid="k2")).subject == "user-viewer"
    assert issuer.jwks_fetches == 2
    # Unknown kids re-read at most every 30 s, so forged kids cannot flood the provider.
    issuer.add_key("k3", publish=False)
    for _ in range(5):
        with pytest.raises(InvalidToken, match="unknown key"):
            validator.validate(issuer.token("viewer", kid="k3"))
    assert issuer.jwks_fetches == 2
    # A key the provider withdraws stops working once the set is re-read (at the latest after an hour).
    issuer.published.remove("k1")
    now[0] += 3601
    with pytest.raises(InvalidToken, match="unknown key"):
        validator.validate(issuer.token("viewer", kid="k1"))


def test_discovery_must_name_the_configured_issuer(issuer: Issuer) -> None:
    # Configured with a different spelling of the issuer (a path the provider does not claim).
    validator = TokenValidator(issuer.url + "/other", [AUDIENCE], keys=KeySet(issuer.url + "/other"))
    with pytest.raises(ProviderUnavailable):
        validator.validate(issuer.token("viewer"))


def test_an_unreachable_provider_is_a_401_not_a_crash() -> None:
    validator = TokenValidator("http://127.0.0.1:9", [AUDIENCE])
    header = _b64({"alg": "RS256", "kid": "k1"})
    with pytest.raises(ProviderUnavailable) as caught:
        validator.validate(f"{header}.{_b64({'sub': 'x'})}.c2ln")
    assert caught.value.status_code == 401


def test_roles_claim_shapes() -> None:
    assert claim_values({"groups": ["a", 1, "b"]}, "groups") == ["a", "b"]
    assert claim_values({"roles": "a b,c"}, "roles") == ["a", "b", "c"]
    assert claim_values({"realm_access": {"roles": ["x"]}}, "realm_access.roles") == ["x"]
    assert claim_values({"cognito:groups": ["g"]}, "cognito:groups") == ["g"]
    with pytest.raises(ValueError, match="role must be one of"):
        parse_role_map("admins=root")
    with pytest.raises(ValueError, match="group=role"):
        parse_role_map("admins")


def test_keyring_maps_people_to_scopes_by_role(issuer: Issuer) -> None:
    ring = KeyRing([], _validator(issuer))
    expected = {
        "viewer": {Scope.READ},
        "submitter": {Scope.READ, Scope.SUBMIT},
        "approver": {Scope.READ, Scope.DECIDE, Scope.RERUN},
        "admin": set(Scope),
    }
    for role, scopes in expected.items():
        principal = ring.authenticate(f"Bearer {issuer.token(role)}")
        assert principal.kind is ActorKind.PERSON and principal.scopes == scopes
        assert principal.actor().email == f"{role}@example.test"
    # Signed in, but in no mapped group: no access at all.
    with pytest.raises(Forbidden, match="no tfreview role"):
        ring.authenticate(f"Bearer {issuer.token('nobody')}")
    # Without OIDC configured, a token is never taken for a key or a person.
    with pytest.raises(InvalidToken.__mro__[1], match="not configured"):
        KeyRing([]).authenticate(f"Bearer {issuer.token('admin')}")


def test_settings_read_the_role_map_with_the_same_role_names() -> None:
    from app.core.settings import PERSON_ROLES, SettingsError, load_settings

    assert set(PERSON_ROLES) == {role.value for role in Role}
    settings = load_settings(
        oidc_issuer="https://id.example", oidc_audience="dash", oidc_role_map="ops=Admin, devs=viewer"
    )
    assert settings.oidc_role_map == {"ops": "admin", "devs": "viewer"}
    with pytest.raises(SettingsError, match="TFR_OIDC_ROLE_MAP"):
        load_settings(oidc_role_map="ops=root")
    with pytest.raises(SettingsError, match="https"):
        load_settings(oidc_issuer="http://id.example", oidc_audience="dash", env="prod")
    with pytest.raises(SettingsError, match="AUDIENCE"):
        load_settings(oidc_issuer="https://id.example")
