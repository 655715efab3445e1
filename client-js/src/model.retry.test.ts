// Reads that fail on the network are sent again after a growing, jittered
// wait; writes never are.
import { describe, expect, it } from "vitest";
import { Model } from "./model.js";
import { TransportError, isTransportError } from "./errors.js";
import type { DataSource } from "./types.js";

const caught = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);

/** A source whose gets fail with `errors` in turn, then answer `{a: 1}`; it notes when each get came. */
function flaky(...errors: TransportError[]) {
  const times: number[] = [];
  let sets = 0;
  const source: DataSource = {
    get: async () => {
      times.push(Date.now());
      const e = errors.shift();
      if (e) throw e;
      return { jsonGraph: { a: 1 } };
    },
    set: async () => {
      sets++;
      throw new TransportError("the request failed: reset", 0, "network");
    },
    call: async () => ({ jsonGraph: {} }),
  };
  return { source, times, sets: () => sets };
}

const network = () => new TransportError("the request failed: reset", 0, "network");

describe("retries", () => {
  it("sends a read that failed on the network again after a backoff that doubles, and answers it", async () => {
    const { source, times } = flaky(network(), new TransportError("no answer within 10 ms", 0, "timeout"));
    const model = new Model({ source, retryDelay: 40 });
    expect(await model.getValue("a")).toBe(1);
    expect(times).toHaveLength(3);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(19); // 0.5 to 1 times 40 ms
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(39); // 0.5 to 1 times 80 ms
  });

  it("retries HTTP 503 twice by default, then rejects with the last error", async () => {
    const overloaded = () => new TransportError("at the limit of concurrent requests", 503, "overloaded");
    const { source, times } = flaky(overloaded(), overloaded(), overloaded());
    const e = await caught(new Model({ source, retryDelay: 1 }).get("a"));
    expect(isTransportError(e) && e.kind).toBe("overloaded");
    expect(times).toHaveLength(3);
  });

  it("does not retry with retries: 0, nor an error of the request itself", async () => {
    const off = flaky(network());
    expect(await caught(new Model({ source: off.source, retries: 0 }).get("a"))).toBeInstanceOf(TransportError);
    expect(off.times).toHaveLength(1);
    const refused = flaky(new TransportError("too many paths", 400, "too_many_paths"));
    expect((await caught(new Model({ source: refused.source, retryDelay: 1 }).get("a"))).kind).toBe("too_many_paths");
    expect(refused.times).toHaveLength(1);
  });

  it("never sends a set again", async () => {
    const { source, sets } = flaky();
    const e = await caught(new Model({ source, retryDelay: 1 }).setValue("a", 2));
    expect(isTransportError(e) && e.kind).toBe("network");
    expect(sets()).toBe(1);
  });

  it("stops waiting to retry when the read is aborted", async () => {
    const { source, times } = flaky(network(), network());
    const model = new Model({ source, retryDelay: 10_000 });
    const control = new AbortController();
    const read = caught(model.get("a", { signal: control.signal }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    control.abort();
    expect((await read).kind).toBe("abort");
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(times).toHaveLength(1);
  });

  it("asks again on the next read of paths whose read failed", async () => {
    const { source, times } = flaky(network());
    const model = new Model({ source, retries: 0 });
    expect((await caught(model.get("a"))).kind).toBe("network");
    expect(await model.getValue("a")).toBe(1);
    expect(times).toHaveLength(2);
  });
});
