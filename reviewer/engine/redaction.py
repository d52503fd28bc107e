"""Redact secrets from a plan dict: by sensitive marks, by copies of those values, and by pattern."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reviewer.engine.forked import PARALLEL_MIN_RESOURCES, Forked, spare_cpus
from reviewer.engine.parser import sensitive_variable_names
from reviewer.engine.provider_credentials import CredentialInputs, ModulePath, credential_inputs
from reviewer.engine.results import RedactionReport
from reviewer.engine.secrets import (
    AWS_KEY_PAIR_RE,
    AWS_SECRET_KEY_RE,
    DETECTORS,
    NOT_A_SECRET_RE,
    is_secret_name,
    may_hold_secret,
)

REDACTED = "(redacted)"
# What replaces a value position holding exactly a short or common-word sensitive value ("postgres",
# "5432"): hidden, but not claimed to be a secret, since such a value turns up by coincidence.
SENSITIVE_COPY = "(sensitive)"
PLACEHOLDERS = (REDACTED, SENSITIVE_COPY)
MAX_REPORTED_PATHS = 500
# Shorter marked values ("on", "1") carry no secret and would shred unrelated text if matched everywhere.
MIN_COPY_LENGTH = 4
MIN_SUBSTRING_SECRET = 8  # see copy_safe_in_substrings
MIN_JSON_LENGTH = 8
MAX_ALTERNATION = 300
_DIGIT_RE = re.compile(r"[0-9]")
_TOKEN_SPLIT_RE = re.compile(r"[\s:/@?&=;,\"'{}()\[\]<>|\\]+")


_VALUE_HOLDERS = frozenset({"constant_value", "default", "value"})
# Keys whose values name things (addresses, types, providers, modules, paths): structure, never rewritten.
_CHANGE_STRUCTURE = frozenset(
    {
        "address",
        "previous_address",
        "module_address",
        "mode",
        "type",
        "name",
        "provider_name",
        "index",
        "deposed",
        "action_reason",
    }
)
_STATE_STRUCTURE = _CHANGE_STRUCTURE | {"schema_version"}
_CHANGE_BODY_STRUCTURE = frozenset({"actions", "replace_paths"})
# Top-level sections without plan values, kept as they are: versions, flags, attribute paths. (Provider
# schemas and checks hold descriptions, which `outline` scans for secret patterns.)
_PLAN_STRUCTURE = frozenset(
    {
        "format_version",
        "plan_format_version",
        "provider_format_version",
        "terraform_version",
        "timestamp",
        "errored",
        "applyable",
        "complete",
        "relevant_attributes",
    }
)
# In configuration and checks: references and addresses, never values.
_CONFIG_STRUCTURE = frozenset(
    {
        "address",
        "references",
        "depends_on",
        "provider_config_key",
        "module_address",
        "full_name",
        "name",
        "alias",
        "mode",
        "type",
        "to_display",
        "module",
        "kind",
        "version_constraint",
        "schema_version",
    }
)


def copy_safe_in_substrings(secret: str) -> bool:
    """True when a sensitive value is distinctive enough to be replaced inside longer strings.

    A copy inside a longer string is only a copy if the value could not turn up there by chance: a
    common word ("postgres", "admin"), a port or a short token can, and replacing it everywhere would
    shred hostnames, ARNs and names. A value of 8+ characters drawing on three character classes
    (lower, upper, digit, other: about 48+ bits for a random one), 12+ mixing letters and digits, 16+
    of two classes, or any 24+ qualifies; shorter or plainer values are only replaced where they are a
    whole value.
    """
    size = len(secret)
    if size < MIN_SUBSTRING_SECRET:
        return False
    # str methods, not a loop over characters: a plan may mark thousands of values.
    lower = secret != secret.upper()
    upper = secret != secret.lower()
    digit = _DIGIT_RE.search(secret) is not None
    other = not secret.isalnum()
    classes = lower + upper + digit + other
    if classes >= 3:
        return True
    if size >= 12 and digit and (lower or upper):
        return True
    return size >= 24 or (size >= 16 and classes >= 2)


class RedactionReason(StrEnum):
    SENSITIVE_MARK = "sensitive_mark"
    SENSITIVE_VARIABLE = "sensitive_variable"
    SENSITIVE_OUTPUT = "sensitive_output"
    COPY_OF_SENSITIVE = "copy_of_sensitive_value"
    SECRET_ATTRIBUTE_NAME = "secret_attribute_name"
    AWS_ACCESS_KEY = "aws_access_key"
    AWS_SECRET_KEY = "aws_secret_key"
    PRIVATE_KEY = "private_key"
    ENCODED_PRIVATE_KEY = "encoded_private_key"
    API_TOKEN = "api_token"
    WEBHOOK_URL = "webhook_url"
    JWT = "jwt"
    AZURE_KEY = "azure_key"
    CONNECTION_STRING = "connection_string_password"
    SECRET_ASSIGNMENT = "secret_assignment"
    PROVIDER_CREDENTIAL = "provider_credential_variable"


def _collect_marked(value: Any, mark: Any, out: set[str]) -> None:
    """Add every string under a sensitive mark to `out`."""
    if not mark:  # False, {} or []: the usual case, nothing marked
        return
    if mark is True:
        _collect_all(value, out)
    elif isinstance(mark, dict) and isinstance(value, dict):
        for key, sub in mark.items():
            if sub and key in value:
                _collect_marked(value[key], sub, out)
    elif isinstance(mark, list) and isinstance(value, list):
        for sub, item in zip(mark, value, strict=False):
            if sub:
                _collect_marked(item, sub, out)


def _collect_all(value: Any, out: set[str]) -> None:
    if isinstance(value, str):
        if len(value) >= MIN_COPY_LENGTH and value not in PLACEHOLDERS:
            out.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_all(item, out)
    elif isinstance(value, list):
        for item in value:
            _collect_all(item, out)
    elif (
        isinstance(value, int | float) and not isinstance(value, bool) and len(str(value)) >= MIN_COPY_LENGTH
    ):
        out.add(str(value))


def _module_resources(module: Any) -> list[dict[str, Any]]:
    """All resources of a planned_values/prior_state module tree, iteratively."""
    found: list[dict[str, Any]] = []
    stack = [module]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        resources, children = node.get("resources"), node.get("child_modules")
        if isinstance(resources, list):
            found.extend(r for r in resources if isinstance(r, dict))
        if isinstance(children, list):
            stack.extend(children)
    return found


def collect_sensitive_values(raw: dict[str, Any]) -> set[str]:
    """Every string value the plan marks sensitive, wherever the mark sits."""
    out: set[str] = set()
    for key in ("resource_changes", "resource_drift"):
        changes = raw.get(key)
        for rc in changes if isinstance(changes, list) else ():
            change = rc.get("change") if isinstance(rc, dict) else None
            if isinstance(change, dict):
                if mark := change.get("before_sensitive"):
                    _collect_marked(change.get("before"), mark, out)
                if mark := change.get("after_sensitive"):
                    _collect_marked(change.get("after"), mark, out)
    deferred = raw.get("deferred_changes")
    for entry in deferred if isinstance(deferred, list) else ():
        rc = entry.get("resource_change") if isinstance(entry, dict) else None
        change = rc.get("change") if isinstance(rc, dict) else None
        if isinstance(change, dict):
            _collect_marked(change.get("before"), change.get("before_sensitive"), out)
            _collect_marked(change.get("after"), change.get("after_sensitive"), out)
    outputs = raw.get("output_changes")
    if isinstance(outputs, dict):
        for change in outputs.values():
            if isinstance(change, dict):
                _collect_marked(change.get("before"), change.get("before_sensitive"), out)
                _collect_marked(change.get("after"), change.get("after_sensitive"), out)
    for state in (raw.get("planned_values"), _prior_values(raw)):
        if not isinstance(state, dict):
            continue
        for resource in _module_resources(state.get("root_module")):
            if mark := resource.get("sensitive_values"):
                _collect_marked(resource.get("values"), mark, out)
        outputs = state.get("outputs")
        for output in outputs.values() if isinstance(outputs, dict) else ():
            if isinstance(output, dict) and output.get("sensitive") is True:
                _collect_all(output.get("value"), out)
    variables = raw.get("variables")
    if isinstance(variables, dict):
        for name in sensitive_variable_names(raw) | credential_inputs(raw).root_variables:
            spec = variables.get(name)
            if isinstance(spec, dict):
                _collect_all(spec.get("value"), out)
    return out


def _credential_value(value: Any) -> bool:
    """A provider-fed value worth hiding: not empty and not a reference (so redaction adds no finding)."""
    if isinstance(value, str):
        return bool(value.strip()) and not NOT_A_SECRET_RE.match(value)
    return value is not None


def _prior_values(raw: dict[str, Any]) -> Any:
    prior = raw.get("prior_state")
    return prior.get("values") if isinstance(prior, dict) else None


# A path is a cons list (prefix, segment) so that descending costs one tuple, not a string build;
# an int segment is a list index, a str segment an attribute name, and the root segment is literal.
Path = tuple[Any, str | int] | None


def _render_path(path: Path) -> str:
    parts: list[str] = []
    while path is not None:
        path, segment = path
        if path is None:
            parts.append(str(segment))
        elif isinstance(segment, int):
            parts.append(f"[{segment}]")
        else:
            parts.append(segment if segment.startswith("[") else "." + segment)
    return "".join(reversed(parts))


class _SecretNames(dict[str, bool]):
    """is_secret_name in front of a plain dict: the walk asks for every attribute name, and a dict
    lookup costs a fraction of even a cached function call (a tenth of the redaction on big plans)."""

    def __missing__(self, name: str) -> bool:
        hit = self[name] = is_secret_name(name)
        return hit


class _Redactor:
    """One redaction run: rebuilds the plan tree, never mutating the input."""

    def __init__(self, secrets: set[str]) -> None:
        self.secrets = secrets
        self.substring_secrets = {s for s in secrets if copy_safe_in_substrings(s)}
        # Secrets that contain a delimiter cannot be found by token lookup; they need a plain search.
        self.complex_secrets = sorted(
            (s for s in self.substring_secrets if _TOKEN_SPLIT_RE.search(s)), key=len, reverse=True
        )
        # Few secrets (the usual case): one alternation finds copies anywhere inside longer strings.
        # Many secrets: token lookup, which finds copies delimited by punctuation or whitespace.
        self.substring_re: re.Pattern[str] | None = None
        if 0 < len(self.substring_secrets) <= MAX_ALTERNATION:
            ordered = sorted(self.substring_secrets, key=len, reverse=True)
            self.substring_re = re.compile("|".join(re.escape(secret) for secret in ordered))
        self.discovered: set[str] = set()
        self.counts: Counter[str] = Counter()
        self.paths: list[str] = []
        # Strings already scanned and found clean; plans repeat values a lot (after == planned_values).
        self.clean: set[str] = {REDACTED, SENSITIVE_COPY, ""}
        # (side, address) -> (raw values, marks, redacted values) from resource_changes.
        self.done: dict[tuple[str, Any], tuple[Any, Any, Any]] = {}
        self.names = _SecretNames()

    def note(self, path: Path, reason: RedactionReason) -> None:
        self.counts[reason] += 1
        if len(self.paths) < MAX_REPORTED_PATHS:
            self.paths.append(_render_path(path))

    # --- mark-driven -------------------------------------------------------------------------
    def marked(self, value: Any, mark: Any, path: Path, reason: RedactionReason) -> Any:
        """Redact the parts of `value` that `mark` flags, then scan the rest by pattern."""
        if not mark:
            return self.walk(value, path, None)
        if mark is True:
            return self.all_leaves(value, path, reason)
        if isinstance(mark, dict) and isinstance(value, dict):
            result: dict[str, Any] | None = None
            for key, item in value.items():
                sub = mark.get(key)
                child = (path, key)
                new = self.marked(item, sub, child, reason) if sub else self.walk(item, child, key)
                if new is not item:
                    if result is None:
                        result = dict(value)
                    result[key] = new
            return value if result is None else result
        if isinstance(mark, list) and isinstance(value, list):
            items: list[Any] | None = None
            for i, item in enumerate(value):
                sub = mark[i] if i < len(mark) else None
                new = self.marked(item, sub, (path, i), reason)
                if new is not item:
                    if items is None:
                        items = list(value)
                    items[i] = new
            return value if items is None else items
        return self.walk(value, path, None)

    def all_leaves(self, value: Any, path: Path, reason: RedactionReason) -> Any:
        if value is None or value in PLACEHOLDERS:
            return value
        if isinstance(value, dict):
            return {k: self.all_leaves(v, (path, str(k)), reason) for k, v in value.items()}
        if isinstance(value, list):
            return [self.all_leaves(v, (path, i), reason) for i, v in enumerate(value)]
        self.note(path, reason)
        return REDACTED

    # --- generic walk ------------------------------------------------------------------------
    # Copy-on-write: a container comes back as the very same object unless something inside it was
    # redacted, so clean parts of the plan are shared with the input instead of rebuilt.
    def walk(self, value: Any, path: Path, key: str | None) -> Any:
        kind = type(value)
        if kind is str:
            if value in self.clean and (key is None or not self.names[key]):
                return value
            return self.scan_string(value, path, key)
        if kind is dict:
            return self.walk_dict(value, path, key)
        if kind is list:
            return self.walk_list(value, path, key)
        return value

    def walk_list(self, value: list[Any], path: Path, key: str | None) -> list[Any]:
        clean = self.clean
        secret_name = key is not None and self.names[key]
        items: list[Any] | None = None
        for i, item in enumerate(value):
            kind = type(item)
            if kind is str:
                if item in clean and not secret_name:
                    continue
                new: Any = self.scan_string(item, (path, i), key)
            elif kind is dict:
                new = self.walk_dict(item, (path, i), key)
            elif kind is list:
                new = self.walk_list(item, (path, i), key)
            else:
                continue
            if new is not item:
                if items is None:
                    items = list(value)
                items[i] = new
        return value if items is None else items

    def walk_dict(self, value: dict[str, Any], path: Path, parent: str | None = None) -> dict[str, Any]:
        near_key: bool | None = None  # computed only when a 40-character candidate shows up
        result: dict[str, Any] | None = None
        clean = self.clean
        # {"name": "DB_PASSWORD", "value": "..."}: ECS and Kubernetes environment entries, SSM-style pairs.
        secret_pair = False
        if "value" in value or "Value" in value:
            pair_name = value.get("name", value.get("Name"))
            secret_pair = isinstance(pair_name, str) and self.names[pair_name]
        for k, item in value.items():
            kind = type(item)
            if kind is str:
                if (
                    secret_pair
                    and k in ("value", "Value")
                    and item not in ("", REDACTED, SENSITIVE_COPY)
                    and not NOT_A_SECRET_RE.match(item)
                ):
                    self.discovered.add(item)
                    self.note((path, k), RedactionReason.SECRET_ATTRIBUTE_NAME)
                    new: Any = REDACTED
                else:
                    # {"secret_key": {"constant_value": "..."}}: the holder's name is the attribute's name.
                    name = parent if parent is not None and k in _VALUE_HOLDERS else k
                    secret_name = self.names[name]
                    if item in clean and not secret_name:
                        continue
                    if (
                        len(item) == 40
                        and AWS_SECRET_KEY_RE.fullmatch(item)
                        and (near_key or near_key is None and (near_key := _has_access_key(value)))
                    ):
                        self.discovered.add(item)
                        self.note((path, k), RedactionReason.AWS_SECRET_KEY)
                        new = REDACTED
                    else:
                        new = self.scan_string(item, (path, k), name)
            elif kind is dict:
                new = self.walk_dict(
                    item, (path, k), parent if parent is not None and k in _VALUE_HOLDERS else k
                )
            elif kind is list:
                new = self.walk_list(
                    item, (path, k), parent if parent is not None and k in _VALUE_HOLDERS else k
                )
            else:
                continue
            if new is not item:
                if result is None:
                    result = dict(value)
                result[k] = new
        return value if result is None else result

    def scan_string(self, value: str, path: Path, key: str | None) -> str:
        if value in PLACEHOLDERS or not value:
            return value
        secret_name = key is not None and self.names[key]
        if value in self.secrets:
            self.note(path, RedactionReason.COPY_OF_SENSITIVE)
            # The same value gets the same placeholder wherever it sits, so before and after still agree.
            return REDACTED if secret_name or value in self.substring_secrets else SENSITIVE_COPY
        if secret_name and not NOT_A_SECRET_RE.match(value):
            self.discovered.add(value)
            self.note(path, RedactionReason.SECRET_ATTRIBUTE_NAME)
            return REDACTED
        if value in self.clean:
            return value
        if len(value) > MIN_JSON_LENGTH and value[0] in "{[" and value[-1] in "}]":
            nested = self.scan_json(value, path)
            if nested is not None:
                return nested
        original = value
        if self.substring_secrets and len(value) > MIN_SUBSTRING_SECRET:
            value = self.replace_copies(value, path)
        if may_hold_secret(value):
            value = self.replace_patterns(value, path)
        if value is original:
            self.clean.add(value)
        return value

    def scan_json(self, value: str, path: Path) -> str | None:
        """Redact inside a JSON document held in a string (policies, container definitions)."""
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            return None
        if not isinstance(parsed, dict | list):
            return None
        try:
            redacted = self.walk(parsed, path, None)
        except RecursionError:
            return None
        if redacted is parsed:
            return None
        return json.dumps(redacted, ensure_ascii=False)

    def replace_copies(self, value: str, path: Path) -> str:
        if self.substring_re is not None:
            replaced, hits = self.substring_re.subn(REDACTED, value)
            if hits:
                self.note(path, RedactionReason.COPY_OF_SENSITIVE)
                return replaced
            return value
        found = False
        tokens = _TOKEN_SPLIT_RE.split(value)
        if not self.substring_secrets.isdisjoint(tokens):
            for token in tokens:
                if token in self.substring_secrets:
                    value = value.replace(token, REDACTED)
                    found = True
        for secret in self.complex_secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
                found = True
        if found:
            self.note(path, RedactionReason.COPY_OF_SENSITIVE)
        return value

    def replace_patterns(self, value: str, path: Path) -> str:
        original = value
        has_access_key = bool(AWS_KEY_PAIR_RE.search(value))
        for detector in DETECTORS:
            pattern = detector.pattern
            if detector.keep_context:
                value = self._replace_group(pattern, value, path, RedactionReason(detector.reason))
            elif pattern.search(value):
                self.discovered.update(m.group(0) for m in pattern.finditer(value))
                value = pattern.sub(REDACTED, value)
                self.note(path, RedactionReason(detector.reason))
        if has_access_key and AWS_SECRET_KEY_RE.search(value):
            self.discovered.update(m.group(0) for m in AWS_SECRET_KEY_RE.finditer(value))
            value = AWS_SECRET_KEY_RE.sub(REDACTED, value)
            self.note(path, RedactionReason.AWS_SECRET_KEY)
        return original if value == original else value

    def _replace_group(
        self, pattern: re.Pattern[str], value: str, path: Path, reason: RedactionReason
    ) -> str:
        hits = 0

        def swap(match: re.Match[str]) -> str:
            nonlocal hits
            secret = match.group(2)
            if secret == REDACTED or REDACTED in secret:
                return match.group(0)
            hits += 1
            self.discovered.add(secret)
            return match.group(1) + REDACTED + (match.group(3) if match.lastindex == 3 else "")

        value = pattern.sub(swap, value)
        if hits:
            self.note(path, reason)
        return value

    # --- plan layout -------------------------------------------------------------------------
    def resource_change(self, rc: Any, path: Path) -> Any:
        if not isinstance(rc, dict) or not isinstance(rc.get("change"), dict):
            return self.walk(rc, path, None)
        result: dict[str, Any] | None = None
        for key, item in rc.items():
            if key == "change":
                new = self.change(rc, item, (path, key))
            elif key in _CHANGE_STRUCTURE or (
                type(item) is str and item in self.clean and not self.names[key]
            ):
                continue
            else:
                new = self.walk(item, (path, key), key)
            if new is not item:
                if result is None:
                    result = dict(rc)
                result[key] = new
        return rc if result is None else result

    def change(self, rc: dict[str, Any], source: dict[str, Any], path: Path) -> dict[str, Any]:
        result: dict[str, Any] | None = None
        for key, item in source.items():
            mark_key = _MARK_OF.get(key)
            if mark_key is not None:
                new = self.marked(item, source.get(mark_key), (path, key), RedactionReason.SENSITIVE_MARK)
            elif key in _CHANGE_BODY_STRUCTURE or (key in _MARK_KEYS and _no_strings(item)):
                continue
            else:
                new = self.walk(item, (path, key), key)
            if new is not item:
                if result is None:
                    result = dict(source)
                result[key] = new
        self.remember(rc, source, source if result is None else result)
        return source if result is None else result

    def remember(self, rc: dict[str, Any], source: dict[str, Any], redacted: dict[str, Any]) -> None:
        """Keep a resource change's before/after and their redaction for planned_values/prior_state."""
        address = rc.get("address")
        if isinstance(address, str):
            for side, mark_key in _MARK_OF.items():
                item = source.get(side)
                if isinstance(item, dict):
                    self.done[(side, address)] = (item, source.get(mark_key), redacted[side])

    def module_tree(self, module: Any, path: Path, side: str) -> Any:
        if not isinstance(module, dict):
            return self.walk(module, path, None)
        result: dict[str, Any] = {}
        for key, item in module.items():
            child: Path = (path, key)
            if key == "resources" and isinstance(item, list):
                result[key] = [self.state_resource(r, child, side) for r in item]
            elif key == "child_modules" and isinstance(item, list):
                result[key] = [self.module_tree(m, child, side) for m in item]
            elif key == "address":
                result[key] = item
            else:
                result[key] = self.walk(item, child, key)
        return result

    def state_resource(self, resource: Any, path: Path, side: str) -> Any:
        if not isinstance(resource, dict):
            return self.walk(resource, path, None)
        here: Path = (path, f"[{resource.get('address')}]")
        result: dict[str, Any] | None = None
        for key, item in resource.items():
            child: Path = (here, key)
            if key == "values":
                mark = resource.get("sensitive_values")
                # planned_values/prior_state repeat the after/before values of resource_changes: when the
                # value and its marks are equal (a C-speed comparison), reuse that result. The redacted plan
                # may therefore share these sub-objects between its sections: treat it as read-only.
                address = resource.get("address")
                seen = self.done.get((side, address)) if isinstance(address, str) else None
                if seen is not None and seen[0] == item and _same_marks(seen[1], mark):
                    new = seen[2]
                else:
                    new = self.marked(item, mark, child, RedactionReason.SENSITIVE_MARK)
            elif (
                key in _STATE_STRUCTURE
                or (type(item) is str and item in self.clean and not self.names[key])
                or (key == "sensitive_values" and _no_strings(item))
            ):
                continue
            else:
                new = self.walk(item, child, key)
            if new is not item:
                if result is None:
                    result = dict(resource)
                result[key] = new
        return resource if result is None else result

    def state_values(self, values: Any, path: Path, side: str) -> Any:
        if not isinstance(values, dict):
            return self.walk(values, path, None)
        result: dict[str, Any] = {}
        for key, item in values.items():
            child: Path = (path, key)
            if key == "root_module":
                result[key] = self.module_tree(item, child, side)
            elif key == "outputs" and isinstance(item, dict):
                result[key] = {
                    name: self.state_output(out, (child, name), name) for name, out in item.items()
                }
            else:
                result[key] = self.walk(item, child, key)
        return result

    def state_output(self, output: Any, path: Path, name: str) -> Any:
        if isinstance(output, dict) and output.get("sensitive") is True:
            return {
                k: self.all_leaves(v, (path, "value"), RedactionReason.SENSITIVE_OUTPUT)
                if k == "value"
                else v
                for k, v in output.items()
            }
        if isinstance(output, dict):
            # `type` is Terraform's type descriptor ("string"), never a value.
            return {k: v if k == "type" else self.walk(v, (path, k), name) for k, v in output.items()}
        return self.walk(output, path, name)

    def output_changes(self, outputs: Any, path: Path) -> Any:
        if not isinstance(outputs, dict):
            return self.walk(outputs, path, None)
        result: dict[str, Any] = {}
        for name, change in outputs.items():
            child: Path = (path, name)
            if isinstance(change, dict):
                result[name] = {
                    key: self.marked(
                        item,
                        change.get(key + "_sensitive"),
                        (child, key),
                        RedactionReason.SENSITIVE_OUTPUT,
                    )
                    if key in ("before", "after")
                    else item
                    if key in _CHANGE_BODY_STRUCTURE
                    else self.walk(item, (child, key), key)
                    for key, item in change.items()
                }
            else:
                result[name] = self.walk(change, child, name)
        return result

    def variables(self, variables: Any, sensitive: set[str], fed: set[str], path: Path) -> Any:
        if not isinstance(variables, dict):
            return self.walk(variables, path, None)
        result: dict[str, Any] = {}
        for name, spec in variables.items():
            child: Path = (path, name)
            if name in sensitive and isinstance(spec, dict):
                result[name] = {
                    k: self.all_leaves(v, child, RedactionReason.SENSITIVE_VARIABLE) if k == "value" else v
                    for k, v in spec.items()
                }
            elif name in fed and isinstance(spec, dict) and _credential_value(spec.get("value")):
                # A provider reads a credential from it (secret_key = var.x): the whole value, whatever x is called.
                result[name] = {
                    k: self.all_leaves(v, child, RedactionReason.PROVIDER_CREDENTIAL) if k == "value" else v
                    for k, v in spec.items()
                }
            elif isinstance(spec, dict):
                # A variable's own name says whether its value is a secret ("db_password").
                result[name] = {k: self.walk(v, child, name if k == "value" else k) for k, v in spec.items()}
            else:
                result[name] = self.walk(spec, child, name)
        return result

    def outline(self, node: Any, path: Path, parent: str | None) -> Any:
        """Walk configuration or checks: values (constant_value, default, messages) are redacted as
        values; references, addresses and names are kept; other text is scanned for secret patterns."""
        kind = type(node)
        if kind is str:
            return self.scan_text(node, path)
        if kind is list:
            items = [self.outline(item, (path, i), parent) for i, item in enumerate(node)]
            return node if all(new is old for new, old in zip(items, node, strict=True)) else items
        if kind is not dict:
            return node
        result: dict[str, Any] | None = None
        for key, item in node.items():
            # An attribute named "name" under expressions holds an expression object, never a bare string.
            if key in _CONFIG_STRUCTURE and (
                type(item) is str or (type(item) is list and all(type(i) is str for i in item))
            ):
                continue
            child: Path = (path, key)
            if key in _VALUE_HOLDERS or key == "problems":
                # {"password": {"constant_value": "..."}}: the holder's name is the attribute's name.
                new = self.walk(item, child, parent if key in _VALUE_HOLDERS else None)
            else:
                new = self.outline(item, child, key)
            if new is not item:
                if result is None:
                    result = dict(node)
                result[key] = new
        return node if result is None else result

    def scan_text(self, value: str, path: Path) -> str:
        """Secret patterns only: text that is no plan value (descriptions, module sources)."""
        if value in self.clean or not may_hold_secret(value):
            return value
        return self.replace_patterns(value, path)

    def configuration(self, config: Any, sensitive: set[str], fed: CredentialInputs, path: Path) -> Any:
        redacted = self.outline(config, path, None)
        root = redacted.get("root_module") if isinstance(redacted, dict) else None
        if not isinstance(root, dict):
            return redacted
        if fed.module_inputs:
            root = self.module_call_inputs(root, fed.module_inputs, (), path)
        declared = root.get("variables")
        defaults: dict[str, Any] = {}
        for name in sensitive | fed.root_variables:
            spec = declared.get(name) if isinstance(declared, dict) else None
            if not isinstance(spec, dict) or spec.get("default") in (None, REDACTED):
                continue
            if name not in sensitive and not _credential_value(spec["default"]):
                continue
            where: Path = (path, f"root_module.variables.{name}.default")
            reason = (
                RedactionReason.SENSITIVE_VARIABLE
                if name in sensitive
                else RedactionReason.PROVIDER_CREDENTIAL
            )
            defaults[name] = {**spec, "default": self.all_leaves(spec["default"], where, reason)}
        if isinstance(declared, dict) and defaults:
            root = {**root, "variables": {**declared, **defaults}}
        if root is redacted.get("root_module"):
            return redacted
        # The walk may have returned parts of the input itself: copy the path down instead of mutating.
        return {**redacted, "root_module": root}

    def module_call_inputs(
        self, module: dict[str, Any], inputs: set[tuple[ModulePath, str]], where: ModulePath, path: Path
    ) -> dict[str, Any]:
        """`module` with the constants its calls pass into provider-fed module variables redacted."""
        calls = module.get("module_calls")
        if not isinstance(calls, dict):
            return module
        new_calls: dict[str, Any] = {}
        for name, call in calls.items():
            if not isinstance(call, dict):
                continue
            here = (*where, name)
            updated = dict(call)
            expressions = call.get("expressions")
            if isinstance(expressions, dict):
                changed = {
                    var: {
                        **expr,
                        "constant_value": self.all_leaves(
                            expr["constant_value"],
                            (path, f"module.{'.module.'.join(here)}.{var}"),
                            RedactionReason.PROVIDER_CREDENTIAL,
                        ),
                    }
                    for var, expr in expressions.items()
                    if (here, var) in inputs
                    and isinstance(expr, dict)
                    and _credential_value(expr.get("constant_value"))
                }
                if changed:
                    updated["expressions"] = {**expressions, **changed}
            child = call.get("module")
            if isinstance(child, dict):
                updated["module"] = self.module_call_inputs(child, inputs, here, path)
            if any(updated[k] is not call.get(k) for k in updated):
                new_calls[name] = updated
        return {**module, "module_calls": {**calls, **new_calls}} if new_calls else module

    def deferred(self, entry: Any, path: Path) -> Any:
        if not isinstance(entry, dict):
            return self.walk(entry, path, None)
        return {
            k: self.resource_change(v, (path, "resource_change"))
            if k == "resource_change"
            else self.walk(v, path, k)
            for k, v in entry.items()
        }

    def changes(self, key: str, changes: list[Any]) -> list[Any]:
        return [self.resource_change(rc, (None, f"{key}[{_address(rc)}]")) for rc in changes]

    def changes_in_two(self, key: str, changes: list[Any], cut: int) -> list[Any]:
        """changes() with the entries from `cut` on redacted by a forked child meanwhile; same result."""
        with Forked(lambda: _Part.of(self.secrets, key, changes, cut)) as child:
            head = self.changes(key, changes[:cut])
            part = child.result()
        self.counts.update(part.counts)
        self.paths.extend(part.paths[: MAX_REPORTED_PATHS - len(self.paths)])
        self.discovered |= part.discovered
        self.clean |= part.clean
        redacted = head + changes[cut:]
        for index, new in part.changed:
            redacted[index] = new
        # What resource_change would have remembered for planned_values/prior_state, in the same order.
        for rc, new in zip(changes[cut:], redacted[cut:], strict=True):
            if isinstance(rc, dict) and isinstance(rc.get("change"), dict):
                self.remember(rc, rc["change"], new["change"])
        return redacted

    def plan(self, raw: dict[str, Any], parallel: bool = False) -> dict[str, Any]:
        early = self.early(raw, parallel)
        return {key: early[key] if key in early else self.late(key, raw[key]) for key in raw}

    def early(self, raw: dict[str, Any], parallel: bool = False) -> dict[str, Any]:
        """Every section but planned_values and prior_state (LATE_KEYS), redacted: all the rules read."""
        sensitive_vars = sensitive_variable_names(raw)
        fed = credential_inputs(raw)
        result: dict[str, Any] = {}
        # resource_changes first, so planned_values/prior_state can reuse its results.
        first = [k for k in ("resource_changes", "resource_drift") if k in raw]
        for key in first + [k for k in raw if k not in first and k not in LATE_KEYS]:
            item = raw[key]
            path: Path = (None, key)
            if key in ("resource_changes", "resource_drift") and isinstance(item, list):
                if parallel and key == "resource_changes" and len(item) >= PARALLEL_MIN_RESOURCES:
                    result[key] = self.changes_in_two(key, item, len(item) * 55 // 100)
                else:
                    result[key] = self.changes(key, item)
            elif key == "deferred_changes" and isinstance(item, list):
                result[key] = [self.deferred(entry, (None, f"{key}[{i}]")) for i, entry in enumerate(item)]
            elif key == "output_changes":
                result[key] = self.output_changes(item, path)
            elif key == "variables":
                result[key] = self.variables(item, sensitive_vars, fed.root_variables, path)
            elif key == "configuration":
                result[key] = self.configuration(item, sensitive_vars, fed, path)
            elif key in _PLAN_STRUCTURE:
                result[key] = item
            elif key in ("checks", "provider_schemas"):
                result[key] = self.outline(item, path, key)
            else:
                result[key] = self.walk(item, path, key)
        return result

    def late(self, key: str, item: Any) -> Any:
        """planned_values or prior_state, after early() (they reuse what it did for resource_changes)."""
        path: Path = (None, key)
        if key == "planned_values":
            return self.state_values(item, path, "after")
        if isinstance(item, dict):
            return {
                k: self.state_values(v, (path, "values"), "before")
                if k == "values"
                else self.walk(v, (path, k), k)
                for k, v in item.items()
            }
        return self.walk(item, path, key)


# Sections no rule reads (the parsed plan holds nothing of them): redacted last, possibly meanwhile.
LATE_KEYS = ("planned_values", "prior_state")


class StagedRedaction:
    """redact_plan in two stages: early() redacts every section the rules read, finish() the rest.

    Work started on early()'s plan is valid only if `settled` still holds after finish(): a secret found
    by pattern or name anywhere makes a second pass, which may rewrite the early sections too.
    """

    def __init__(self, raw: dict[str, Any], *, parallel: bool = False) -> None:
        self.raw = raw
        self.secrets = collect_sensitive_values(raw)
        self.redactor = _Redactor(self.secrets)
        self.parallel = parallel and spare_cpus() > 0
        self._early: dict[str, Any] | None = None
        self._finished: tuple[dict[str, Any], RedactionReport] | None = None

    def early(self) -> dict[str, Any]:
        """The plan with all but LATE_KEYS redacted (those still hold the input's objects)."""
        if self._early is None:
            done = self.redactor.early(self.raw, self.parallel)
            self._early = {key: done.get(key, item) for key, item in self.raw.items()}
        return self._early

    @property
    def settled(self) -> bool:
        """No secret found by pattern or name so far calls for a second pass over the plan."""
        return not self._new_secrets()

    def _new_secrets(self) -> set[str]:
        return {s for s in self.redactor.discovered if len(s) >= MIN_COPY_LENGTH} - self.secrets

    def finish(self) -> tuple[dict[str, Any], RedactionReport]:
        """The whole redacted plan (same shape) and the report of what was redacted where (once)."""
        if self._finished is None:
            redactor = self.redactor
            redacted = {
                key: redactor.late(key, item) if key in LATE_KEYS else item
                for key, item in self.early().items()
            }
            # Secrets found only by pattern or name may be copied elsewhere: one more pass catches them.
            new_secrets = self._new_secrets()
            if new_secrets:
                second = _Redactor(self.secrets | new_secrets)
                redacted = second.plan(redacted)
                redactor.counts.update(second.counts)
                redactor.paths.extend(second.paths[: MAX_REPORTED_PATHS - len(redactor.paths)])
            report = RedactionReport(
                count=sum(redactor.counts.values()),
                by_reason={str(reason): n for reason, n in sorted(redactor.counts.items())},
                paths=redactor.paths,
            )
            self._finished = (redacted, report)
        return self._finished


_MARK_KEYS = frozenset({"after_unknown", "before_sensitive", "after_sensitive"})
# The values of a change and the key of their sensitive marks.
_MARK_OF = {"before": "before_sensitive", "after": "after_sensitive"}


def _no_strings(node: Any) -> bool:
    """True when a tree holds no string, so a walk would return it unchanged (mark trees, fast)."""
    kind = type(node)
    if kind is not dict and kind is not list:
        return kind is not str
    if not node:  # {} or []: most marks
        return True
    stack = [node]
    while stack:
        current = stack.pop()
        for item in current.values() if type(current) is dict else current:
            kind = type(item)
            if kind is dict or kind is list:
                stack.append(item)
            elif kind is str:
                return False
    return True


@dataclass(slots=True)
class _Part:
    """What redacting a slice of resource_changes gave: the entries that changed and the notes taken."""

    changed: list[tuple[int, Any]]
    counts: Counter[str]
    paths: list[str]
    discovered: set[str]
    clean: set[str]  # so planned_values/prior_state need not scan the same strings again

    @classmethod
    def of(cls, secrets: set[str], key: str, changes: list[Any], start: int) -> _Part:
        redactor = _Redactor(secrets)
        redacted = redactor.changes(key, changes[start:])
        changed = [
            (start + i, new)
            for i, (rc, new) in enumerate(zip(changes[start:], redacted, strict=True))
            if new is not rc
        ]
        return cls(changed, redactor.counts, redactor.paths, redactor.discovered, redactor.clean)


def _same_marks(change_mark: Any, state_mark: Any) -> bool:
    """resource_changes marks and state sensitive_values agree (`false`/`{}` both mean none)."""
    return change_mark == state_mark or (not change_mark and not state_mark)


def _has_access_key(value: dict[str, Any]) -> bool:
    """A sibling holds an AWS access key id, so a 40-character neighbour is its secret key."""
    return any(type(item) is str and AWS_KEY_PAIR_RE.search(item) for item in value.values())


def _address(rc: Any) -> str:
    return str(rc.get("address", "?")) if isinstance(rc, dict) else "?"


def redact_text(text: str) -> str:
    """Free text (a title, a commit message, a note) with every secret shape of secrets.DETECTORS replaced."""
    if not text or not may_hold_secret(text):
        return text
    return _Redactor(set()).replace_patterns(text, None)


def redact_plan(raw: dict[str, Any], *, parallel: bool = False) -> tuple[dict[str, Any], RedactionReport]:
    """Return a redacted copy of the plan (same shape) and a report of what was redacted where.

    `parallel` (single-threaded callers only: the CLI) lets a forked child redact part of a big plan's
    resource_changes; the result is the same.
    """
    return StagedRedaction(raw, parallel=parallel).finish()
