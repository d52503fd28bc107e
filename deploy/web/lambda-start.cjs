// Reads the dashboard's secrets from Secrets Manager into its environment, then starts the
// Next.js standalone server: TFR_OIDC_CLIENT_SECRET (from TFR_OIDC_CLIENT_SECRET_SECRET_ID) and
// TFR_SESSION_SECRET (from TFR_SESSION_SECRET_SECRET_ID). The dashboard holds no API key: it
// forwards each person's own token to the API.
// The values live only in this process: not in Terraform state, not in the function configuration.
"use strict";

const path = require("node:path");

// Environment variable to fill -> the variable naming its secret.
const SECRETS = {
  TFR_OIDC_CLIENT_SECRET: "TFR_OIDC_CLIENT_SECRET_SECRET_ID",
  TFR_SESSION_SECRET: "TFR_SESSION_SECRET_SECRET_ID",
};

function loadSecretsManager() {
  // The Node.js Lambda runtime ships the AWS SDK v3 under /var/runtime/node_modules (also on
  // the NODE_PATH it sets); a copy bundled next to this file wins.
  const nodePath = (process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean);
  const searchPaths = [__dirname, ...nodePath, "/var/runtime/node_modules"];
  const resolved = require.resolve("@aws-sdk/client-secrets-manager", { paths: searchPaths });
  return require(resolved);
}

async function main() {
  const wanted = Object.entries(SECRETS).filter(([name, idName]) => process.env[idName] && !process.env[name]);
  if (wanted.length > 0) {
    const { SecretsManagerClient, GetSecretValueCommand } = loadSecretsManager();
    const client = new SecretsManagerClient({ region: process.env.AWS_REGION });
    for (const [name, idName] of wanted) {
      const result = await client.send(new GetSecretValueCommand({ SecretId: process.env[idName] }));
      const value = (result.SecretString || "").trim();
      if (!value) {
        throw new Error(`the secret in ${idName} is empty; put a value into it (deploy/README.md)`);
      }
      process.env[name] = value;
    }
  }
  require(path.join(__dirname, "server.js"));
}

main().catch((err) => {
  // Never print a secret; the error names only the secret's variable and the cause.
  console.error(JSON.stringify({ event: "web_start_failed", error: String(err && err.message) }));
  process.exit(1);
});
