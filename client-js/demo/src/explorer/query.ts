/**
 * The explorer's request: the path sets typed one per line, and one traced
 * get of all of them as a chosen user (or with a pasted bearer token). The
 * text side is pure; `run` talks to `/model.json`.
 * @module
 */
import { HttpDataSource, isPathSyntaxError, parsePath } from "@peregrine/client";
import type { JSONGraph, PathSet, PathSyntaxError } from "@peregrine/client";
import { readTrace } from "./trace.js";
import type { Trace } from "./trace.js";

/** One non-blank line of the editor: its path set, or why it is not one. */
export interface Line {
  /** 1 for the first line of the text. */
  number: number;
  text: string;
  pathSet?: PathSet;
  error?: PathSyntaxError;
}

/** The non-blank lines of `text`, each parsed as one path set. */
export function parseLines(text: string): Line[] {
  const lines: Line[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    try {
      lines.push({ number: i + 1, text: line, pathSet: parsePath(line) });
    } catch (e) {
      if (!isPathSyntaxError(e)) throw e;
      lines.push({ number: i + 1, text: line, error: e });
    }
  });
  return lines;
}

/** The path sets of the lines, or undefined while there are none or a line has an error. */
export function runnable(lines: Line[]): PathSet[] | undefined {
  const pathSets: PathSet[] = [];
  for (const line of lines) {
    if (!line.pathSet) return undefined;
    pathSets.push(line.pathSet);
  }
  return pathSets.length ? pathSets : undefined;
}

/**
 * A line cut around a syntax error's offset (counted in characters, as
 * `PathSyntaxError.offset` is): before, the offending character, after.
 * At the end of the line the offending character is a space, so that
 * "found end of input" still marks a place.
 */
export function splitAt(text: string, offset: number): [string, string, string] {
  const chars = [...text];
  return [chars.slice(0, offset).join(""), chars[offset] ?? " ", chars.slice(offset + 1).join("")];
}

/** The users of the picker: u17 first (the user of every doc and page, the one the explorer opens as), then `anonymous` (no `Authorization`) and u1..u10. */
export const USERS = ["u17", "anonymous", ...Array.from({ length: 10 }, (_, i) => `u${i + 1}`)];

/**
 * The picker's last choice, "token…": the bearer token is one pasted in the
 * page (a JWT, for a server run with JWT auth, where `Bearer u1` is refused).
 */
export const TOKEN = "token";

/**
 * The bearer token of a request as `user`: the user itself, for {@link TOKEN}
 * the pasted `token` trimmed (a pasted line may end with a newline), and
 * none for `anonymous` or a blank token.
 */
export function bearerFor(user: string, token = ""): string | undefined {
  const bearer = user == TOKEN ? token.trim() : user == "anonymous" ? "" : user;
  return bearer || undefined;
}

/** A request's headers: the trace asked for, and the bearer token of {@link bearerFor} if any. */
export function headersFor(user: string, token = ""): Record<string, string> {
  const bearer = bearerFor(user, token);
  return bearer ? { "Peregrine-Trace": "1", Authorization: `Bearer ${bearer}` } : { "Peregrine-Trace": "1" };
}

/** The `Authorization` a run would send, in words; a pasted token is not shown. */
export function describeAuthorization(user: string, token = ""): string {
  const bearer = bearerFor(user, token);
  return !bearer ? "no Authorization header" : user == TOKEN ? "Authorization: Bearer <the token>" : `Authorization: Bearer ${bearer}`;
}

/** A successful run: the server's answer and the time the page waited for it. */
export interface Answer {
  jsonGraph: JSONGraph;
  /** Undefined when the server sent no trace. */
  trace?: Trace;
  /** From sending the request to having its parsed body, measured in the page. */
  roundTripMs: number;
}

/**
 * Gets `pathSets` from `/model.json` as `user` (with `token` for {@link TOKEN}),
 * in one request; rejects with the client's `TransportError`.
 */
export async function run(pathSets: PathSet[], user: string, token = ""): Promise<Answer> {
  const source = new HttpDataSource("/model.json", { headers: headersFor(user, token), timeout: 30000 });
  const started = performance.now();
  const body = await source.get(pathSets);
  const roundTripMs = performance.now() - started;
  return { jsonGraph: body.jsonGraph, trace: readTrace(body), roundTripMs };
}
