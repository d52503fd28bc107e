"""scripts/package.py: which dependencies go where, and byte-for-byte reproducible zips.

The real `make package` downloads wheels; these tests stay offline and exercise the pure parts.
"""

from __future__ import annotations

import os
import zipfile

import pytest

from scripts import package
from tests.app.test_handler_imports import LAMBDA_ENV
from tests.deploy.terraform import ROOT


def test_requirement_names_are_normalised() -> None:
    assert package.requirement_name("bpe_openai>=0.1.4") == "bpe-openai"
    assert package.requirement_name("moto[awslambda]>=5") == "moto"
    assert package.requirement_name("Pydantic-Settings ~= 2.4") == "pydantic-settings"


def test_api_package_has_no_llm_sdks_and_reviewer_has_them() -> None:
    deps = package.read_dependencies(ROOT / "pyproject.toml")
    api, reviewer, layer = package.targets(deps, bundle_boto3=False)
    api_names = {package.requirement_name(d) for d in api.dependencies}
    reviewer_names = {package.requirement_name(d) for d in reviewer.dependencies}
    layer_names = {package.requirement_name(d) for d in layer.dependencies}
    assert not api_names & package.REVIEWER_ONLY
    # The tokenizer's 37 MB native library is in the reviewer's layer, the rest in its zip.
    assert layer.layer and layer_names == package.LAYER_DEPENDENCIES
    assert reviewer_names | layer_names >= package.REVIEWER_ONLY
    assert not reviewer_names & layer_names
    for names in (api_names, reviewer_names):
        assert {"fastapi", "mangum", "pydantic"} <= names
        assert "uvicorn" not in names  # local server only
        assert "boto3" not in names  # from the Lambda runtime


def test_boto3_can_be_bundled() -> None:
    deps = package.read_dependencies(ROOT / "pyproject.toml")
    api, _reviewer, _layer = package.targets(deps, bundle_boto3=True)
    assert "boto3" in {package.requirement_name(d) for d in api.dependencies}


def test_platform_tags_follow_the_runtime() -> None:
    assert package.platforms("arm64", "3.11") == ["manylinux2014_aarch64", "manylinux_2_17_aarch64"]
    assert "manylinux_2_34_x86_64" in package.platforms("x86_64", "3.12")


def test_default_python_version_matches_the_lambda_runtime() -> None:
    assert package.LAMBDA_PYTHON_VERSION == "3.12"


def _tree(root, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_zip_is_reproducible_and_sorted(tmp_path) -> None:
    files = {"b/z.py": b"z = 1\n", "a/__init__.py": b"", "a/x.py": b"x = 2\n", "run.sh": b"#!/bin/sh\n"}
    first, second = tmp_path / "one", tmp_path / "two"
    _tree(first, files)
    _tree(second, dict(reversed(list(files.items()))))
    (first / "run.sh").chmod(0o755)
    (second / "run.sh").chmod(0o755)
    os.utime(second / "a" / "x.py", (1_000_000_000, 1_000_000_000))
    count, size = package.write_zip(first, tmp_path / "one.zip")
    package.write_zip(second, tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    assert (count, size) == (4, sum(len(v) for v in files.values()))
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        names = archive.namelist()
        assert names == sorted(names)
        info = archive.getinfo("run.sh")
        assert info.date_time == package.FIXED_ZIP_TIME
        assert (info.external_attr >> 16) & 0o777 == 0o755
        assert (archive.getinfo("a/x.py").external_attr >> 16) & 0o777 == 0o644


def test_strip_tree_drops_caches_tests_scripts_and_records(tmp_path) -> None:
    _tree(
        tmp_path,
        {
            "bin/fastapi": b"#!/usr/bin/python\n",
            "pkg/__init__.py": b"",
            "pkg/__pycache__/x.cpython-311.pyc": b"",
            "pkg/tests/test_x.py": b"",
            "pkg-1.0.dist-info/RECORD": b"",
            "pkg-1.0.dist-info/METADATA": b"Name: pkg\n",
        },
    )
    package.strip_tree(tmp_path)
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == ["pkg-1.0.dist-info/METADATA", "pkg/__init__.py"]


def test_assert_excluded_catches_a_leaked_sdk(tmp_path) -> None:
    stage = tmp_path / "api"
    (stage / "openai-1.0.0.dist-info").mkdir(parents=True)
    with pytest.raises(package.PackageError, match="openai"):
        package.assert_excluded(stage, package.LLM_SDKS)


def test_limits_are_enforced(tmp_path) -> None:
    too_big = package.Built("x", tmp_path / "x.zip", package.ZIP_LIMIT_BYTES + 1, 1, 1, "")
    with pytest.raises(package.PackageError, match="50 MB"):
        package.check_limits(too_big)
    package.check_limits(too_big, via_s3=True)  # S3 deployment: only the unzipped limit applies
    too_wide = package.Built("x", tmp_path / "x.zip", 1, package.UNZIPPED_LIMIT_BYTES + 1, 1, "")
    with pytest.raises(package.PackageError, match="250 MB"):
        package.check_limits(too_wide)


def test_web_launcher_is_executable_and_starts_the_standalone_server() -> None:
    run = ROOT / "deploy" / "web" / "run.sh"
    assert os.access(run, os.X_OK)
    assert "lambda-start.cjs" in run.read_text()
    start = (ROOT / "deploy" / "web" / "lambda-start.cjs").read_text()
    assert "TFR_SESSION_SECRET_SECRET_ID" in start and 'require(path.join(__dirname, "server.js"))' in start


def test_web_stage_holds_server_static_files_and_launcher(tmp_path) -> None:
    web = tmp_path / "web"
    _tree(
        web,
        {
            ".next/standalone/server.js": b"// next\n",
            ".next/standalone/.env.local": b"TFR_API_KEY=never-ship-me\n",
            ".next/standalone/node_modules/next/index.js": b"",
            ".next/static/chunks/app.js": b"",
            "public/favicon.ico": b"",
        },
    )
    stage = tmp_path / "stage"
    package.stage_web(web, ROOT / "deploy" / "web", stage)
    files = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
    assert files == [
        ".next/static/chunks/app.js",
        "lambda-start.cjs",
        "node_modules/next/index.js",
        "public/favicon.ico",
        "run.sh",
        "server.js",
    ]
    assert os.access(stage / "run.sh", os.X_OK)


_IMPORT_WITHOUT_LLM_SDKS = """
import importlib.abc
import sys

BLOCKED = set(sys.argv[1].split(","))


class NotInTheZip(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(name + " is not in api.zip")
        return None


sys.meta_path.insert(0, NotInTheZip())
import app.handler  # noqa: E402,F401
import app.edge.handler  # noqa: E402,F401  (the edge authorizer runs from api.zip too)
"""


def test_api_handler_imports_without_what_api_zip_leaves_out() -> None:
    """api.zip has no LLM SDKs and no uvicorn: the API's and the edge authorizer's entries must load without them."""
    import subprocess
    import sys

    import_names = {"gordon-to-regorus": "regorus", "pyyaml": "yaml"}
    blocked = {
        import_names.get(name, name.replace("-", "_")) for name in package.REVIEWER_ONLY | package.LOCAL_ONLY
    }
    env = {"PATH": os.environ.get("PATH", ""), **LAMBDA_ENV}
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_WITHOUT_LLM_SDKS, ",".join(sorted(blocked))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def _pyc_flags(path) -> int:
    return int.from_bytes(path.read_bytes()[4:8], "little")


def test_bytecode_is_unchecked_hash_named_for_the_task_root(tmp_path) -> None:
    """Lambda's code directory is read-only: a pyc that needs a source check is recompiled every cold start."""
    import importlib.util
    import marshal
    import sys

    _tree(tmp_path, {"pkg/__init__.py": b"", "pkg/mod.py": b"VALUE = frozenset({'a', 'b'})\n"})
    package.compile_bytecode(tmp_path, sys.executable)
    pyc = tmp_path / "pkg" / "__pycache__" / f"mod.{sys.implementation.cache_tag}.pyc"
    assert pyc.read_bytes()[:4] == importlib.util.MAGIC_NUMBER
    assert _pyc_flags(pyc) == 0b01  # hash-based, source never checked
    code = marshal.loads(pyc.read_bytes()[16:])
    assert code.co_filename == f"{package.LAMBDA_TASK_ROOT}/pkg/mod.py"
    first = pyc.read_bytes()
    pyc.unlink()
    package.compile_bytecode(tmp_path, sys.executable)
    assert pyc.read_bytes() == first  # reproducible


def test_a_module_that_does_not_compile_fails_the_build(tmp_path) -> None:
    import sys

    _tree(tmp_path, {"bad.py": b"def broken(:\n"})
    with pytest.raises(package.PackageError, match="compiling bytecode"):
        package.compile_bytecode(tmp_path, sys.executable)


def test_the_interpreter_is_found_by_exact_version(tmp_path, monkeypatch) -> None:
    """pyenv's newest patch release of X.Y first; never an interpreter of another version."""
    for version in ("3.12.1", "3.12.7", "3.13.0"):
        python = tmp_path / "versions" / version / "bin" / f"python{version[:4]}"
        python.parent.mkdir(parents=True)
        python.write_text(f"#!/bin/sh\necho {version[:4]}\n")
        python.chmod(0o755)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", "/nonexistent")
    assert package.find_interpreter("3.12") == str(tmp_path / "versions" / "3.12.7" / "bin" / "python3.12")
    assert package.find_interpreter("3.13").endswith("3.13.0/bin/python3.13")
    with pytest.raises(package.PackageError, match="no Python 3.9 interpreter"):
        package.find_interpreter("3.9")


def test_over_the_upload_limit_only_our_own_bytecode_stays(tmp_path) -> None:
    _tree(
        tmp_path,
        {
            "app/__pycache__/main.cpython-312.pyc": b"",
            "reviewer/engine/__pycache__/plan.cpython-312.pyc": b"",
            "openai/__pycache__/client.cpython-312.pyc": b"",
            "openai/types/__pycache__/chat.cpython-312.pyc": b"",
            "openai/client.py": b"",
        },
    )
    package.drop_dependency_bytecode(tmp_path)
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == [
        "app/__pycache__/main.cpython-312.pyc",
        "openai/client.py",
        "reviewer/engine/__pycache__/plan.cpython-312.pyc",
    ]
