// The demo page in headless Chromium, served by the Peregrine binary: the
// rows render through the client and its hook, rating a video shows the
// new rating, adding it to my list grows the list; a screenshot is saved
// in test-results/.
import { expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { clientDir, demoInBrowser } from "./servers.js";

const results = join(clientDir, "test-results");
const { demo, browser } = demoInBrowser("index.html");

it("renders the home rows, rates a video, adds it to my list", async () => {
  mkdirSync(results, { recursive: true });
  const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  // The boxshots live on a host that does not exist: answer them with nothing at once.
  await page.route("https://img.example/**", (route) => route.fulfill({ status: 404, body: "" }));
  await page.goto(demo().url.replace("/model.json", "/demo/"));

  const rows = page.getByTestId("row");
  await expect.poll(() => rows.count(), { timeout: 15000 }).toBe(6);
  const videos = page.getByTestId("video");
  await expect.poll(() => videos.count(), { timeout: 15000 }).toBe(60);
  const first = videos.first();
  await expect.poll(() => first.getByTestId("rating").textContent()).toMatch(/^★ \d\.\d$/);
  expect((await first.locator(".title").textContent())!.length).toBeGreaterThan(0);

  // The hooks of one render share a request: the row names with my list,
  // then the six rows' videos in one more, through the refs now cached.
  const log = page.getByTestId("log-entry");
  await expect.poll(() => log.allTextContents()).toEqual([
    expect.stringMatching(/^get \[\["lists",\["list-\d+"(,"list-\d+"){5}\],\{"from":0,"to":9\},\["title","boxshot","rating"\]\]\] → 200/),
    expect.stringMatching(/^get .*"genreLists".*"myList".*→ 200/),
  ]);

  const before = await first.getByTestId("rating").textContent();
  const rating = before == "★ 5.0" ? "1" : "5";
  await first.getByTestId("rate").selectOption(rating);
  await expect.poll(() => first.getByTestId("rating").textContent()).toBe(`★ ${rating}.0`);
  await expect.poll(() => log.first().textContent()).toMatch(/^set .*"rating".*→ 200/);

  // The server stored it: a fresh read of the same video for the same user.
  const path = JSON.parse((await first.getAttribute("data-path"))!);
  const url = `${demo().url}?method=get&paths=${encodeURIComponent(JSON.stringify([[...path, "rating"]]))}`;
  const stored = await (await fetch(url, { headers: { Authorization: "Bearer u17" } })).json();
  // A rating is the user's own: an atom with the server's `$expires`.
  expect(stored.jsonGraph.videos[path[1]].rating).toEqual({ $type: "atom", value: Number(rating), $expires: -60000 });

  const length = page.getByTestId("my-list-length");
  await expect.poll(() => length.textContent()).toMatch(/^\(\d+\)$/);
  const count = Number((await length.textContent())!.slice(1, -1));
  await first.getByTestId("add").click();
  await expect.poll(() => length.textContent()).toBe(`(${count + 1})`);
  const title = await first.locator(".title").textContent();
  await expect.poll(() => page.getByTestId("my-list").locator("li").last().textContent()).toBe(title);

  await page.screenshot({ path: join(results, "demo.png"), fullPage: false });

  // Another user: a new model (caches are per user), asked as that user.
  const users: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/model.json")) users.push(request.headers()["authorization"]);
  });
  // The hooks read the new model's cache at once (nothing of u17 is shown
  // to u18), so it goes as on the first visit: the names, then the rows.
  await page.getByTestId("user").fill("18");
  await expect.poll(() => log.allTextContents()).toEqual([
    expect.stringMatching(/^get \[\["lists",.*→ 200/),
    expect.stringMatching(/^get .*"genreLists".*"myList".*→ 200/),
  ]);
  await expect.poll(() => videos.count()).toBe(60);
  expect(users).toEqual(["Bearer u18", "Bearer u18"]);
  expect(problems).toEqual([]);
}, 60000);

it("serves GraphiQL at /graphql, from the server alone: the home query runs and answers", async () => {
  mkdirSync(results, { recursive: true });
  const page = await browser().newPage({ viewport: { width: 1280, height: 900 } });
  const origin = new URL(demo().url).origin;
  const problems: string[] = [];
  const elsewhere: string[] = [];
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("blob:")) elsewhere.push(url);
  });
  await page.goto(`${origin}/graphql`);
  await expect.poll(() => page.url()).toBe(`${origin}/demo/graphiql.html`);
  // The editor holds the default home query once GraphiQL is ready.
  const editor = page.locator(".graphiql-query-editor");
  await expect.poll(() => editor.innerText().catch(() => ""), { timeout: 30000 }).toContain("genreLists");
  await page.locator(".graphiql-execute-button").click();
  const response = page.locator(".graphiql-response");
  await expect.poll(() => response.innerText(), { timeout: 20000 }).toContain("genreLists");
  await expect.poll(() => response.innerText(), { timeout: 20000 }).toContain("rating");
  await page.screenshot({ path: join(results, "graphiql.png") });
  expect(elsewhere).toEqual([]);
  expect(problems).toEqual([]);
}, 60000);
