import { LogOut } from "lucide-react";

import { currentSession } from "@/lib/auth/current";

/** The signed-in person and a sign-out button (a POST form: sign-out changes state). */
export async function UserMenu() {
  const session = await currentSession();
  if (!session) return null;
  return (
    <form method="post" action="/auth/signout" className="flex items-center gap-2 text-sm">
      <span className="text-muted-foreground hidden sm:inline" data-testid="signed-in-as" title={session.email ?? undefined}>
        {session.name}
      </span>
      <button type="submit" className="inline-flex items-center gap-1 rounded-md border px-2 py-1 hover:bg-accent" data-testid="sign-out">
        <LogOut className="size-4" aria-hidden="true" /> Sign out
      </button>
    </form>
  );
}
