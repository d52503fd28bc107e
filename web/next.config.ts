import type { NextConfig } from "next";

// The browser may only talk to this server (connect-src 'self'): the API is reached server-side.
// Next.js hydration and next-themes use inline scripts, hence 'unsafe-inline' for scripts; the
// dashboard's own defence against hostile model output is that it never renders raw HTML.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const nextConfig: NextConfig = {
  output: "standalone",
  poweredByHeader: false,
  reactStrictMode: true,
  // The dashboard lives in a monorepo; trace files from web/ only.
  outputFileTracingRoot: __dirname,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "X-Frame-Options", value: "DENY" },
          // next dev needs eval for React Refresh, so the policy applies to production builds only.
          ...(process.env.NODE_ENV === "production" ? [{ key: "Content-Security-Policy", value: CONTENT_SECURITY_POLICY }] : []),
        ],
      },
    ];
  },
};

export default nextConfig;
