"""Parse the Terraform under deploy/ with python-hcl2 into plain Python for the structural tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import hcl2

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# Another engineer's module; parsed and checked for conventions, not for the AWS rules.
SUBMODULES = ("spacelift",)

_META_KEYS = {"__is_block__", "__comments__", "__inline_comments__", "__start_line__", "__end_line__"}
_EXPRESSION = re.compile(r"^\$\{(.*)\}$", re.DOTALL)


def unquote(value: str) -> str:
    """'"abc"' -> 'abc'; expressions and bare words are returned unchanged."""
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1]
    return value


def clean(node: Any) -> Any:
    """Drop hcl2's bookkeeping keys and the quotes it keeps around string literals."""
    if isinstance(node, dict):
        return {unquote(k): clean(v) for k, v in node.items() if k not in _META_KEYS}
    if isinstance(node, list):
        return [clean(v) for v in node]
    if isinstance(node, str):
        return unquote(node)
    return node


def expression(value: Any) -> str | None:
    """The inside of a '${...}' expression, or None for a literal."""
    if isinstance(value, str):
        match = _EXPRESSION.match(value)
        if match:
            return match.group(1).strip()
    return None


@dataclass
class Module:
    """Every top-level block of one Terraform directory, keyed for lookup."""

    path: Path
    texts: dict[str, str] = field(default_factory=dict)
    resources: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    resource_files: dict[tuple[str, str], str] = field(default_factory=dict)
    data: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    others: dict[str, list[Any]] = field(default_factory=dict)

    def resource(self, type_: str, name: str) -> dict[str, Any]:
        return self.resources[(type_, name)]

    def of_type(self, type_: str) -> dict[str, dict[str, Any]]:
        return {name: body for (t, name), body in self.resources.items() if t == type_}

    def default(self, value: Any) -> Any:
        """A literal as is; 'var.x' resolved to the variable's default."""
        expr = expression(value)
        if expr is None:
            return value
        match = re.fullmatch(r"var\.([a-z0-9_]+)", expr)
        if match is None:
            raise AssertionError(f"cannot resolve {value!r} to a literal")
        return self.variables[match.group(1)]["default"]


def tf_files(directory: Path, *, recursive: bool) -> list[Path]:
    pattern = "**/*.tf" if recursive else "*.tf"
    return sorted(p for p in directory.glob(pattern) if ".terraform" not in p.parts)


def parse_file(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return dict(hcl2.load(handle))


@lru_cache(maxsize=8)
def load_module(directory: Path = DEPLOY) -> Module:
    """Parse every .tf file directly in directory into a Module."""
    module = Module(directory)
    for path in tf_files(directory, recursive=False):
        module.texts[path.name] = path.read_text()
        parsed = clean(parse_file(path))
        for kind, blocks in parsed.items():
            for block in blocks:
                if kind in ("resource", "data"):
                    for type_, named in block.items():
                        for name, body in named.items():
                            key = (type_, name)
                            target = module.resources if kind == "resource" else module.data
                            assert key not in target, f"duplicate {kind} {type_}.{name}"
                            target[key] = body
                            if kind == "resource":
                                module.resource_files[key] = path.name
                elif kind == "variable":
                    for name, body in block.items():
                        module.variables[name] = body
                elif kind == "output":
                    for name, body in block.items():
                        module.outputs[name] = body
                elif kind == "locals":
                    for name, value in block.items():
                        assert name not in module.locals, f"local.{name} defined twice"
                        module.locals[name] = value
                else:
                    module.others.setdefault(kind, []).append(block)
    return module


def module_dirs() -> list[Path]:
    """deploy/ and every directory below it that holds .tf files."""
    dirs = {p.parent for p in tf_files(DEPLOY, recursive=True)}
    return sorted(dirs)


def policy_statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Static and dynamic statements of an aws_iam_policy_document body."""
    statements = list(document.get("statement", []))
    for dynamic in document.get("dynamic", []):
        for label, body in dynamic.items():
            if label == "statement":
                statements.extend(body.get("content", []))
    return statements


def string_list(module: Module, value: Any) -> list[str]:
    """A list attribute as strings, with 'local.x' lists expanded one level."""
    expr = expression(value)
    if expr is not None:
        match = re.fullmatch(r"local\.([a-z0-9_]+)(?:\.([a-z0-9_]+))?", expr)
        if match:
            found = module.locals[match.group(1)]
            return string_list(module, found[match.group(2)] if match.group(2) else found)
        return [value]
    assert isinstance(value, list), value
    return [str(v) for v in value]
