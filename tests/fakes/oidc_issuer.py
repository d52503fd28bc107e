"""A token issuer for tests: real RSA keys, a discovery document and a JWKS served over HTTP.

It signs tokens the way a provider does; the code under test fetches the keys over a real socket
and checks them like any other issuer's (the dashboard's e2e suite uses a real provider instead).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

AUDIENCE = "tfreview-dashboard"
ROLE_MAP = "tfr-viewers=viewer,tfr-submitters=submitter,tfr-approvers=approver,tfr-admins=admin"
GROUPS = {
    "viewer": ["tfr-viewers"],
    "submitter": ["tfr-submitters"],
    "approver": ["tfr-approvers"],
    "admin": ["tfr-admins"],
}


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Issuer:
    """Signing keys (by kid) published at {url}/jwks; requests counts every JWKS fetch."""

    url: str = ""
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)
    jwks_fetches: int = 0

    def add_key(self, kid: str, *, publish: bool = True) -> None:
        self.keys[kid] = new_rsa_key()
        if publish:
            self.published.append(kid)

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid in self.published:
            jwk = json.loads(RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    def token(
        self,
        role: str | None = "approver",
        *,
        kid: str | None = None,
        lifetime: int = 600,
        issued_ago: int = 0,
        **claims: Any,
    ) -> str:
        """A signed token for the person of this role (their groups, name and e-mail)."""
        now = int(time.time()) - issued_ago
        payload: dict[str, Any] = {
            "iss": self.url,
            "aud": AUDIENCE,
            "sub": f"user-{role}",
            "name": f"{(role or 'nobody').title()} Person",
            "email": f"{role}@example.test",
            "groups": GROUPS.get(role or "", []),
            "iat": now,
            "exp": now + lifetime,
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        kid = kid or self.published[0]
        return jwt.encode(payload, self.keys[kid], algorithm="RS256", headers={"kid": kid})


@contextmanager
def serve_issuer() -> Iterator[Issuer]:
    """An issuer on 127.0.0.1 with one published key ('k1')."""
    issuer = Issuer()
    issuer.add_key("k1")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's method name
            if self.path == "/.well-known/openid-configuration":
                body = {"issuer": issuer.url, "jwks_uri": issuer.url + "/jwks"}
            elif self.path == "/jwks":
                issuer.jwks_fetches += 1
                body = issuer.jwks()
            else:
                self.send_response(404)
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    issuer.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield issuer
    finally:
        server.shutdown()
        server.server_close()
