/**
 * Paths: the path-syntax parser (Peregrine's grammar, which is falcor's
 * less its lenient spots), key-set expansion and collapsing paths back
 * into few path sets for the wire.
 * @module
 */
import { PathSyntaxError } from "./errors.js";
import type { Key, KeySet, Path, PathInput, PathSet, Range } from "./types.js";

/** The characters that end a bare key. */
const SPECIAL = "\\'\"[].,  ";
/** The most keys one range may stand for: a guard against `[0..1e9]`. */
const MAX_RANGE = 1e5;

const isDigit = (c: string | undefined) => c != null && c >= "0" && c <= "9";

/**
 * Reads path syntax into a path set:
 * `"genreLists[0..9]['name','length']"` gives
 * `["genreLists", {from: 0, to: 9}, ["name", "length"]]`.
 *
 * Keys are bare words (`a.b`), integers in brackets (`a[0]`, `a[-1]`),
 * inclusive `a[0..9]` or exclusive `a[0...10]` ranges, and quoted keys
 * (`a['it\'s', "b.c"]`, escapes `\'`, `\"`, `\\`), separated by `.` or
 * spaces. Anything else throws a {@link PathSyntaxError} that names the
 * offset, what was expected and what was found.
 */
export function parsePath(text: string): PathSet {
  let i = 0;
  const out: PathSet = [];
  const fail = (at: number, problem: string): never => {
    throw new PathSyntaxError(text, [...text.slice(0, at)].length, problem);
  };
  const found = (at: number) => {
    const c = [...text.slice(at, at + 2)][0];
    return c == null ? "end of input" : "`" + (c < " " ? JSON.stringify(c).slice(1, -1) : c) + "`";
  };
  const word = () => {
    const start = i;
    while (i < text.length && !SPECIAL.includes(text[i])) i++;
    return text.slice(start, i);
  };
  const notKey = (at: number): never => {
    i = at;
    const w = word();
    return fail(at, `expected a number, a range or a quoted key, found ${w ? "`" + w + "`" : found(at)}`);
  };
  const integer = () => {
    const at = i;
    if (text[i] == "-") i++;
    const digits = i;
    while (isDigit(text[i])) i++;
    if (i == digits || (i < text.length && !SPECIAL.includes(text[i]))) notKey(at);
    const n = +text.slice(at, i);
    if (!Number.isSafeInteger(n)) fail(at, `expected a safe integer, found \`${text.slice(at, i)}\``);
    return n;
  };
  const element = (): Key | Range => {
    const c = text[i];
    if (c == "'" || c == '"') {
      const open = i++;
      let key = "";
      for (;;) {
        const d = text[i++];
        if (d == null) fail(open, `expected a closing ${c} for the key quoted here, found end of input`);
        if (d == c) return key || fail(open, "a quoted key cannot be empty");
        if (d == "\\") {
          const e = text[i];
          if (e != '"' && e != "'" && e != "\\") fail(i - 1, `expected \\', \\" or \\\\, found \\${e == null ? "" : e}`);
          key += e;
          i++;
        } else key += d;
      }
    }
    if (c != "-" && !isDigit(c)) notKey(i);
    const from = integer();
    const dots = i;
    while (text[i] == ".") i++;
    const op = text.slice(dots, i);
    if (!op) return from;
    if (op != ".." && op != "...") fail(dots, `expected \`..\` or \`...\` for a range, found \`${op}\``);
    if (text[i] != "-" && !isDigit(text[i])) fail(i, `expected a number after \`${op}\`, found ${found(i)}`);
    const to = integer();
    return { from, to: op == "..." ? to - 1 : to };
  };
  const indexer = (): KeySet => {
    const open = i++;
    const items: Array<Key | Range> = [];
    for (;;) {
      while (text[i] == " ") i++;
      const start = i;
      items.push(element());
      const end = i;
      while (text[i] == " ") i++;
      const c = text[i++];
      if (c == "]") return items.length == 1 ? items[0] : items;
      if (c != ",") {
        fail(
          --i,
          `expected \`,\` or \`]\` after \`${text.slice(start, end)}\`, found ${found(i)}` +
            (c == null ? ` (the \`[\` at offset ${[...text.slice(0, open)].length} is not closed)` : ""),
        );
      }
    }
  };
  while (i < text.length) {
    const c = text[i];
    if (c == " " || c == ".") {
      if (c == "." && !out.length) fail(i, "expected a key first, found `.`");
      i++;
    } else if (c == "[") out.push(indexer());
    else if (SPECIAL.includes(c)) fail(i, `expected a key, \`.\` or \`[\`, found ${found(i)}`);
    else {
      const at = i;
      const key = word();
      if (isDigit(key[0])) fail(at, `expected a key, found \`${key}\`: a key that starts with a digit goes in brackets, as in [${/^\d+$/.test(key) ? key : `'${key}'`}]`);
      out.push(key);
    }
  }
  if (!out.length) fail(text.length, "expected a key, found end of input");
  return out;
}

/** A path set from path syntax or an array (returned as it is). */
export function toPathSet(path: PathInput): PathSet {
  if (typeof path == "string") return parsePath(path);
  if (!Array.isArray(path)) throw new TypeError(`expected a path as a string or an array, found ${JSON.stringify(path)}`);
  return path;
}

/** The keys a key set stands for, ranges expanded (empty ranges give none). */
export function keysOf(keySet: KeySet): Key[] {
  const keys: Key[] = [];
  for (const k of Array.isArray(keySet) ? keySet : [keySet]) {
    if (k === null || typeof k != "object") keys.push(k);
    else {
      const from = k.from || 0;
      const to = k.to != null ? k.to : k.length != null ? from + k.length - 1 : from - 1;
      if (to - from >= MAX_RANGE) throw new RangeError(`a range of more than ${MAX_RANGE} keys: ${JSON.stringify(k)}`);
      for (let n = from; n <= to; n++) keys.push(n);
    }
  }
  return keys;
}

/** Every simple path a path set stands for. */
export function expand(pathSet: PathSet): Path[] {
  let paths: Path[] = [[]];
  for (const keySet of pathSet) {
    const next: Path[] = [];
    for (const path of paths) for (const key of keysOf(keySet)) next.push(path.concat(key));
    paths = next;
  }
  return paths;
}

type Tree = Map<string, Tree | null>;

/**
 * Few path sets for many paths: siblings with the same subtree share one
 * key set, and runs of consecutive integers become ranges.
 * `videos.1.title`, `videos.2.title`, `videos.3.title` give
 * `["videos", {from: 1, to: 3}, "title"]`.
 */
export function collapse(paths: Path[]): PathSet[] {
  const byLength: Tree[] = [];
  for (const path of paths) {
    if (!path.length) continue;
    let tree = (byLength[path.length] = byLength[path.length] || new Map());
    path.forEach((key, j) => {
      const k = String(key);
      if (j == path.length - 1) tree.set(k, null);
      else tree.set(k, (tree = (tree.get(k) || new Map()) as Tree));
    });
  }
  const out: PathSet[] = [];
  for (const tree of byLength) if (tree) out.push(...toPathSets(tree));
  return out;
}

function toPathSets(tree: Tree): PathSet[] {
  const groups = new Map<string, [string[], PathSet[]]>();
  tree.forEach((sub, key) => {
    const rest = sub ? toPathSets(sub) : [[]];
    const hash = JSON.stringify(rest);
    const group = groups.get(hash);
    if (group) group[0].push(key);
    else groups.set(hash, [[key], rest]);
  });
  const out: PathSet[] = [];
  groups.forEach(([keys, rest]) => {
    const keySet = toKeySet(keys);
    for (const r of rest) out.push([keySet, ...r]);
  });
  return out;
}

/** Keys as one key set: integers first, sorted, consecutive ones as ranges. */
function toKeySet(keys: string[]): KeySet {
  const ints: number[] = [];
  const items: Array<Key | Range> = [];
  const words: Key[] = [];
  for (const k of keys) {
    if (/^(0|-?[1-9]\d*)$/.test(k) && Number.isSafeInteger(+k)) ints.push(+k);
    else words.push(k);
  }
  ints.sort((a, b) => a - b);
  for (let j = 0; j < ints.length; j++) {
    const from = ints[j];
    while (ints[j + 1] == ints[j] + 1) j++;
    items.push(ints[j] > from ? { from, to: ints[j] } : from);
  }
  items.push(...words);
  return items.length == 1 ? items[0] : items;
}
