import type { Metadata } from "next";

import { ReviewsView } from "@/components/reviews/reviews-view";
import { getAnalytics, listQuery, listReviews } from "@/lib/api";

export const metadata: Metadata = { title: "Reviews" };
export const dynamic = "force-dynamic";

export default async function ReviewsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const query = listQuery(params);
  const [page, analytics] = await Promise.all([listReviews(query), getAnalytics(90)]);
  const stacks = analytics.ok ? analytics.data.stacks.map((s) => ({ id: s.stack_id, name: s.stack_name || s.stack_id })) : [];
  return (
    <ReviewsView
      query={query}
      stacks={stacks}
      initial={page.ok ? page.data : undefined}
      initialError={page.ok ? undefined : page.error.message}
    />
  );
}
