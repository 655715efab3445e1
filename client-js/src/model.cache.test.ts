// The cache as JSON: what a persisted cache or a server-rendered page
// brings back, and values read with their metadata.
import { describe, expect, it } from "vitest";
import { Model } from "./model.js";
import { fakeSource } from "../test/fake-source.js";
import type { JSONGraph } from "./types.js";

const ref = (...value: Array<string | number>) => ({ $type: "ref" as const, value });

const graph = (): JSONGraph => ({
  genreLists: { 0: ref("lists", "A") },
  lists: { A: { name: "Action", 0: ref("videos", 1) } },
  videos: {
    1: { title: "One", rating: { $type: "error", value: { message: "ratings are down" } }, tags: { $type: "atom", value: ["a", "b"] } },
  },
  session: { $type: "atom", value: { user: "u17" }, $expires: -60_000 },
  banner: { $type: "atom", value: "today only", $expires: 0 },
});

describe("getCache and setCache", () => {
  it("round-trip through JSON: the new model reads the same without a request", async () => {
    const source = fakeSource(graph());
    const server = new Model({ source });
    await server.get("genreLists[0].name", "genreLists[0][0]['title','tags']", "session");
    const text = JSON.stringify(server.getCache());

    const other = fakeSource(graph());
    const client = new Model({ source: other });
    client.setCache(JSON.parse(text));
    expect((await client.get("genreLists[0][0]['title','tags']", "session")).json).toEqual({
      genreLists: { 0: { 0: { title: "One", tags: ["a", "b"] } } },
      session: { user: "u17" },
    });
    expect(other.requests).toHaveLength(0);
    expect(client.getCache()).toEqual(JSON.parse(text));
    expect(JSON.stringify(new Model({ cache: JSON.parse(text) }).getCache())).toBe(text);
  });

  it("keep the $expires deadline, and leave out what has expired or was delivered once", async () => {
    const source = fakeSource(graph());
    const model = new Model({ source });
    const before = Date.now();
    await model.get("session", "banner", "lists.A.name");
    const cache = model.getCache() as any;
    expect(cache.session.$expires).toBeGreaterThanOrEqual(before + 60_000);
    expect(cache.session.$expires).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(cache.banner).toBeUndefined();
    expect(cache.lists).toEqual({ A: { name: "Action" } });
    expect(new Model({ cache: { old: { $type: "atom", value: 1, $expires: Date.now() - 1 } } }).getCache()).toEqual({});
  });

  it("setCache replaces the cache and tells the listeners", () => {
    const model = new Model({ cache: { a: 1 } });
    let changes = 0;
    model.onChange(() => changes++);
    model.setCache({ b: 2 });
    expect(model.peek("a", "b")).toEqual({ json: { b: 2 }, errors: [], missing: [["a"]] });
    expect(changes).toBe(1);
  });
});

describe("boxValues", () => {
  it("answers each value as its sentinel, with $expires made absolute", async () => {
    const model = new Model({ source: fakeSource(graph()) });
    const before = Date.now();
    const { json } = await model.get("session", "lists.A.name", { boxValues: true });
    expect(json.lists.A.name).toEqual({ $type: "atom", value: "Action" });
    expect(json.session.value).toEqual({ user: "u17" });
    expect(json.session.$expires).toBeGreaterThanOrEqual(before + 60_000);
    expect((await model.get("session")).json).toEqual({ session: { user: "u17" } });
  });
});
