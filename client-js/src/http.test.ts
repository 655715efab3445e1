// The HTTP data source against a stand-in `fetch`: what goes on the wire,
// and which TransportError each failure gives.
import { describe, expect, it } from "vitest";
import { HttpDataSource } from "./http.js";
import { TransportError, isTransportError } from "./errors.js";

interface Sent {
  url: string;
  init: RequestInit;
}

function fakeFetch(respond: (sent: Sent) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetch = ((url: string, init: RequestInit) => {
    const s = { url, init };
    sent.push(s);
    return Promise.resolve(respond(s));
  }) as unknown as typeof globalThis.fetch;
  return { sent, fetch };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** A fetch that answers only when aborted, as a server that never does. */
const hanging = ((_url: string, init: RequestInit) =>
  new Promise((_resolve, reject) => init.signal!.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))))) as unknown as typeof fetch;

const caught = (p: Promise<unknown>) => p.then(() => undefined, (e) => e as TransportError);

describe("HttpDataSource", () => {
  it("sends get as a GET with JSON-encoded paths, and the headers it was given", async () => {
    const { sent, fetch } = fakeFetch(() => json({ jsonGraph: { a: 1 } }));
    const source = new HttpDataSource("http://h/model.json", { fetch, headers: { Authorization: "Bearer u17" } });
    expect(await source.get([["videos", { from: 1, to: 2 }, "title"]])).toEqual({ jsonGraph: { a: 1 } });
    expect(sent[0].url).toBe("http://h/model.json?method=get&paths=" + encodeURIComponent('[["videos",{"from":1,"to":2},"title"]]'));
    expect(sent[0].init.method).toBe("GET");
    expect(sent[0].init.headers).toEqual({ Authorization: "Bearer u17" });
  });

  it("makes headers per request from a function, and adds to a URL's query", async () => {
    const { sent, fetch } = fakeFetch(() => json({ jsonGraph: {} }));
    let user = "u1";
    const source = new HttpDataSource("/model.json?v=2", { fetch, headers: () => ({ Authorization: `Bearer ${user}` }) });
    await source.get([["a"]]);
    user = "u2";
    await source.get([["a"]]);
    expect(sent.map((s) => (s.init.headers as Record<string, string>).Authorization)).toEqual(["Bearer u1", "Bearer u2"]);
    expect(sent[0].url.startsWith("/model.json?v=2&method=get&paths=")).toBe(true);
  });

  it("sends set and call as form-encoded POSTs", async () => {
    const { sent, fetch } = fakeFetch(() => json({ jsonGraph: {}, paths: [] }));
    const source = new HttpDataSource("/model.json", { fetch });
    const envelope = { jsonGraph: { videos: { 1: { rating: 4 } } }, paths: [["videos", 1, "rating"]] };
    await source.set(envelope);
    await source.call(["myList", "push"], [{ $type: "ref", value: ["videos", 5] }], [["title"]], [["length"]]);
    expect(sent.map((s) => [s.url, s.init.method, (s.init.headers as Record<string, string>)["content-type"]])).toEqual([
      ["/model.json", "POST", "application/x-www-form-urlencoded"],
      ["/model.json", "POST", "application/x-www-form-urlencoded"],
    ]);
    const set = new URLSearchParams(sent[0].init.body as string);
    expect(set.get("method")).toBe("set");
    expect(JSON.parse(set.get("jsonGraph")!)).toEqual(envelope);
    const call = new URLSearchParams(sent[1].init.body as string);
    expect(call.get("method")).toBe("call");
    expect(JSON.parse(call.get("callPath")!)).toEqual(["myList", "push"]);
    expect(JSON.parse(call.get("arguments")!)).toEqual([{ $type: "ref", value: ["videos", 5] }]);
    expect(JSON.parse(call.get("pathSuffixes")!)).toEqual([["title"]]);
    expect(JSON.parse(call.get("paths")!)).toEqual([["length"]]);
  });

  it("sends a get whose URL would be too long as a POST", async () => {
    const { sent, fetch } = fakeFetch(() => json({ jsonGraph: {} }));
    const source = new HttpDataSource("/model.json", { fetch, maxUrlLength: 100 });
    await source.get([["videos", "x".repeat(100)]]);
    expect(sent[0].init.method).toBe("POST");
    expect(new URLSearchParams(sent[0].init.body as string).get("method")).toBe("get");
  });

  it("gives the server's error kind and message", async () => {
    const { fetch } = fakeFetch(() => json({ error: { kind: "call_rejected", message: "myList.push takes one argument" } }, 400));
    const e = await caught(new HttpDataSource("/m", { fetch }).call(["myList", "push"], [], [], []));
    expect(isTransportError(e)).toBe(true);
    expect([e!.status, e!.kind, e!.message]).toEqual([400, "call_rejected", "myList.push takes one argument"]);
  });

  it("describes an HTML error page by its text", async () => {
    const { fetch } = fakeFetch(() => new Response(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n' +
          "<pre>Error: function does not exist.<br> &nbsp; &nbsp;at innerMatcher (/srv/matcher.js:48:23)</pre>\n</body>\n</html>\n",
        { status: 500 },
      ));
    const e = await caught(new HttpDataSource("/m", { fetch }).get([["a"]]));
    expect([e!.status, e!.kind, e!.message]).toEqual([500, "http", "HTTP 500 Error: function does not exist."]);
  });

  it("refuses an answer that is not a JSON Graph envelope", async () => {
    const { fetch } = fakeFetch(() => new Response("hello"));
    const e = await caught(new HttpDataSource("/m", { fetch }).get([["a"]]));
    expect([e!.status, e!.kind]).toEqual([200, "invalid_response"]);
  });

  it("reports a network failure with status 0", async () => {
    const fetch = (() => Promise.reject(new TypeError("fetch failed"))) as unknown as typeof globalThis.fetch;
    const e = await caught(new HttpDataSource("/m", { fetch }).get([["a"]]));
    expect([e!.status, e!.kind, e!.message]).toEqual([0, "network", "the request failed: fetch failed"]);
  });

  it("gives up after the timeout", async () => {
    const started = Date.now();
    const e = await caught(new HttpDataSource("/m", { fetch: hanging, timeout: 50 }).get([["a"]]));
    expect([e!.kind, e!.message]).toEqual(["timeout", "no answer within 50 ms"]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("aborts through its signal and through abort()", async () => {
    const control = new AbortController();
    const source = new HttpDataSource("/m", { fetch: hanging, signal: control.signal });
    const pending = caught(source.get([["a"]]));
    control.abort();
    expect((await pending)!.kind).toBe("abort");
    expect((await caught(source.get([["b"]])))!.kind).toBe("abort"); // an aborted signal stays aborted

    const other = new HttpDataSource("/m", { fetch: hanging });
    const both = [caught(other.get([["a"]])), caught(other.set({ jsonGraph: {} }))];
    other.abort();
    expect((await Promise.all(both)).map((e) => e!.kind)).toEqual(["abort", "abort"]);
  });
});
