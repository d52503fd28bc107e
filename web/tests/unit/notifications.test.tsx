import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { NotificationsSection, deliveryState } from "@/components/review/notifications";

const sent = {
  kind: "completed" as const,
  version: 3,
  channel: "team-slack",
  status: "sent" as const,
  attempts: 2,
  last_error: "HTTP 503",
  last_attempt_at: "2026-01-01T10:00:05Z",
  sent_at: "2026-01-01T10:00:05Z",
  next_attempt_at: null,
};

describe("notifications", () => {
  it("shows each channel's delivery of each event: status, attempts and last error", () => {
    render(
      <NotificationsSection
        notifications={[
          sent,
          { ...sent, channel: "audit-hook", status: "pending", attempts: 1, sent_at: null, next_attempt_at: "2026-01-01T10:01:00Z" },
          { ...sent, kind: "decided", version: 4, channel: "retired", status: "failed", attempts: 1, sent_at: null, last_error: "HTTP 410" },
        ]}
      />,
    );
    const section = screen.getByRole("region", { name: "Notifications" });
    const [first, second, third, ...rest] = within(section).getAllByRole("row").slice(1);
    expect(rest).toEqual([]);
    expect([first, second, third].map((row) => row?.getAttribute("data-status"))).toEqual(["sent", "pending", "failed"]);
    expect(within(first!).getByText("sent 2026-01-01 10:00:05 UTC")).toBeTruthy();
    expect(within(first!).getByText("HTTP 503")).toBeTruthy();
    expect(within(second!).getByText("retrying at 2026-01-01 10:01:00 UTC")).toBeTruthy();
    expect(within(third!).getByText("Decided")).toBeTruthy();
    expect(within(third!).getByText("failed")).toBeTruthy();
  });

  it("is absent when no event went anywhere", () => {
    const { container } = render(<NotificationsSection notifications={[]} />);
    expect(container.innerHTML).toBe("");
  });

  it("says queued for a delivery not tried yet", () => {
    expect(deliveryState({ ...sent, status: "pending", attempts: 0, sent_at: null })).toBe("queued");
  });
});
