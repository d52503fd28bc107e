import "server-only";

import { cookies } from "next/headers";
import { cache } from "react";

import { cookieSettings, openSession, type Session } from "@/lib/auth/session";

/** The signed-in person of this request, or null (proxy.ts has already sent strangers to sign-in). */
export const currentSession = cache(async (): Promise<Session | null> => {
  const jar = await cookies();
  return openSession(jar.get(cookieSettings().sessionName)?.value);
});
