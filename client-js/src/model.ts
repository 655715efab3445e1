/**
 * The model: reads, writes and calls on a JSON Graph cache, fetching only
 * what the cache lacks. Gets of one tick become one request, paths already
 * in flight are not asked again, missing paths are asked a bounded number
 * of times; a read can be cancelled alone, and a request that failed on
 * the network is sent again after a backoff.
 * @module
 */
import { collapse, expand, toPathSet } from "./path.js";
import { GraphError, MissingPathError, TransportError } from "./errors.js";
import type { PathErrorEntry } from "./errors.js";
import { collect, dump, isBranch, merge, put, read, remove, walk } from "./cache.js";
import type { Read, Store } from "./cache.js";
import type { DataSource, JSONEnvelope, JSONGraph, JSONGraphEnvelope, Path, PathInput, PathSet, PathValue } from "./types.js";

/** How a {@link Model} is set up. */
export interface ModelOptions {
  /** Where missing data comes from; without one the model reads its cache only. */
  source?: DataSource;
  /** A JSON Graph to start from. */
  cache?: JSONGraph;
  /** The cache's budget in `$size` units (a value weighs 50 + its length); default 5,000,000. */
  maxSize?: number;
  /** Once over budget, evict down to `maxSize * collectRatio`; default 0.75. */
  collectRatio?: number;
  /** Requests per read before its missing paths are reported; default 3. */
  maxRetries?: number;
  /**
   * Times a read's request is sent again after it failed on the network
   * (a `network` or `timeout` error, HTTP 502, 503 or 504); default 2, 0
   * for never. Writes and calls are never sent again.
   */
  retries?: number;
  /** Milliseconds before the first retry (0.5 to 1 times this), doubled for each next one up to 30 s; default 1,000. */
  retryDelay?: number;
  /** Called after every change of the cache. */
  onChange?: () => void;
}

/** How one read goes. */
export interface ReadOptions {
  /**
   * Aborting it rejects this read with an `abort` {@link TransportError};
   * the request is aborted once every read waiting on it is.
   */
  signal?: AbortSignal;
  /** Answer values boxed with their metadata (`{$type: "atom", value, $expires}`) instead of plain. */
  boxValues?: boolean;
}

/** Path sets, then optionally how the read goes. */
export type ReadArguments = PathInput[] | [...PathInput[], ReadOptions];

/** A pending request: the paths gets of this tick are missing. */
interface Batch {
  paths: Path[];
  keys: string[];
  done?: Promise<void>;
  /** The reads waiting on it that have not been aborted. */
  readers: number;
  /** Absent without AbortController (older TV browsers): no cancellation there. */
  control?: AbortController;
}

interface Shared extends Store {
  source?: DataSource;
  maxRetries: number;
  retries: number;
  retryDelay: number;
  listeners: Set<() => void>;
  /** Each simple path asked and not yet answered, with the request that asks it. */
  inflight: Map<string, Batch>;
  batch?: Batch;
}

/** What {@link Model.peek} finds in the cache. */
export interface CacheRead<T = any> {
  /** The values found. */
  json: T;
  /** Paths that hold errors. */
  errors: PathErrorEntry[];
  /** Paths the cache lacks. */
  missing: PathSet[];
}

const notify = (s: Shared) => s.listeners.forEach((listener) => listener());

/** The value under `path` in a JSON output. */
const pick = (json: any, path: Path) => path.reduce((o, key) => (o == null ? undefined : o[String(key)]), json);

/**
 * A JSON Graph cache in front of a data source.
 *
 * ```ts
 * const model = new Model({ source: new HttpDataSource("/model.json") });
 * const { json } = await model.get("genreLists[0..1].name", "genreLists[0][0..2].title");
 * json.genreLists[0].name; // refs are followed; plain JSON, no metadata
 * ```
 */
export class Model {
  private s!: Shared;
  private b!: Path;

  constructor(options: ModelOptions = {}) {
    this.s = {
      root: new Map(),
      lru: new Set(),
      size: 0,
      maxSize: options.maxSize || 5e6,
      collectRatio: options.collectRatio || 0.75,
      gen: 0,
      source: options.source,
      maxRetries: options.maxRetries || 3,
      retries: options.retries == null ? 2 : options.retries,
      retryDelay: options.retryDelay == null ? 1000 : options.retryDelay,
      listeners: new Set(options.onChange ? [options.onChange] : []),
      inflight: new Map(),
    };
    this.b = [];
    if (options.cache) merge(this.s, options.cache);
  }

  /**
   * Reads path sets (path syntax or arrays) as plain JSON, fetching what
   * the cache lacks. Rejects with a {@link GraphError} if a path holds an
   * error, a {@link MissingPathError} if the source never answered a path,
   * or the source's {@link TransportError}. A last argument of
   * {@link ReadOptions} can cancel this read (`signal`) or box its values.
   *
   * ```ts
   * const control = new AbortController();
   * model.get("videos[42].title", { signal: control.signal }); // control.abort() rejects it with kind "abort"
   * ```
   */
  async get<T = any>(...args: ReadArguments): Promise<JSONEnvelope<T>> {
    const [paths, options] = split(args);
    return out(await this.load(this.abs(paths), options));
  }

  /** The value at one path, or `undefined` if there is none. */
  async getValue<T = unknown>(path: PathInput): Promise<T | undefined> {
    return pick((await this.get(path)).json, toPathSet(path) as Path);
  }

  /** Reads the cache only, now: what it has, what holds errors and what is missing (`boxValues` applies). */
  peek<T = any>(...args: ReadArguments): CacheRead<T> {
    const [paths, options] = split(args);
    const r = read(this.s, this.abs(paths), this.s.gen, options.boxValues);
    return { json: this.rel(r.json), errors: r.errors, missing: r.missing };
  }

  /**
   * Writes values (`{path, value}`) or JSON Graph envelopes into the cache
   * (through the refs it knows), then sends them to the source in one
   * request and answers the values the source stored. If that request
   * fails, the written paths are invalidated and the error thrown.
   */
  async set<T = any>(...values: Array<PathValue | JSONGraphEnvelope>): Promise<JSONEnvelope<T>> {
    const s = this.s;
    const asked: PathSet[] = [];
    const written: Path[] = [];
    const graph: JSONGraph = {};
    const write = (pathSet: PathSet, value: unknown) =>
      walk(s, pathSet, (_node, parent, key, _req, opt) => {
        put(s, parent, key, value);
        send(opt, value);
      }, true);
    const send = (path: Path, value: unknown) => {
      written.push(path);
      let o: any = graph;
      path.forEach((key, j) => (o = j == path.length - 1 ? (o[String(key)] = value) : o[String(key)] || (o[String(key)] = {})));
    };
    for (const item of values) {
      if ("jsonGraph" in item) {
        for (const pathSet of item.paths || []) {
          asked.push(pathSet);
          for (const path of expand(pathSet)) write(path, pick(item.jsonGraph, path));
        }
      } else {
        const pathSet = this.b.concat(toPathSet(item.path) as Path) as PathSet;
        asked.push(pathSet);
        write(pathSet, item.value);
      }
    }
    collect(s);
    notify(s);
    if (s.source && written.length) {
      try {
        receive(s, await s.source.set({ jsonGraph: graph, paths: collapse(written) }));
      } catch (e) {
        for (const path of written) walk(s, path, (node, parent, key) => node && remove(s, parent, key));
        notify(s);
        throw e;
      }
    }
    return this.load(asked).then(out);
  }

  /** Sets one value and answers the value stored. */
  async setValue<T = unknown>(path: PathInput, value: T): Promise<T | undefined> {
    return pick((await this.set({ path, value })).json, toPathSet(path) as Path);
  }

  /**
   * Calls the function at `callPath` on the source (never batched nor
   * retried), applies what it invalidated and returned, and answers the
   * JSON of the paths it reported (from the root of the graph).
   */
  async call<T = any>(callPath: PathInput, args: unknown[] = [], refSuffixes: PathInput[] = [], thisPaths: PathInput[] = []): Promise<JSONEnvelope<T>> {
    const s = this.s;
    if (!s.source) throw new Error("call needs a model with a source");
    const since = s.gen;
    const answer = await s.source.call(this.b.concat(toPathSet(callPath) as Path), args, refSuffixes.map(toPathSet), thisPaths.map(toPathSet));
    receive(s, answer);
    return out(read(s, answer.paths || [], since));
  }

  /** Removes paths from the cache (a ref at the end of a path is removed itself); the next read fetches them. */
  invalidate(...paths: PathInput[]): void {
    invalidate(this.s, this.abs(paths));
    notify(this.s);
  }

  /**
   * A model bound to a path: its paths are read from there. Refs the cache
   * knows on the way are resolved, so binding `genreLists[0]` binds the
   * list it points to (`["lists", "list-17"]`).
   */
  deref(path: PathInput): Model {
    let bound = this.b.concat(toPathSet(path) as Path);
    walk(this.s, bound, (node, _parent, _key, _req, opt, rest) => {
      bound = node && !isBranch(node) && node.$type == "ref" ? node.value : opt.concat(rest as Path);
    });
    const model: Model = Object.create(Model.prototype);
    model.s = this.s;
    model.b = bound;
    return model;
  }

  /** The path this model is bound to (`[]` for the root). */
  getPath(): Path {
    return this.b.slice();
  }

  /**
   * The whole cache as a JSON Graph that survives `JSON.stringify`, for
   * {@link Model.setCache} or `new Model({cache})` to take back: values
   * keep their `$expires` deadline and `$timestamp`; expired values and
   * those delivered once (`$expires: 0`) are left out.
   */
  getCache(): JSONGraph {
    return dump(this.s);
  }

  /** Replaces the whole cache with a JSON Graph (one from {@link Model.getCache}), and tells the listeners. */
  setCache(graph: JSONGraph): void {
    const s = this.s;
    s.root = new Map();
    s.lru.clear();
    s.size = 0;
    merge(s, graph);
    notify(s);
  }

  /** Calls `listener` after every change of the cache; answers a function that stops it. */
  onChange(listener: () => void): () => void {
    this.s.listeners.add(listener);
    return () => this.s.listeners.delete(listener);
  }

  private abs(paths: PathInput[]): PathSet[] {
    return paths.map((p) => this.b.concat(toPathSet(p) as Path) as PathSet);
  }

  private rel(json: any): any {
    return pick(json, this.b) || {};
  }

  /** Reads from the cache, fetching what is missing, at most `maxRetries` times. */
  private async load(pathSets: PathSet[], options: ReadOptions = {}): Promise<Read> {
    const s = this.s;
    const signal = options.signal;
    let since = s.gen;
    for (let tries = 0; ; tries++) {
      const r = read(s, pathSets, since, options.boxValues);
      r.json = this.rel(r.json);
      if (!r.missing.length || !s.source) return r;
      if (tries == s.maxRetries) throw new MissingPathError(r.missing, r.json, tries);
      if (signal && signal.aborted) throw aborted();
      since = s.gen;
      await fetchMissing(s, r.optimized, signal);
    }
  }
}

/** Splits a read's arguments into its path sets and its options. */
function split(args: ReadArguments): [PathInput[], ReadOptions] {
  const last = args[args.length - 1];
  return last && typeof last == "object" && !Array.isArray(last) ? [args.slice(0, -1) as PathInput[], last] : [args as PathInput[], {}];
}

const aborted = () => new TransportError("the read was aborted", 0, "abort");

const out = (r: Read): JSONEnvelope => {
  if (r.errors.length) throw new GraphError(r.errors, r.json);
  return { json: r.json };
};

function invalidate(s: Shared, pathSets: PathSet[]): void {
  for (const pathSet of pathSets) walk(s, pathSet, (node, parent, key, _req, _opt, rest) => node && !rest.length && remove(s, parent, key));
}

/** Applies a source's answer: its invalidations, then its graph. */
function receive(s: Shared, answer: JSONGraphEnvelope): void {
  invalidate(s, answer.invalidated || []);
  merge(s, answer.jsonGraph);
  notify(s);
}

/**
 * Asks for the missing simple paths that are not already in flight: those
 * join this tick's batch, sent in one request when the tick ends. Settles
 * when every request it waits on has, or as soon as `signal` aborts.
 */
function fetchMissing(s: Shared, missing: PathSet[], signal?: AbortSignal): Promise<unknown> {
  const batches: Batch[] = [];
  for (const pathSet of missing) {
    for (const path of expand(pathSet)) {
      const key = JSON.stringify(path.map(String));
      // A request whose readers were all aborted takes no new ones.
      let batch = live(s.inflight.get(key));
      if (!batch) {
        batch = live(s.batch);
        if (!batch) {
          const b: Batch = (batch = s.batch = { paths: [], keys: [], readers: 0 });
          if (typeof AbortController == "function") b.control = new AbortController();
          b.done = Promise.resolve().then(() => flush(s, b));
        }
        batch.paths.push(path);
        batch.keys.push(key);
        s.inflight.set(key, batch);
      }
      if (!batches.includes(batch)) batches.push(batch);
    }
  }
  batches.forEach((b) => b.readers++);
  const all = Promise.all(batches.map((b) => b.done));
  if (!signal) return all;
  return new Promise((resolve, reject) => {
    const leave = () => {
      reject(aborted());
      for (const b of batches) if (!--b.readers && b.control) b.control.abort();
    };
    const settle = (end: (v: any) => void) => (v: any) => {
      signal.removeEventListener("abort", leave);
      end(v);
    };
    signal.addEventListener("abort", leave);
    all.then(settle(resolve), settle(reject));
  });
}

const live = (batch?: Batch) => (batch && !(batch.control && batch.control.signal.aborted) ? batch : undefined);

/** Whether a failed read is worth sending again: the network, not the request, was at fault. */
const transient = (e: unknown) =>
  e instanceof TransportError && (e.kind == "network" || e.kind == "timeout" || (e.status > 501 && e.status < 505));

/** Sends a batch, again after a transient failure (capped exponential backoff, with jitter), until aborted. */
async function flush(s: Shared, batch: Batch): Promise<void> {
  s.batch = undefined;
  const signal = batch.control && batch.control.signal;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        if (signal && signal.aborted) throw aborted();
        return receive(s, await s.source!.get(collapse(batch.paths), { signal }));
      } catch (e) {
        if (attempt >= s.retries || !transient(e) || (signal && signal.aborted)) throw e;
        await new Promise<void>((resolve) => {
          const wait = Math.min(s.retryDelay * 2 ** attempt, 30000) * (0.5 + Math.random() / 2);
          const timer = setTimeout(resolve, wait);
          if (signal) signal.addEventListener("abort", () => resolve(clearTimeout(timer)));
        });
      }
    }
  } finally {
    for (const key of batch.keys) if (s.inflight.get(key) == batch) s.inflight.delete(key);
  }
}
