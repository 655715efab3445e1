// A server-rendered page in headless Chromium, against the Peregrine
// binary through a proxy that sees every request of the page: it hydrates
// from the serialized cache without a request, a row unmounted mid-request
// aborts it, and `suspense: true` shows the fallback, then the row.
import { afterAll, beforeAll, expect, it } from "vitest";
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";
import { build } from "esbuild";
import { createElement as h } from "react";
import { renderToString } from "react-dom/server";
import { createServer } from "node:http";
import type { Server } from "node:http";
import { join } from "node:path";
import { HttpDataSource, Model } from "../src/index.js";
import { App, headers } from "./ssr/app.js";
import { clientDir, startDemo } from "./servers.js";
import type { Running } from "./servers.js";

let demo: Running;
let browser: Browser;
let server: Server;
let origin: string;
/** The page's requests to /model.json, and whether each was aborted before its answer. */
const requests: Array<{ paths: string; aborted: boolean }> = [];

beforeAll(async () => {
  demo = await startDemo();
  const script = (
    await build({
      entryPoints: [join(clientDir, "test/ssr/browser.ts")],
      bundle: true,
      format: "iife",
      target: "es2017",
      define: { "process.env.NODE_ENV": '"production"' },
      write: false,
      logLevel: "silent",
    })
  ).outputFiles[0].text;
  server = createServer(async (req, res) => {
    const url = new URL(req.url!, "http://page");
    if (url.pathname == "/app.js") return res.end(script);
    if (url.pathname == "/model.json") {
      const request = { paths: url.searchParams.get("paths") || "", aborted: false };
      requests.push(request);
      res.on("close", () => (request.aborted = !res.writableFinished));
      // The rows mounted by a click answer late: there is time to unmount one, and to see a fallback.
      if (/genreLists",[45]/.test(request.paths)) await new Promise((resolve) => setTimeout(resolve, 800));
      if (request.aborted) return;
      const answer = await fetch(demo.url + url.search, { headers: { Authorization: req.headers.authorization || "" } });
      return res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
    }
    // The page: read on the server, rendered, and sent with the cache.
    const model = new Model({ source: new HttpDataSource(demo.url, { headers }) });
    await model.get("genreLists[0..2].name");
    const state = JSON.stringify(model.getCache()).replace(/</g, "\\u003c");
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<!doctype html><div id="app">${renderToString(h(App, { model }))}</div><script>__GRAPH__ = ${state}</script><script src="/app.js"></script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BIN || "/usr/bin/chromium", args: ["--no-sandbox"] });
}, 60000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await demo?.stop();
});

it("hydrates without a request, aborts an unmounted row's request, shows a suspense fallback then the row", async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  await page.goto(origin + "/");
  const served = await page.getByTestId("name-0").textContent();
  expect(served).toMatch(/\w/);
  await expect.poll(() => page.evaluate(() => (window as any).hydrated)).toBe(true);
  await page.waitForTimeout(200);
  expect(await page.locator("li").allTextContents()).toHaveLength(3);
  expect(await page.getByTestId("name-0").textContent()).toBe(served);
  expect(await page.evaluate(() => (window as any).problems)).toEqual([]);
  expect(requests).toEqual([]);

  await page.click("#mount");
  await expect.poll(() => requests.length).toBe(1);
  await page.click("#unmount");
  await expect.poll(() => requests[0].aborted).toBe(true);

  await page.click("#suspend");
  await expect.poll(() => page.locator("#fallback").count()).toBe(1);
  await expect.poll(() => page.getByTestId("name-5").textContent(), { timeout: 5000 }).toMatch(/\w/);
  expect(await page.locator("#fallback").count()).toBe(0);
  expect(requests.map((r) => r.aborted)).toEqual([true, false]);
  expect(problems).toEqual([]);
});
