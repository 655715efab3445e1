// The client against the real Peregrine demo server (PEREGRINE_BIN): what a
// UI gets, and how many requests it took.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpDataSource, Model, isGraphError, isPathSyntaxError, isTransportError } from "../src/index.js";
import type { GraphError, TransportError } from "../src/index.js";
import { countingFetch, startDemo } from "./servers.js";
import type { Running } from "./servers.js";

let server: Running;

beforeAll(async () => {
  server = await startDemo();
});

afterAll(async () => {
  await server?.stop();
});

function client(user?: string, maxUrlLength?: number) {
  const counter = countingFetch();
  const source = new HttpDataSource(server.url, { fetch: counter.fetch, headers: user ? { Authorization: `Bearer ${user}` } : {}, maxUrlLength });
  return { model: new Model({ source }), log: counter.log };
}

const caught = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);

/** The server's own answer, without the client. */
async function raw(user: string, paths: unknown): Promise<any> {
  const url = `${server.url}?method=get&paths=${encodeURIComponent(JSON.stringify(paths))}`;
  return (await fetch(url, { headers: { Authorization: `Bearer ${user}` } })).json();
}

const HOME = ["genreLists[0..9].name", "genreLists[0..9][0..9]['title','boxshot','rating']"];

describe("the client against Peregrine", () => {
  it("reads the home rows in one request, through two levels of refs, as plain JSON", async () => {
    const { model, log } = client("u17");
    const { json } = await model.get(...HOME);
    expect(log).toHaveLength(1);
    const rows = json.genreLists;
    expect(Object.keys(rows)).toHaveLength(10);
    for (let r = 0; r < 10; r++) {
      expect(typeof rows[r].name).toBe("string");
      for (let v = 0; v < 10; v++) {
        const video = rows[r][v];
        expect(Object.keys(video).sort()).toEqual(["boxshot", "rating", "title"]);
        expect(video.boxshot).toMatch(/^https:\/\/img\.example\/boxshot\/\d+\.jpg$/);
        expect(video.rating).toBeGreaterThanOrEqual(1);
        expect(video.rating).toBeLessThanOrEqual(5);
      }
    }
    expect(JSON.stringify(json)).not.toMatch(/"\$/);
    // The same values as the server's own answer.
    const answer = await raw("u17", [["genreLists", 3], ["lists"]]);
    const list = answer.jsonGraph.genreLists[3].value;
    const graph = (await raw("u17", [[...list, "name"], [...list, 4, "title"]])).jsonGraph;
    const video = graph.lists[list[1]][4].value;
    expect(rows[3].name).toBe(graph.lists[list[1]].name);
    expect(rows[3][4].title).toBe(graph.videos[video[1]].title);
  });

  it("sends a get too long for a URL as a POST, with the same answer", async () => {
    const short = client("u17", 10);
    const long = client("u17");
    const [a, b] = await Promise.all([short.model.get(...HOME), long.model.get(...HOME)]);
    expect(a.json).toEqual(b.json);
    expect(short.log.map((e) => [e.method, e.status])).toEqual([["POST", 200]]);
  });

  it("answers again from the cache, and asks only for what it lacks, through the refs it knows", async () => {
    const { model, log } = client("u17");
    await model.get(...HOME);
    await model.get("genreLists[0..4].name", "genreLists[2][0..9].title");
    expect(log).toHaveLength(1);
    const years = await model.get("genreLists[0..1][0..2].year");
    expect(log).toHaveLength(2);
    const paths = JSON.parse(new URL(log[1].url).searchParams.get("paths")!);
    expect(paths.every((p: unknown[]) => p[0] == "videos" && p[2] == "year")).toBe(true);
    expect(years.json.genreLists[1][2].year).toBeGreaterThanOrEqual(1950);
  });

  it("sends the gets of one tick as one request", async () => {
    const { model, log } = client("u17");
    const [a, b, c] = await Promise.all([model.getValue("videos[1].title"), model.getValue("videos[2].title"), model.getValue("videos[3]['title','year']")]);
    expect([typeof a, typeof b, typeof c]).toEqual(["string", "string", "undefined"]);
    expect(log).toHaveLength(1);
    expect(JSON.parse(new URL(log[0].url).searchParams.get("paths")!)).toEqual([
      ["videos", { from: 1, to: 2 }, "title"],
      ["videos", 3, ["title", "year"]],
    ]);
  });

  it("never asks again for what the server says is not there", async () => {
    const { model, log } = client("u17");
    expect(await model.getValue("videos[99999].title")).toBeUndefined();
    expect(await model.getValue("videos[99999].title")).toBeUndefined();
    expect(await model.getValue("lists['no-such-list'].name")).toBeUndefined();
    expect(log).toHaveLength(2);
  });

  it("rates a video: the server stores it, and another client reads it", async () => {
    const { model, log } = client("u23");
    await model.get("genreLists[0][0].title");
    const video = model.deref("genreLists[0][0]"); // the ref is cached: bound to ["videos", id]
    expect(video.getPath()[0]).toBe("videos");
    expect(await video.setValue("rating", 4.5)).toBe(4.5);
    expect(log.map((e) => e.method)).toEqual(["GET", "POST"]);
    expect(await model.getValue("genreLists[0][0].rating")).toBe(4.5);
    expect(log).toHaveLength(2);
    const other = client("u23");
    expect(await other.model.getValue([...video.getPath(), "rating"])).toBe(4.5);
  });

  it("reports a rating the server refuses as a path that holds an error", async () => {
    const { model } = client("u24");
    const e = await caught(model.setValue("videos[7].rating", 9));
    expect(isGraphError(e)).toBe(true);
    expect((e as GraphError).errors).toEqual([{ path: ["videos", 7, "rating"], value: { message: "a rating is a number from 1 to 5" } }]);
  });

  it("adds a video to my list with a call, and the cache knows the new length", async () => {
    const { model, log } = client("u25");
    const before = await model.getValue<number>("myList.length");
    const answer = await model.call("myList.push", [{ $type: "ref", value: ["videos", 42] }], ["title"], ["length"]);
    expect(answer.json.myList.length).toBe(before! + 1);
    expect(answer.json.myList[before!].title).toBe(await client("u25").model.getValue("videos[42].title"));
    expect(log).toHaveLength(2);
    expect(await model.getValue("myList.length")).toBe(before! + 1);
    expect(await model.getValue(`myList[${before}].title`)).toBe(answer.json.myList[before!].title);
    expect(log).toHaveLength(2);
  });

  it("gives the server's kind and message when it refuses a call", async () => {
    const { model } = client("u25");
    const e = (await caught(model.call("myList.push", []))) as TransportError;
    expect(isTransportError(e)).toBe(true);
    expect([e.status, e.kind]).toEqual([400, "call_rejected"]);
    expect(e.message).toContain("myList.push takes one argument");
  });

  it("gives a transport error for a request the server refuses, without retrying", async () => {
    const { model, log } = client("u25");
    const e = (await caught(model.get("videos[0..9999].title"))) as TransportError;
    expect([e.status, e.kind]).toEqual([400, "too_many_paths"]);
    expect(log).toHaveLength(1);
  });

  it("reports the server's error values for a signed-out user, with the rest of the answer", async () => {
    const { model } = client();
    const e = (await caught(model.get("videos[5]['title','rating']"))) as GraphError;
    expect(isGraphError(e)).toBe(true);
    expect(e.message).toBe(`["videos",5,"rating"] holds an error: sign in to see this: it is one user's data`);
    expect(typeof e.json.videos[5].title).toBe("string");
  });

  it("refuses bad path syntax before any request", async () => {
    const { model, log } = client("u17");
    const e = await caught(model.get("videos[0..2.title"));
    expect(isPathSyntaxError(e)).toBe(true);
    expect((e as Error).message).toBe("invalid path at offset 11: expected `,` or `]` after `0..2`, found `.`");
    expect(log).toHaveLength(0);
  });
});
