import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { SWRConfig } from "swr";
import { afterEach, describe, expect, it, vi } from "vitest";

import { Overview } from "@/components/overview/overview";
import { SWR_OPTIONS } from "@/components/providers";
import { ReviewsView } from "@/components/reviews/reviews-view";

vi.mock("next/navigation", () => ({
  useRouter: () => ({ replace: vi.fn(), push: vi.fn(), back: vi.fn() }),
  usePathname: () => "/reviews",
  useSearchParams: () => new URLSearchParams("status=FAILED"),
}));

function withSWR(children: React.ReactNode) {
  return <SWRConfig value={{ ...SWR_OPTIONS, refreshInterval: 0, provider: () => new Map(), shouldRetryOnError: false }}>{children}</SWRConfig>;
}

const jsonResponse = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

describe("error, empty and retry states", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("overview shows the API error and retries on demand", async () => {
    const fetchMock = vi.fn().mockResolvedValue(jsonResponse({ error: { code: "api_unreachable", message: "The API did not answer", details: null } }, 502));
    vi.stubGlobal("fetch", fetchMock);
    render(withSWR(<Overview days={30} periods={[7, 30]} initialError="The API did not answer" />));
    await waitFor(() => expect(screen.getByTestId("error-state").textContent).toContain("The API did not answer"));
    const calls = fetchMock.mock.calls.length;
    fireEvent.click(screen.getByRole("button", { name: /Retry/ }));
    await waitFor(() => expect(fetchMock.mock.calls.length).toBeGreaterThan(calls));
  });

  it("reviews list says when no review matches the filters", async () => {
    vi.stubGlobal("fetch", vi.fn().mockImplementation(async () => jsonResponse({ items: [], next_cursor: null })));
    render(withSWR(<ReviewsView query="status=FAILED" initial={{ items: [], next_cursor: null }} />));
    expect(screen.getByTestId("empty-state").textContent).toContain("No reviews match these filters");
    expect(screen.getAllByRole("link", { name: "Clear filters" }).length).toBeGreaterThan(0);
    // Every control has a label.
    for (const name of ["Status", "Risk", "Decision", "Stack", "Search"]) expect(screen.getByLabelText(name, { exact: true })).toBeTruthy();
  });
});
