"use client";

import { ErrorState } from "@/components/states";

export default function RouteError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <ErrorState
      title="This page failed to load"
      message={error.digest ? `An unexpected error happened (reference ${error.digest}).` : "An unexpected error happened."}
      onRetry={reset}
    />
  );
}
