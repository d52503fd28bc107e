import { act, render, screen } from "@testing-library/react";
import useSWR, { SWRConfig } from "swr";
import { afterEach, describe, expect, it, vi } from "vitest";

import { POLL_MS, SWR_OPTIONS } from "@/components/providers";

function Counter() {
  const { data } = useSWR<{ n: number }>("/ui-api/reviews");
  return <p>n={data?.n ?? "-"}</p>;
}

function setHidden(hidden: boolean) {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
}

describe("polling", () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    setHidden(false);
  });

  it("polls every 10 s and pauses while the tab is hidden", async () => {
    expect(POLL_MS).toBe(10_000);
    expect(SWR_OPTIONS.refreshWhenHidden).toBe(false);
    vi.useFakeTimers();
    let n = 0;
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ n: ++n }), { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    render(
      <SWRConfig value={{ ...SWR_OPTIONS, provider: () => new Map() }}>
        <Counter />
      </SWRConfig>,
    );
    await act(async () => {
      await vi.advanceTimersByTimeAsync(100);
    });
    expect(screen.getByText("n=1")).toBeTruthy();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(10_050);
    });
    expect(screen.getByText("n=2")).toBeTruthy();
    setHidden(true);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(35_000);
    });
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });
});
