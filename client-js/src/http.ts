/**
 * A data source over HTTP in falcor-express's wire format, which both
 * Peregrine and falcor-router servers speak: `GET url?method=get&paths=...`,
 * and form-encoded `POST`s for set and call.
 * @module
 */
import { TransportError } from "./errors.js";
import type { DataSource, JSONGraphEnvelope, Path, PathSet } from "./types.js";

/** How an {@link HttpDataSource} sends its requests. */
export interface HttpOptions {
  /** Headers of every request (`Authorization`...), or a function that makes them per request. */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** Milliseconds before a request is given up with a `timeout` error; default 15,000, 0 for never. */
  timeout?: number;
  /** Aborting it aborts every request of this source, now and later. */
  signal?: AbortSignal;
  /** `fetch`'s credentials mode (`"include"` sends cookies to another origin). */
  credentials?: RequestCredentials;
  /** The `fetch` to use; default the global one. */
  fetch?: typeof fetch;
  /** A get whose URL would be longer goes as a POST; default 8,000 characters. */
  maxUrlLength?: number;
}

/**
 * The standard data source: a JSON Graph endpoint such as `/model.json`.
 *
 * ```ts
 * new HttpDataSource("/model.json", { headers: { Authorization: "Bearer u17" }, timeout: 5000 });
 * ```
 */
export class HttpDataSource implements DataSource {
  /** The endpoint. */
  readonly url: string;
  private o: HttpOptions;
  private live = new Set<() => void>();

  constructor(url: string, options: HttpOptions = {}) {
    this.url = url;
    this.o = options;
  }

  get(paths: PathSet[], options: { signal?: AbortSignal } = {}): Promise<JSONGraphEnvelope> {
    return this.send("get", { paths }, options.signal);
  }

  set(envelope: JSONGraphEnvelope): Promise<JSONGraphEnvelope> {
    return this.send("set", { jsonGraph: envelope });
  }

  call(callPath: Path, args: unknown[], refSuffixes: PathSet[], thisPaths: PathSet[]): Promise<JSONGraphEnvelope> {
    return this.send("call", { callPath, arguments: args, pathSuffixes: refSuffixes, paths: thisPaths });
  }

  /** Aborts the requests in flight: their reads fail with an `abort` {@link TransportError}. */
  abort(): void {
    this.live.forEach((stop) => stop());
  }

  private async send(method: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<JSONGraphEnvelope> {
    const o = this.o;
    let form = "method=" + method;
    for (const k in params) form += `&${k}=${encodeURIComponent(JSON.stringify(params[k]))}`;
    const url = this.url + (this.url.includes("?") ? "&" : "?") + form;
    const post = method != "get" || url.length > (o.maxUrlLength || 8000);
    // Without AbortController (older TV browsers) a timed out or aborted
    // request is given up all the same; only its connection stays open.
    const control = typeof AbortController == "function" ? new AbortController() : undefined;
    const timeout = o.timeout == null ? 15000 : o.timeout;
    let why = "";
    let fail!: () => void;
    const stopped = new Promise<never>((_resolve, reject) => (fail = reject));
    stopped.catch(() => {});
    const stop = (reason: string) => () => {
      why = why || reason;
      fail();
      if (control) control.abort();
    };
    const timer = timeout && setTimeout(stop("timeout"), timeout);
    const onAbort = stop("abort");
    const signals = [o.signal, signal];
    for (const s of signals) if (s) s.aborted ? onAbort() : s.addEventListener("abort", onAbort);
    this.live.add(onAbort);
    try {
      if (why) throw 0;
      const headers = typeof o.headers == "function" ? o.headers() : o.headers;
      const res = await Promise.race([
        (o.fetch || fetch)(post ? this.url : url, {
          method: post ? "POST" : "GET",
          headers: post ? { "content-type": "application/x-www-form-urlencoded", ...headers } : headers,
          body: post ? form : undefined,
          credentials: o.credentials,
          signal: control && control.signal,
        }),
        stopped,
      ]);
      const text = await Promise.race([res.text(), stopped]);
      let body: any;
      try {
        body = JSON.parse(text);
      } catch (_) {
        // not JSON: described below
      }
      const error = body && body.error;
      if (!res.ok) {
        throw error
          ? new TransportError(error.message, res.status, error.kind)
          : new TransportError(`HTTP ${res.status} ${describe(text)}`.trim(), res.status, "http");
      }
      if (!body || typeof body.jsonGraph != "object") throw new TransportError(`not a JSON Graph envelope: ${text.slice(0, 100)}`, res.status, "invalid_response");
      return body;
    } catch (e: any) {
      if (e instanceof TransportError) throw e;
      throw new TransportError(
        why == "timeout" ? `no answer within ${timeout} ms` : why ? "the request was aborted" : `the request failed: ${e && e.message}`,
        0,
        why || "network",
      );
    } finally {
      clearTimeout(timer as any);
      this.live.delete(onAbort);
      for (const s of signals) if (s) s.removeEventListener("abort", onAbort);
    }
  }
}

/** The first line of an error page's text (express puts the error, then its stack). */
const describe = (page: string) =>
  page
    .replace(/<(head|script|style)[\s\S]*?<\/\1>|<br[\s\S]*/gi, "")
    .replace(/<[^>]*>|\s+/g, " ")
    .trim()
    .slice(0, 200);
