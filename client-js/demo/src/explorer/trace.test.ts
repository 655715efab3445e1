import { describe, expect, it } from "vitest";
import { readTrace, ticks, timeSpan, waterfallRows } from "./trace.js";
import type { Bar, Trace } from "./trace.js";

/** The home rows of one user: three waves through two levels of refs, listed out of order as a server may. */
const home: Trace = {
  durationMs: 12.345,
  waves: [
    { index: 1, startMs: 4.2, endMs: 6.9, paths: ["lists['list-3','list-7'][0..4]"] },
    { index: 0, startMs: 0.021, endMs: 4.102, paths: ["genreLists[0..1][0..4]", "genreLists[0..1].name"] },
    { index: 2, startMs: 7.0, endMs: 12.1, paths: ["videos[12,40,41]['title','rating']"] },
  ],
  routes: [
    {
      id: 2,
      wave: 2,
      route: "videos[{integers}].rating",
      method: "get",
      paths: ["videos[12,40,41].rating"],
      startMs: 7.2,
      endMs: 12.0,
      error: "ratings timed out",
    },
    { id: 0, wave: 0, route: "genreLists[{ranges}]", method: "get", paths: ["genreLists[0..1]"], startMs: 0.03, endMs: 3.9, error: null },
    { id: 1, wave: 1, route: "lists[{keys}][{ranges}]", method: "get", paths: ["lists['list-3','list-7'][0..4]"], startMs: 4.3, endMs: 6.8, error: null },
    { id: 3, wave: 2, route: "videos[{integers}].title", method: "get", paths: ["videos[12,40,41].title"], startMs: 7.1, endMs: 9.5, error: null },
  ],
  loads: [
    { route: 0, loader: "rows", scope: "user", keys: 1, localHits: 0, joined: 0, startMs: 0.5, endMs: 3.2 },
    { route: 3, loader: "videos", scope: "shared", keys: 100, localHits: 40, joined: 0, startMs: 7.3, endMs: 9.4 },
    { route: null, loader: "rows", scope: "user", keys: 2, localHits: 2, joined: 0, startMs: 12.2, endMs: 12.3 },
  ],
  batches: [
    { route: 3, loader: "videos", scope: "shared", keys: 60, redisHits: 10, startMs: 7.4, endMs: 9.3, error: null },
    { route: 0, loader: "rows", scope: "user", keys: 1, redisHits: 0, startMs: 0.5, endMs: 3.1, error: null },
    { route: 1, loader: "lists", scope: "shared", keys: 2, redisHits: 2, startMs: 4.4, endMs: 4.9, error: null },
    { route: 7, loader: "ratings", scope: "user", keys: 3, redisHits: 0, startMs: 7.5, endMs: 12.0, error: "timed out" },
  ],
};

const bars = (trace: Trace) => waterfallRows(trace).filter((row): row is Bar => row.kind != "other");

describe("waterfallRows", () => {
  it("puts each wave, then its route calls by start, each followed by the loads and batches under it", () => {
    expect(waterfallRows(home).map((row) => [row.kind, row.depth, row.label])).toEqual([
      ["wave", 0, "wave 0 · 2 paths"],
      ["route", 1, "genreLists[{ranges}] · genreLists[0..1]"],
      ["load", 2, "rows · 1 key · 0 local hits · 0 joined"],
      ["batch", 2, "rows batch · 1 key · 0 from redis · 1 from backend"],
      ["wave", 0, "wave 1 · 1 path"],
      ["route", 1, "lists[{keys}][{ranges}] · lists['list-3','list-7'][0..4]"],
      ["batch", 2, "lists batch · 2 keys · 2 from redis · 0 from backend"],
      ["wave", 0, "wave 2 · 1 path"],
      ["route", 1, "videos[{integers}].title · videos[12,40,41].title"],
      ["load", 2, "videos · 100 keys · 40 local hits · 0 joined"],
      ["batch", 2, "videos batch · 60 keys · 10 from redis · 50 from backend"],
      ["route", 1, "videos[{integers}].rating · videos[12,40,41].rating · failed: ratings timed out"],
      // Under no known route call: the load outside any route, the batch of a route call not in the trace.
      ["other", 0, "other"],
      ["batch", 1, "ratings batch · 3 keys · 0 from redis · 3 from backend · failed: timed out"],
      ["load", 1, "rows · 2 keys · 2 local hits · 0 joined"],
    ]);
  });

  it("keeps the times, marks failures and the batches Redis answered whole", () => {
    const rows = bars(home);
    expect(rows[0]).toMatchObject({ startMs: 0.021, endMs: 4.102, failed: false, redisOnly: false });
    expect(rows.filter((r) => r.failed).map((r) => r.kind)).toEqual(["route", "batch"]);
    expect(rows.filter((r) => r.redisOnly).map((r) => r.label)).toEqual(["lists batch · 2 keys · 2 from redis · 0 from backend"]);
  });

  it("gives each bar a tooltip with the exact figures", () => {
    const rows = bars(home);
    const load = rows.find((r) => r.label.startsWith("videos ·"))!;
    expect(load.title).toBe(
      "load of videos (shared scope)\n2.100 ms: from 7.300 to 9.400 ms\n100 keys: 40 in memory, 0 joined a fetch in flight, 60 fetched by batches",
    );
    const cached = rows.find((r) => r.redisOnly)!;
    expect(cached.title).toContain("2 keys: 2 from Redis, the backend was not called");
    const failed = rows.find((r) => r.kind == "route" && r.failed)!;
    expect(failed.title.split("\n")).toEqual([
      "videos[{integers}].rating (route call 2, wave 2)",
      "4.800 ms: from 7.200 to 12.000 ms",
      "videos[12,40,41].rating",
      "error: ratings timed out",
    ]);
  });

  it("names the method of route calls that are not gets, and shortens long lists of paths", () => {
    const call: Trace = {
      durationMs: 2,
      waves: [{ index: 0, startMs: 0, endMs: 2, paths: ["myList.push"] }],
      routes: [{ id: 0, wave: 0, route: "myList.push", method: "call", paths: ["a", "b", "c", "d", "e"], startMs: 0, endMs: 2, error: null }],
      loads: [],
      batches: [],
    };
    expect(waterfallRows(call)[1].label).toBe("call myList.push · a, b, c +2 more");
  });

  it("has no 'other' heading when everything ran under a route call", () => {
    const { loads, batches } = home;
    const rows = waterfallRows({ ...home, loads: loads.filter((l) => l.route != null), batches: batches.filter((b) => b.route != 7) });
    expect(rows.some((r) => r.kind == "other")).toBe(false);
    expect(waterfallRows({ durationMs: 0, waves: [], routes: [], loads: [], batches: [] })).toEqual([]);
  });
});

describe("readTrace", () => {
  it("reads the trace beside jsonGraph, taking missing lists as empty", () => {
    expect(readTrace({ jsonGraph: {}, trace: home })).toEqual(home);
    expect(readTrace({ jsonGraph: {}, trace: { durationMs: 1.5, waves: [] } })).toEqual({ durationMs: 1.5, waves: [], routes: [], loads: [], batches: [] });
  });

  it("answers undefined for an answer without a trace", () => {
    expect(readTrace({ jsonGraph: {} })).toBeUndefined();
    expect(readTrace({ jsonGraph: {}, trace: "yes" })).toBeUndefined();
    expect(readTrace(null)).toBeUndefined();
  });
});

describe("the time axis", () => {
  it("spans the request, or the last end when something ends after it", () => {
    expect(timeSpan(home)).toBe(12.345);
    expect(timeSpan({ ...home, durationMs: 10 })).toBe(12.3);
    expect(timeSpan({ durationMs: 0, waves: [], routes: [], loads: [], batches: [] })).toBe(1);
  });

  it("has round ticks, 1, 2 or 5 times a power of ten apart", () => {
    expect(ticks(12.345)).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(ticks(100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(ticks(0.7)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(ticks(1234)).toEqual([0, 200, 400, 600, 800, 1000, 1200]);
  });
});
