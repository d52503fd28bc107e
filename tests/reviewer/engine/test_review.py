"""review_plan end to end: plan facts, summary, scoring, configuration and purity."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from reviewer.engine import (
    ENGINE_VERSION,
    ConfigError,
    PlanError,
    ReviewConfig,
    canonical_json,
    load_config,
    parse_config,
    review_plan,
)
from reviewer.engine import review as review_module
from reviewer.engine.results import RiskLevel
from tests.reviewer.engine.plans import change, plan


def test_plan_info_and_summary() -> None:
    raw = plan(
        change("aws_instance", {"ami": "a"}, name="new"),
        change("aws_instance", {"ami": "b"}, before={"ami": "a"}, name="changed", module="module.app"),
        change("aws_instance", None, before={"ami": "a"}, name="gone"),
        change("aws_instance", {"ami": "a"}, before={"ami": "a"}, action="replace", name="swap"),
        change(
            "aws_instance",
            {"ami": "a"},
            before={"ami": "a"},
            action="no-op",
            name="same",
            previous_address="aws_instance.old",
        ),
        change("aws_ami", {"id": "x"}, action="read", name="lookup"),
        resource_drift=[change("aws_instance", {"ami": "z"}, before={"ami": "a"}, name="same")],
    )
    output = review_plan(raw)
    result = output.result
    assert result.engine_version == ENGINE_VERSION
    assert result.plan.sha256 == hashlib.sha256(canonical_json(output.redacted)).hexdigest()
    assert result.plan.bytes == len(canonical_json(output.redacted))
    summary = result.summary
    assert (summary.create, summary.update, summary.delete, summary.replace, summary.read) == (1, 1, 1, 1, 1)
    assert (summary.no_op, summary.move, summary.drift) == (0, 1, 1)
    assert summary.by_type == {"aws_instance": 5} and summary.by_module == {"root": 4, "module.app": 1}
    assert [c.address for c in result.destructive_changes] == ["aws_instance.gone", "aws_instance.swap"]


def test_unhealthy_plan_is_never_low() -> None:
    created = change("aws_route53_record", {"name": "a", "ttl": 60})
    for flags in ({"errored": True}, {"applyable": False}, {"complete": False}):
        risk = review_plan(plan(created, **flags)).result.risk
        assert risk.level.rank >= RiskLevel.MEDIUM.rank
        assert risk.reasons[0].startswith("Never safe")


def test_a_plan_with_nothing_to_apply_is_not_unhealthy() -> None:
    """Terraform marks a plan without changes `applyable: false`; there is nothing risky to apply."""
    same = {"name": "a", "ttl": 60}
    unchanged = change("aws_route53_record", same, before=same, action="no-op")
    for raw in (plan(applyable=False), plan(unchanged, applyable=False)):
        result = review_plan(raw).result
        assert (result.risk.level, result.findings) == (RiskLevel.LOW, [])
    # A move or an output change is something to apply.
    moved = {**unchanged, "previous_address": "aws_route53_record.old"}
    output = {"o": {"actions": ["create"], "before": None, "after": "x", "after_unknown": False}}
    for raw in (plan(moved, applyable=False), plan(unchanged, applyable=False, output_changes=output)):
        assert review_plan(raw).result.risk.reasons[0].startswith("Never safe")


def test_pre_existing_findings_are_posture_not_risk() -> None:
    bad = {"ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]}
    introduced = review_plan(plan(change("aws_security_group", bad))).result.risk
    existing = review_plan(plan(change("aws_security_group", bad, before=bad))).result.risk
    assert introduced.level is RiskLevel.HIGH and (introduced.introduced, introduced.posture) == (1, 0)
    # Before this change a pre-existing HIGH made the plan MEDIUM: applying it changes nothing, so LOW.
    assert (existing.level, existing.score) == (RiskLevel.LOW, 0)
    assert (existing.introduced, existing.posture, existing.posture_by_severity) == (0, 1, {"HIGH": 1})


def test_clean_plan_is_low() -> None:
    risk = review_plan(plan(change("aws_route53_record", {"name": "a", "ttl": 60}))).result.risk
    assert (risk.level, risk.score) == (RiskLevel.LOW, 0)


def test_review_rejects_non_plans() -> None:
    with pytest.raises(PlanError):
        review_plan({"version": 4, "serial": 1, "lineage": "x"})


def test_same_input_same_output() -> None:
    raw = plan(change("aws_db_instance", None, before={"identifier": "x"}))
    assert review_plan(raw).result == review_plan(raw).result


CONFIG = """
custom_instructions = "We run PCI workloads; flag anything public."
disable = ["TFR-AWS-S3-011"]
fail_on = "MEDIUM"

[severity]
"TFR-AWS-S3-010" = "HIGH"

[[suppress]]
rule = "TFR-AWS-NET-003"
address = "module.web.*"
owner = "team-web"
reason = "public web tier"
expires = 2027-01-31
"""


def test_config_file(tmp_path: Path) -> None:
    path = tmp_path / ".tfreview.toml"
    path.write_text(CONFIG)
    config = load_config(path)
    assert config.disable == ["TFR-AWS-S3-011"] and config.fail_on is RiskLevel.MEDIUM
    assert config.suppress[0].expires == date(2027, 1, 31)
    result = review_plan(plan(), config).result
    assert result.custom_instructions.startswith("We run PCI")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("disable = [", "not valid TOML"),
        ('disable = ["TFR-NOPE-1"]', "unknown rule id"),
        ('[severity]\n"TFR-CHG-001" = "SEVERE"', "severity"),
        ('[[suppress]]\nrule = "*"\naddress = "*"', "owner"),
        ("colour = true", "colour"),
    ],
)
def test_bad_config_is_a_clear_error(text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        parse_config(text)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")


def test_default_config_is_empty() -> None:
    assert ReviewConfig().custom_instructions == "" and ReviewConfig().suppress == []


def test_docs_list_every_rule() -> None:
    from reviewer.engine import RULES

    docs = Path(__file__).parents[3] / "docs" / "rules.md"
    text = docs.read_text(encoding="utf-8")
    assert [rule.meta.id for rule in RULES if f"| {rule.meta.id} |" not in text] == []


def test_configuration_doc_example_is_valid() -> None:
    docs = Path(__file__).parents[3] / "docs" / "configuration.md"
    text = docs.read_text(encoding="utf-8")
    example = text.split("```toml", 1)[1].split("```", 1)[0]
    config = parse_config(example)
    assert config.suppress and config.suppress[0].owner == "team-web" and config.fail_on is RiskLevel.HIGH


@pytest.mark.parametrize(
    "value",
    [
        0.0,
        -0.0,
        1e-4,
        1e-5,
        -2.5e-7,
        123456.789,
        1e15,
        1e16,
        1.5e300,
        float("nan"),
        float("inf"),
        2**64,
        -(2**63) - 1,
        "zoë \u2028 \x7f \x00 \U0001f600",
        "\ud800",
        (1, 2.5e-9),
        True,
        None,
    ],
)
def test_canonical_json_is_the_stdlib_encoding(value: object) -> None:
    # Stored plan hashes depend on these exact bytes, whichever encoder produces them.
    data = {"b": value, "a": [value, {"\U0001f600": value, "\uffff": 1, "é": value}]}
    try:
        expected: object = json.dumps(
            data, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except UnicodeEncodeError as exc:  # a lone surrogate: no UTF-8 bytes at all, as before
        expected = type(exc)
    try:
        actual: object = canonical_json(data)
    except UnicodeEncodeError as exc:
        actual = type(exc)
    assert actual == expected


@pytest.mark.parametrize("piece", [1, 2, 3, 64])
def test_digest_in_pieces_is_the_digest_of_the_canonical_bytes(
    piece: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI hashes big plans a piece at a time (memory); the bytes are canonical_json's all the same."""
    monkeypatch.setattr(review_module, "_DIGEST_SLICE", piece)
    rng = random.Random(piece)
    keys = ["b", "a", "ä", "Z", "k1", "é", "\U0001f600", "z", "\u2028"]
    leaves: list[Any] = ["a", "é", 'x"y', "", 1, -7, 2.5, None, True, False]

    def tree(depth: int) -> Any:
        roll = rng.random()
        if depth > 5 or roll < 0.3:
            return rng.choice(leaves)
        if roll < 0.65:
            return [tree(depth + 1) for _ in range(rng.randint(0, 9))]
        return {rng.choice(keys): tree(depth + 1) for _ in range(rng.randint(0, 8))}

    samples: list[dict[str, Any]] = [{f"k{i}": tree(0) for i in range(rng.randint(0, 4))} for _ in range(300)]
    samples += [{"resource_changes": [{"n": 2**70}] * 5}, {"x": ["\ud800"] * 5}]  # orjson refuses: stdlib
    for sample in samples:
        try:
            canonical = canonical_json(sample, plain_numbers=True)
        except UnicodeEncodeError:
            with pytest.raises(PlanError):
                review_module._digest(sample, True)
            continue
        assert review_module._digest(sample, True) == (hashlib.sha256(canonical).hexdigest(), len(canonical))
