// The explorer in headless Chromium, served by the Peregrine binary at its
// root: a syntax error shows under its line and disables Run; a traced get
// as a user shows the JSON Graph with its refs and a waterfall with waves,
// route calls, loads and batches; a request the server refuses shows its
// error; a pasted bearer token is sent as it is, and a 401 says what to do.
// The Routes view lists the server's route files (served with --routes from
// a temporary directory), sees a file refused with its file:line:column
// error and then loaded as it is written, by itself every 2 s while shown
// and at once on Refresh; a production server that does not list its routes
// gets a note on how to have them listed.
// Full-page screenshots are saved in test-results/explorer.png and
// test-results/explorer-routes.png.
import { afterAll, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientDir, demoInBrowser, startServe } from "./servers.js";

const results = join(clientDir, "test-results");

/** The route files' directory: a good file at start; the test adds a broken one, then fixes it. */
const routesDir = mkdtempSync(join(tmpdir(), "peregrine-explorer-routes-"));
// The smallest route of docs/routes.md; its service need not answer for the file to load.
const PEOPLE = `[services.people]
url = "http://127.0.0.1:9"

[[routes]]
pattern = "people[{integers:ids}]['name','born']"
get = { service = "people", path = "/people?ids={ids}" }
items = "/people"
scope = "shared"
ttl_secs = 300
`;
/** Refused at 3:19: no file declares the service, whose name is markup that must show as text. */
const BROKEN = `[[routes]]
pattern = "notes[{integers:ids}]['text']"
get = { service = "<img src=x onerror=alert(1)>", path = "/notes?ids={ids}" }
items = "/notes"
`;
writeFileSync(join(routesDir, "people.toml"), PEOPLE);
afterAll(() => rmSync(routesDir, { recursive: true, force: true }));

const { demo, browser } = demoInBrowser("explorer.html", ["--routes", routesDir]);

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
  // It opens as u17, the user of every doc and page.
  expect(await page.getByTestId("user").inputValue()).toBe("u17");
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

it("shows the route files: the loaded one with its routes, a broken one refused at its line:column, then fixed; by itself while shown and on Refresh", async () => {
  const origin = new URL(demo().url).origin;
  const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const dialogs: string[] = [];
  let asked = 0;
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("request", (request) => {
    if (request.url() == `${origin}/routes`) asked++;
  });
  // The page's timers under the test's control once paused; until then time flows as usual.
  await page.clock.install();
  await page.goto(`${origin}/`);
  expect(await page.getByTestId("routes").isVisible()).toBe(false);
  expect(asked).toBe(0);
  await page.getByTestId("view-routes").click();
  expect(page.url()).toBe(`${origin}/#routes`);
  expect(await page.getByTestId("paths").isVisible()).toBe(false);

  // At start: the catalog's own files, built into the server, and the good file, loaded, with its service and route.
  const files = page.getByTestId("route-file");
  const teams = files.and(page.locator(`[data-file^="${routesDir}"]`));
  const people = files.and(page.locator(`[data-file="${join(routesDir, "people.toml")}"]`));
  await expect.poll(() => teams.count(), { timeout: 15000 }).toBe(1);
  const catalog = files.and(page.locator(`[data-file="<catalog>/videos.toml"]`));
  expect(await catalog.getAttribute("data-state")).toBe("loaded");
  expect(await people.getAttribute("data-state")).toBe("loaded");
  expect(await people.locator(".badge").textContent()).toBe("loaded");
  expect(await people.locator(".services").textContent()).toBe("services: people");
  const rows = people.getByTestId("route-row");
  expect(await rows.count()).toBe(1);
  expect(await rows.locator("td").allTextContents()).toEqual([
    "people[{integers:ids}]['name','born']",
    "get",
    "people",
    "shared",
    `${join(routesDir, "people.toml")}:4:1`,
  ]);
  expect(await page.getByTestId("routes-reloads").textContent()).toMatch(/^loaded at start, .+ \((just now|\d+ s ago)\) · no reloads since$/);
  expect(await page.getByTestId("routes-refused").count()).toBe(0);

  // A broken file: the view finds it refused by itself (no click), with its error at file:line:column, as text.
  const brokenFile = join(routesDir, "broken.toml");
  writeFileSync(brokenFile, BROKEN);
  const broken = files.and(page.locator(`[data-file="${brokenFile}"]`));
  await expect.poll(() => broken.getAttribute("data-state"), { timeout: 15000 }).toBe("refused");
  const error = broken.getByTestId("route-error");
  expect(await error.allTextContents()).toEqual([
    `${brokenFile}:3:19: no file declares the service \`<img src=x onerror=alert(1)>\` (declared: \`catalog\`, \`lists\`, \`mylist\`, \`people\`, \`ratings\`)`,
  ]);
  expect(await error.locator(".place").textContent()).toBe(`${brokenFile}:3:19`);
  expect(await page.locator("#root img").count()).toBe(0);
  expect(await broken.locator(".badge").textContent()).toBe("refused");
  expect(await broken.textContent()).toContain("Nothing is served from this file until it is fixed.");
  expect(await broken.getByTestId("route-row").count()).toBe(0);
  expect(await people.getAttribute("data-state")).toBe("loaded");
  expect(await page.getByTestId("routes-refused").textContent()).toContain("The last reload was refused.");
  expect(await page.getByTestId("routes-reloads").textContent()).toMatch(/^last reload .+ \(.+\), refused · \d+ reloads?$/);
  await page.screenshot({ path: join(results, "explorer-routes.png"), fullPage: true });

  // Time stopped: no request by itself. The file fixed; Refresh asks at once.
  await page.clock.pauseAt(Date.now() + 1000);
  await new Promise((done) => setTimeout(done, 300));
  const before = asked;
  writeFileSync(brokenFile, BROKEN.replace("<img src=x onerror=alert(1)>", "people"));
  await expect.poll(() => serverSays(origin), { timeout: 15000 }).toContain('"lastReloadRefused":false');
  expect(asked).toBe(before);
  expect(await broken.getAttribute("data-state")).toBe("refused");
  await page.getByTestId("routes-refresh").click();
  await expect.poll(() => broken.getAttribute("data-state"), { timeout: 5000 }).toBe("loaded");
  expect(asked).toBe(before + 1);
  expect(await broken.getByTestId("route-row").locator("td").first().textContent()).toBe("notes[{integers:ids}]['text']");
  expect(await broken.getByTestId("route-error").count()).toBe(0);
  expect(await page.getByTestId("routes-refused").count()).toBe(0);
  expect(await page.getByTestId("routes-reloads").textContent()).toMatch(/^last reload .+ · \d+ reloads?$/);
  expect(await page.getByTestId("routes-reloads").textContent()).not.toContain("refused");

  // Every 2 s while shown; nothing while the query view is.
  await page.clock.runFor(2100);
  await expect.poll(() => asked).toBe(before + 2);
  await page.getByTestId("view-query").click();
  expect(page.url()).toBe(`${origin}/`);
  await page.clock.runFor(10000);
  await new Promise((done) => setTimeout(done, 200));
  expect(asked).toBe(before + 2);
  expect(await page.getByTestId("paths").isVisible()).toBe(true);

  expect(dialogs).toEqual([]);
  expect(problems).toEqual([]);
}, 60000);

it("says how to have the routes listed when the server does not list them (production without --admin)", async () => {
  const server = await startServe(["--backend", "http://127.0.0.1:9", "--jwt-secret", "explorer-test", "--explorer"]);
  try {
    const origin = new URL(server.url).origin;
    expect((await fetch(`${origin}/routes`)).status).toBe(404);
    const page = await browser().newPage();
    await page.goto(`${origin}/#routes`);
    const unlisted = page.getByTestId("routes-unlisted");
    await expect.poll(() => unlisted.count(), { timeout: 15000 }).toBe(1);
    expect(await unlisted.textContent()).toContain("This server does not list its routes: GET /routes answers 404.");
    expect(await unlisted.textContent()).toContain("--admin");
    expect(await page.getByTestId("route-file").count()).toBe(0);
  } finally {
    await server.stop();
  }
});

/** What GET /routes answers now, as text. */
async function serverSays(origin: string): Promise<string> {
  return (await fetch(`${origin}/routes`)).text();
}
