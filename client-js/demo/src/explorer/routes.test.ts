import { afterEach, describe, expect, it, vi } from "vitest";
import { describeAgo, describeReloads, describeTime, loadRoutes, placeError, readListing, summarize } from "./routes.js";
import type { Listing, RouteFile } from "./routes.js";

const people: RouteFile = {
  file: "teams/people/people.toml",
  state: "loaded",
  errors: [],
  services: ["people"],
  routes: [
    { pattern: "people[{integers:ids}]['name','born']", method: "get", service: "people", scope: "shared", place: "teams/people/people.toml:4:1" },
  ],
};
const broken: RouteFile = {
  file: "teams/people/broken.toml",
  state: "refused",
  errors: ["teams/people/broken.toml:3:19: no file declares the service `nope`"],
  services: [],
  routes: [],
};

describe("readListing", () => {
  it("reads what GET /routes answers", () => {
    const body = { files: [people, broken], lastReloadRefused: true, reloadedAtMs: 1700000000000, reloads: 3 };
    expect(readListing(JSON.parse(JSON.stringify(body)))).toEqual(body);
  });

  it("leaves out what is not text, so that the page never renders an object", () => {
    const body = {
      files: [
        { file: "a.toml", state: "refused", errors: ["a.toml: bad", { html: "<b>" }], services: [7, "s"], routes: [{ pattern: ["x"], method: "get" }, null] },
        "not a file",
      ],
      reloads: "2",
    };
    expect(readListing(body)).toEqual({
      files: [
        {
          file: "a.toml",
          state: "refused",
          errors: ["a.toml: bad"],
          services: ["s"],
          routes: [{ pattern: "", method: "get", service: "", scope: "", place: "" }],
        },
      ],
      lastReloadRefused: false,
      reloadedAtMs: 0,
      reloads: 0,
    });
  });

  it("refuses a body that is not a listing", () => {
    for (const body of [null, "404 page not found", { files: {} }, []]) {
      expect(() => readListing(body)).toThrow("GET /routes answered something other than a listing of route files");
    }
  });
});

describe("placeError", () => {
  it("splits file:line:column from the message", () => {
    expect(placeError(broken.file, broken.errors[0])).toEqual({
      place: "teams/people/broken.toml:3:19",
      message: "no file declares the service `nope`",
    });
  });

  it("takes the file's name as given, colons and all", () => {
    expect(placeError("C:/teams/a: b.toml", "C:/teams/a: b.toml:1:5: unknown member `x`")).toEqual({
      place: "C:/teams/a: b.toml:1:5",
      message: "unknown member `x`",
    });
  });

  it("places an error of the whole file at the file", () => {
    expect(placeError("a.toml", "a.toml: cannot read it: permission denied")).toEqual({ place: "a.toml", message: "cannot read it: permission denied" });
  });

  it("keeps a message that does not start with the file whole", () => {
    expect(placeError("a.toml", "the router refused the table")).toEqual({ message: "the router refused the table" });
    expect(placeError("a.toml", "a.tomlx:1:1: elsewhere")).toEqual({ message: "a.tomlx:1:1: elsewhere" });
    expect(placeError("", ": odd")).toEqual({ message: ": odd" });
  });
});

describe("describing times", () => {
  it("says how long ago, rounded down", () => {
    expect(describeAgo(400)).toBe("just now");
    expect(describeAgo(5999)).toBe("5 s ago");
    expect(describeAgo(125000)).toBe("2 min ago");
    expect(describeAgo(3 * 3600000 + 1)).toBe("3 h ago");
    expect(describeAgo(86400000)).toBe("1 day ago");
    expect(describeAgo(4 * 86400000)).toBe("4 days ago");
  });

  it("shows a time of today as local time, another day's with its date", () => {
    const now = new Date(2025, 4, 6, 14, 3, 12).getTime();
    const earlier = new Date(2025, 4, 6, 14, 3, 7).getTime();
    expect(describeTime(earlier, now)).toBe(`${new Date(earlier).toLocaleTimeString()} (5 s ago)`);
    const yesterday = new Date(2025, 4, 5, 9, 0, 0).getTime();
    expect(describeTime(yesterday, now)).toBe(`${new Date(yesterday).toLocaleString()} (1 day ago)`);
  });

  it("describes the last reload, refused or not, and the start before any", () => {
    const now = new Date(2025, 4, 6, 14, 3, 12).getTime();
    const at = now - 5000;
    const time = new Date(at).toLocaleTimeString();
    const listing: Listing = { files: [people], lastReloadRefused: false, reloadedAtMs: at, reloads: 0 };
    expect(describeReloads(listing, now)).toBe(`loaded at start, ${time} (5 s ago) · no reloads since`);
    expect(describeReloads({ ...listing, reloads: 1 }, now)).toBe(`last reload ${time} (5 s ago) · 1 reload`);
    expect(describeReloads({ ...listing, reloads: 3, lastReloadRefused: true }, now)).toBe(`last reload ${time} (5 s ago), refused · 3 reloads`);
  });
});

describe("summarize", () => {
  it("counts files, refusals and routes", () => {
    expect(summarize([people])).toBe("1 file: all loaded · 1 route");
    expect(summarize([people, broken])).toBe("2 files: 1 loaded, 1 refused · 1 route");
    expect(summarize([])).toBe("no route files");
  });
});

describe("loadRoutes", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });
  const answering = (fetch: (url: string, init: RequestInit) => Promise<Response>) => {
    const stub = vi.fn(fetch);
    vi.stubGlobal("fetch", stub);
    return stub;
  };

  it("gets /routes, and reads a 404 as a server that does not list its routes", async () => {
    const body = { files: [people], lastReloadRefused: false, reloadedAtMs: 1, reloads: 0 };
    const fetch = answering(async () => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json" } }));
    expect(await loadRoutes()).toEqual({ listed: true, listing: body });
    expect(fetch.mock.calls[0][0]).toBe("/routes");
    answering(async () => new Response("not found", { status: 404 }));
    expect(await loadRoutes()).toEqual({ listed: false });
  });

  it("says what went wrong otherwise", async () => {
    answering(async () => new Response("{}", { status: 503 }));
    await expect(loadRoutes()).rejects.toThrow("GET /routes answered HTTP 503");
    answering(async () => new Response("<html>a proxy's page</html>"));
    await expect(loadRoutes()).rejects.toThrow("GET /routes answered something other than JSON");
    answering(async () => {
      throw new TypeError("Failed to fetch");
    });
    await expect(loadRoutes()).rejects.toThrow("GET /routes got no answer (is the server running?): Failed to fetch");
  });

  it("passes on its caller's abort as it is", async () => {
    answering(
      (_, init) =>
        new Promise((_, fail) => init.signal?.addEventListener("abort", () => fail(new DOMException("aborted", "AbortError")))),
    );
    const caller = new AbortController();
    const loading = loadRoutes(caller.signal);
    caller.abort();
    await expect(loading).rejects.toMatchObject({ name: "AbortError" });
  });
});
