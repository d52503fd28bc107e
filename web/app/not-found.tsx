import Link from "next/link";

import { Button } from "@/components/ui/button";

export default function NotFound() {
  return (
    <div className="flex flex-col items-center gap-4 py-20 text-center" data-testid="not-found">
      <p className="text-muted-foreground text-sm font-medium">404</p>
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="text-muted-foreground max-w-md">There is no page or review at this address. It may have been mistyped.</p>
      <Button asChild>
        <Link href="/reviews">Back to reviews</Link>
      </Button>
    </div>
  );
}
