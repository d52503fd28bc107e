import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { FindingsSection } from "@/components/review/findings";
import { VerdictBanner } from "@/components/review/verdict-banner";
import { splitInlineCode } from "@/lib/inline-code";
import type { Review } from "@/lib/types";
import { verdictOf } from "@/lib/verdict";

import { makeReview } from "./fixtures";

const RULE_ID = /\bTFR-[A-Z]+(?:-[A-Z0-9]+)*-\d{3}\b/;
const ENGINE_SENTENCE =
  "Not safe to apply without review: destroys a database without deletion protection or a final snapshot, grants full admin rights in module.ci and opens SSH and PostgreSQL to the internet.";

function engineReview(): Review {
  return makeReview({
    risk: {
      score: 100,
      level: "CRITICAL",
      introduced: 6,
      posture: 0,
      reasons: ["Data: destroys a database without deletion protection or a final snapshot (aws_db_instance.payments)."],
      verdict: ENGINE_SENTENCE,
      why: [
        {
          concern: "data",
          title: "Data",
          severity: "CRITICAL",
          text: "destroys a database without deletion protection or a final snapshot (aws_db_instance.payments).",
          resources: 1,
          addresses: ["aws_db_instance.payments"],
          rule_ids: ["TFR-CMP-001", "TFR-CHG-001", "TFR-CHG-006", "TFR-CHG-007"],
        },
        {
          concern: "network",
          title: "Network exposure",
          severity: "HIGH",
          text: "opens SSH and PostgreSQL to the internet (aws_security_group.payments_db).",
          resources: 1,
          addresses: ["aws_security_group.payments_db"],
          rule_ids: ["TFR-AWS-NET-001", "TFR-AWS-NET-005"],
        },
      ],
    },
  });
}

describe("the verdict banner", () => {
  it("shows the engine's sentence and its reasons by concern, with no rule ID in the words", () => {
    const review = engineReview();
    const verdict = verdictOf(review);
    expect(verdict.source).toBe("engine");
    expect(verdict.sentence).toBe(ENGINE_SENTENCE);
    render(<VerdictBanner review={review} verdict={verdict} />);
    expect(screen.getByTestId("verdict-sentence").textContent).toBe(ENGINE_SENTENCE);
    const why = screen.getByTestId("verdict-why");
    const items = within(why).getAllByRole("listitem");
    expect(items.map((li) => li.getAttribute("data-concern"))).toEqual(["data", "network"]);
    expect(items[0]?.textContent).toContain("Data: destroys a database without deletion protection or a final snapshot");
    expect(items[1]?.textContent).toContain("Network exposure: opens SSH and PostgreSQL to the internet");
    expect(RULE_ID.test(screen.getByTestId("verdict-sentence").textContent ?? "")).toBe(false);
    expect(RULE_ID.test(why.textContent ?? "")).toBe(false);
  });

  it("shows the three worst concerns in place of the worst findings, and says how many there are", () => {
    const review = engineReview();
    const base = review.risk!.why![1]!;
    review.risk!.why = [...review.risk!.why!, ...["secrets", "security", "cost", "drift"].map((concern) => ({ ...base, concern, title: concern, severity: "MEDIUM" as const }))];
    render(<VerdictBanner review={review} verdict={verdictOf(review)} />);
    expect(within(screen.getByTestId("verdict-why")).getAllByRole("listitem").map((li) => li.getAttribute("data-concern"))).toEqual(["data", "network", "secrets"]);
    expect(screen.getByTestId("verdict-why-more").textContent).toBe(" · the worst 3 of 6 concerns; all of them under Review details");
    expect(screen.queryByTestId("worst-findings")).toBeNull();
  });

  it("falls back to the dashboard's own sentence for a review stored before the engine wrote one", () => {
    const review = makeReview({ risk: { score: 80, level: "CRITICAL", introduced: 1, posture: 0, reasons: ["1 CRITICAL finding(s) introduced by this plan: TFR-DB-001."], verdict: "" } });
    const verdict = verdictOf(review);
    expect(verdict.source).toBe("dashboard");
    expect(verdict.why).toEqual([]);
    render(<VerdictBanner review={review} verdict={verdict} />);
    expect(screen.getByTestId("verdict-sentence").textContent).toBe("Destroys a resource.");
    expect(screen.queryByTestId("verdict-why")).toBeNull();
    expect(screen.getByTestId("worst-findings")).toBeTruthy();
  });

  it("keeps hostile words as text: an address cannot become a link or markup", () => {
    const review = engineReview();
    const hostile = 'opens SSH to the internet (aws_security_group.x["<img src=x onerror=alert(1)> [a](javascript:alert(1))"]).';
    review.risk!.why![1] = { ...review.risk!.why![1]!, text: hostile };
    review.risk!.verdict = `Not safe to apply without review: ${hostile}`;
    const { container } = render(<VerdictBanner review={review} verdict={verdictOf(review)} />);
    expect(container.querySelector("img")).toBeNull();
    expect(within(screen.getByTestId("verdict-why")).queryAllByRole("link")).toHaveLength(0);
    expect(screen.getByTestId("verdict-why").textContent).toContain("<img src=x onerror=alert(1)>");
  });

  it("a running or failed review does not show a stored verdict", () => {
    const running = { ...engineReview(), status: "IN_PROGRESS" as const };
    const verdict = verdictOf(running);
    expect(verdict.sentence).toMatch(/being reviewed/);
    expect(verdict.why).toEqual([]);
  });
});

describe("inline code in what changed and what to do", () => {
  it("splits code spans the way CommonMark pairs backticks", () => {
    expect(splitInlineCode("Add `prevent_destroy` or a ``removed { x = `y` }`` block; a lone ` stays")).toEqual([
      { text: "Add ", code: false },
      { text: "prevent_destroy", code: true },
      { text: " or a ", code: false },
      { text: "removed { x = `y` }", code: true },
      { text: " block; a lone ` stays", code: false },
    ]);
    expect(splitInlineCode("no code")).toEqual([{ text: "no code", code: false }]);
    expect(splitInlineCode("`` ` ``")).toEqual([{ text: "`", code: true }]);
  });

  it("draws code as <code>, never literal backticks, and markup in it as text", () => {
    const review = makeReview();
    const finding = {
      ...review.findings![0]!,
      message: "aws_db_instance.main is deleted with `deletion_protection = false`.",
      remediation: "Keep it with a `removed { lifecycle { destroy = false } }` block, or `<img src=x onerror=alert(1)>`.",
    };
    const { container } = render(<FindingsSection findings={[finding]} pending={false} />);
    const codes = [...container.querySelectorAll("code")].map((c) => c.textContent);
    expect(codes).toEqual(["deletion_protection = false", "removed { lifecycle { destroy = false } }", "<img src=x onerror=alert(1)>"]);
    const whatToDo = screen.getByText("What to do:").parentElement;
    expect(whatToDo?.textContent).not.toContain("`");
    expect(container.querySelector("img")).toBeNull();
  });
});
