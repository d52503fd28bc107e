import type { Metadata } from "next";

import { ReviewsView } from "@/components/reviews/reviews-view";
import { listQuery, listReviews } from "@/lib/api";

export const metadata: Metadata = { title: "Reviews" };
export const dynamic = "force-dynamic";

export default async function ReviewsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const query = listQuery(params);
  // Only the list blocks the first render; the stack filter's options load in the browser.
  const page = await listReviews(query);
  return (
    <ReviewsView
      query={query}
      initial={page.ok ? page.data : undefined}
      initialError={page.ok ? undefined : page.error.message}
    />
  );
}
