// Requests as a user of the model notices them: how many, asking what,
// and which error comes back when something fails.
import { describe, expect, it } from "vitest";
import { Model } from "./model.js";
import { fakeSource } from "../test/fake-source.js";
import { GraphError, MissingPathError, TransportError, isGraphError, isMissingPathError, isTransportError } from "./errors.js";
import type { DataSource, JSONGraph } from "./types.js";

const ref = (...value: Array<string | number>) => ({ $type: "ref" as const, value });

const catalog = (): JSONGraph => ({
  genreLists: { 0: ref("lists", "A"), 1: ref("lists", "B"), length: 2 },
  lists: { A: { name: "Action", 0: ref("videos", 1), 1: ref("videos", 2) }, B: { name: "Drama", 0: ref("videos", 3) } },
  videos: {
    1: { title: "One", rating: 4 },
    2: { title: "Two", rating: { $type: "error", value: { message: "ratings are down" } } },
    3: { title: "Three", rating: 3 },
  },
});

const caught = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);

describe("batching and deduplication", () => {
  it("sends the gets of one tick as one request of collapsed paths", async () => {
    const source = fakeSource(catalog());
    const model = new Model({ source });
    const answers = await Promise.all([
      model.getValue("videos[1].title"),
      model.getValue("videos[2].title"),
      model.getValue("videos[3].title"),
      model.get("genreLists.length"),
    ]);
    expect(answers).toEqual(["One", "Two", "Three", { json: { genreLists: { length: 2 } } }]);
    expect(source.requests.map((r) => r.paths)).toEqual([
      [
        ["genreLists", "length"],
        ["videos", { from: 1, to: 3 }, "title"],
      ],
    ]);
  });

  it("asks only for what is not in the cache, through the refs it knows", async () => {
    const source = fakeSource(catalog());
    const model = new Model({ source });
    await model.get("genreLists[0].name");
    await model.get("genreLists[0..1].name", "genreLists[0][0].title");
    expect(source.requests.map((r) => r.paths)).toEqual([
      [["genreLists", 0, "name"]],
      [
        ["genreLists", 1, "name"],
        ["lists", "A", 0, "title"],
      ],
    ]);
    await model.get("genreLists[0..1].name");
    expect(source.requests).toHaveLength(2);
  });

  it("does not ask again for paths already in flight", async () => {
    const source = fakeSource(catalog(), { delay: 20 });
    const model = new Model({ source });
    const first = model.get("videos[1..2].title");
    await new Promise((resolve) => setTimeout(resolve, 5)); // the first request is on its way
    const second = model.get("videos[2..3].title");
    expect((await second).json).toEqual({ videos: { 2: { title: "Two" }, 3: { title: "Three" } } });
    expect((await first).json).toEqual({ videos: { 1: { title: "One" }, 2: { title: "Two" } } });
    expect(source.requests.map((r) => r.paths)).toEqual([[["videos", { from: 1, to: 2 }, "title"]], [["videos", 3, "title"]]]);
  });

  it("asks once for the same path wanted twice in one tick", async () => {
    const source = fakeSource(catalog());
    const model = new Model({ source });
    await Promise.all([model.get("videos[1].title"), model.get("videos[1].title"), model.get(["videos", 1, "title"])]);
    expect(source.requests.map((r) => r.paths)).toEqual([[["videos", 1, "title"]]]);
  });

  it("never asks again for a path the source answered with an empty atom", async () => {
    const source = fakeSource(catalog());
    const model = new Model({ source });
    expect(await model.getValue("videos[99].title")).toBeUndefined();
    expect(await model.getValue("videos[99].title")).toBeUndefined();
    expect((await model.get("videos[99].title")).json).toEqual({});
    expect(source.requests).toHaveLength(1);
  });
});

describe("errors", () => {
  it("reports paths that hold errors with their path and value, and keeps the rest", async () => {
    const model = new Model({ source: fakeSource(catalog()) });
    const e = await caught(model.get("videos[1..2]['title','rating']"));
    expect(isGraphError(e)).toBe(true);
    expect(isTransportError(e)).toBe(false);
    const error = e as GraphError;
    expect(error.message).toBe('["videos",2,"rating"] holds an error: ratings are down');
    expect(error.errors).toEqual([{ path: ["videos", 2, "rating"], value: { message: "ratings are down" } }]);
    expect(error.json).toEqual({ videos: { 1: { title: "One", rating: 4 }, 2: { title: "Two" } } });
  });

  it("asks for a path the source leaves out three times, then reports it", async () => {
    const source = fakeSource(catalog(), { drop: (path) => path[1] == 3 });
    const model = new Model({ source });
    const e = await caught(model.get("videos[1..3].title"));
    expect(isMissingPathError(e)).toBe(true);
    expect((e as MissingPathError).paths).toEqual([["videos", 3, "title"]]);
    expect((e as MissingPathError).message).toBe('no value came for ["videos",3,"title"] after 3 requests');
    expect((e as MissingPathError).json).toEqual({ videos: { 1: { title: "One" }, 2: { title: "Two" } } });
    expect(source.requests.map((r) => r.paths)).toEqual([
      [["videos", { from: 1, to: 3 }, "title"]],
      [["videos", 3, "title"]],
      [["videos", 3, "title"]],
    ]);
  });

  it("takes maxRetries", async () => {
    const source = fakeSource({}, { drop: () => true });
    const model = new Model({ source, maxRetries: 1 });
    expect(isMissingPathError(await caught(model.get("a")))).toBe(true);
    expect(source.requests).toHaveLength(1);
  });

  it("fails every read waiting on a request the server refused, without retrying", async () => {
    let calls = 0;
    const source: DataSource = {
      get: async () => {
        calls++;
        throw new TransportError("HTTP 500", 500, "http");
      },
      set: async () => ({ jsonGraph: {} }),
      call: async () => ({ jsonGraph: {} }),
    };
    const model = new Model({ source });
    const errors = await Promise.all([caught(model.get("a")), caught(model.get("b"))]);
    expect(errors.map((e) => isTransportError(e) && e.status)).toEqual([500, 500]);
    expect(calls).toBe(1);
    // Nothing stays in flight: the next read asks again.
    await caught(model.get("a"));
    expect(calls).toBe(2);
  });
});

describe("set", () => {
  it("writes through cached refs, sends the optimized path, and answers what the source stored", async () => {
    const source = fakeSource(catalog());
    const model = new Model({ source });
    await model.get("genreLists[0][0].title");
    expect(await model.setValue("genreLists[0][0].rating", 5)).toBe(5);
    expect(source.requests[1]).toEqual({
      method: "set",
      envelope: { jsonGraph: { videos: { 1: { rating: 5 } } }, paths: [["videos", 1, "rating"]] },
    });
    expect(model.peek("videos[1].rating").json).toEqual({ videos: { 1: { rating: 5 } } });
    expect(source.requests).toHaveLength(2);
  });

  it("keeps the source's value when it differs", async () => {
    const source = fakeSource(catalog());
    source.set = async (envelope) => {
      source.requests.push({ method: "set", envelope });
      return { jsonGraph: { videos: { 1: { rating: 3 } } } };
    };
    const model = new Model({ source });
    expect(await model.setValue("videos[1].rating", 9)).toBe(3);
  });

  it("rejects with the error sentinel the source stored", async () => {
    const source = fakeSource(catalog());
    source.set = async () => ({ jsonGraph: { videos: { 1: { rating: { $type: "error", value: { message: "a rating is a number from 1 to 5" } } } } } });
    const model = new Model({ source });
    const e = await caught(model.setValue("videos[1].rating", 9));
    expect(isGraphError(e) && e.message).toBe('["videos",1,"rating"] holds an error: a rating is a number from 1 to 5');
  });

  it("forgets the written values when the source fails, and throws its error", async () => {
    const source = fakeSource(catalog());
    source.set = async () => {
      throw new TransportError("offline", 0, "network");
    };
    const model = new Model({ source });
    await model.get("videos[1].rating");
    const e = await caught(model.setValue("videos[1].rating", 2));
    expect(isTransportError(e) && e.kind).toBe("network");
    expect(model.peek("videos[1].rating").missing).toHaveLength(1);
    expect(await model.getValue("videos[1].rating")).toBe(4);
  });

  it("writes locally without a source, and tells listeners", async () => {
    const model = new Model();
    let changes = 0;
    const off = model.onChange(() => changes++);
    await model.set({ path: "a[0..1].b", value: "x" });
    expect(model.peek("a[0..1].b").json).toEqual({ a: { 0: { b: "x" }, 1: { b: "x" } } });
    off();
    await model.setValue("c", 1);
    expect(changes).toBe(1);
  });
});

describe("call", () => {
  it("sends one call, applies its invalidations and graph, and answers its paths", async () => {
    const graph: any = {
      myList: { 0: ref("videos", 1), length: 1 },
      videos: { 1: { title: "One" }, 3: { title: "Three" } },
      __calls: {
        "myList.push": (args: any[]) => ({
          jsonGraph: { myList: { 1: args[0], length: 2 }, videos: { 3: { title: "Three" } } },
          paths: [["myList", "length"], ["myList", 1, "title"]],
          invalidated: [["myList", "stale"]],
        }),
      },
    };
    const source = fakeSource(graph);
    const model = new Model({ source, cache: { myList: { stale: "x" } } });
    expect(await model.getValue("myList.length")).toBe(1);
    const answer = await model.call("myList.push", [ref("videos", 3)], ["title"], ["length"]);
    expect(answer.json).toEqual({ myList: { length: 2, 1: { title: "Three" } } });
    expect(source.requests[1]).toEqual({ method: "call", paths: [["myList", "push"]], args: [ref("videos", 3)] });
    expect(model.peek("myList.stale").missing).toHaveLength(1);
    expect(await model.getValue("myList[1].title")).toBe("Three");
    expect(await model.getValue("myList.length")).toBe(2);
    expect(source.requests).toHaveLength(2);
  });

  it("rejects with the source's error", async () => {
    const model = new Model({ source: fakeSource({}) });
    await expect(model.call("nope", [])).rejects.toThrow("function does not exist");
    await expect(new Model().call("nope")).rejects.toThrow("call needs a model with a source");
  });
});

describe("deref", () => {
  it("reads and writes relative to the ref it is bound to", async () => {
    const source = fakeSource(catalog());
    const model = new Model({ source });
    await model.get("genreLists[1][0].title");
    const video = model.deref("genreLists[1][0]");
    expect(video.getPath()).toEqual(["videos", 3]);
    expect(await video.getValue("rating")).toBe(3);
    expect(await video.setValue("rating", 5)).toBe(5);
    expect(await model.getValue("genreLists[1][0].rating")).toBe(5);
  });
});
