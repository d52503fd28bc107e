"""Which AWS operations a Lambda entry point's code can call, derived statically from the source.

From the entry (a module's top level plus the handler function) the walk follows what runs: the
top level of every imported module, every function named or referenced, and every method of a
class the reachable code names (rapid type analysis: a method is reachable when its name is used
on some object and its class is instantiated somewhere reachable). Branches guarded by a setting
whose value the function's environment fixes (`settings.dispatcher is DispatcherKind.LAMBDA`,
`settings.create_table`) are followed only when they can run. A call `x.op(...)` is an AWS call
when `x` is a boto3 client: annotated with a `mypy_boto3_*` client type, or assigned from
`*.client("service")` or from a function annotated to return a client. A client-like call this
cannot attribute to a service is reported, never silently skipped.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from botocore import xform_name
from botocore.session import get_session

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "reviewer", "webhook")

# Boto3 method -> IAM actions where the IAM action is not "<prefix>:<Operation>".
ACTION_OVERRIDES: dict[tuple[str, str], tuple[str, ...]] = {
    ("lambda", "Invoke"): ("lambda:InvokeFunction",),
    ("lambda", "InvokeAsync"): ("lambda:InvokeFunction",),
    ("bedrock-runtime", "Converse"): ("bedrock:InvokeModel",),
    ("bedrock-runtime", "ConverseStream"): ("bedrock:InvokeModelWithResponseStream",),
    ("dynamodb", "TransactGetItems"): ("dynamodb:GetItem",),
}
# TransactWriteItems is authorised per item: each kind of item needs its own action.
TRANSACT_ITEM_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
# Services whose clients the walk recognises by method name when it cannot type the receiver.
KNOWN_SERVICES = ("dynamodb", "lambda", "secretsmanager", "bedrock-runtime", "sqs", "s3", "kms", "sts")


class Unknown(Enum):
    """A value the walk cannot know (a Terraform variable, a computed value)."""

    VALUE = "unknown"


class Present(Enum):
    """A setting that is set to a non-empty value the walk does not know (a resource ARN)."""

    VALUE = "present"


UNKNOWN = Unknown.VALUE
PRESENT = Present.VALUE


@dataclass(frozen=True)
class AwsCall:
    """One AWS API call site and the IAM actions it needs."""

    service: str
    operation: str
    actions: tuple[str, ...]
    path: str
    line: int
    function: str
    key: str = ""

    def where(self) -> str:
        return f"{self.path}:{self.line} ({self.function})"


@dataclass
class Problem:
    """A call that looks like an AWS call but whose client the walk could not identify."""

    path: str
    line: int
    text: str


@dataclass
class Derived:
    """What an entry point can call."""

    calls: list[AwsCall]
    problems: list[Problem]
    reachable: set[str]
    parents: dict[str, str]

    def path_to(self, function_key: str) -> list[str]:
        """How the walk reached a function: entry first."""
        chain = [function_key]
        while chain[-1] in self.parents and len(chain) < 50:
            chain.append(self.parents[chain[-1]])
        return list(reversed(chain))


# ---------------------------------------------------------------------------------------------
# Botocore: method names and IAM actions
# ---------------------------------------------------------------------------------------------


@cache
def operations(service: str) -> dict[str, str]:
    """boto3 method name -> API operation name for one service."""
    model = get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


@cache
def iam_prefix(service: str) -> str:
    model = get_session().get_service_model(service)
    return str(model.signing_name or model.endpoint_prefix)


def iam_actions(service: str, operation: str) -> tuple[str, ...]:
    """The IAM actions one API operation needs (TransactWriteItems is resolved by the caller)."""
    override = ACTION_OVERRIDES.get((service, operation))
    if override is not None:
        return override
    return (f"{iam_prefix(service)}:{operation}",)


@cache
def all_operation_methods() -> frozenset[str]:
    return frozenset(m for service in KNOWN_SERVICES for m in operations(service))


def client_service(module: str, name: str) -> str | None:
    """'mypy_boto3_dynamodb.client', 'DynamoDBClient' -> 'dynamodb'."""
    if module.startswith("mypy_boto3_") and name.endswith("Client"):
        return module.split(".")[0].removeprefix("mypy_boto3_").replace("_", "-")
    return None


# ---------------------------------------------------------------------------------------------
# The source index
# ---------------------------------------------------------------------------------------------


@dataclass
class Func:
    key: str  # "module:Qual.name"
    module: str
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Module
    cls: str | None = None  # class key for methods


@dataclass
class Cls:
    key: str
    module: str
    node: ast.ClassDef
    methods: dict[str, str] = field(default_factory=dict)  # name -> func key
    bases: list[str] = field(default_factory=list)  # project class keys
    attr_types: dict[str, Any] = field(default_factory=dict)  # self.attr -> service str or class key


@dataclass
class Mod:
    name: str
    path: Path
    tree: ast.Module
    bindings: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # name -> (module, attr)
    typing_bindings: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    defs: dict[str, str] = field(default_factory=dict)  # top-level name -> func or class key


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, node.module] if node.module else base)


def import_bindings(mod: Mod, node: ast.Import | ast.ImportFrom) -> dict[str, tuple[str, str | None]]:
    """Names an import statement binds: name -> (module, attribute or None for the module)."""
    bound: dict[str, tuple[str, str | None]] = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                bound[alias.asname] = (alias.name, None)
            else:
                top = alias.name.split(".")[0]
                bound[top] = (top, None)
    else:
        source = _absolute(mod.name, mod.path.name == "__init__.py", node)
        for alias in node.names:
            bound[alias.asname or alias.name] = (source, alias.name)
    return bound


def imported_modules(mod: Mod, node: ast.Import | ast.ImportFrom, index: Index) -> list[str]:
    """Project modules an import statement executes (each package on the way, then the module)."""
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        source = _absolute(mod.name, mod.path.name == "__init__.py", node)
        names = [source] + [f"{source}.{alias.name}" for alias in node.names]
    found: list[str] = []
    for name in names:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            candidate = ".".join(parts[:i])
            if candidate in index.modules and candidate not in found:
                found.append(candidate)
    return found


class Index:
    """Every module, function and class of the project's packages."""

    def __init__(self, root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> None:
        self.root = root
        self.modules: dict[str, Mod] = {}
        self.funcs: dict[str, Func] = {}
        self.classes: dict[str, Cls] = {}
        self.methods_by_name: dict[str, list[str]] = {}
        for package in packages:
            for path in sorted((root / package).rglob("*.py")):
                name = _module_name(path, root)
                self.modules[name] = Mod(name, path, ast.parse(path.read_text(), str(path)))
        for mod in self.modules.values():
            self._index_module(mod)
        for cls in self.classes.values():
            self._index_class_types(cls)

    def _index_module(self, mod: Mod) -> None:
        self.funcs[f"{mod.name}:"] = Func(f"{mod.name}:", mod.name, mod.tree)
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                # Every import counts for types (also those under TYPE_CHECKING).
                mod.typing_bindings.update(import_bindings(mod, node))
        for stmt in mod.tree.body:
            self._index_statement(mod, stmt)
        self._index_defs(mod, mod.tree.body, prefix="", cls=None)

    def _index_statement(self, mod: Mod, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            mod.bindings.update(import_bindings(mod, stmt))
        elif isinstance(stmt, ast.If | ast.Try):
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.stmt):
                    self._index_statement(mod, child)
            for handler in getattr(stmt, "handlers", []):
                for child in handler.body:
                    self._index_statement(mod, child)

    def _index_defs(self, mod: Mod, body: list[ast.stmt], prefix: str, cls: str | None) -> None:
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                key = f"{mod.name}:{prefix}{stmt.name}"
                self.funcs[key] = Func(key, mod.name, stmt, cls)
                if cls is None and not prefix:
                    mod.defs[stmt.name] = key
                if cls is not None:
                    self.classes[cls].methods[stmt.name] = key
                    self.methods_by_name.setdefault(stmt.name, []).append(key)
            elif isinstance(stmt, ast.ClassDef):
                key = f"{mod.name}:{prefix}{stmt.name}"
                self.classes[key] = Cls(key, mod.name, stmt)
                if not prefix:
                    mod.defs[stmt.name] = key
                self._index_defs(mod, stmt.body, prefix=f"{prefix}{stmt.name}.", cls=key)
            elif isinstance(stmt, ast.If | ast.Try):
                for child in ast.iter_child_nodes(stmt):
                    if isinstance(child, ast.stmt):
                        self._index_defs(mod, [child], prefix, cls)

    def _index_class_types(self, cls: Cls) -> None:
        mod = self.modules[cls.module]
        for base in cls.node.bases:
            base_key = self.resolve_expr(mod, base, mod.typing_bindings)
            if base_key is not None and base_key in self.classes:
                cls.bases.append(base_key)
        for method_key in cls.methods.values():
            func = self.funcs[method_key]
            params = self.param_types(func)
            for node in ast.walk(func.node):
                target: ast.expr | None = None
                value: ast.expr | None = None
                annotation: ast.expr | None = None
                if isinstance(node, ast.Assign) and len(node.targets) == 1:
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign):
                    target, value, annotation = node.target, node.value, node.annotation
                if not (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    continue
                kind = self.annotation_type(mod, annotation) if annotation is not None else None
                if kind is None and value is not None:
                    kind = self.value_type(mod, value, params)
                if kind is not None:
                    cls.attr_types[target.attr] = kind
        for stmt in cls.node.body:  # class-level annotations: `_client: DynamoDBClient`
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                kind = self.annotation_type(mod, stmt.annotation)
                if kind is not None:
                    cls.attr_types.setdefault(stmt.target.id, kind)

    # -- resolution ------------------------------------------------------------------------

    def resolve_symbol(self, module: str, name: str, depth: int = 0) -> str | None:
        """A name in a module -> a function key, class key or 'module' (prefixed 'mod:')."""
        if depth > 10:
            return None
        if f"{module}.{name}" in self.modules:
            return f"mod:{module}.{name}"
        mod = self.modules.get(module)
        if mod is None:
            return None
        if name in mod.defs:
            return mod.defs[name]
        if name in mod.bindings:
            return self.resolve_binding(mod.bindings[name], depth + 1)
        return None

    def resolve_binding(self, binding: tuple[str, str | None], depth: int = 0) -> str | None:
        """What an import binds: (module, None) -> the module; (module, name) -> that symbol."""
        source, attr = binding
        if attr is None:
            return f"mod:{source}" if source in self.modules else None
        return self.resolve_symbol(source, attr, depth)

    def resolve_name(self, mod: Mod, name: str, scope: dict[str, tuple[str, str | None]]) -> str | None:
        if name in scope:
            return self.resolve_binding(scope[name])
        if name in mod.defs:
            return mod.defs[name]
        if name in mod.bindings:
            return self.resolve_binding(mod.bindings[name])
        return None

    def resolve_expr(self, mod: Mod, node: ast.expr, scope: dict[str, tuple[str, str | None]]) -> str | None:
        """A Name or dotted Attribute naming a project function, class or module."""
        if isinstance(node, ast.Name):
            return self.resolve_name(mod, node.id, scope)
        if isinstance(node, ast.Attribute):
            base = self.resolve_expr(mod, node.value, scope)
            if base is not None and base.startswith("mod:"):
                return self.resolve_symbol(base[4:], node.attr)
        return None

    def external_binding(self, mod: Mod, node: ast.expr) -> tuple[str, str] | None:
        """A Name bound by an import from outside the project (followed through project re-exports)."""
        if not isinstance(node, ast.Name):
            return None
        name = node.id
        for _ in range(10):
            if name not in mod.typing_bindings:
                return None
            source, attr = mod.typing_bindings[name]
            if attr is None:
                return None
            if source not in self.modules:
                return source, attr
            mod, name = self.modules[source], attr
        return None

    def annotation_type(self, mod: Mod, annotation: ast.expr | None) -> str | None:
        """A client annotation -> 'svc:<service>'; a project class -> its key; else None."""
        if annotation is None:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            annotation = ast.parse(annotation.value, mode="eval").body
        if isinstance(annotation, ast.BinOp):  # X | None
            return self.annotation_type(mod, annotation.left) or self.annotation_type(mod, annotation.right)
        binding = self.external_binding(mod, annotation)
        if binding is not None:
            service = client_service(*binding)
            if service is not None:
                return f"svc:{service}"
        target = self.resolve_expr(mod, annotation, mod.typing_bindings)
        if target is not None and target in self.classes:
            return target
        return None

    def value_type(self, mod: Mod, value: ast.expr, local_types: dict[str, str]) -> str | None:
        """The type of an assigned value when it is a client or a project object."""
        if isinstance(value, ast.Name):
            return local_types.get(value.id)
        if isinstance(value, ast.Call):
            func = value.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "client"
                and value.args
                and isinstance(value.args[0], ast.Constant)
                and isinstance(value.args[0].value, str)
            ):
                return f"svc:{value.args[0].value}"
            target = self.resolve_expr(mod, func, mod.typing_bindings)
            if target in self.classes:
                return target
            if target in self.funcs:
                node = self.funcs[target].node
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    return self.annotation_type(self.modules[self.funcs[target].module], node.returns)
        return None

    def param_types(self, func: Func) -> dict[str, str]:
        node = func.node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return {}
        mod = self.modules[func.module]
        found: dict[str, str] = {}
        args = node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            kind = self.annotation_type(mod, arg.annotation)
            if kind is not None:
                found[arg.arg] = kind
        return found

    def class_with_bases(self, key: str) -> Iterator[str]:
        yield key
        for base in self.classes[key].bases:
            yield from self.class_with_bases(base)


# ---------------------------------------------------------------------------------------------
# Guards: settings the environment fixes
# ---------------------------------------------------------------------------------------------

# Decorators from these modules wrap a function; they do not register it to be called later.
WRAPPING_MODULES = frozenset({"functools", "contextlib", "typing", "typing_extensions", "dataclasses", "abc"})
SETTINGS_NAMES = frozenset({"settings", "_settings"})


class GuardEvaluator:
    """Evaluates `if` tests over settings; anything it cannot know is UNKNOWN."""

    def __init__(self, settings: dict[str, Any], names: dict[str, Any]) -> None:
        self.settings = settings
        self.names = names  # enum classes and constants importable from app.core.settings

    def value(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id == "TYPE_CHECKING":
                return False
            return self.names.get(node.id, UNKNOWN)
        if isinstance(node, ast.Attribute):
            if self._is_settings(node.value):
                return self.settings.get(node.attr, UNKNOWN)
            base = self.value(node.value)
            if base is UNKNOWN or base is PRESENT:
                return UNKNOWN
            return getattr(base, node.attr, UNKNOWN)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            truth = self.truth(node.operand)
            return UNKNOWN if truth is UNKNOWN else not truth
        if isinstance(node, ast.BoolOp):
            return self._boolop(node)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            return self._compare(node.ops[0], self.value(node.left), self.value(node.comparators[0]))
        return UNKNOWN

    def truth(self, node: ast.expr) -> Any:
        value = self.value(node)
        if value is UNKNOWN:
            return UNKNOWN
        if value is PRESENT:
            return True
        return bool(value)

    def _is_settings(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in SETTINGS_NAMES
        if isinstance(node, ast.Attribute):
            return node.attr in SETTINGS_NAMES
        return False

    def _boolop(self, node: ast.BoolOp) -> Any:
        stop = not isinstance(node.op, ast.And)  # `and` stops on False, `or` on True
        unknown = False
        for operand in node.values:
            truth = self.truth(operand)
            if truth is UNKNOWN:
                unknown = True
            elif truth is stop:
                return stop
        return UNKNOWN if unknown else not stop

    @staticmethod
    def _compare(op: ast.cmpop, left: Any, right: Any) -> Any:
        if isinstance(op, ast.Is | ast.IsNot) and (left is PRESENT or right is PRESENT):
            if left is None or right is None:
                return isinstance(op, ast.IsNot)
            return UNKNOWN
        if UNKNOWN in (left, right) or PRESENT in (left, right):
            return UNKNOWN
        if isinstance(op, ast.Is):
            return left is right
        if isinstance(op, ast.IsNot):
            return left is not right
        if isinstance(op, ast.Eq):
            return left == right
        if isinstance(op, ast.NotEq):
            return left != right
        if isinstance(op, ast.In):
            return left in right
        if isinstance(op, ast.NotIn):
            return left not in right
        return UNKNOWN


# ---------------------------------------------------------------------------------------------
# The walk
# ---------------------------------------------------------------------------------------------


class Walker:
    """Reachability from one entry point under one environment."""

    def __init__(self, index: Index, guards: GuardEvaluator) -> None:
        self.index = index
        self.guards = guards
        self.reachable: set[str] = set()
        self.queue: list[str] = []
        self.instantiated: set[str] = set()
        self.method_names: set[str] = set()
        self.calls: list[AwsCall] = []
        self.problems: list[Problem] = []
        self.transact_kinds: set[str] = set()
        self.transact_calls: list[tuple[str, int, str, str]] = []
        self.parents: dict[str, str] = {}
        self.current = "<entry>"

    # -- bookkeeping -----------------------------------------------------------------------

    def add(self, key: str | None) -> None:
        if key is None:
            return
        if key.startswith("mod:"):
            key = f"{key[4:]}:"
        if key in self.index.classes:
            self.instantiate(key)
            return
        if key in self.index.funcs and key not in self.reachable:
            self.reachable.add(key)
            self.parents[key] = self.current
            self.queue.append(key)

    def add_module(self, name: str) -> None:
        self.add(f"{name}:")

    def instantiate(self, cls_key: str) -> None:
        for key in self.index.class_with_bases(cls_key):
            if key in self.instantiated:
                continue
            self.instantiated.add(key)
            cls = self.index.classes[key]
            self.add_module(cls.module)
            for name, method in cls.methods.items():
                if name in self.method_names or (name.startswith("__") and name.endswith("__")):
                    self.add(method)
            # Decorated methods (validators, properties) run without a call by name.
            for stmt in cls.node.body:
                if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.decorator_list:
                    self.add(cls.methods.get(stmt.name))

    def use_method_name(self, name: str) -> None:
        if name in self.method_names:
            return
        self.method_names.add(name)
        for method in self.index.methods_by_name.get(name, []):
            if self.index.funcs[method].cls in self.instantiated:
                self.add(method)

    def run(self, entries: Iterable[str]) -> Derived:
        for entry in entries:
            self.add(entry)
        while self.queue:
            self.current = self.queue.pop()
            self.visit_func(self.index.funcs[self.current])
        if self.transact_calls:
            kinds = sorted(self.transact_kinds)
            for path, line, function, key in self.transact_calls:
                actions = tuple(TRANSACT_ITEM_ACTIONS[k] for k in kinds)
                self.calls.append(
                    AwsCall("dynamodb", "TransactWriteItems", actions, path, line, function, key)
                )
        return Derived(self.calls, self.problems, self.reachable, self.parents)

    # -- one function ----------------------------------------------------------------------

    def visit_func(self, func: Func) -> None:
        mod = self.index.modules[func.module]
        state = _FuncState(
            func=func,
            mod=mod,
            scope={},
            types=self.index.param_types(func),
            self_cls=func.cls,
        )
        self.visit_block(state, func.node.body, top_level=isinstance(func.node, ast.Module))

    def visit_block(self, state: _FuncState, body: list[ast.stmt], top_level: bool) -> bool:
        """Visit statements in order; False once a statement always leaves the block."""
        return all(self.visit_stmt(state, stmt, top_level) for stmt in body)

    def visit_stmt(self, state: _FuncState, stmt: ast.stmt, top_level: bool) -> bool:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            state.scope.update(import_bindings(state.mod, stmt))
            for name in imported_modules(state.mod, stmt, self.index):
                self.add_module(name)
            return True
        if isinstance(stmt, ast.If):
            truth = self.guards.truth(stmt.test)
            self.visit_expr(state, stmt.test)
            if truth is True:
                return self.visit_block(state, stmt.body, top_level)
            if truth is False:
                return self.visit_block(state, stmt.orelse, top_level)
            through_body = self.visit_block(state, stmt.body, top_level)
            through_else = self.visit_block(state, stmt.orelse, top_level)
            return through_body or through_else
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in stmt.decorator_list:
                self.visit_expr(state, decorator)
            self.visit_defaults(state, stmt.args)
            if top_level:
                # A module's function runs when named; one a decorator registers (a route, a hook) runs
                # when the framework calls it.
                if any(self.registers(state.mod, d) for d in stmt.decorator_list):
                    self.add(state.mod.defs.get(stmt.name))
                return True
            # A nested function (closure, callback) is taken as reachable with its parent.
            self.visit_block(state, stmt.body, top_level=False)
            return True
        if isinstance(stmt, ast.ClassDef):
            for base in stmt.bases:
                self.visit_expr(state, base)
            for stmt_in_class in stmt.body:
                if isinstance(stmt_in_class, ast.FunctionDef | ast.AsyncFunctionDef):
                    for decorator in stmt_in_class.decorator_list:
                        self.visit_expr(state, decorator)
                    self.visit_defaults(state, stmt_in_class.args)
                    if not top_level:
                        self.visit_block(state, stmt_in_class.body, top_level=False)
                else:
                    self.visit_stmt(state, stmt_in_class, top_level)
            return True
        if isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self.visit_expr(state, stmt.value)
            if isinstance(stmt.target, ast.Name):
                kind = self.index.annotation_type(state.mod, stmt.annotation)
                if kind is None and stmt.value is not None:
                    kind = self.index.value_type(state.mod, stmt.value, state.types)
                if kind is not None:
                    state.types[stmt.target.id] = kind
            else:
                self.visit_expr(state, stmt.target)
            return True
        if isinstance(stmt, ast.Assign):
            self.visit_expr(state, stmt.value)
            for target in stmt.targets:
                self.visit_expr(state, target)
            if len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                kind = self.index.value_type(state.mod, stmt.value, state.types)
                if kind is not None:
                    state.types[stmt.targets[0].id] = kind
            return True
        if isinstance(stmt, ast.Return | ast.Raise):
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.visit_expr(state, child)
            return False
        if isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                self.visit_expr(state, item.context_expr)
                if isinstance(item.optional_vars, ast.Name):
                    kind = self.index.value_type(state.mod, item.context_expr, state.types)
                    if kind is not None:
                        state.types[item.optional_vars.id] = kind
            return self.visit_block(state, stmt.body, top_level)
        # Loops, try blocks and the rest: every child, and the block goes on (a loop may not run).
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                self.visit_stmt(state, child, top_level)
            elif isinstance(child, ast.ExceptHandler):
                if child.type is not None:
                    self.visit_expr(state, child.type)
                self.visit_block(state, child.body, top_level)
            elif isinstance(child, ast.expr):
                self.visit_expr(state, child)
            elif isinstance(child, ast.match_case):
                self.visit_block(state, child.body, top_level)
        return True

    def registers(self, mod: Mod, decorator: ast.expr) -> bool:
        """Whether a decorator hands the function to someone who calls it (not a cache or a wrapper)."""
        node = decorator.func if isinstance(decorator, ast.Call) else decorator
        while isinstance(node, ast.Attribute):
            node = node.value
        binding = self.index.external_binding(mod, node)
        return binding is None or binding[0].split(".")[0] not in WRAPPING_MODULES

    def visit_defaults(self, state: _FuncState, args: ast.arguments) -> None:
        for default in [*args.defaults, *args.kw_defaults]:
            if default is not None:
                self.visit_expr(state, default)

    def visit_expr(self, state: _FuncState, node: ast.expr) -> None:
        if isinstance(node, ast.IfExp):
            truth = self.guards.truth(node.test)
            self.visit_expr(state, node.test)
            if truth is not False:
                self.visit_expr(state, node.body)
            if truth is not True:
                self.visit_expr(state, node.orelse)
            return
        if isinstance(node, ast.BoolOp):
            stop = not isinstance(node.op, ast.And)
            for operand in node.values:
                self.visit_expr(state, operand)
                if self.guards.truth(operand) is stop:
                    return
            return
        if isinstance(node, ast.Lambda):
            self.visit_expr(state, node.body)
            return
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.add(self.index.resolve_name(state.mod, node.id, state.scope))
            return
        if isinstance(node, ast.Attribute):
            target = self.index.resolve_expr(state.mod, node, state.scope)
            if target is not None:
                self.add(target)
                return
            self.use_method_name(node.attr)
            self.visit_expr(state, node.value)
            return
        if isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and key.value in TRANSACT_ITEM_ACTIONS:
                    self.transact_kinds.add(str(key.value))
        if isinstance(node, ast.Call):
            self.check_aws_call(state, node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.visit_expr(state, child)
            elif isinstance(child, ast.keyword):
                self.visit_expr(state, child.value)
            elif isinstance(child, ast.comprehension):
                self.visit_expr(state, child.iter)
                for condition in child.ifs:
                    self.visit_expr(state, condition)

    # -- AWS calls -------------------------------------------------------------------------

    def receiver_type(self, state: _FuncState, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return state.types.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            if state.self_cls is None:
                return None
            for key in self.index.class_with_bases(state.self_cls):
                kind = self.index.classes[key].attr_types.get(node.attr)
                if kind is not None:
                    return str(kind)
            return None
        if isinstance(node, ast.Call):
            return self.index.value_type(state.mod, node, state.types)
        return None

    def check_aws_call(self, state: _FuncState, call: ast.Call) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute):
            return
        method = func.attr
        kind = self.receiver_type(state, func.value)
        path = state.mod.path.relative_to(self.index.root).as_posix()
        where = state.func.key.split(":", 1)[1] or "<module>"
        if kind is not None and kind.startswith("svc:"):
            service = kind[4:]
            if method in ("get_paginator", "get_waiter"):
                first = call.args[0] if call.args else None
                if method == "get_paginator" and isinstance(first, ast.Constant):
                    method = str(first.value)
                else:
                    return
            ops = operations(service)
            if method not in ops:
                return  # meta, close(), exceptions: no API call
            operation = ops[method]
            if (service, operation) == ("dynamodb", "TransactWriteItems"):
                self.transact_calls.append((path, call.lineno, where, state.func.key))
                return
            self.calls.append(
                AwsCall(
                    service,
                    operation,
                    iam_actions(service, operation),
                    path,
                    call.lineno,
                    where,
                    state.func.key,
                )
            )
            return
        if kind is None and method in all_operation_methods() and "client" in ast.unparse(func.value).lower():
            self.problems.append(Problem(path, call.lineno, ast.unparse(call)[:120]))


@dataclass
class _FuncState:
    func: Func
    mod: Mod
    scope: dict[str, tuple[str, str | None]]
    types: dict[str, str]
    self_cls: str | None


@cache
def project_index() -> Index:
    return Index()


def derive(
    entry: str, settings: dict[str, Any], names: dict[str, Any], index: Index | None = None
) -> Derived:
    """The AWS calls reachable from a Lambda handler string ('pkg.module.function')."""
    index = index or project_index()
    module, _, attribute = entry.rpartition(".")
    if module not in index.modules:
        raise AssertionError(f"handler {entry}: no module {module} in the project")
    walker = Walker(index, GuardEvaluator(settings, names))
    parts = module.split(".")
    entries = [f"{'.'.join(parts[:i])}:" for i in range(1, len(parts) + 1)]
    target = index.resolve_symbol(module, attribute)
    if target is not None:
        entries.append(target)
    elif attribute not in _module_level_names(index.modules[module]):
        raise AssertionError(f"handler {entry}: {module} defines no {attribute}")
    return walker.run(entries)


def _module_level_names(mod: Mod) -> set[str]:
    """Names bound at module level, also inside top-level try/if/with blocks (app/handler.py builds
    its handler in a try block that pauses the cyclic collector)."""
    names: set[str] = set()
    pending: list[ast.stmt] = list(mod.tree.body)
    while pending:
        stmt = pending.pop()
        if isinstance(stmt, ast.Assign):
            names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            names.add(stmt.target.id)
        elif isinstance(stmt, ast.Try | ast.If | ast.With):
            for field in ("body", "orelse", "finalbody"):
                pending.extend(getattr(stmt, field, []))
            for handler in getattr(stmt, "handlers", []):
                pending.extend(handler.body)
    return names
