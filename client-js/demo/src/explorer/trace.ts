/**
 * The server's trace of one request (sent beside `jsonGraph` when the
 * request has the header `Peregrine-Trace: 1`) and its layout as the rows of
 * a waterfall chart. Pure: no DOM, no React.
 * @module
 */

/** What the server did for one request; times are ms since the request started. */
export interface Trace {
  /** The whole request, as the server measured it. */
  durationMs: number;
  waves: Wave[];
  routes: RouteCall[];
  loads: Load[];
  batches: Batch[];
}

/** One round of route matching: the paths still unanswered, after following refs. */
export interface Wave {
  index: number;
  startMs: number;
  endMs: number;
  /** The path sets of the wave, in path syntax. */
  paths: string[];
}

/** One call of a route's handler. */
export interface RouteCall {
  id: number;
  /** The index of the wave it ran in. */
  wave: number;
  /** The route's pattern: `genreLists[{ranges}]`. */
  route: string;
  method: "get" | "set" | "call";
  /** The path sets it matched, in path syntax. */
  paths: string[];
  startMs: number;
  endMs: number;
  error: string | null;
}

/** A route's request to a loader: keys answered from memory, joined or fetched by batches. */
export interface Load {
  /** The `id` of the route call it ran under, or null. */
  route: number | null;
  loader: string;
  scope: "shared" | "user";
  keys: number;
  /** Keys the loader's cache had. */
  localHits: number;
  /** Keys that joined a fetch already in flight for another request. */
  joined: number;
  startMs: number;
  endMs: number;
}

/** One fetch of a loader: from Redis first, then the backend for the rest. */
export interface Batch {
  /** The `id` of the route call it ran under, or null. */
  route: number | null;
  loader: string;
  scope: "shared" | "user";
  keys: number;
  /** Keys Redis had; the backend was asked for the others, if any. */
  redisHits: number;
  startMs: number;
  endMs: number;
  error: string | null;
}

/** The kinds of bars, which are also their colours. */
export type Kind = "wave" | "route" | "load" | "batch";

/** One bar of the waterfall. */
export interface Bar {
  kind: Kind;
  /** Indentation: 0 for waves, 1 for route calls, 2 for what ran under them. */
  depth: number;
  label: string;
  startMs: number;
  endMs: number;
  /** The tooltip: the exact figures. */
  title: string;
  failed: boolean;
  /** A batch that Redis answered whole: the backend was not called. */
  redisOnly: boolean;
}

/** The heading of what ran under no known wave or route call. */
export interface Heading {
  kind: "other";
  depth: 0;
  label: string;
}

/** A line of the waterfall. */
export type Row = Bar | Heading;

/**
 * The trace of an answer, or undefined when it has none. Missing lists are
 * taken as empty, so that a server that leaves out an empty list is fine.
 */
export function readTrace(body: unknown): Trace | undefined {
  const trace = body && (body as { trace?: unknown }).trace;
  if (!trace || typeof trace != "object") return undefined;
  const t = trace as Partial<Trace>;
  if (typeof t.durationMs != "number") return undefined;
  const list = <T>(items: T[] | undefined) => (Array.isArray(items) ? items : []);
  return { durationMs: t.durationMs, waves: list(t.waves), routes: list(t.routes), loads: list(t.loads), batches: list(t.batches) };
}

/**
 * The waterfall's rows in display order: each wave, then its route calls by
 * start time, each followed by the loads and batches that ran under it;
 * then, under an "other" heading, the route calls of no known wave and the
 * loads and batches of no known route call.
 */
export function waterfallRows(trace: Trace): Row[] {
  const rows: Row[] = [];
  const waves = new Set(trace.waves.map((w) => w.index));
  const routes = new Set(trace.routes.map((r) => r.id));
  const work = (depth: number, keep: (item: Load | Batch) => boolean) => {
    const items: Array<Load | Batch> = [...trace.loads.filter(keep), ...trace.batches.filter(keep)];
    // Loads first where a load and a batch start together: the load asked for the batch.
    items.sort((a, b) => a.startMs - b.startMs || Number(isBatch(a)) - Number(isBatch(b)));
    for (const item of items) rows.push(isBatch(item) ? batchBar(item, depth) : loadBar(item, depth));
  };
  const calls = (keep: (call: RouteCall) => boolean) => {
    const list = trace.routes.filter(keep).sort((a, b) => a.startMs - b.startMs || a.id - b.id);
    for (const call of list) {
      rows.push(routeBar(call));
      work(2, (item) => item.route === call.id);
    }
  };
  for (const wave of trace.waves.slice().sort((a, b) => a.index - b.index)) {
    rows.push(waveBar(wave));
    calls((call) => call.wave === wave.index);
  }
  const known = rows.length;
  calls((call) => !waves.has(call.wave));
  work(1, (item) => item.route == null || !routes.has(item.route));
  if (rows.length > known) rows.splice(known, 0, { kind: "other", depth: 0, label: "other" });
  return rows;
}

const isBatch = (item: Load | Batch): item is Batch => "redisHits" in item;

/** The end of the time axis: the request's duration, or the last end if something ends later. */
export function timeSpan(trace: Trace): number {
  let end = trace.durationMs;
  for (const list of [trace.waves, trace.routes, trace.loads, trace.batches]) for (const item of list) end = Math.max(end, item.endMs);
  return end > 0 ? end : 1;
}

/** Round tick marks from 0 to `span` ms: about `count` of them, 1, 2 or 5 times a power of ten apart. */
export function ticks(span: number, count = 8): number[] {
  const raw = span / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) as number;
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  const marks: number[] = [];
  for (let n = 0; n * step <= span + step * 1e-9; n++) marks.push(Number((n * step).toFixed(digits)));
  return marks;
}

/** A duration for a label: `0.02 ms`, `4.08 ms`, `12.3 ms`. */
export function formatMs(ms: number): string {
  return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
}

/** `1 key`, `2 keys`; `nouns` for plurals other than noun + s. */
export function plural(n: number, noun: string, nouns = noun + "s"): string {
  return `${n} ${n == 1 ? noun : nouns}`;
}

/** The line of a tooltip that gives the times exactly, as the server sent them. */
const timing = (item: { startMs: number; endMs: number }) =>
  `${(item.endMs - item.startMs).toFixed(3)} ms: from ${item.startMs.toFixed(3)} to ${item.endMs.toFixed(3)} ms`;

/** At most three path sets, then how many more. */
const some = (paths: string[]) => paths.slice(0, 3).join(", ") + (paths.length > 3 ? ` +${paths.length - 3} more` : "");

function waveBar(wave: Wave): Bar {
  const title = [`wave ${wave.index}: ${plural(wave.paths.length, "path set")}`, timing(wave), ...wave.paths].join("\n");
  return {
    kind: "wave",
    depth: 0,
    label: `wave ${wave.index} · ${plural(wave.paths.length, "path")}`,
    startMs: wave.startMs,
    endMs: wave.endMs,
    title,
    failed: false,
    redisOnly: false,
  };
}

function routeBar(call: RouteCall): Bar {
  const method = call.method == "get" ? "" : `${call.method} `;
  const title = [
    `${method}${call.route} (route call ${call.id}, wave ${call.wave})`,
    timing(call),
    ...call.paths,
    ...(call.error ? [`error: ${call.error}`] : []),
  ].join("\n");
  const label = `${method}${call.route} · ${some(call.paths)}` + (call.error ? ` · failed: ${call.error}` : "");
  return { kind: "route", depth: 1, label, startMs: call.startMs, endMs: call.endMs, title, failed: call.error != null, redisOnly: false };
}

function loadBar(load: Load, depth: number): Bar {
  const fetched = load.keys - load.localHits - load.joined;
  const label = `${load.loader} · ${plural(load.keys, "key")} · ${plural(load.localHits, "local hit")} · ${load.joined} joined`;
  const title = [
    `load of ${load.loader} (${load.scope} scope)`,
    timing(load),
    `${plural(load.keys, "key")}: ${load.localHits} in memory, ${load.joined} joined a fetch in flight, ${fetched} fetched by batches`,
  ].join("\n");
  return { kind: "load", depth, label, startMs: load.startMs, endMs: load.endMs, title, failed: false, redisOnly: false };
}

function batchBar(batch: Batch, depth: number): Bar {
  const backend = batch.keys - batch.redisHits;
  const label =
    `${batch.loader} batch · ${plural(batch.keys, "key")} · ${batch.redisHits} from redis · ${backend} from backend` +
    (batch.error ? ` · failed: ${batch.error}` : "");
  const title = [
    `batch of ${batch.loader} (${batch.scope} scope)`,
    timing(batch),
    `${plural(batch.keys, "key")}: ${batch.redisHits} from Redis, ` + (backend > 0 ? `${backend} from the backend` : "the backend was not called"),
    ...(batch.error ? [`error: ${batch.error}`] : []),
  ].join("\n");
  return { kind: "batch", depth, label, startMs: batch.startMs, endMs: batch.endMs, title, failed: batch.error != null, redisOnly: backend <= 0 };
}
