/**
 * The JSON Graph vocabulary shared by the cache, the model and the data
 * sources. Types only: nothing here exists at run time.
 * @module
 */

/** One key of a path: a string, or a number for an index. */
export type Key = string | number | boolean | null;

/** A run of integer keys: `{from: 0, to: 9}` (inclusive) or `{from: 0, length: 10}`. */
export interface Range {
  from?: number;
  to?: number;
  length?: number;
}

/** The keys at one position of a path set: a key, a range, or a list of both. */
export type KeySet = Key | Range | Array<Key | Range>;

/** A path to one value: `["videos", 7, "title"]`. */
export type Path = Key[];

/** Paths sharing a shape: `["videos", {from: 1, to: 3}, ["title", "rating"]]`. */
export type PathSet = KeySet[];

/** A path set as path syntax (`"videos[1..3]['title','rating']"`) or as an array. */
export type PathInput = string | PathSet;

/** Metadata a sentinel may carry (see the falcor JSON Graph docs). */
export interface Metadata {
  /** `1` never expires, `0` expires once delivered, `-n` in n ms, other values at that epoch-ms time. */
  $expires?: number;
  /** Epoch ms of the value's last change: an older incoming value does not replace a newer one. */
  $timestamp?: number;
  /** The value's weight in the cache's size budget (default 50 + its length). */
  $size?: number;
}

/** A symbolic link: reading past it continues at `value`. */
export interface Ref extends Metadata {
  $type: "ref";
  value: Path;
}

/** A boxed value, returned whole; without `value` it means "nothing here". */
export interface Atom extends Metadata {
  $type: "atom";
  value?: unknown;
}

/** The value at this path could not be produced; routers put `{message}` in `value`. */
export interface ErrorSentinel extends Metadata {
  $type: "error";
  value: unknown;
}

/** A JSON Graph leaf that is an object. */
export type Sentinel = Ref | Atom | ErrorSentinel;

/** A JSON Graph: nested branches whose leaves are JSON values or sentinels. */
export interface JSONGraph {
  [key: string]: JSONGraph | Sentinel | string | number | boolean | null;
}

/** What data sources answer, and what `set` may send. */
export interface JSONGraphEnvelope {
  jsonGraph: JSONGraph;
  paths?: PathSet[];
  invalidated?: PathSet[];
}

/** A value to write at a path. */
export interface PathValue {
  path: PathInput;
  value: unknown;
}

/** The plain JSON a read answers: refs followed, no metadata keys. */
export interface JSONEnvelope<T = any> {
  json: T;
}

/**
 * Where a model's missing data comes from: a server over HTTP
 * ({@link HttpDataSource}) or anything else answering JSON Graph envelopes.
 */
export interface DataSource {
  /** Answers the values at these paths; `signal` aborts the request (the model aborts it once no read waits on it). */
  get(paths: PathSet[], options?: { signal?: AbortSignal }): Promise<JSONGraphEnvelope>;
  /** Writes the values of the envelope along its paths and answers what was stored. */
  set(envelope: JSONGraphEnvelope): Promise<JSONGraphEnvelope>;
  /** Calls the function at `callPath`; answers what changed in `paths` and `invalidated`. */
  call(callPath: Path, args: unknown[], refSuffixes: PathSet[], thisPaths: PathSet[]): Promise<JSONGraphEnvelope>;
}
