import { formatTime } from "@/lib/format";
import type { NotificationDelivery as Delivery } from "@/lib/types";

const EVENT_LABEL: Record<Delivery["kind"], string> = {
  completed: "Completed",
  failed: "Failed",
  decided: "Decided",
};

/** Where a delivery stands, in words: sent when, retrying when, or failed for good. */
export function deliveryState(delivery: Delivery): string {
  if (delivery.status === "sent") return `sent ${formatTime(delivery.sent_at)}`;
  if (delivery.status === "failed") return "failed";
  return delivery.next_attempt_at ? `retrying at ${formatTime(delivery.next_attempt_at)}` : "queued";
}

/** The review's events and where each channel's message stands; nothing when no event was sent anywhere. */
export function NotificationsSection({ notifications }: { notifications: Delivery[] }) {
  if (notifications.length === 0) return null;
  return (
    <section className="rounded-xl border px-4 py-3 sm:px-6" aria-labelledby="notifications-heading" data-testid="notifications">
      <h2 id="notifications-heading" className="font-semibold">
        Notifications
      </h2>
      <p className="text-muted-foreground text-xs">Each event is sent once per channel; a failed delivery never changes the review.</p>
      <div className="mt-2 overflow-x-auto">
        <table className="w-full text-sm">
          <thead className="text-muted-foreground text-left text-xs">
            <tr>
              <th className="py-1 pr-3 font-medium">Event</th>
              <th className="py-1 pr-3 font-medium">Channel</th>
              <th className="py-1 pr-3 font-medium">Status</th>
              <th className="py-1 pr-3 font-medium">Attempts</th>
              <th className="py-1 font-medium">Last error</th>
            </tr>
          </thead>
          <tbody>
            {notifications.map((delivery) => (
              <tr key={`${delivery.version}:${delivery.kind}:${delivery.channel}`} className="border-t" data-status={delivery.status}>
                <td className="py-1 pr-3">
                  {EVENT_LABEL[delivery.kind]} <span className="text-muted-foreground">v{delivery.version}</span>
                </td>
                <td className="py-1 pr-3 font-mono text-xs break-all">{delivery.channel}</td>
                <td className={`py-1 pr-3 ${delivery.status === "failed" ? "text-destructive" : ""}`}>{deliveryState(delivery)}</td>
                <td className="py-1 pr-3 tabular-nums">{delivery.attempts}</td>
                <td className="text-muted-foreground py-1 break-words">{delivery.last_error ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
