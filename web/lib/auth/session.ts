import { EncryptJWT, jwtDecrypt } from "jose";

// The signed-in person's session: an encrypted (AES-256-GCM, so also authenticated) cookie that only
// this server can read or make. It holds the person's ID token, which the server forwards to the
// API; the browser never sees a token. Used by proxy.ts (the gate) and by the server (api.ts).

/** Absolute lifetime: a session ends 8 hours after sign-in whatever the provider's session does. */
export const SESSION_MAX_SECONDS = 8 * 3600;
/** The sign-in transaction (state, nonce, PKCE verifier) lives only while the person signs in. */
export const TRANSACTION_MAX_SECONDS = 600;

export interface Session {
  idToken: string;
  sub: string;
  name: string;
  email: string | null;
  /** Seconds since the epoch: the earlier of the ID token's expiry and sign-in + 8 h. */
  exp: number;
  /** Sign-in time (seconds). */
  iat: number;
}

export interface SignInTransaction {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

export interface CookieSettings {
  secure: boolean;
  sessionName: string;
  transactionName: string;
}

/** Cookie names and flags for the dashboard's public URL: Secure (and the __Host- prefix) on https;
 * plain http is allowed only for a local development address. */
export function cookieSettings(publicUrl: string | undefined = process.env.TFR_PUBLIC_URL): CookieSettings {
  const url = new URL(publicUrl || "http://localhost:3000");
  const local = url.hostname === "localhost" || url.hostname === "127.0.0.1";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && local)) {
    throw new Error("TFR_PUBLIC_URL must be https:// (plain http only for localhost)");
  }
  const secure = url.protocol === "https:";
  return {
    secure,
    sessionName: secure ? "__Host-tfr_session" : "tfr_session",
    transactionName: secure ? "__Host-tfr_signin" : "tfr_signin",
  };
}

async function sessionKey(purpose: string): Promise<Uint8Array> {
  const secret = process.env.TFR_SESSION_SECRET ?? "";
  if (secret.length < 32) throw new Error("TFR_SESSION_SECRET must hold at least 32 characters");
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: new TextEncoder().encode("tfreview-dashboard"), info: new TextEncoder().encode(purpose) },
    material,
    256,
  );
  return new Uint8Array(bits);
}

async function seal(payload: Record<string, unknown>, purpose: string, expiresAt: number, issuedAt?: number): Promise<string> {
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .setAudience(purpose)
    .encrypt(await sessionKey(purpose));
}

async function open(value: string | undefined, purpose: string): Promise<Record<string, unknown> | null> {
  if (!value || value.length > 8192) return null;
  try {
    const { payload } = await jwtDecrypt(value, await sessionKey(purpose), {
      audience: purpose,
      keyManagementAlgorithms: ["dir"],
      contentEncryptionAlgorithms: ["A256GCM"],
    });
    return payload as Record<string, unknown>;
  } catch {
    return null; // tampered, expired, made with another secret: no session
  }
}

export function sealSession(session: Session): Promise<string> {
  return seal({ ...session }, "session-v1", session.exp, session.iat);
}

export async function openSession(value: string | undefined): Promise<Session | null> {
  const payload = await open(value, "session-v1");
  if (!payload || typeof payload.idToken !== "string" || typeof payload.sub !== "string") return null;
  const now = Math.floor(Date.now() / 1000);
  const exp = Number(payload.exp);
  const iat = Number(payload.iat);
  if (!(exp > now) || now - iat > SESSION_MAX_SECONDS) return null;
  return {
    idToken: payload.idToken,
    sub: payload.sub,
    name: typeof payload.name === "string" ? payload.name : payload.sub,
    email: typeof payload.email === "string" ? payload.email : null,
    exp,
    iat,
  };
}

export function sealTransaction(tx: SignInTransaction): Promise<string> {
  return seal({ ...tx }, "signin-v1", Math.floor(Date.now() / 1000) + TRANSACTION_MAX_SECONDS);
}

export async function openTransaction(value: string | undefined): Promise<SignInTransaction | null> {
  const payload = await open(value, "signin-v1");
  if (!payload) return null;
  const { state, nonce, verifier, returnTo } = payload;
  if (typeof state !== "string" || typeof nonce !== "string" || typeof verifier !== "string" || typeof returnTo !== "string") return null;
  return { state, nonce, verifier, returnTo };
}

/** A same-site path to return to after sign-in; anything else (another host, //evil, a scheme) is "/". */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  if (value.startsWith("/auth/")) return "/";
  return value.slice(0, 2000);
}
