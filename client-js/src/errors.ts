/**
 * The errors the client throws: one class per failure, each with a type
 * guard, so that a UI can tell "the network failed" from "the server says
 * this value could not be produced".
 * @module
 */
import type { Path, PathSet } from "./types.js";

/**
 * A request that got no usable answer: the network failed, it timed out or
 * was aborted, or the server answered an HTTP error (with its `{error: {kind,
 * message}}` when it sent one). A read's request is sent again when the
 * network was at fault (see `ModelOptions.retries`); a write's never.
 */
export class TransportError extends Error {
  /** The HTTP status, or 0 when no answer arrived. */
  readonly status: number;
  /**
   * The server's error kind (Peregrine's `call_rejected`, `invalid_json`...:
   * each kind the server answers, with its status, is listed by
   * `peregrine::http::ErrorKind` in the server's `src/http/error.rs`), or
   * `network`, `timeout`, `abort`, `http` (an error without a JSON body),
   * `invalid_response` (an answer that is not a JSON Graph envelope).
   */
  readonly kind: string;
  constructor(message: string, status: number, kind: string) {
    super(message);
    this.name = "TransportError";
    this.status = status;
    this.kind = kind;
  }
}

/** A path and the error sentinel's `value` found there (routers send `{message}`). */
export interface PathErrorEntry {
  path: Path;
  value: unknown;
}

/**
 * Paths that hold `$type: "error"` values: the server could not produce
 * them. The rest of the answer is in `json`.
 */
export class GraphError extends Error {
  /** Each path that holds an error, with the error's value. */
  readonly errors: PathErrorEntry[];
  /** What was read, without the paths in error. */
  readonly json: any;
  constructor(errors: PathErrorEntry[], json: any) {
    const first = errors[0];
    const value = first.value as { message?: unknown } | undefined;
    super(
      `${JSON.stringify(first.path)} holds an error: ${
        value && typeof value.message == "string" ? value.message : JSON.stringify(value)
      }${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ""}`,
    );
    this.name = "GraphError";
    this.errors = errors;
    this.json = json;
  }
}

/** Paths still missing after the allowed number of requests (`maxRetries`). */
export class MissingPathError extends Error {
  /** The paths that never came, as they were asked. */
  readonly paths: PathSet[];
  /** What was read. */
  readonly json: any;
  constructor(paths: PathSet[], json: any, tries: number) {
    super(`no value came for ${JSON.stringify(paths[0])}${paths.length > 1 ? ` and ${paths.length - 1} more paths` : ""} after ${tries} requests`);
    this.name = "MissingPathError";
    this.paths = paths;
    this.json = json;
  }
}

/** Path syntax that cannot be read: `invalid path at offset 11: expected ..., found ...`. */
export class PathSyntaxError extends Error {
  /** The text that was parsed. */
  readonly input: string;
  /** Where the problem is, in characters from the start. */
  readonly offset: number;
  constructor(input: string, offset: number, problem: string) {
    super(`invalid path at offset ${offset}: ${problem}`);
    this.name = "PathSyntaxError";
    this.input = input;
    this.offset = offset;
  }
}

/** Whether `e` is a {@link TransportError}. */
export const isTransportError = (e: unknown): e is TransportError => e instanceof TransportError;
/** Whether `e` is a {@link GraphError}. */
export const isGraphError = (e: unknown): e is GraphError => e instanceof GraphError;
/** Whether `e` is a {@link MissingPathError}. */
export const isMissingPathError = (e: unknown): e is MissingPathError => e instanceof MissingPathError;
/** Whether `e` is a {@link PathSyntaxError}. */
export const isPathSyntaxError = (e: unknown): e is PathSyntaxError => e instanceof PathSyntaxError;
