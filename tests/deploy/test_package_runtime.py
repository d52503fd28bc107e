"""api.zip as Lambda runs it: built by scripts/package.py for a runtime's Python, unpacked into a
read-only directory, imported by an interpreter of that version and called with an HTTP API
event. Every module of the zip must load from the shipped bytecode (nothing compiled at import).

Builds for the configured runtime (deploy/variables.tf, python3.12) and for python3.13, the other
runtime it admits, to show that packaging for another runtime version works. (python3.11 runs on
Amazon Linux 2, which Lambda blocks since 2026 and whose glibc 2.26 the Rego engine's only wheels,
manylinux_2_34, do not support: scripts/package.py refuses it for want of wheels.) Needs pip's index
(wheels for the runtime's platform) and the interpreters (pyenv or PATH); skipped with the reason
otherwise.
"""

from __future__ import annotations

import json
import os
import platform
import posixpath
import re
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from scripts import package
from tests.app.test_handler_imports import LAMBDA_ENV
from tests.deploy.terraform import ROOT, load_module

pytestmark = pytest.mark.timeout(900)

ARCHITECTURE = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine())


def configured_version() -> str:
    runtime = load_module().variables["python_runtime"]["default"]
    match = re.fullmatch(r"python(3\.\d+)", runtime)
    assert match, runtime
    return match.group(1)


def other_versions() -> set[str]:
    """Every runtime python_runtime's validation admits besides the default."""
    condition = load_module().variables["python_runtime"]["validation"][0]["condition"]
    return set(re.findall(r"python(3\.\d+)", condition)) - {configured_version()}


VERSIONS = sorted({configured_version(), *other_versions()})

_IMPORT_AND_CALL = """
import importlib._bootstrap_external as bootstrap
import json, sys

TASK = sys.argv[1]
compiled = []
_source_to_code = bootstrap.SourceLoader.source_to_code


def recording(self, data, path, *args, **kwargs):
    compiled.append(str(path))
    return _source_to_code(self, data, path, *args, **kwargs)


bootstrap.SourceLoader.source_to_code = recording
from app.handler import handler

event = {
    "version": "2.0", "routeKey": "GET /healthz", "rawPath": "/healthz", "rawQueryString": "",
    "headers": {"host": "x.execute-api.eu-west-1.amazonaws.com"},
    "requestContext": {"http": {"method": "GET", "path": "/healthz", "protocol": "HTTP/1.1",
                                "sourceIp": "203.0.113.7", "userAgent": "t"},
                       "requestId": "r", "routeKey": "GET /healthz", "stage": "$default",
                       "accountId": "123456789012", "apiId": "x", "domainName": "x", "domainPrefix": "x",
                       "time": "04/Dec/2026:06:00:00 +0000", "timeEpoch": 1796364000000},
    "isBase64Encoded": False,
}
response = handler(event, None)
# The edge authorizer from the same zip: with no origin secret configured it admits nothing.
from app.edge.handler import handler as authorize
authorized = authorize({"version": "2.0", "type": "REQUEST", "routeKey": "GET /docs", "headers": {}}, None)
from_task = [m.__file__ for m in list(sys.modules.values()) if (getattr(m, "__file__", None) or "").startswith(TASK)]
print(json.dumps({
    "status": response["statusCode"],
    "authorizer": authorized,
    "compiled_from_task": [p for p in compiled if p.startswith(TASK)],
    "modules_from_task": len(from_task),
    "version": "%d.%d" % sys.version_info[:2],
}))
"""


def _read_only(root: Path) -> None:
    for path in [*root.rglob("*"), root]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_api_zip_imports_from_its_bytecode_under_the_runtime_python(version: str, tmp_path: Path) -> None:
    if ARCHITECTURE is None:
        pytest.skip(f"no Lambda architecture for {platform.machine()}")
    try:
        python = package.find_interpreter(version)
    except package.PackageError as exc:
        pytest.skip(str(exc))
    dependencies = package.read_dependencies(ROOT / "pyproject.toml")
    api = package.targets(dependencies, bundle_boto3=False)[0]
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(package.pinned_constraints()) + "\n")
    work, output = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    output.mkdir()
    try:
        built = package.build_python(
            api,
            work,
            output,
            architecture=ARCHITECTURE,
            python_version=version,
            constraints=constraints,
            python=python,
        )
        # The Lambda runtime provides boto3; a stand-in of the same version for this interpreter.
        runtime = tmp_path / "runtime"
        package.pip_install(
            ["boto3"], runtime, architecture=ARCHITECTURE, python_version=version, constraints=constraints
        )
    except package.PackageError as exc:
        if "pip install failed" in str(exc) and (
            "No matching distribution" in str(exc) or "connection" in str(exc).lower()
        ):
            pytest.skip(f"wheels for Python {version} are not available here: {str(exc)[-300:]}")
        raise
    package.check_limits(built)

    task = tmp_path / "task"
    with zipfile.ZipFile(built.path) as archive:
        names = archive.namelist()
        archive.extractall(task)
    tag = f"cpython-{version.replace('.', '')}"
    sources = [n for n in names if n.endswith(".py")]
    shipped = set(names)
    missing = [
        n
        for n in sources
        if posixpath.join(posixpath.dirname(n), "__pycache__", f"{posixpath.basename(n)[:-3]}.{tag}.pyc")
        not in shipped
    ]
    assert not missing, f"modules without {tag} bytecode: {missing[:10]}"
    assert not [n for n in names if n.endswith(".pyc") and tag not in n], "bytecode of another Python"
    for name in [n for n in names if n.endswith(".pyc")][:200]:
        flags = int.from_bytes((task / name).read_bytes()[4:8], "little")
        assert flags == 0b01, f"{name} is not unchecked-hash bytecode (flags {flags:#b})"

    _read_only(task)
    try:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": f"{task}{os.pathsep}{runtime}",
            **LAMBDA_ENV,
        }
        result = subprocess.run(
            [python, "-c", _IMPORT_AND_CALL, str(task)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        _writable(task)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["version"] == version
    assert report["status"] == 200
    assert report["authorizer"] == {"isAuthorized": False}
    assert report["modules_from_task"] > 100
    assert report["compiled_from_task"] == [], f"compiled at import: {report['compiled_from_task'][:10]}"
