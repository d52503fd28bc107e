import "server-only";

import * as client from "openid-client";

// The dashboard as an OIDC relying party: authorization code flow with PKCE (S256), state and
// nonce, against any provider that publishes discovery. The client secret stays on this server.

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  publicUrl: string;
  scopes: string;
}

export function oidcSettings(): OidcSettings {
  const issuer = process.env.TFR_OIDC_ISSUER;
  const clientId = process.env.TFR_OIDC_CLIENT_ID;
  const clientSecret = process.env.TFR_OIDC_CLIENT_SECRET;
  const publicUrl = (process.env.TFR_PUBLIC_URL || "").replace(/\/+$/, "");
  if (!issuer || !clientId || !clientSecret || !publicUrl) {
    throw new Error("sign-in needs TFR_OIDC_ISSUER, TFR_OIDC_CLIENT_ID, TFR_OIDC_CLIENT_SECRET and TFR_PUBLIC_URL");
  }
  // Providers differ in how they release groups: the scope that asks for them is configurable.
  const scopes = process.env.TFR_OIDC_SCOPES || "openid email profile groups";
  return { issuer, clientId, clientSecret, publicUrl, scopes };
}

let cached: { key: string; config: Promise<client.Configuration> } | null = null;

/** The provider's configuration from discovery, fetched once per process (again after a failure). */
export function providerConfig(settings: OidcSettings = oidcSettings()): Promise<client.Configuration> {
  const key = `${settings.issuer}|${settings.clientId}`;
  if (cached?.key === key) return cached.config;
  const issuerUrl = new URL(settings.issuer);
  const local = issuerUrl.hostname === "localhost" || issuerUrl.hostname === "127.0.0.1";
  if (issuerUrl.protocol !== "https:" && !local) throw new Error("TFR_OIDC_ISSUER must be https:// (http only for localhost)");
  const config = client
    .discovery(
      issuerUrl,
      settings.clientId,
      undefined,
      client.ClientSecretBasic(settings.clientSecret),
      local && issuerUrl.protocol === "http:" ? { execute: [client.allowInsecureRequests] } : undefined,
    )
    .catch((err: unknown) => {
      cached = null;
      throw err;
    });
  cached = { key, config };
  return config;
}

export function redirectUri(settings: OidcSettings): string {
  return `${settings.publicUrl}/auth/callback`;
}

export function signedOutUrl(settings: OidcSettings): string {
  return `${settings.publicUrl}/signed-out`;
}

export { client };
