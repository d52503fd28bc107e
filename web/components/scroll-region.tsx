import { cn } from "@/lib/utils";

// A region that may scroll sideways on a small screen. It takes keyboard focus and has a name,
// so people who do not use a mouse can scroll it too (axe: scrollable-region-focusable).
export function ScrollRegion({ label, className, children }: { label: string; className?: string; children: React.ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} className={cn("w-full overflow-x-auto rounded-md focus-visible:ring-ring/50 outline-none focus-visible:ring-[3px]", className)}>
      {children}
    </div>
  );
}
