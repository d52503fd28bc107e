import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { StrictMode } from "react";
import { describe, expect, it, vi } from "vitest";

import { RiskBadge, StatusBadge } from "@/components/badges";
import { ChangesSection } from "@/components/review/changes";
import { DecisionPanel } from "@/components/review/decision-panel";
import { FindingsSection, groupByResource } from "@/components/review/findings";
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
  it("puts introduced findings first, grouped by resource, with what changed and what to do; posture folds away", () => {
    const review = makeReview();
    render(<FindingsSection findings={review.findings ?? []} pending={false} />);
    const groups = screen.getAllByTestId("finding-group");
    expect(groups[0]?.textContent).toContain("aws_db_instance.main");
    expect(groups[0]?.textContent).toContain("Database deleted");
    expect(screen.getByText("Take a snapshot first.")).toBeTruthy();
    expect(screen.getAllByText("What to do:").length).toBeGreaterThan(0);
    const posture = screen.getByTestId("posture");
    expect(posture.tagName).toBe("DETAILS");
    expect(posture.hasAttribute("open")).toBe(false);
    expect(posture.textContent).toContain("Pre-existing posture (1)");
    expect(posture.textContent).toContain("Bucket without versioning");
  });

  it("gives each finding its link anchor in Strict Mode too, where React renders twice (server and client markup agree)", () => {
    const review = makeReview();
    const findings = review.findings ?? [];
    const { container } = render(
      <StrictMode>
        <FindingsSection findings={findings} pending={false} />
      </StrictMode>,
    );
    const ids = [...container.querySelectorAll("[data-testid=finding]")].map((item) => item.id);
    expect(ids.length).toBe(findings.length);
    expect(ids.every((id) => id.startsWith("finding-"))).toBe(true);
  });

  it("counts every introduced and pre-existing finding when it holds only the first page", () => {
    const review = makeReview();
    render(<FindingsSection findings={review.findings ?? []} pending={false} total={40} introducedTotal={15} postureTotal={25} />);
    expect(screen.getByRole("heading", { name: /What this plan introduces/ }).textContent).toContain("(15)");
    expect(screen.getByTestId("posture").textContent).toContain("Pre-existing posture (25)");
    expect(screen.getByText(/38 more findings are not shown/)).toBeTruthy();
  });

  it("groups by resource, the group with the worst finding first", () => {
    const [db, bucket] = makeReview().findings ?? [];
    if (!db || !bucket) throw new Error("fixture");
    const groups = groupByResource([bucket, { ...db, severity: "LOW" }, { ...bucket, severity: "HIGH", title: "Public bucket" }]);
    expect(groups.map((g) => g.address)).toEqual(["aws_s3_bucket.logs", "aws_db_instance.main"]);
    expect(groups[0]?.findings.map((f) => f.severity)).toEqual(["HIGH", "MEDIUM"]);
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
  it("shows only changing attributes Terraform-style, counts unknowns and keeps redacted values redacted", () => {
    const changes = [
      ...(makeReview().changes ?? []),
      {
        address: "aws_s3_bucket.new",
        type: "aws_s3_bucket",
        action: "create",
        changed: [
          { path: "bucket", before: null, after: "new" },
          { path: "arn", before: null, after: "(known after apply)" },
          { path: "id", before: null, after: "(known after apply)" },
        ],
      },
    ];
    render(<ChangesSection changes={changes} />);
    expect(screen.getAllByText("(redacted)")).toHaveLength(2);
    expect(screen.getByText('"db.t3.micro"')).toBeTruthy();
    expect(screen.getByText('"db.t3.large"')).toBeTruthy();
    expect(screen.getByTestId("known-after-apply").textContent).toBe("+ 2 attributes known after apply");
    expect(screen.queryByText("arn")).toBeNull();
    expect(screen.getByText(/1 attribute change, \+ 2 known after apply/)).toBeTruthy();
  });

  it("collapses a long plan by resource and opens everything with Expand all", () => {
    const changes = Array.from({ length: 6 }, (_, i) => ({
      address: "aws_instance.same", // the same address twice must not break React's keys
      type: "aws_instance",
      action: i % 2 ? "update" : "delete",
      changed: [{ path: `tag${i}`, before: "a", after: "b" }],
    }));
    render(<ChangesSection changes={changes} />);
    const details = () => [...document.querySelectorAll("[data-testid=change] details")] as HTMLDetailsElement[];
    expect(details().every((d) => !d.open)).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Expand all" }));
    expect(details().every((d) => d.open)).toBe(true);
    expect(screen.getByRole("button", { name: "Collapse all" }).getAttribute("aria-expanded")).toBe("true");
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
    render(<DecisionPanel scopes={["read", "decide", "rerun"]} review={makeReview({ risk: { score: 40, level: "MEDIUM", introduced: 1, posture: 0, reasons: [], verdict: "" } })} onChange={onChange} />);
    fireEvent.click(screen.getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(screen.getByTestId("decision-conflict")).toBeTruthy());
    expect(screen.getByTestId("decision-conflict").textContent).toContain("version 3");
    expect(onChange).toHaveBeenCalledWith(current);
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe("/ui-api/reviews/01JD8Z4Q7W3V5K2M9N8P6R4T2Y");
    expect(JSON.parse(String(init.body))).toMatchObject({ decision: "APPROVED", expected_version: 2 });
    vi.unstubAllGlobals();
  });

  it("on success reports the new version", async () => {
    const next = makeReview({ version: 3, latest_version: 3, decision: "APPROVED" });
    vi.stubGlobal("fetch", vi.fn().mockResolvedValue(new Response(JSON.stringify(next), { status: 200 })));
    const onChange = vi.fn();
    render(<DecisionPanel scopes={["read", "decide", "rerun"]} review={makeReview()} onChange={onChange} />);
    fireEvent.change(screen.getByLabelText("Decision note"), { target: { value: "ok by me" } });
    fireEvent.click(screen.getByRole("button", { name: "Approve" }));
    fireEvent.click(screen.getByRole("button", { name: "Yes, approve" }));
    await waitFor(() => expect(screen.getByTestId("decision-saved").textContent).toContain("version 3"));
    expect(onChange).toHaveBeenCalledWith(next);
    vi.unstubAllGlobals();
  });

  it("asks a CRITICAL approval for a note, then for a confirmation naming the destructive changes", async () => {
    const fetchMock = vi.fn().mockResolvedValue(new Response(JSON.stringify(makeReview({ version: 3, latest_version: 3, decision: "APPROVED" })), { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    const review = makeReview({ changes: [{ address: "aws_db_instance.main", type: "aws_db_instance", action: "delete", changed: [] }] });
    render(<DecisionPanel scopes={["read", "decide", "rerun"]} review={review} onChange={vi.fn()} />);
    fireEvent.click(screen.getByRole("button", { name: "Approve" }));
    expect(screen.getByRole("alert").textContent).toMatch(/note is required to approve a CRITICAL plan/);
    expect(screen.queryByTestId("approve-confirmation")).toBeNull();
    fireEvent.change(screen.getByLabelText("Decision note"), { target: { value: "snapshot taken, planned teardown" } });
    fireEvent.click(screen.getByRole("button", { name: "Approve" }));
    expect(screen.getByTestId("confirm-destructive").textContent).toContain("aws_db_instance.main (destroyed)");
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(fetchMock).not.toHaveBeenCalled();
    vi.unstubAllGlobals();
  });

  it("offers no Approve on an errored plan, but Reject stays", () => {
    render(<DecisionPanel scopes={["read", "decide", "rerun"]} review={makeReview({ plan: { ...makeReview().plan, errored: true } })} onChange={vi.fn()} />);
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
    expect(screen.getByRole("button", { name: "Reject" })).toBeTruthy();
    expect(screen.getByTestId("approve-blocked").textContent).toMatch(/cannot be approved/);
  });
});
