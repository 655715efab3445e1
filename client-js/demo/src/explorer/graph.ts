/**
 * How the explorer shows a JSON Graph: which values are branches, what a
 * leaf reads as (refs as path syntax, errors with their message, atoms
 * with their value) and paths printed back as path syntax. Pure: no DOM.
 * @module
 */
import type { Key } from "@peregrine/client";

/** What a leaf of the tree shows. */
export interface Leaf {
  /** `ref`, `error` and `atom` for sentinels, `value` for plain JSON; also the leaf's style. */
  kind: "ref" | "error" | "atom" | "value";
  text: string;
  /** The sentinel's `$expires`, described; absent when it has none. */
  expires?: string;
}

/** A key that reads back as itself without quotes, after a `.` or first. */
const BARE = /^[A-Za-z_$][\w$-]*$/;
/** An integer key as JSON Graph writes it: printed in brackets, `[12]`. */
const INTEGER = /^(0|-?[1-9]\d*)$/;

/**
 * A path in path syntax, as `parsePath` reads it:
 * `["videos", 12, "title"]` gives `videos[12].title`, `["lists", "a b"]`
 * gives `lists['a b']`. Integer keys are bracketed whether they are
 * numbers or strings, since JSON Graph keys are strings on the wire.
 */
export function printPath(path: readonly Key[]): string {
  let out = "";
  for (const key of path) {
    const text = String(key);
    if (INTEGER.test(text)) out += `[${text}]`;
    else if (BARE.test(text)) out += (out ? "." : "") + text;
    else out += `['${text.replace(/[\\']/g, "\\$&")}']`;
  }
  return out;
}

/** Whether a JSON Graph value is a branch (an object that is not a sentinel), which the tree opens. */
export function isBranch(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value == "object" && !Array.isArray(value) && !("$type" in value);
}

/**
 * What a leaf shows: `→ videos[12]` for a ref, the message of an error,
 * an atom's value (`(empty)` for an atom without one), other values as JSON.
 */
export function describeLeaf(value: unknown): Leaf {
  if (value === null || typeof value != "object" || Array.isArray(value) || !("$type" in value)) {
    return { kind: "value", text: json(value) };
  }
  const sentinel = value as { $type: unknown; value?: unknown; $expires?: unknown };
  const expires = typeof sentinel.$expires == "number" ? describeExpires(sentinel.$expires) : undefined;
  const leaf = (kind: Leaf["kind"], text: string): Leaf => (expires ? { kind, text, expires } : { kind, text });
  const inner = sentinel.value;
  switch (sentinel.$type) {
    case "ref":
      return leaf("ref", "→ " + (Array.isArray(inner) ? printPath(inner) : json(inner)));
    case "error":
      return leaf("error", errorMessage(inner));
    case "atom":
      return leaf("atom", inner === undefined ? "(empty)" : json(inner));
    default:
      return leaf("value", json(value));
  }
}

/** An error sentinel's message: routers send `{message}`, some a bare string. */
function errorMessage(value: unknown): string {
  if (typeof value == "string") return value;
  const message = value && typeof value == "object" && (value as { message?: unknown }).message;
  if (typeof message == "string") return message;
  return value === undefined ? "(no message)" : json(value);
}

/**
 * `$expires` with what it means: `1` never expires, `0` expires once
 * delivered, a negative value that long after it is cached, others at that
 * epoch-ms time.
 */
export function describeExpires(expires: number): string {
  const what =
    expires == 1
      ? "never"
      : expires == 0
        ? "once delivered"
        : expires < 0
          ? `in ${-expires < 1000 ? `${-expires} ms` : `${Math.round(-expires / 100) / 10} s`}`
          : `at ${new Date(expires).toISOString()}`;
  return `$expires ${expires} (${what})`;
}

/** JSON text of a value; `undefined` (absent from JSON) reads as such. */
const json = (value: unknown) => (value === undefined ? "undefined" : JSON.stringify(value));
