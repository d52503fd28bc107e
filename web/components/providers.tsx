"use client";

import { ThemeProvider } from "next-themes";
import { SWRConfig } from "swr";

import { jsonFetcher } from "@/lib/fetcher";

// Every SWR hook polls every 10 s (but useSWRImmutable's, for data that never changes); SWR skips
// polls while the tab is hidden (refreshWhenHidden).
export const POLL_MS = 10_000;

export const SWR_OPTIONS = {
  fetcher: jsonFetcher,
  refreshInterval: POLL_MS,
  refreshWhenHidden: false,
  refreshWhenOffline: false,
  revalidateOnFocus: true,
  keepPreviousData: true,
} as const;

export function Providers({ children }: { children: React.ReactNode }) {
  return (
    <ThemeProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange>
      <SWRConfig value={SWR_OPTIONS}>
        {children}
      </SWRConfig>
    </ThemeProvider>
  );
}
