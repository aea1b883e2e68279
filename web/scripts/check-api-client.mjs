// Fails when src/api/schema.d.ts is not what openapi-typescript makes of openapi.json, i.e. when
// someone edited the generated types by hand or regenerated only half. (That openapi.json
// matches the API itself is checked by tests/http/test_web_app.py.) Fix: scripts/generate-api-client.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const web = path.resolve(import.meta.dirname, "..");
const scratch = mkdtempSync(path.join(tmpdir(), "ignacio-api-"));
try {
  const fresh = path.join(scratch, "schema.d.ts");
  execFileSync(path.join(web, "node_modules", ".bin", "openapi-typescript"), ["openapi.json", "--output", fresh], {
    cwd: web,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const expected = readFileSync(fresh, "utf8");
  const actual = readFileSync(path.join(web, "src", "api", "schema.d.ts"), "utf8");
  if (expected !== actual) {
    console.error("web/src/api/schema.d.ts is out of date with web/openapi.json: run scripts/generate-api-client");
    process.exit(1);
  }
  console.log("The typed API client matches web/openapi.json.");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
