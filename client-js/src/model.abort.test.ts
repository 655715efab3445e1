// Cancelling one read: what the reader and the other readers of the same
// request notice, and that nothing breaks where AbortController is missing.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Model } from "./model.js";
import { HttpDataSource } from "./http.js";
import { fakeSource } from "../test/fake-source.js";
import { isTransportError } from "./errors.js";
import type { DataSource, JSONGraphEnvelope, PathSet } from "./types.js";

const caught = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);

/** A source that answers `{a: 1, b: 2}` once released, and shows the signal of each request. */
function held() {
  const requests: Array<{ paths: PathSet[]; signal?: AbortSignal; release: () => void }> = [];
  const source: DataSource = {
    get: (paths, options = {}) =>
      new Promise<JSONGraphEnvelope>((resolve) => {
        requests.push({ paths, signal: options.signal, release: () => resolve({ jsonGraph: { a: 1, b: 2 } }) });
      }),
    set: async () => ({ jsonGraph: {} }),
    call: async () => ({ jsonGraph: {} }),
  };
  return { source, requests };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("a read's signal", () => {
  it("rejects that read alone with an abort error; the other read of its request gets its value", async () => {
    const { source, requests } = held();
    const model = new Model({ source });
    const control = new AbortController();
    const cancelled = caught(model.get("a", { signal: control.signal }));
    const kept = model.get("b");
    await tick();
    control.abort();
    const e = await cancelled;
    expect(isTransportError(e) && e.kind).toBe("abort");
    expect(requests).toHaveLength(1);
    expect(requests[0].signal!.aborted).toBe(false);
    requests[0].release();
    expect((await kept).json).toEqual({ b: 2 });
  });

  it("aborts the request once every read waiting on it is aborted", async () => {
    const { source, requests } = held();
    const model = new Model({ source });
    const first = new AbortController();
    const second = new AbortController();
    const reads = [caught(model.get("a", { signal: first.signal })), caught(model.get("a", "b", { signal: second.signal }))];
    await tick();
    first.abort();
    expect(requests[0].signal!.aborted).toBe(false);
    second.abort();
    expect(requests[0].signal!.aborted).toBe(true);
    expect((await Promise.all(reads)).map((e) => e.kind)).toEqual(["abort", "abort"]);
  });

  it("sends nothing for reads aborted within their tick, and asks again on the next read", async () => {
    const source = fakeSource({ a: 1 });
    const model = new Model({ source });
    const control = new AbortController();
    const read = caught(model.get("a", { signal: control.signal }));
    control.abort();
    expect((await read).kind).toBe("abort");
    expect(source.requests).toHaveLength(0);
    expect(await model.getValue("a")).toBe(1);
    expect(source.requests).toHaveLength(1);
  });

  it("rejects at once when already aborted, and does not apply to reads the cache answers", async () => {
    const source = fakeSource({ a: 1 });
    const model = new Model({ source, cache: { b: 2 } });
    const signal = AbortSignal.abort();
    expect((await caught(model.get("a", { signal }))).kind).toBe("abort");
    expect((await model.get("b", { signal })).json).toEqual({ b: 2 });
    expect(source.requests).toHaveLength(0);
  });

  it("aborts the HTTP request on the wire", async () => {
    const seen: AbortSignal[] = [];
    const fetch = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) => {
        seen.push(init.signal!);
        init.signal!.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      })) as unknown as typeof globalThis.fetch;
    const model = new Model({ source: new HttpDataSource("/m", { fetch }) });
    const control = new AbortController();
    const read = caught(model.get("a", { signal: control.signal }));
    await tick();
    control.abort();
    expect((await read).kind).toBe("abort");
    expect(seen[0].aborted).toBe(true);
  });
});

describe("without AbortController (older TV browsers)", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("reads, batches and times out all the same", async () => {
    vi.stubGlobal("AbortController", undefined);
    const inits: RequestInit[] = [];
    const fetch = ((url: string, init: RequestInit) => {
      inits.push(init);
      return url.includes("slow") ? new Promise(() => {}) : Promise.resolve(new Response(JSON.stringify({ jsonGraph: { a: 1, b: 2 } })));
    }) as unknown as typeof globalThis.fetch;
    const model = new Model({ source: new HttpDataSource("/m", { fetch }) });
    expect(await Promise.all([model.getValue("a"), model.getValue("b")])).toEqual([1, 2]);
    expect(inits).toHaveLength(1);
    expect(inits[0].signal).toBeUndefined();
    const slow = new Model({ source: new HttpDataSource("/slow", { fetch, timeout: 20 }), retries: 0 });
    const e = await caught(slow.get("a"));
    expect(isTransportError(e) && e.kind).toBe("timeout");
  });
});
