"""Build the Lambda zip files reproducibly into build/: api.zip, reviewer.zip and, when the
dashboard has been built, web.zip.

Dependencies come from pyproject.toml and are installed as manylinux wheels for the Lambda
architecture (`pip install --platform ... --only-binary=:all: --target`). Versions are pinned to
the ones installed in the development venv, so the zip carries what the test suite ran against.
Entries are sorted and stamped with a fixed time, so the same inputs give the same bytes.

Every module ships with its bytecode, compiled by an interpreter of the Lambda runtime's Python
version (pyenv's, or one on PATH, or --python) into `__pycache__/*.cpython-3XY.pyc` in
unchecked-hash mode: Lambda's code directory is read-only and the zip's timestamps are fixed, so
a timestamp pyc would be recompiled in memory at every cold start; an unchecked-hash pyc is used
as it is. Code objects name their files as /var/task/..., where Lambda unpacks the zip.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / "build"
SOURCE_PACKAGES = ("app", "reviewer", "webhook")
WEB_DIR = ROOT / "web"
WEB_LAUNCHER_DIR = ROOT / "deploy" / "web"

# The API must not pay the cold start of the LLM SDKs; only the reviewer calls a model.
LLM_SDKS = frozenset({"openai", "anthropic", "bpe-openai"})
# Custom Rego policies run in the reviewer only (reviewer/policies): the API never loads them.
POLICY_ENGINE = frozenset({"gordon-to-regorus", "pyyaml"})
REVIEWER_ONLY = LLM_SDKS | POLICY_ENGINE
# The reviewer's big native library goes into a Lambda layer (reviewer-deps.zip, unpacked under
# /opt/python): bpe-openai is 37 MB zipped, and with it beside the rest the reviewer would pass the
# 50 MB direct-upload limit. Split, both zips upload directly and carry all their bytecode.
LAYER_DEPENDENCIES = frozenset({"bpe-openai"})
LAYER_PYTHON_DIR = "python"  # a layer's Python packages live in python/, which Lambda puts on sys.path
LAYER_ROOT = "/opt"
# uvicorn serves the app locally; on Lambda Mangum adapts API Gateway events instead.
LOCAL_ONLY = frozenset({"uvicorn"})
# The Lambda Python runtime ships boto3 (and botocore, s3transfer, jmespath); see main().
RUNTIME_SDK = frozenset({"boto3"})

ZIP_LIMIT_BYTES = 50 * 1024 * 1024
UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
# The earliest time a zip entry can carry; any fixed value makes the archive reproducible.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# Files pip writes that are not needed at run time (RECORD only serves `pip uninstall`).
DIST_INFO_DROP = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
# Bytecode from elsewhere is dropped; compile_bytecode() writes the runtime's own afterwards.
DROP_DIRS = frozenset({"__pycache__", "tests"})
DROP_SUFFIXES = (".pyc", ".pyo")
# Where Lambda unpacks a function's zip: the file names compiled into the bytecode.
LAMBDA_TASK_ROOT = "/var/task"

ARCH_PLATFORM = {"arm64": "aarch64", "x86_64": "x86_64"}


class PackageError(RuntimeError):
    """A package could not be built or breaks a Lambda limit."""


@dataclass(frozen=True)
class Target:
    """One Lambda deployment package."""

    name: str
    dependencies: tuple[str, ...]
    layer: bool = False  # a Lambda layer of dependencies only (no project code)


@dataclass(frozen=True)
class Built:
    """What was written for one package."""

    name: str
    path: Path
    zipped_bytes: int
    unzipped_bytes: int
    files: int
    sha256: str
    bytecode: str = "all"  # "all" modules, "own" (the project's packages only) or "none" (the dashboard)


def requirement_name(spec: str) -> str:
    """The normalised project name of a requirement string ('Foo_Bar[x]>=1' -> 'foo-bar')."""
    name = re.split(r"[\s<>=!~;\[(@]", spec.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def read_dependencies(pyproject: Path) -> list[str]:
    """The runtime dependencies declared in pyproject.toml."""
    with pyproject.open("rb") as handle:
        data = tomllib.load(handle)
    deps = data["project"]["dependencies"]
    if not isinstance(deps, list) or not all(isinstance(dep, str) for dep in deps):
        raise PackageError("project.dependencies in pyproject.toml must be a list of strings")
    return list(deps)


def targets(dependencies: Iterable[str], *, bundle_boto3: bool) -> list[Target]:
    """The API package (no LLM SDKs), the reviewer package (with them) and the reviewer's layer."""
    excluded = set(LOCAL_ONLY) | (set() if bundle_boto3 else set(RUNTIME_SDK))
    common = [dep for dep in dependencies if requirement_name(dep) not in excluded]
    api = tuple(dep for dep in common if requirement_name(dep) not in REVIEWER_ONLY)
    reviewer = tuple(dep for dep in common if requirement_name(dep) not in LAYER_DEPENDENCIES)
    layer = tuple(dep for dep in common if requirement_name(dep) in LAYER_DEPENDENCIES)
    return [Target("api", api), Target("reviewer", reviewer), Target("reviewer-deps", layer, layer=True)]


def pinned_constraints() -> list[str]:
    """'name==version' for every distribution in this venv except the project itself.

    The pins cover the whole dependency tree, so the zip holds what the tests ran against.
    """
    own = {"tfreview"}
    lines = set()
    for dist in importlib.metadata.distributions():
        name = requirement_name(dist.metadata["Name"] or "")
        if name and name not in own:
            lines.add(f"{name}=={dist.version}")
    return sorted(lines)


def platforms(architecture: str, python_version: str) -> list[str]:
    """pip --platform tags the Lambda runtime's glibc can load."""
    machine = ARCH_PLATFORM[architecture]
    tags = [f"manylinux2014_{machine}", f"manylinux_2_17_{machine}"]
    # python3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34); python3.11 on Amazon Linux 2 (2.26).
    if tuple(int(part) for part in python_version.split(".")) >= (3, 12):
        tags += [f"manylinux_2_28_{machine}", f"manylinux_2_34_{machine}"]
    return tags


def pip_install(
    dependencies: Iterable[str],
    target_dir: Path,
    *,
    architecture: str,
    python_version: str,
    constraints: Path | None,
) -> None:
    """Install manylinux wheels for the Lambda runtime into target_dir."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--no-compile", "--implementation", "cp", "--python-version", python_version]
    for tag in platforms(architecture, python_version):
        command += ["--platform", tag]
    command += ["--only-binary=:all:", "--target", str(target_dir)]
    if constraints is not None:
        command += ["--constraint", str(constraints)]
    command += list(dependencies)
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        raise PackageError(f"pip install failed:\n{result.stdout}{result.stderr}")


def strip_tree(root: Path) -> None:
    """Remove what Lambda never loads: caches, test folders, console scripts, pip bookkeeping."""
    shutil.rmtree(root / "bin", ignore_errors=True)  # console scripts carry this host's python path
    for path in sorted(root.rglob("*"), reverse=True):
        if not path.exists():
            continue
        if path.is_dir() and path.name in DROP_DIRS:
            shutil.rmtree(path)
        elif path.is_file() and (
            path.suffix in DROP_SUFFIXES
            or (path.parent.name.endswith(".dist-info") and path.name in DIST_INFO_DROP)
        ):
            path.unlink()


def copy_sources(packages: Iterable[str], source_root: Path, dest: Path) -> None:
    """Copy the project's own packages, without caches."""
    for package in packages:
        shutil.copytree(
            source_root / package,
            dest / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"),
        )


def walk_files(root: Path) -> Iterator[Path]:
    """Every file under root, in a stable order."""
    yield from sorted(
        (p for p in root.rglob("*") if p.is_file()), key=lambda p: p.relative_to(root).as_posix()
    )


def write_zip(source: Path, destination: Path) -> tuple[int, int]:
    """Zip source deterministically; return (file count, unzipped bytes)."""
    count = 0
    unzipped = 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in walk_files(source):
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), date_time=FIXED_ZIP_TIME)
            executable = path.stat().st_mode & stat.S_IXUSR
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permission bits above are honoured
            data = path.read_bytes()
            archive.writestr(info, data, compresslevel=9)
            count += 1
            unzipped += len(data)
    return count, unzipped


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_limits(built: Built, *, via_s3: bool = False) -> None:
    """Raise if a package breaks Lambda's 50 MB zipped (direct upload) / 250 MB unzipped limits."""
    if built.zipped_bytes > ZIP_LIMIT_BYTES and not via_s3:
        raise PackageError(f"{built.name}: {mb(built.zipped_bytes)} zipped is over the 50 MB Lambda limit")
    if built.unzipped_bytes > UNZIPPED_LIMIT_BYTES:
        raise PackageError(
            f"{built.name}: {mb(built.unzipped_bytes)} unzipped is over the 250 MB Lambda limit"
        )


def mb(size: int) -> str:
    """Bytes as MiB with one decimal."""
    return f"{size / (1024 * 1024):.1f} MB"


def assert_excluded(stage: Path, names: Iterable[str]) -> None:
    """Fail when a distribution that must stay out of a package slipped in as a dependency."""
    present = {requirement_name(p.name.split("-")[0]) for p in stage.glob("*.dist-info")}
    leaked = sorted(present & {requirement_name(n) for n in names})
    if leaked:
        raise PackageError(f"{stage.name}: must not contain {', '.join(leaked)}")


def interpreter_version(python: str) -> str | None:
    """'3.12' for a working interpreter, None when it does not run."""
    try:
        result = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def find_interpreter(python_version: str) -> str:
    """An interpreter of exactly this X.Y: pyenv's versions, then PATH, then this one."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = sorted(
        (str(p) for p in pyenv_root.glob(f"versions/{python_version}.*/bin/python{python_version}")),
        key=lambda path: [int(n) for n in re.findall(r"\d+", Path(path).parents[1].name)],
        reverse=True,
    )
    on_path = shutil.which(f"python{python_version}")
    candidates += [on_path] if on_path else []
    candidates.append(sys.executable)
    for candidate in candidates:
        if interpreter_version(candidate) == python_version:
            return candidate
    raise PackageError(
        f"no Python {python_version} interpreter to compile the bytecode with: install it (pyenv install "
        f"{python_version}) or pass --python; the zip must carry the runtime's own .pyc files"
    )


def compile_bytecode(stage: Path, python: str, root: str = LAMBDA_TASK_ROOT) -> None:
    """Write unchecked-hash .pyc files for every module, compiled by the runtime's Python."""
    command = [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"]
    command += ["-s", str(stage), "-p", root, str(stage)]
    # A fixed hash seed keeps frozenset constants, and so the .pyc bytes, the same on every build.
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": ""}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise PackageError(
            f"compiling bytecode with {python} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )


def build_python(
    target: Target,
    work: Path,
    output: Path,
    *,
    architecture: str,
    python_version: str,
    constraints: Path | None,
    python: str,
    via_s3: bool = False,
    policies: Path | None = None,
) -> Built:
    """Install, strip, compile, zip and measure one Python package (or layer)."""
    stage = work / target.name
    packages = stage / LAYER_PYTHON_DIR if target.layer else stage
    packages.mkdir(parents=True)
    pip_install(
        target.dependencies,
        packages,
        architecture=architecture,
        python_version=python_version,
        constraints=constraints,
    )
    if target.name == "api":
        assert_excluded(stage, REVIEWER_ONLY)
    if target.name == "reviewer":
        assert_excluded(stage, LAYER_DEPENDENCIES)
    strip_tree(packages)
    if target.layer:
        compile_bytecode(packages, python, f"{LAYER_ROOT}/{LAYER_PYTHON_DIR}")
    else:
        copy_sources(SOURCE_PACKAGES, ROOT, stage)
        if target.name == "reviewer" and policies is not None:
            copy_policies(policies, stage)
        compile_bytecode(stage, python)
    path = output / f"{target.name}.zip"
    files, unzipped = write_zip(stage, path)
    bytecode = "all"
    if not via_s3 and path.stat().st_size > ZIP_LIMIT_BYTES:
        # Over the direct-upload limit with every module compiled (no zip is today: bpe-openai went
        # into the layer): keep the bytecode of our own packages, drop the dependencies', so the zip
        # still uploads directly. Through S3 (--via-s3, package_s3_bucket) everything stays compiled.
        drop_dependency_bytecode(stage)
        files, unzipped = write_zip(stage, path)
        bytecode = "own"
    return Built(target.name, path, path.stat().st_size, unzipped, files, sha256_of(path), bytecode)


POLICY_DIR = "policies"


def copy_policies(source: Path, stage: Path) -> None:
    """Ship a Rego policy folder in the reviewer as policies/ (TFR_POLICY_PATHS=policies; tests stay out)."""
    if not any(source.rglob("*.rego")):
        raise PackageError(f"{source}: no .rego files to ship")
    shutil.copytree(source, stage / POLICY_DIR, ignore=shutil.ignore_patterns("*_test.rego", ".*"))


def drop_dependency_bytecode(stage: Path) -> None:
    """Remove the __pycache__ directories outside the project's own packages."""
    for cache in sorted(stage.rglob("__pycache__")):
        if cache.relative_to(stage).parts[0] not in SOURCE_PACKAGES:
            shutil.rmtree(cache)


def stage_web(web_dir: Path, launcher_dir: Path, stage: Path) -> None:
    """Lay out the Next.js standalone server plus its static files and the Lambda launcher."""
    standalone = web_dir / ".next" / "standalone"
    shutil.copytree(standalone, stage, symlinks=False, ignore=shutil.ignore_patterns(".env*"))
    static = web_dir / ".next" / "static"
    # The e2e run copies static files into the standalone tree too (to serve it); merge, don't fail.
    if static.is_dir():
        shutil.copytree(static, stage / ".next" / "static", dirs_exist_ok=True)
    public = web_dir / "public"
    if public.is_dir():
        shutil.copytree(public, stage / "public", dirs_exist_ok=True)
    for launcher in ("run.sh", "lambda-start.cjs"):
        shutil.copy2(launcher_dir / launcher, stage / launcher)
    (stage / "run.sh").chmod(0o755)


def build_web(work: Path, output: Path) -> Built | None:
    """Zip the dashboard when `next build` has produced its standalone output."""
    if not (WEB_DIR / ".next" / "standalone" / "server.js").is_file():
        return None
    stage = work / "web"
    stage_web(WEB_DIR, WEB_LAUNCHER_DIR, stage)
    path = output / "web.zip"
    files, unzipped = write_zip(stage, path)
    return Built("web", path, path.stat().st_size, unzipped, files, sha256_of(path), "none")


# Lambda's python3.11 runs on Amazon Linux 2, which AWS blocked for new and updated functions in 2026;
# python3.12 is the oldest supported runtime. The code targets 3.11 and uses nothing 3.12 removed.
LAMBDA_PYTHON_VERSION = "3.12"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.package", description=__doc__.splitlines()[0])
    parser.add_argument("--architecture", choices=sorted(ARCH_PLATFORM), default="arm64")
    parser.add_argument("--python-version", default=LAMBDA_PYTHON_VERSION)
    parser.add_argument(
        "--python",
        help="interpreter of --python-version that compiles the bytecode (default: found in pyenv or PATH)",
    )
    parser.add_argument(
        "--boto3",
        choices=["bundle", "runtime"],
        default="runtime",
        help="use the boto3 of the Lambda runtime (default) or bundle the venv's (+16 MB zipped)",
    )
    parser.add_argument("--no-pin", action="store_true", help="resolve the newest versions instead")
    parser.add_argument("--output", type=Path, default=BUILD_DIR)
    parser.add_argument("--skip-web", action="store_true", help="do not zip the dashboard")
    parser.add_argument(
        "--policies",
        type=Path,
        help="Rego policy folder shipped in reviewer.zip as policies/ (set TFR_POLICY_PATHS=policies)",
    )
    parser.add_argument(
        "--via-s3",
        action="store_true",
        help="the zips are deployed through S3 (Terraform package_s3_bucket): only 250 MB unzipped applies",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build every package, print sizes, fail over Lambda's limits."""
    args = parse_args(argv)
    output: Path = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    dependencies = read_dependencies(ROOT / "pyproject.toml")
    # boto3/botocore come from the Lambda runtime by default: every API the code calls (DynamoDB,
    # Lambda Invoke, Secrets Manager, Bedrock Converse from 1.34.116) is in the runtime's SDK, and
    # botocore costs 16 MB zipped, which the reviewer cannot afford next to bpe-openai's 37 MB.
    bundle_boto3 = args.boto3 == "bundle"
    python = args.python or find_interpreter(args.python_version)
    if interpreter_version(python) != args.python_version:
        raise PackageError(f"--python {python} is not Python {args.python_version}")
    results: list[Built] = []
    with tempfile.TemporaryDirectory(prefix="tfreview-package-") as tmp:
        work = Path(tmp)
        constraints: Path | None = None
        if not args.no_pin:
            constraints = work / "constraints.txt"
            constraints.write_text("\n".join(pinned_constraints()) + "\n")
        for target in targets(dependencies, bundle_boto3=bundle_boto3):
            print(f"building {target.name} ({args.architecture}, cp{args.python_version.replace('.', '')})")
            results.append(
                build_python(
                    target,
                    work,
                    output,
                    architecture=args.architecture,
                    python_version=args.python_version,
                    constraints=constraints,
                    python=python,
                    via_s3=args.via_s3,
                    policies=args.policies,
                )
            )
        if not args.skip_web:
            web = build_web(work, output)
            if web is None:
                print("web: skipped (no web/.next/standalone; run `npm --prefix web run build` first)")
            else:
                results.append(web)
    manifest = {
        "architecture": args.architecture,
        "python_version": args.python_version,
        "bytecode": f"cpython-{args.python_version.replace('.', '')}, unchecked-hash",
        "boto3": args.boto3,
        "packages": {
            b.name: {
                "zipped_bytes": b.zipped_bytes,
                "unzipped_bytes": b.unzipped_bytes,
                "sha256": b.sha256,
                "bytecode": b.bytecode,
            }
            for b in results
        },
    }
    (output / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    failures = []
    for built in results:
        print(
            f"{built.name:>9}: {mb(built.zipped_bytes):>9} zipped, {mb(built.unzipped_bytes):>9} unzipped,"
            f" {built.files:>5} files, bytecode {built.bytecode}  {built.path.relative_to(output.parent)}"
            f"  sha256 {built.sha256[:12]}"
        )
        if built.bytecode == "own":
            print(
                f"{'':>11}dependencies without bytecode to stay under 50 MB; build with --via-s3 and deploy"
                " with package_s3_bucket to ship it all compiled"
            )
        try:
            check_limits(built, via_s3=args.via_s3)
        except PackageError as exc:
            failures.append(str(exc))
    # A function's zip and its layers share one 250 MB unzipped limit.
    sizes = {b.name: b.unzipped_bytes for b in results}
    if "reviewer" in sizes and "reviewer-deps" in sizes:
        together = sizes["reviewer"] + sizes["reviewer-deps"]
        if together > UNZIPPED_LIMIT_BYTES:
            failures.append(
                f"reviewer with its layer: {mb(together)} unzipped is over the 250 MB Lambda limit"
            )
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except PackageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
