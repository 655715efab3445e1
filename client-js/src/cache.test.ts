// The cache as a user sees it through a model: the JSON it answers, refs,
// expiry, the size bound and invalidation.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Model } from "./model.js";
import { fakeSource } from "../test/fake-source.js";
import type { JSONGraph } from "./types.js";

const ref = (...value: Array<string | number>) => ({ $type: "ref" as const, value });

const catalog = (): JSONGraph => ({
  genreLists: { 0: ref("lists", "A"), 1: ref("lists", "B"), length: 2 },
  lists: {
    A: { name: "Action", 0: ref("videos", 1), 1: ref("videos", 2) },
    B: { name: "Drama", 0: ref("videos", 2) },
  },
  videos: {
    1: { title: "One", tags: { $type: "atom", value: ["a", "b"] }, rating: 4.5 },
    2: { title: "Two", tags: { $type: "atom", value: { x: 1 } }, rating: null },
    3: { title: { $type: "atom" } },
  },
});

afterEach(() => {
  vi.useRealTimers();
});

describe("reading the cache", () => {
  it("answers plain JSON through refs, with no metadata keys", async () => {
    const model = new Model({ cache: catalog() });
    const { json } = await model.get("genreLists[0..1].name", "genreLists[0][0..1]['title','tags','rating']");
    expect(json).toEqual({
      genreLists: {
        0: { name: "Action", 0: { title: "One", tags: ["a", "b"], rating: 4.5 }, 1: { title: "Two", tags: { x: 1 }, rating: null } },
        1: { name: "Drama" },
      },
    });
    expect(JSON.stringify(json)).not.toContain("$");
  });

  it("leaves out empty atoms and refs at the end of a path, gives {} for a branch", async () => {
    const model = new Model({ cache: catalog() });
    expect((await model.get("videos[3].title")).json).toEqual({});
    expect((await model.get("genreLists[0]")).json).toEqual({});
    expect((await model.get("lists.A")).json).toEqual({ lists: { A: {} } });
  });

  it("answers a leaf met before the end of a path at the shorter path", async () => {
    const model = new Model({ cache: catalog() });
    expect((await model.get("videos[1].title.length")).json).toEqual({ videos: { 1: { title: "One" } } });
  });

  it("answers a value with getValue, and nothing for what is missing without a source", async () => {
    const model = new Model({ cache: catalog() });
    expect(await model.getValue("genreLists[1][0].title")).toBe("Two");
    expect(await model.getValue(["videos", 9, "title"])).toBeUndefined();
  });

  it("binds a model to a ref's target with deref", async () => {
    const model = new Model({ cache: catalog() });
    const list = model.deref("genreLists[1]");
    expect(list.getPath()).toEqual(["lists", "B"]);
    expect((await list.get("name", "[0].title")).json).toEqual({ name: "Drama", 0: { title: "Two" } });
    expect(await list.getValue("[0].rating")).toBeNull();
  });

  it("refuses a ref cycle instead of hanging", async () => {
    const model = new Model({ cache: { a: ref("b"), b: ref("a") } });
    await expect(model.get("a.x")).rejects.toThrow(/ref cycle/);
  });

  it("reports missing paths as asked, and as they lie in the graph, through refs to refs", () => {
    const model = new Model({ cache: { a: ref("b", "c", "d"), b: { c: ref("e") }, e: {} } });
    expect(model.peek("a.x.y").missing).toEqual([["a", "x", "y"]]);
    expect(model.peek("a.x").missing).toEqual([["a", "x"]]);
  });

  it("reads the cache alone with peek", () => {
    const model = new Model({ cache: catalog() });
    const r = model.peek("genreLists[0].name", "videos[7].title");
    expect(r.json).toEqual({ genreLists: { 0: { name: "Action" } } });
    expect(r.missing).toEqual([["videos", 7, "title"]]);
  });
});

describe("expiry", () => {
  it("never delivers $expires: 0 or a past deadline from the initial cache", async () => {
    const model = new Model({
      cache: { a: { $type: "atom", value: 1, $expires: 0 }, b: { $type: "atom", value: 2, $expires: Date.now() - 1000 }, c: { $type: "atom", value: 3, $expires: 1 } },
    });
    expect((await model.get("a", "b", "c")).json).toEqual({ c: 3 });
  });

  it("makes a negative $expires relative to the time of writing", async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const model = new Model({ cache: { a: { $type: "atom", value: "soon", $expires: -500 } } });
    expect(await model.getValue("a")).toBe("soon");
    vi.setSystemTime(1_000_499);
    expect(await model.getValue("a")).toBe("soon");
    vi.setSystemTime(1_000_501);
    expect(await model.getValue("a")).toBeUndefined();
  });

  it("delivers a $expires: 0 answer to the read that fetched it, then asks again", async () => {
    const source = fakeSource({ now: { $type: "atom", value: "12:00", $expires: 0 } });
    const model = new Model({ source });
    expect(await model.getValue("now")).toBe("12:00");
    expect(await model.getValue("now")).toBe("12:00");
    expect(source.requests).toHaveLength(2);
  });

  it("does not follow an expired ref", async () => {
    const source = fakeSource({ r: ref("x"), x: { v: "fresh" } });
    const model = new Model({ source, cache: { r: { ...ref("old"), $expires: Date.now() - 1 }, old: { v: "stale" } } });
    expect(await model.getValue("r.v")).toBe("fresh");
  });

  it("keeps the newer value when an older $timestamp comes in", async () => {
    const model = new Model({ cache: { a: { $type: "atom", value: "new", $timestamp: 200 } } });
    await model.set({ jsonGraph: { a: { $type: "atom", value: "old", $timestamp: 100 } }, paths: [["a"]] });
    expect(await model.getValue("a")).toBe("new");
    await model.set({ jsonGraph: { a: { $type: "atom", value: "newer", $timestamp: 300 } }, paths: [["a"]] });
    expect(await model.getValue("a")).toBe("newer");
  });
});

describe("the size bound", () => {
  // Each of these strings weighs 50 + 3 = 53.
  it("evicts the least recently read values once over maxSize", async () => {
    const source = fakeSource({ v: { 1: "one", 2: "two", 3: "six", 4: "ten" } });
    const model = new Model({ source, maxSize: 200, collectRatio: 0.75 });
    await model.get("v[1..3]");
    await model.get("v[1]"); // v[1] is now the most recently read
    await model.get("v[4]"); // 212 > 200: evict down to 150, oldest first (v[2], v[3])
    expect(model.peek("v[1..4]").missing).toEqual([["v", 2], ["v", 3]]);
    expect(model.peek("v[1..4]").json).toEqual({ v: { 1: "one", 4: "ten" } });
    expect(source.requests).toHaveLength(2); // v[1] came from the cache
    await model.get("v[2]");
    expect(source.requests).toHaveLength(3);
  });

  it("never evicts values that never expire", async () => {
    const model = new Model({ maxSize: 150, cache: { keep: { $type: "atom", value: "x", $expires: 1 } } });
    // 51 + 60 + 60 > 150: evict down to 112.5, the oldest evictable first
    await model.set({ path: "a", value: "aaaaaaaaaa" }, { path: "b", value: "bbbbbbbbbb" });
    expect(model.peek("keep", "a", "b").json).toEqual({ keep: "x", b: "bbbbbbbbbb" });
  });

  it("is bounded by default", async () => {
    const model = new Model();
    const big = "x".repeat(1_000_000);
    for (let i = 0; i < 8; i++) await model.setValue(["big", i], big);
    const kept = model.peek("big[0..7]").json.big;
    expect(Object.keys(kept).length).toBeLessThan(8);
    expect(kept[7]).toBe(big);
  });
});

describe("invalidate", () => {
  it("removes values through refs, and the next read fetches them again", async () => {
    const source = fakeSource(catalog());
    const model = new Model({ source });
    expect(await model.getValue("genreLists[0].name")).toBe("Action");
    model.invalidate("genreLists[0].name");
    expect(model.peek("lists.A.name").missing).toHaveLength(1);
    expect(model.peek("genreLists[0]").missing).toHaveLength(0); // the ref stays
    expect(await model.getValue("genreLists[0].name")).toBe("Action");
    expect(source.requests.map((r) => r.paths)).toEqual([[["genreLists", 0, "name"]], [["lists", "A", "name"]]]);
  });

  it("removes a ref itself when the path ends at it, and tells listeners", () => {
    let changes = 0;
    const model = new Model({ cache: catalog(), onChange: () => changes++ });
    model.invalidate("genreLists[0]");
    expect(model.peek("genreLists[0].name").missing).toEqual([["genreLists", 0, "name"]]);
    expect(model.peek("lists.A.name").json).toEqual({ lists: { A: { name: "Action" } } });
    expect(changes).toBe(1);
  });
});
