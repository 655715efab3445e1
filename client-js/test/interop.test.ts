// The same client against the reference falcor-router server
// (PEREGRINE_PEERS/falcor-node) over Peregrine's demo backend: the same
// answers as from Peregrine, set and call over falcor-express's wire.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpDataSource, Model, isGraphError, isTransportError } from "../src/index.js";
import type { TransportError } from "../src/index.js";
import { countingFetch, startBackend, startDemo, startFalcorNode } from "./servers.js";
import type { Running } from "./servers.js";

let backend: Running | undefined;
let falcor: Running | undefined;
let peregrine: Running | undefined;

beforeAll(async () => {
  backend = await startBackend();
  [falcor, peregrine] = await Promise.all([startFalcorNode(backend.url), startDemo()]);
}, 180000);

afterAll(async () => {
  await Promise.all([falcor?.stop(), peregrine?.stop(), backend?.stop()]);
});

function client(url: string, user: string, maxUrlLength?: number) {
  const counter = countingFetch();
  const source = new HttpDataSource(url, { fetch: counter.fetch, headers: { Authorization: `Bearer ${user}` }, maxUrlLength });
  return { model: new Model({ source }), log: counter.log };
}

const caught = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);
const HOME = ["genreLists[0..9].name", "genreLists[0..9][0..9]['title','boxshot','rating']"];

describe("the client against falcor-node", () => {
  it("reads the same home rows as from Peregrine (same seed), in one request", async () => {
    const fromFalcor = client(falcor!.url, "u42");
    const fromPeregrine = client(peregrine!.url, "u42");
    const [a, b] = await Promise.all([fromFalcor.model.get(...HOME), fromPeregrine.model.get(...HOME)]);
    expect(Object.keys(a.json.genreLists)).toHaveLength(10);
    expect(a.json).toEqual(b.json);
    expect(fromFalcor.log).toHaveLength(1);
  });

  it("sends a get too long for a URL as a POST, which falcor-express takes too", async () => {
    const { model, log } = client(falcor!.url, "u42", 10);
    const { json } = await model.get("genreLists[0..1].name");
    expect(typeof json.genreLists[1].name).toBe("string");
    expect(log.map((e) => [e.method, e.status])).toEqual([["POST", 200]]);
  });

  it("asks for what it lacks in optimized form, and never again for an empty atom", async () => {
    const { model, log } = client(falcor!.url, "u43");
    await model.get("genreLists[0][0..2].title");
    expect(await model.getValue("genreLists[0][1].year")).toBeGreaterThanOrEqual(1950);
    const paths = JSON.parse(new URL(log[1].url).searchParams.get("paths")!);
    expect(paths).toHaveLength(1);
    expect(paths[0][0]).toBe("videos");
    expect(await model.getValue("videos[99999].title")).toBeUndefined();
    expect(await model.getValue("videos[99999].title")).toBeUndefined();
    expect(log).toHaveLength(3);
  });

  it("rates a video with set, and reads the rating back from a new client", async () => {
    const { model } = client(falcor!.url, "u44");
    expect(await model.setValue("videos[11].rating", 2.5)).toBe(2.5);
    expect(await client(falcor!.url, "u44").model.getValue("videos[11].rating")).toBe(2.5);
  });

  it("adds to my list with a call, and the cache knows the new length", async () => {
    const { model, log } = client(falcor!.url, "u45");
    const before = await model.getValue<number>("myList.length");
    const answer = await model.call("myList.push", [{ $type: "ref", value: ["videos", 42] }], ["title"], ["length"]);
    expect(answer.json.myList.length).toBe(before! + 1);
    expect(typeof answer.json.myList[before!].title).toBe("string");
    expect(await model.getValue("myList.length")).toBe(before! + 1);
    expect(log).toHaveLength(2);
  });

  it("turns falcor-express's HTML error pages into transport errors", async () => {
    const { model } = client(falcor!.url, "u45");
    const missing = (await caught(model.call("nothing.here", []))) as TransportError;
    expect(isTransportError(missing)).toBe(true);
    // falcor-router's "function does not exist" error reaches the page without its message.
    expect([missing.status, missing.kind, missing.message]).toEqual([500, "http", "HTTP 500 Error"]);
    const refused = (await caught(model.call("myList.push", []))) as TransportError;
    expect([refused.status, refused.kind, refused.message]).toEqual([500, "http", "HTTP 500 Error: backend POST /mylist answered 400"]);
  });

  it("reports falcor-router's error values as paths in error", async () => {
    const { model } = client(falcor!.url, "nobody");
    const e = await caught(model.get("videos[5].rating"));
    expect(isGraphError(e)).toBe(true);
  });
});
