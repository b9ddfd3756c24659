// Copies Swagger UI's two files from npm into dist/swagger: the gateway's /docs loads them from
// there instead of a CDN (unreachable offline, where /docs used to render blank).
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const root = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const out = new URL("../dist/swagger/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });
for (const name of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
  copyFileSync(join(root, name), join(out, name));
}
