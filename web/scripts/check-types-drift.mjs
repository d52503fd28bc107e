// Fails when web/openapi.json or web/lib/api-types.ts no longer match the API.
// Exports a fresh schema from the app (scripts/export_openapi.py), regenerates the types with
// openapi-typescript and compares both with the committed files. `--write` updates them instead.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const root = path.resolve(web, "..");
const venvPython = path.join(root, ".venv", "bin", "python");
const python = process.env.PYTHON ?? (fs.existsSync(venvPython) ? venvPython : "python3");
const write = process.argv.includes("--write");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tfr-types-"));
const freshSchema = path.join(tmp, "openapi.json");
const freshTypes = path.join(tmp, "api-types.ts");
fs.writeFileSync(freshSchema, execFileSync(python, ["-m", "scripts.export_openapi"], { cwd: root, maxBuffer: 64 << 20 }));
execFileSync(path.join(web, "node_modules", ".bin", "openapi-typescript"), [freshSchema, "-o", freshTypes], { cwd: web, stdio: "pipe" });

const pairs = [
  [freshSchema, path.join(web, "openapi.json")],
  [freshTypes, path.join(web, "lib", "api-types.ts")],
];
let drift = false;
for (const [fresh, committed] of pairs) {
  const now = fs.readFileSync(fresh, "utf8");
  const before = fs.existsSync(committed) ? fs.readFileSync(committed, "utf8") : "";
  if (now === before) continue;
  if (write) {
    fs.writeFileSync(committed, now);
    console.log(`updated ${path.relative(root, committed)}`);
  } else {
    drift = true;
    console.error(`drift: ${path.relative(root, committed)} differs from what the API generates now`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
if (drift) {
  console.error("Run `npm run gen:types` in web/ (node scripts/check-types-drift.mjs --write) and commit the result.");
  process.exit(1);
}
console.log(write ? "types written" : "types match the API");
