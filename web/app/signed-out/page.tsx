import type { Metadata } from "next";

export const metadata: Metadata = { title: "Signed out" };

export default function SignedOutPage() {
  return (
    <div className="mx-auto max-w-md space-y-4 py-10 text-center">
      <h1 className="text-2xl font-semibold">You are signed out</h1>
      <p className="text-muted-foreground">Your dashboard session has ended.</p>
      <a href="/auth/signin" className="inline-block rounded-md border px-4 py-2 font-medium hover:bg-accent">
        Sign in again
      </a>
    </div>
  );
}
