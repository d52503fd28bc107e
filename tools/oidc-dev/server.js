// A real OpenID Connect provider for make dev and the e2e suite: node `oidc-provider` (an OpenID
// certified implementation) with one user per tfreview role and a plain login form. Development
// only: the users and passwords below are public, and the signing key is made fresh at each start.
//
//   node server.js            settings from the environment:
//   OIDC_DEV_PORT             port on 127.0.0.1 (default 9400); the issuer is http://127.0.0.1:PORT
//   OIDC_DEV_CLIENT_ID        the dashboard's client id (default tfreview-dashboard)
//   OIDC_DEV_CLIENT_SECRET    its secret (default dev-dashboard-secret)
//   OIDC_DEV_REDIRECT_URIS    comma-separated callback URLs of the dashboard
//   OIDC_DEV_LOGOUT_URIS      comma-separated post-logout URLs of the dashboard
//   OIDC_DEV_ID_TOKEN_TTL     ID token lifetime in seconds (default 3600)
//
// Prints one line `oidc-dev ready <issuer>` on stdout once it listens.

import crypto from "node:crypto";
import http from "node:http";

import Provider from "oidc-provider";

const port = Number(process.env.OIDC_DEV_PORT || 9400);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.OIDC_DEV_CLIENT_ID || "tfreview-dashboard";
const clientSecret = process.env.OIDC_DEV_CLIENT_SECRET || "dev-dashboard-secret";
const list = (value, fallback) => (value || fallback).split(",").map((s) => s.trim()).filter(Boolean);
const redirectUris = list(process.env.OIDC_DEV_REDIRECT_URIS, "http://localhost:3000/auth/callback");
const logoutUris = list(process.env.OIDC_DEV_LOGOUT_URIS, "http://localhost:3000/signed-out");
const idTokenTtl = Number(process.env.OIDC_DEV_ID_TOKEN_TTL || 3600);
// A second client whose ID tokens live 2 seconds: the e2e suite proves with it that an expired
// token is refused (the API's audience lists it only in the e2e stack).
const shortClientId = "tfreview-short-lived";

// One person per role; the groups map to roles through TFR_OIDC_ROLE_MAP (see scripts/dev.py).
export const USERS = {
  viewer: { password: "viewer-pass", name: "Vera Viewer", groups: ["tfreview-viewers"] },
  submitter: { password: "submitter-pass", name: "Sam Submitter", groups: ["tfreview-submitters"] },
  approver: { password: "approver-pass", name: "Alex Approver", groups: ["tfreview-approvers"] },
  admin: { password: "admin-pass", name: "Ada Admin", groups: ["tfreview-admins"] },
};

function account(id) {
  const user = USERS[id];
  if (!user) return undefined;
  return {
    accountId: id,
    claims: () => ({
      sub: id,
      name: user.name,
      preferred_username: id,
      email: `${id}@tfreview.dev`,
      email_verified: true,
      groups: user.groups,
    }),
  };
}

const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: crypto.randomUUID(), use: "sig", alg: "RS256" };

const provider = new Provider(issuer, {
  clients: [clientId, shortClientId].map((id) => ({
    client_id: id,
    client_secret: clientSecret,
    redirect_uris: redirectUris,
    post_logout_redirect_uris: logoutUris,
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  })),
  jwks: { keys: [signingKey] },
  pkce: { required: () => true },
  scopes: ["openid", "email", "profile", "groups"],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "preferred_username"],
    groups: ["groups"],
  },
  // The dashboard reads the person from the ID token, so the scopes' claims go in it.
  conformIdTokenClaims: false,
  findAccount: (_ctx, id) => account(id),
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // The provider asks "sign out?" in a form; signing out from the dashboard already said yes.
      async logoutSource(ctx, form) {
        const confirmed = form.replace("</form>", '<input type="hidden" name="logout" value="yes"></form>');
        ctx.body = page("Signing out", `<p>Signing out…</p>${confirmed}<script>document.forms[0].submit()</script>`);
      },
    },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: [crypto.randomBytes(32).toString("hex")] },
  ttl: { IdToken: (_ctx, _token, client) => (client.clientId === shortClientId ? 2 : idTokenTtl), Session: 8 * 3600, Interaction: 600, Grant: 8 * 3600, AuthorizationCode: 60, AccessToken: idTokenTtl },
  // A first-party dashboard: no consent screen; the grant covers what the dashboard asks for.
  async loadExistingGrant(ctx) {
    const existing = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (existing) {
      const found = await ctx.oidc.provider.Grant.find(existing);
      if (found) return found;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email profile groups");
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = "html";
    ctx.body = page("Sign-in error", `<p>${escape(out.error)}: ${escape(out.error_description || "")}</p>`);
  },
});

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.4rem}button{margin-top:1rem;padding:.4rem 1rem}
.error{color:#b00020}small{color:#555}</style></head><body>${body}</body></html>`;
}

function loginForm(uid, error) {
  const users = Object.entries(USERS)
    .map(([id, u]) => `<li><code>${id}</code> / <code>${u.password}</code></li>`)
    .join("");
  return page(
    "Sign in to tfreview (dev provider)",
    `<h1>tfreview dev sign-in</h1>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Username</label><input id="login" name="login" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>
<p><small>Development users:</small></p><ul>${users}</ul>`,
  );
}

async function readForm(req) {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error("form too large");
  }
  return new URLSearchParams(body);
}

function sendHtml(res, status, html) {
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  res.end(html);
}

async function interaction(req, res) {
  const match = /^\/interaction\/([\w-]+)(\/login)?$/.exec(new URL(req.url, issuer).pathname);
  if (!match) return sendHtml(res, 404, page("Not found", "<p>Not found</p>"));
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name !== "login") {
    // Consent is granted by loadExistingGrant; any other prompt just continues.
    return provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true });
  }
  if (req.method === "GET") return sendHtml(res, 200, loginForm(details.uid));
  if (req.method === "POST" && match[2]) {
    const form = await readForm(req);
    const id = form.get("login") || "";
    const user = USERS[id];
    const given = Buffer.from(form.get("password") || "");
    const wanted = Buffer.from(user ? user.password : "");
    if (!user || given.length !== wanted.length || !crypto.timingSafeEqual(given, wanted)) {
      return sendHtml(res, 401, loginForm(details.uid, "Unknown user or wrong password."));
    }
    return provider.interactionFinished(req, res, { login: { accountId: id } }, { mergeWithLastSubmission: false });
  }
  return sendHtml(res, 405, page("Method not allowed", "<p>Method not allowed</p>"));
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith("/interaction/")) {
    interaction(req, res).catch((err) => sendHtml(res, 400, page("Sign-in error", `<p>${escape(err.message)}</p>`)));
    return;
  }
  callback(req, res);
});

server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`oidc-dev ready ${issuer}\n`);
});

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
