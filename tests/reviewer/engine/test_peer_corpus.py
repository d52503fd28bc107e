"""The public peer corpus (test data of terraform-json, Terraform and OpenTofu): every plan is reviewed
sanely, every other file is refused with the code that says what it is (see tests/fixtures/peer)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reviewer.engine import PlanError, load_plan, review_plan
from reviewer.engine.reports import FORMATS, render
from tests.reviewer.engine.test_corpus import sensitive_values

PEER = Path(__file__).parents[2] / "fixtures" / "peer"
FILES = sorted(p for p in PEER.rglob("*") if p.is_file() and p.suffix in (".json", ".tfstate", ".golden"))
TF = "hashicorp+terraform/internal"
TFJSON = "hashicorp+terraform-json/testdata"
TOFU = "opentofu+opentofu/internal/command/testdata/show-json"
# Every file that is not a plan, and what it is. A new peer file that is no plan must be added here.
REFUSED: dict[str, str] = {
    f"{TF}/cloud/testdata/apply-json-with-error/plan-redacted.json": "empty",  # "{}"
    f"{TF}/cloud/testdata/plan-bookmark/bookmark.json": "not_a_plan",
    f"{TFJSON}/basic/functions.json": "not_a_plan",
    f"{TFJSON}/invalid/plan.json": "not_json",
    f"{TFJSON}/invalid/state.json": "not_json",
    **{
        f"{TFJSON}/{name}/state.json": "state_json"
        for name in ("110_sensitive_values", "has_checks", "identity", "no_changes")
    },
    f"{TFJSON}/moved_block/show.json": "state_json",
    f"{TFJSON}/state_stores/single_store.json": "provider_schemas",
    **{
        f"{TFJSON}/{name}/schemas.json": "provider_schemas"
        for name in (
            "013_module_depends_on",
            "actions",
            "config_resource_depends_on",
            "ephemeral_resources",
            "functions",
            "has_checks",
            "identity",
            "list_resources",
            "moved_block",
            "nested_attributes",
            "write_only_attribute_on_resource",
        )
    },
    **{
        f"{TFJSON}/{name}/terraform.tfstate": "state_file"
        for name in ("110_sensitive_values", "config_resource_depends_on", "has_changes")
    },
    **{
        f"{root}/{name}": "state_file"
        for root in (f"{TF}/command/testdata/show-json", TOFU)
        for name in (
            "basic-delete/terraform.tfstate",
            "basic-update/terraform.tfstate",
            "conditions/for-refresh.tfstate",
            "drift/terraform.tfstate",
            "moved/terraform.tfstate",
            "requires-replace/terraform.tfstate",
        )
    },
}


def _name(path: Path) -> str:
    return path.relative_to(PEER).as_posix()


def _is_plan(path: Path) -> bool:
    """Decided without the engine: a JSON object holding resource_changes or planned_values."""
    try:
        data = json.loads(path.read_bytes())
    except ValueError:
        return False
    return isinstance(data, dict) and ("resource_changes" in data or "planned_values" in data)


PLANS = [p for p in FILES if _is_plan(p)]
OTHERS = [p for p in FILES if not _is_plan(p)]


def test_the_corpus_is_there_and_classified() -> None:
    assert len(PLANS) >= 60 and len(OTHERS) >= 30
    assert {_name(p) for p in OTHERS} == set(REFUSED)
    for project in ("hashicorp+terraform", "hashicorp+terraform-json", "opentofu+opentofu"):
        assert (
            "Mozilla Public License" in (PEER / project / "LICENSE").read_text()
            or "Business Source" in (PEER / project / "LICENSE").read_text()
        )
    # Plans the engine once refused: saved with provider schemas, and HCP Terraform's redacted format.
    shapes = [json.loads(p.read_bytes()) for p in PLANS]
    assert sum("provider_schemas" in s for s in shapes) >= 5
    assert sum("plan_format_version" in s and "format_version" not in s for s in shapes) >= 3


def plan_addresses(raw: dict[str, Any]) -> set[str]:
    """Every address the plan itself names: changes, drift, outputs, checks, planned and prior state."""
    found = {rc.get("address") for key in ("resource_changes", "resource_drift") for rc in raw.get(key) or []}
    found |= {f"output.{name}" for name in raw.get("output_changes") or {}}
    for check in raw.get("checks") or []:
        found.add(check.get("address", {}).get("to_display"))
        found |= {i.get("address", {}).get("to_display") for i in check.get("instances") or []}
    for state in (raw.get("planned_values"), (raw.get("prior_state") or {}).get("values")):
        stack = [(state or {}).get("root_module") or {}]
        while stack:
            module = stack.pop()
            found |= {r.get("address") for r in module.get("resources") or []}
            stack.extend(module.get("child_modules") or [])
    return {a for a in found if isinstance(a, str)}


@pytest.mark.parametrize("path", PLANS, ids=_name)
def test_every_peer_plan_is_reviewed(path: Path) -> None:
    raw = load_plan(path.read_bytes())
    output = review_plan(raw)
    result = output.result
    assert 0 <= result.risk.score <= 100
    summary = result.summary
    counted = (
        summary.create + summary.update + summary.delete + summary.replace + summary.read + summary.no_op
    )
    changes = raw.get("resource_changes") or []
    assert counted + summary.forget <= len(changes)
    assert result.plan.format_version == raw.get("format_version", raw.get("plan_format_version"))
    addresses = plan_addresses(raw)
    for finding in result.findings:
        assert finding.address is None or finding.address in addresses, finding
    secrets = {s for s in sensitive_values(raw) if s not in ("true", "false")}
    for fmt in FORMATS:
        text = render(fmt, result, title=path.name)
        assert not [s for s in secrets if s in text]
    if result.plan.errored:
        assert result.risk.level.value != "LOW"


@pytest.mark.parametrize("path", OTHERS, ids=_name)
def test_every_other_peer_file_is_refused_with_its_code(path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(path.read_bytes())
    assert caught.value.code == REFUSED[_name(path)]


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "reviewer.cli", "review", *args], capture_output=True, timeout=300, check=False
    )


def test_cli_reviews_every_peer_plan() -> None:
    done = _cli("--format", "json", "--fail-on", "never", *map(str, PLANS))
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    reports = json.loads(done.stdout)
    assert len(reports) == len(PLANS)


def test_cli_refuses_every_other_peer_file_with_exit_2_and_its_code() -> None:
    done = _cli("--format", "json", *map(str, OTHERS))
    assert done.returncode == 2 and done.stdout == b""
    lines = done.stderr.decode().splitlines()
    for path in OTHERS:
        line = next(line for line in lines if f"{path}:" in line)
        assert line.endswith(f"[{REFUSED[_name(path)]}]")
