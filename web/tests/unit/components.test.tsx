import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

import { RiskBadge, StatusBadge } from "@/components/badges";
import { ChangesSection } from "@/components/review/changes";
import { DecisionPanel } from "@/components/review/decision-panel";
import { FindingsSection, groupBySeverity } from "@/components/review/findings";
import { makeReview } from "./fixtures";

describe("badges", () => {
  it.each(["LOW", "MEDIUM", "HIGH", "CRITICAL"] as const)("risk %s shows its level as text, not only colour", (level) => {
    render(<RiskBadge level={level} score={50} />);
    const badge = screen.getByText(level).closest("[data-risk]");
    expect(badge?.getAttribute("data-risk")).toBe(level);
    expect(badge?.getAttribute("aria-label")).toBe(`Risk ${level}, score 50`);
  });

  it("says when there is no risk yet", () => {
    render(<RiskBadge level={null} />);
    expect(screen.getByText("No risk yet")).toBeTruthy();
  });

  it("status shows words", () => {
    render(<StatusBadge status="IN_PROGRESS" />);
    expect(screen.getByText("IN PROGRESS")).toBeTruthy();
  });
});

describe("findings", () => {
  it("groups by severity, most severe first, and marks introduced vs pre-existing", () => {
    const review = makeReview();
    expect(groupBySeverity(review.findings ?? []).map((g) => g.severity)).toEqual(["CRITICAL", "MEDIUM"]);
    render(<FindingsSection findings={review.findings ?? []} pending={false} />);
    expect(screen.getByText("Introduced by this change")).toBeTruthy();
    expect(screen.getByText("Pre-existing")).toBeTruthy();
    expect(screen.getByText("Take a snapshot first.")).toBeTruthy();
    expect(screen.getByText(/· versioning/)).toBeTruthy();
  });

  it("shows custom policy findings beside the rules' findings, marked Policy", () => {
    const review = makeReview();
    const policy = {
      rule_id: "tfreview.required_tags",
      title: "Required tags",
      severity: "CRITICAL" as const,
      category: "policy" as const,
      address: "aws_s3_bucket.logs",
      attribute: "tags",
      introduced: true,
      message: "aws_s3_bucket.logs is missing required tags: team",
      remediation: "Add the team tag.",
      source: "policy" as const,
    };
    render(<FindingsSection findings={[...(review.findings ?? []), policy]} pending={false} />);
    expect(screen.getByText("tfreview.required_tags")).toBeTruthy();
    expect(screen.getByText("TFR-DB-001")).toBeTruthy();
    expect(screen.getAllByText("Policy")).toHaveLength(1);
    expect(screen.getByText("Add the team tag.")).toBeTruthy();
  });
});

describe("changes", () => {
  it("shows before -> after and keeps redacted values redacted", () => {
    render(<ChangesSection changes={makeReview().changes ?? []} />);
    expect(screen.getAllByText("(redacted)")).toHaveLength(2);
    expect(screen.getByText('"db.t3.micro"')).toBeTruthy();
    expect(screen.getByText('"db.t3.large"')).toBeTruthy();
  });
});

describe("DecisionPanel", () => {
  it("on 409 shows the newer version from details.current", async () => {
    const current = makeReview({ version: 3, latest_version: 3, decision: "REJECTED" });
    const fetchMock = vi.fn().mockResolvedValue(
      new Response(JSON.stringify({ error: { code: "version_conflict", message: "version 2 is not the latest (3)", details: { current } }, request_id: "r" }), {
        status: 409,
        headers: { "Content-Type": "application/json" },
      }),
    );
    vi.stubGlobal("fetch", fetchMock);
    const onChange = vi.fn();
    render(<DecisionPanel review={makeReview()} onChange={onChange} />);
    fireEvent.click(screen.getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(screen.getByTestId("decision-conflict")).toBeTruthy());
    expect(screen.getByTestId("decision-conflict").textContent).toContain("version 3");
    expect(onChange).toHaveBeenCalledWith(current);
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/api/reviews/01JD8Z4Q7W3V5K2M9N8P6R4T2Y");
    expect(JSON.parse(String(init.body))).toMatchObject({ decision: "APPROVED", expected_version: 2 });
    vi.unstubAllGlobals();
  });

  it("on success reports the new version", async () => {
    const next = makeReview({ version: 3, latest_version: 3, decision: "APPROVED" });
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(new Response(JSON.stringify(next), { status: 200 })));
    const onChange = vi.fn();
    render(<DecisionPanel review={makeReview()} onChange={onChange} />);
    fireEvent.change(screen.getByLabelText("Decision note"), { target: { value: "ok by me" } });
    fireEvent.click(screen.getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(screen.getByTestId("decision-saved").textContent).toContain("version 3"));
    expect(onChange).toHaveBeenCalledWith(next);
    vi.unstubAllGlobals();
  });
});
