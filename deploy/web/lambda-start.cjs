// Reads the dashboard's tfreview API key from Secrets Manager (TFR_API_KEY_SECRET_ID) into
// TFR_API_KEY, then starts the Next.js standalone server. The key lives only in this process:
// not in Terraform state, not in the function configuration.
"use strict";

const path = require("node:path");

function loadSecretsManager() {
  // The Node.js Lambda runtime ships the AWS SDK v3 under /var/runtime/node_modules (also on
  // the NODE_PATH it sets); a copy bundled next to this file wins.
  const nodePath = (process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean);
  const searchPaths = [__dirname, ...nodePath, "/var/runtime/node_modules"];
  const resolved = require.resolve("@aws-sdk/client-secrets-manager", { paths: searchPaths });
  return require(resolved);
}

async function main() {
  const secretId = process.env.TFR_API_KEY_SECRET_ID;
  if (secretId && !process.env.TFR_API_KEY) {
    const { SecretsManagerClient, GetSecretValueCommand } = loadSecretsManager();
    const client = new SecretsManagerClient({ region: process.env.AWS_REGION });
    const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    const key = (result.SecretString || "").trim();
    if (!key) {
      throw new Error("the dashboard API key secret is empty; put a value into it (deploy/README.md)");
    }
    process.env.TFR_API_KEY = key;
  }
  require(path.join(__dirname, "server.js"));
}

main().catch((err) => {
  // Never print the key; the error names only the secret and the cause.
  console.error(JSON.stringify({ event: "web_start_failed", error: String(err && err.message) }));
  process.exit(1);
});
