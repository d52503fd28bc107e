"""Policy files: finding them, reading their package, input shape, Rego version and METADATA annotations."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from reviewer.policies.errors import PolicyError, engine_message

# Rules whose results become findings: conftest's `deny`, `warn`, `violation` and their `deny_*` forms;
# Spacelift plan policies use `deny` and `warn`.
FINDING_RULE = re.compile(r"^(deny|warn|violation)(_\w+)?$")
TEST_RULE = re.compile(r"^test_\w+$")
_PACKAGE = re.compile(r"^[ \t]*package[ \t]+(?P<name>[A-Za-z_][\w.]*)", re.MULTILINE)
_INPUT_MARK = re.compile(r"^[ \t]*#[ \t]*tfreview:input[ \t]+(?P<shape>\w+)", re.MULTILINE)
_RULE_NAME = re.compile(r"^[ \t]*(?:default[ \t]+)?(?P<name>[A-Za-z_]\w*)")
MAX_POLICY_BYTES = 1024 * 1024


class InputShape(StrEnum):
    """Which input document a policy expects."""

    CONFTEST = "conftest"  # input = the `terraform show -json` document
    SPACELIFT = "spacelift"  # input.terraform.resource_changes, input.spacelift (plan policies)


@dataclass(slots=True)
class Annotations:
    """What METADATA blocks say about a package and its rules (title, description, custom)."""

    package: dict[str, Any] = field(default_factory=dict)
    rules: dict[str, dict[str, Any]] = field(default_factory=dict)

    def for_rule(self, rule: str) -> dict[str, Any]:
        return self.rules.get(rule, {})


@dataclass(slots=True)
class PolicyModule:
    """One .rego file as the engine will see it."""

    path: Path
    source: str  # as loaded, with a Spacelift package renamed (same lines)
    package: str  # as evaluated: `spacelift.<file>` for Spacelift's shared `package spacelift`
    shape: InputShape
    rego_v0: bool = False
    annotations: Annotations = field(default_factory=Annotations)
    finding_rules: list[str] = field(default_factory=list)
    test_rules: list[str] = field(default_factory=list)

    @property
    def is_test(self) -> bool:
        return self.path.name.endswith("_test.rego")


def policy_files(paths: list[str]) -> list[Path]:
    """The .rego files named by `paths` (files, or folders searched recursively), in a stable order."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.rego") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise PolicyError(f"{name}: no such policy file or folder")
    unique = list(dict.fromkeys(files))
    if not unique:
        raise PolicyError(f"{', '.join(paths)}: no .rego files found")
    return unique


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy: {exc.strerror}") from None
    if len(data) > MAX_POLICY_BYTES:
        raise PolicyError(f"{path}: policy file larger than {MAX_POLICY_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: policy file is not UTF-8 text") from None


def _identifier(text: str) -> str:
    name = re.sub(r"\W", "_", text)
    return name if name and not name[0].isdigit() else f"p_{name}"


def _metadata(path: Path, source: str) -> Annotations:
    """Parse `# METADATA` blocks (YAML in comments) and attach each to the package or rule that follows."""
    annotations = Annotations()
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != "# METADATA":
            i += 1
            continue
        start = i + 1
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].lstrip().startswith("#"):
            text = lines[i].lstrip()[1:]
            body.append(text[1:] if text.startswith(" ") else text)
            i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        data = _yaml(path, start, "\n".join(body))
        target = lines[i] if i < len(lines) else ""
        scope = str(data.get("scope", ""))
        if _PACKAGE.match(target) or scope in ("package", "subpackages"):
            annotations.package.update(data)
        else:
            match = _RULE_NAME.match(target)
            if match:
                annotations.rules.setdefault(match["name"], data)
    return annotations


def _yaml(path: Path, line: int, text: str) -> dict[str, Any]:
    import yaml  # only for policies that carry METADATA

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = line + 1 + (mark.line if mark is not None else 0)
        raise PolicyError(
            f"{path}:{where}: METADATA is not valid YAML: {getattr(exc, 'problem', exc)}"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PolicyError(f"{path}:{line + 1}: METADATA must be a YAML mapping")
    # Dates and other YAML types become plain JSON values, so annotations can be pickled and compared.
    loaded: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return loaded


def _shape(source: str, package: str, annotations: Annotations, path: Path) -> InputShape:
    mark = _INPUT_MARK.search(source)
    custom = annotations.package.get("custom")
    declared = mark["shape"] if mark else custom.get("input") if isinstance(custom, dict) else None
    if declared is not None:
        try:
            return InputShape(str(declared).lower())
        except ValueError:
            raise PolicyError(
                f"{path}: unknown input shape {declared!r} (use conftest or spacelift)"
            ) from None
    if package == "spacelift" or package.startswith("spacelift."):
        return InputShape.SPACELIFT
    return InputShape.CONFTEST


def read_module(path: Path) -> PolicyModule:
    """Read one file: its package, input shape and annotations (the Rego itself is checked by the engine)."""
    source = _read(path)
    match = _PACKAGE.search(source)
    if match is None:
        raise PolicyError(f"{path}:1: no `package` declaration")
    package = match["name"]
    annotations = _metadata(path, source)
    shape = _shape(source, package, annotations, path)
    if package == "spacelift":
        # Every Spacelift policy is `package spacelift` and Spacelift evaluates each one alone; here they
        # share one engine, so each gets its own package named after its file (`x_test.rego` joins `x`).
        stem = path.name.removesuffix(".rego").removesuffix("_test")
        package = f"spacelift.{_identifier(stem)}"
        source = source[: match.start("name")] + package + source[match.end("name") :]
    return PolicyModule(path=path, source=source, package=package, shape=shape, annotations=annotations)


def rule_names(ast: dict[str, Any]) -> list[str]:
    """Names of the rules one module defines, from the engine's AST (JSON)."""
    names: list[str] = []
    for rule in ast.get("rules", []):
        for node in rule.values():
            head = node.get("head", node) if isinstance(node, dict) else {}
            refr = next((value.get("refr") for value in head.values() if isinstance(value, dict)), None)
            if refr is None:
                refr = head.get("refr")
            name = _leftmost_var(refr)
            if name is not None and name not in names:
                names.append(name)
    return names


def _leftmost_var(refr: Any) -> str | None:
    while isinstance(refr, dict):
        if "Var" in refr:
            value = refr["Var"].get("value")
            return value if isinstance(value, str) else None
        inner = next(iter(refr.values()), None)
        refr = inner.get("refr") if isinstance(inner, dict) else None
    return None


def load_module(path: Path) -> PolicyModule:
    """read_module, then parse it with the engine (Rego v1, or v0 when only that parses)."""
    import regorus

    module = read_module(path)
    name = str(path)
    engine = regorus.Engine()
    try:
        engine.add_policy(name, module.source)
    except RuntimeError as v1_error:
        engine = regorus.Engine()
        engine.set_rego_v0(True)
        try:
            engine.add_policy(name, module.source)
        except RuntimeError:
            raise PolicyError(engine_message(v1_error)) from None
        module.rego_v0 = True
    asts = json.loads(engine.get_ast_as_json())
    names = rule_names(asts[0]["ast"]) if asts else []
    module.finding_rules = [n for n in names if FINDING_RULE.match(n)]
    module.test_rules = [n for n in names if TEST_RULE.match(n)]
    return module
