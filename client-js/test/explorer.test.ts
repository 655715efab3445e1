// The explorer in headless Chromium, served by the Peregrine binary at its
// root: a syntax error shows under its line and disables Run; a traced get
// as a user shows the JSON Graph with its refs and a waterfall with waves,
// route calls, loads and batches; a request the server refuses shows its
// error; a pasted bearer token is sent as it is, and a 401 says what to do.
// A full-page screenshot is saved in test-results/explorer.png.
import { expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { clientDir, demoInBrowser } from "./servers.js";

const results = join(clientDir, "test-results");
const { demo, browser } = demoInBrowser("explorer.html");

it("shows syntax errors in place, then a traced get as u3: the tree with its refs and the waterfall; then a pasted token", async () => {
  mkdirSync(results, { recursive: true });
  const origin = new URL(demo().url).origin;
  const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const elsewhere: string[] = [];
  const sent: Array<Record<string, string>> = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith("data:")) elsewhere.push(url);
    if (url.startsWith(`${origin}/model.json`)) sent.push(request.headers());
  });
  await page.goto(`${origin}/`);
  await expect.poll(() => page.title()).toBe("Peregrine explorer");

  const paths = page.getByTestId("paths");
  const run = page.getByTestId("run");
  expect(await paths.inputValue()).toBe("genreLists[0..1][0..4]['title','rating']");
  expect(await run.isEnabled()).toBe(true);

  // The `[` is not closed: the error marks the end of the line and names the offset.
  await paths.fill("genreLists[0..1");
  const syntax = page.getByTestId("syntax-error");
  await expect.poll(() => syntax.count()).toBe(1);
  expect(await syntax.textContent()).toContain("invalid path at offset 15");
  expect(await syntax.locator("pre").textContent()).toBe("genreLists[0..1 ");
  expect(await syntax.locator("mark").count()).toBe(1);
  expect(await run.isDisabled()).toBe(true);

  await paths.fill("genreLists[0..1][0..2]['title','rating']");
  await expect.poll(() => syntax.count()).toBe(0);
  expect(await run.isEnabled()).toBe(true);
  await page.getByTestId("user").selectOption("u3");
  await run.click();

  // The tree: genreLists open at its refs (to lists, or to videos), and refs to videos on the way.
  const tree = page.getByTestId("tree");
  await expect.poll(() => tree.locator('[data-path="genreLists"]').count(), { timeout: 15000 }).toBe(1);
  const refs = tree.locator('[data-testid="tree-node"] .leaf.ref');
  for (const text of await refs.allTextContents()) expect(text).toMatch(/^→ [A-Za-z]\S*$/);
  expect(await tree.locator('[data-path^="genreLists["] .leaf.ref').count()).toBeGreaterThanOrEqual(2);
  expect(await refs.filter({ hasText: /^→ videos\[\d+\]$/ }).count()).toBeGreaterThanOrEqual(1);
  expect(await page.getByTestId("timings").textContent()).toMatch(/^round trip \d+\.\d+ ms in the page · \d+\.\d+ ms in the server$/);

  // The waterfall: a row of each kind, in order, each bar within the axis.
  const waterfall = page.getByTestId("waterfall-row");
  const kinds = await waterfall.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-kind")));
  for (const kind of ["wave", "route", "load", "batch"]) expect(kinds).toContain(kind);
  expect(kinds[0]).toBe("wave");
  expect(await waterfall.first().textContent()).toMatch(/^wave 0 · \d+ paths?/);
  const bars = await page
    .locator('[data-testid="waterfall"] .wf-rows .bar')
    .evaluateAll((els) => els.map((el) => [parseFloat((el as HTMLElement).style.left), el.getAttribute("title") || ""] as const));
  expect(bars.length).toBe(kinds.length);
  for (const [left, title] of bars) {
    expect(left).toBeGreaterThanOrEqual(0);
    expect(left).toBeLessThanOrEqual(100);
    expect(title).toMatch(/ ms: from \d+\.\d{3} to \d+\.\d{3} ms/);
  }
  expect(sent).toHaveLength(1);
  expect(sent[0]["authorization"]).toBe("Bearer u3");
  expect(sent[0]["peregrine-trace"]).toBe("1");

  await page.screenshot({ path: join(results, "explorer.png"), fullPage: true });

  // Ctrl+Enter runs too; anonymous sends no Authorization. A refused request shows the server's error.
  await page.getByTestId("user").selectOption("anonymous");
  await paths.fill("videos[0..9999].title");
  await paths.press("Control+Enter");
  const error = page.getByTestId("request-error");
  await expect.poll(() => error.count(), { timeout: 15000 }).toBe(1);
  expect(await error.textContent()).toMatch(/^HTTP 400 · too_many_paths · /);
  expect(await page.getByTestId("tree").count()).toBe(0);
  expect(sent).toHaveLength(2);
  expect(sent[1]["authorization"]).toBeUndefined();
  expect(await page.getByTestId("auth-hint").count()).toBe(0);

  // "token…": a password input whose value is the bearer token. A token the server refuses is a 401 with a hint.
  await page.getByTestId("user").selectOption("token");
  const token = page.getByTestId("token");
  expect(await token.getAttribute("type")).toBe("password");
  expect(await token.getAttribute("placeholder")).toBe("paste a bearer token (JWT)");
  await paths.fill("genreLists[0][0].title");
  await token.fill("not-a-user");
  await run.click();
  await expect.poll(() => page.getByTestId("auth-hint").count(), { timeout: 15000 }).toBe(1);
  expect(await error.textContent()).toMatch(/^HTTP 401 · unauthorized · in development mode the bearer token is a user id/);
  expect(await error.textContent()).toContain("Pick a user (development mode) or paste a token.");
  expect(sent[2]["authorization"]).toBe("Bearer not-a-user");

  // The development server takes `Bearer u4` as a token too; the token is kept nowhere but the page's state.
  await token.fill("u4");
  await run.click();
  await expect.poll(() => error.count(), { timeout: 15000 }).toBe(0);
  await expect.poll(() => page.getByTestId("tree").count()).toBe(1);
  expect(sent).toHaveLength(4);
  expect(sent[3]["authorization"]).toBe("Bearer u4");
  expect(page.url()).toBe(`${origin}/`);
  expect(await page.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0]);

  expect(elsewhere).toEqual([]);
  expect(problems).toEqual([]);
}, 60000);

it("serves the explorer at /demo/explorer.html too", async () => {
  const origin = new URL(demo().url).origin;
  const page = await browser().newPage();
  const answer = await page.goto(`${origin}/demo/explorer.html`);
  expect(answer?.status()).toBe(200);
  await expect.poll(() => page.getByTestId("run").isEnabled()).toBe(true);
});
