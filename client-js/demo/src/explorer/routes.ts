/**
 * The Routes view's data: what `GET /routes` answers (each route file,
 * loaded or refused with its errors, its services and routes; the last
 * reload), read defensively, and described in words. The text side is
 * pure; `loadRoutes` talks to `/routes`.
 * @module
 */
import { plural } from "./trace.js";

/** What `GET /routes` answers: the route files served, and the last reload. */
export interface Listing {
  files: RouteFile[];
  /** Then the last good table goes on serving, and other files' changes wait for the refused one. */
  lastReloadRefused: boolean;
  /** When the last reload was tried, in epoch ms; before any, when the server started. */
  reloadedAtMs: number;
  reloads: number;
}

/** One route file and what it declares. */
export interface RouteFile {
  /** As the server names it: `teams/people/people.toml`. */
  file: string;
  state: "loaded" | "refused";
  /** Each `file:line:column: message` (or `file: message`) of a refused file. */
  errors: string[];
  /** The services it declares (for a refused file, those still served from its last good version). */
  services: string[];
  routes: DeclaredRoute[];
}

/** A route a file declares, as `peregrine routes list` prints it. */
export interface DeclaredRoute {
  pattern: string;
  method: string;
  service: string;
  scope: string;
  /** Where it is declared: `teams/people/people.toml:4:1`. */
  place: string;
}

/** The answer of {@link loadRoutes}: the listing, or that this server does not list its routes. */
export type RoutesAnswer = { listed: true; listing: Listing } | { listed: false };

/** How long a request for the listing may take, in ms. */
const TIMEOUT_MS = 10000;

/**
 * Gets `/routes`. A 404 is a server that does not list its routes
 * (production without `--admin`); rejects with what went wrong otherwise,
 * or with an `AbortError` when `signal` aborts.
 */
export async function loadRoutes(signal?: AbortSignal): Promise<RoutesAnswer> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal?.addEventListener("abort", abort);
  const timer = setTimeout(abort, TIMEOUT_MS);
  try {
    const response = await fetch("/routes", { headers: { Accept: "application/json" }, signal: controller.signal, cache: "no-store" });
    if (response.status == 404) return { listed: false };
    if (!response.ok) throw new Error(`GET /routes answered HTTP ${response.status}`);
    return { listed: true, listing: readListing(await response.json()) };
  } catch (e) {
    if (signal?.aborted) throw e;
    if (controller.signal.aborted) throw new Error(`GET /routes did not answer within ${TIMEOUT_MS / 1000} s`);
    // fetch's TypeError ("Failed to fetch") is a server down or restarting; json's SyntaxError an answer of another kind.
    if (e instanceof TypeError) throw new Error(`GET /routes got no answer (is the server running?): ${e.message}`);
    if (e instanceof SyntaxError) throw new Error("GET /routes answered something other than JSON");
    throw e;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", abort);
  }
}

/**
 * The listing in `body`. Anything not of the expected type is left out (a
 * member) or taken as empty (a list), so that the page never shows an
 * object where it expects text; a body that is not a listing at all throws.
 */
export function readListing(body: unknown): Listing {
  if (!isObject(body) || !Array.isArray(body.files)) throw new Error("GET /routes answered something other than a listing of route files");
  const files = body.files.filter(isObject).map(
    (f): RouteFile => ({
      file: text(f.file),
      state: f.state == "refused" ? "refused" : "loaded",
      errors: texts(f.errors),
      services: texts(f.services),
      routes: (Array.isArray(f.routes) ? f.routes : []).filter(isObject).map((r) => ({
        pattern: text(r.pattern),
        method: text(r.method),
        service: text(r.service),
        scope: text(r.scope),
        place: text(r.place),
      })),
    }),
  );
  return {
    files,
    lastReloadRefused: body.lastReloadRefused === true,
    reloadedAtMs: typeof body.reloadedAtMs == "number" ? body.reloadedAtMs : 0,
    reloads: typeof body.reloads == "number" ? body.reloads : 0,
  };
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value == "object" && !Array.isArray(value);
const text = (value: unknown) => (typeof value == "string" ? value : "");
const texts = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v == "string") : []);

/** One error of a file, split for display: where (`file:3:19`, or the file alone) and what. */
export interface PlacedError {
  /** Absent when the message does not start with the file's name. */
  place?: string;
  message: string;
}

/**
 * Splits `error` (`file:line:column: message`, or `file: message` for an
 * error of the whole file) at the end of its place. The file's name is
 * taken from `file`, not guessed, since a name may hold `:` too.
 */
export function placeError(file: string, error: string): PlacedError {
  if (!file || !error.startsWith(file + ":")) return { message: error };
  const rest = error.slice(file.length);
  const at = /^:(\d+):(\d+): /.exec(rest);
  if (at) return { place: `${file}:${at[1]}:${at[2]}`, message: rest.slice(at[0].length) };
  if (rest.startsWith(": ")) return { place: file, message: rest.slice(2) };
  return { message: error };
}

/**
 * An epoch-ms time as local time, with how long ago it was: `14:03:07
 * (5 s ago)`, with the date when it is not `now`'s day.
 */
export function describeTime(ms: number, now: number): string {
  const at = new Date(ms);
  const sameDay = at.toDateString() == new Date(now).toDateString();
  return `${sameDay ? at.toLocaleTimeString() : at.toLocaleString()} (${describeAgo(now - ms)})`;
}

/** A duration in the past, rounded down: `just now`, `5 s ago`, `3 min ago`, `2 h ago`, `4 days ago`. */
export function describeAgo(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${plural(Math.floor(s / 86400), "day")} ago`;
}

/**
 * The last reload in words: `last reload 14:03:07 (5 s ago), refused ·
 * 3 reloads`; before any, the time the files were loaded at start.
 */
export function describeReloads(listing: Listing, now: number): string {
  const at = describeTime(listing.reloadedAtMs, now);
  if (listing.reloads == 0) return `loaded at start, ${at} · no reloads since`;
  return `last reload ${at}${listing.lastReloadRefused ? ", refused" : ""} · ${plural(listing.reloads, "reload")}`;
}

/** The files in numbers: `3 files: 2 loaded, 1 refused · 5 routes`. */
export function summarize(files: RouteFile[]): string {
  if (!files.length) return "no route files";
  const refused = files.filter((f) => f.state == "refused").length;
  const routes = files.reduce((n, f) => n + f.routes.length, 0);
  const states = refused ? `${files.length - refused} loaded, ${refused} refused` : "all loaded";
  return `${plural(files.length, "file")}: ${states} · ${plural(routes, "route")}`;
}
