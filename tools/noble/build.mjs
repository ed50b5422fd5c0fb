// Bundles entry.js into src/dissent/anonymous/static/anonymous/vendor/noble.js (`npm run build`,
// or `make vendor-js` from the top of the checkout). The header names the exact versions,
// read from the installed packages, which package-lock.json pins.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const version = (name) =>
  JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"), "utf8")).version;
const output = join(here, "..", "..", "src", "dissent", "anonymous", "static", "anonymous", "vendor", "noble.js");

const banner = `// Vendored for ring.js: @noble/curves ${version("@noble/curves")} and @noble/hashes ${version("@noble/hashes")}
// (MIT License, Paul Miller, https://paulmillr.com/noble/), bundled and minified by
// esbuild ${version("esbuild")} from tools/noble/entry.js. Do not edit: rebuild with \`make vendor-js\`
// (cd tools/noble && npm ci && npm run build); package-lock.json pins every version.`;

await build({
  entryPoints: [join(here, "entry.js")],
  outfile: output,
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2020",
  minify: true,
  legalComments: "eof",
  banner: { js: banner },
  logLevel: "info",
});
