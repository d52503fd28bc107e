"""The local OpenID Connect provider (tools/oidc-dev, node oidc-provider) for make dev and the e2e suite."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tools" / "oidc-dev" / "server.js"
CLIENT_ID = "tfreview-dashboard"
CLIENT_SECRET = "dev-dashboard-secret"
# Its ID tokens live 2 s (tools/oidc-dev/server.js): the e2e suite's expired tokens.
SHORT_CLIENT_ID = "tfreview-short-lived"
# Must match USERS in tools/oidc-dev/server.js: login -> (password, display name).
USERS = {
    "viewer": ("viewer-pass", "Vera Viewer"),
    "submitter": ("submitter-pass", "Sam Submitter"),
    "approver": ("approver-pass", "Alex Approver"),
    "admin": ("admin-pass", "Ada Admin"),
}
ROLE_MAP = (
    "tfreview-viewers=viewer,tfreview-submitters=submitter,tfreview-approvers=approver,tfreview-admins=admin"
)


class OidcDevError(RuntimeError):
    """The provider did not start (node or its packages missing: run `make setup`)."""


@dataclass
class OidcDev:
    issuer: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def provider_env(port: int, dashboard_urls: list[str], id_token_ttl: int = 3600) -> dict[str, str]:
    """The provider's settings for a dashboard reachable at these base URLs."""
    return {
        "OIDC_DEV_PORT": str(port),
        "OIDC_DEV_CLIENT_ID": CLIENT_ID,
        "OIDC_DEV_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_DEV_REDIRECT_URIS": ",".join(f"{url}/auth/callback" for url in dashboard_urls),
        "OIDC_DEV_LOGOUT_URIS": ",".join(f"{url}/signed-out" for url in dashboard_urls),
        "OIDC_DEV_ID_TOKEN_TTL": str(id_token_ttl),
    }


def argv() -> list[str]:
    if not (SERVER.parent / "node_modules" / "oidc-provider").exists():
        raise OidcDevError("tools/oidc-dev has no node_modules: run `make setup`")
    return ["node", str(SERVER)]


def wait_ready(issuer: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise OidcDevError(f"the OIDC provider exited with {process.returncode}")
        try:
            if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise OidcDevError(f"the OIDC provider at {issuer} did not become ready")


def start(port: int, dashboard_urls: list[str], *, quiet: bool = True, id_token_ttl: int = 3600) -> OidcDev:
    """Start the provider on 127.0.0.1:port and wait until discovery answers."""
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(
        argv(),
        cwd=SERVER.parent,
        env=dict(os.environ, **provider_env(port, dashboard_urls, id_token_ttl)),
        stdout=output,
        stderr=output,
        start_new_session=True,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_ready(issuer, process)
    except BaseException:
        OidcDev(issuer, process).stop()
        raise
    return OidcDev(issuer, process)
