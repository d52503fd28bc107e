import type { Metadata } from "next";
import { notFound } from "next/navigation";

import { ReviewDetail } from "@/components/review/review-detail";
import { getMe, getReview, isValidId } from "@/lib/api";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  return { title: `Review ${id}` };
}

export default async function ReviewPage({ params }: Props) {
  const { id } = await params;
  if (!isValidId(id)) notFound();
  const [result, me] = await Promise.all([getReview(id), getMe()]);
  if (!result.ok && result.status === 404) notFound();
  return (
    <ReviewDetail
      id={id}
      initial={result.ok ? result.data : undefined}
      initialError={result.ok ? undefined : result.error.message}
      scopes={me.ok ? me.data.scopes : []}
    />
  );
}
