// The size budget: what a TV app pays to ship the client, minified and
// gzipped at level 9 (falcor with its HTTP data source: 24,293 bytes).
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));

async function gzipped(contents: string): Promise<{ minified: number; gzip: number }> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2017",
    external: ["react"],
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

it("keeps Model + HttpDataSource + the path parser within 6,000 bytes and the React hook within 1,000 more", async () => {
  const core = await gzipped(`export { Model, HttpDataSource, parsePath } from "./src/index.ts";`);
  const all = await gzipped(`export * from "./src/index.ts"; export * from "./src/react.ts";`);
  const everything = await gzipped(`export * from "./src/index.ts";`);
  const react = all.gzip - everything.gzip;
  console.log(
    `size: Model + HttpDataSource + parsePath ${core.gzip} bytes gzip (${core.minified} minified); ` +
      `whole entry point ${everything.gzip}; React binding +${react} bytes gzip (${all.gzip} with it)`,
  );
  expect(core.gzip).toBeLessThanOrEqual(6000);
  expect(react).toBeLessThanOrEqual(1000);
  expect(react).toBeGreaterThan(0);
});
