/**
 * The cache: a JSON Graph of branches (maps) and leaves (boxed values with
 * their size and expiry), one walk over it shared by reads, writes,
 * invalidation and deref, and least-recently-used eviction by `$size`.
 * It knows nothing of data sources or requests.
 * @module
 */
import { keysOf } from "./path.js";
import type { JSONGraph, Key, Path, PathSet, Sentinel } from "./types.js";
import type { PathErrorEntry } from "./errors.js";

/** A cached value: a sentinel with its bookkeeping. */
export interface Leaf {
  $type: string;
  value?: any;
  $size: number;
  $expires?: number;
  $timestamp?: number;
  /** The branch that holds it, and its key there. */
  up: Branch;
  key: string;
  /** The store generation that wrote it (for `$expires: 0`). */
  gen: number;
}

/** A branch of the graph, linked to its parent so that emptied branches go. */
export interface Branch extends Map<string, Node> {
  up?: Branch;
  key?: string;
}

/** What a key of a branch holds. */
export type Node = Leaf | Branch;

/** The state the models that share a cache share. */
export interface Store {
  root: Branch;
  /** Leaves that may be evicted, least recently used first. */
  lru: Set<Leaf>;
  /** The sum of the leaves' `$size`. */
  size: number;
  maxSize: number;
  collectRatio: number;
  /** Bumped by every merge of outside data. */
  gen: number;
}

/** What a walk reports at the end of each path, or where it stops early. */
type Visit = (node: Node | undefined, parent: Branch, key: string, req: Key[], opt: Key[], rest: PathSet, reqRest: PathSet) => void;

/** The most refs followed along one path: a guard against ref cycles. */
const MAX_REFS = 50;

/** Whether a node is a branch (else a leaf, or nothing). */
export const isBranch = (node: Node | undefined): node is Branch => node instanceof Map;

function expired(leaf: Leaf, since: number): boolean {
  const e = leaf.$expires;
  return e != null && e != 1 && (e == 0 ? leaf.gen <= since : e < Date.now());
}

/** Takes a node and everything below it out of the size count and the LRU list. */
function drop(store: Store, node: Node): void {
  if (isBranch(node)) node.forEach((child) => drop(store, child));
  else {
    store.size -= node.$size;
    store.lru.delete(node);
  }
}

/** Removes the node at `parent[key]` and the branches it leaves empty. */
export function remove(store: Store, parent: Branch, key: string): void {
  const node = parent.get(key);
  if (node) drop(store, node);
  parent.delete(key);
  while (!parent.size && parent.up && parent.up.get(parent.key!) == parent) {
    parent.up.delete(parent.key!);
    parent = parent.up;
  }
}

function branch(store: Store, parent: Branch, key: string): Branch {
  const old = parent.get(key);
  if (isBranch(old)) return old;
  if (old) drop(store, old);
  const b: Branch = new Map();
  b.up = parent;
  b.key = key;
  parent.set(key, b);
  return b;
}

/**
 * Writes a JSON Graph value at `parent[key]`: objects without `$type` are
 * branches merged key by key, anything else a leaf.
 */
export function put(store: Store, parent: Branch, key: string, value: any): void {
  const boxed = value !== null && typeof value == "object" && !Array.isArray(value);
  if (boxed && !("$type" in value)) {
    const b = branch(store, parent, key);
    for (const k in value) put(store, b, k, value[k]);
    return;
  }
  const s = boxed ? value : { $type: "atom", value };
  const old = parent.get(key);
  if (old && !isBranch(old) && old.$timestamp! > s.$timestamp) return;
  const v = s.value;
  const e = s.$expires;
  const leaf: Leaf = {
    $type: s.$type,
    value: v,
    $size: v == null ? 51 : s.$size > 0 ? s.$size : 50 + (typeof v == "string" || Array.isArray(v) ? v.length : 1),
    $expires: e < 0 ? Date.now() - e : e,
    $timestamp: s.$timestamp,
    up: parent,
    key,
    gen: store.gen,
  };
  if (old) drop(store, old);
  parent.set(key, leaf);
  store.size += leaf.$size;
  if (leaf.$expires != 1) store.lru.add(leaf);
}

/** Merges a JSON Graph into the cache as a new generation, then evicts if over budget. */
export function merge(store: Store, graph: JSONGraph): void {
  store.gen++;
  for (const k in graph) put(store, store.root, k, graph[k]);
  collect(store);
}

/** Evicts least recently used leaves down to `maxSize * collectRatio` once over `maxSize`. */
export function collect(store: Store): void {
  if (store.size <= store.maxSize) return;
  for (const leaf of store.lru) {
    if (store.size <= store.maxSize * store.collectRatio) break;
    remove(store, leaf.up, leaf.key);
  }
}

/**
 * Walks a path set through the cache, following refs before the end of a
 * path (a ref at the end is the value there), and calls `visit` at each
 * path's end, at a leaf before its end, or where the cache has nothing.
 * With `create`, missing branches are made and leaves on the way replaced,
 * so that the visit is always at the end.
 */
export function walk(store: Store, pathSet: PathSet, visit: Visit, create = false, since = store.gen): void {
  const step = (parent: Branch, set: PathSet, i: number, skip: number, req: Key[], opt: Key[], refs: number): void => {
    const rest = set.slice(i + 1);
    for (const key of keysOf(set[i])) {
      const k = String(key);
      const rq = i < skip ? req : req.concat(key);
      const op = opt.concat(key);
      let node = parent.get(k);
      if (node && !isBranch(node)) {
        if (expired(node, since)) {
          drop(store, node);
          parent.delete(k);
          node = undefined;
        } else if (store.lru.delete(node)) store.lru.add(node);
      }
      if (!rest.length) visit(node, parent, k, rq, op, rest, []);
      else if (isBranch(node)) step(node, set, i + 1, skip, rq, op, refs);
      else if (node && node.$type == "ref") {
        if (refs >= MAX_REFS) throw new Error(`more than ${MAX_REFS} refs on the way to ${JSON.stringify(rq)}: a ref cycle?`);
        const target: Path = node.value;
        // The target's keys, and those left of a ref target being walked, were not asked.
        step(store.root, target.concat(rest as Path) as PathSet, 0, target.length + Math.max(skip - i - 1, 0), rq, [], refs + 1);
      } else if (create) step(branch(store, parent, k), set, i + 1, skip, rq, op, refs);
      else visit(node, parent, k, rq, op, rest, set.slice(Math.max(i + 1, skip)));
    }
  };
  if (pathSet.length) step(store.root, pathSet, 0, 0, [], [], 0);
}

/** A leaf as the JSON Graph sentinel it came as: `$type`, `value`, `$expires`, `$timestamp`. */
export function box(leaf: Leaf): Sentinel {
  const sentinel: any = { $type: leaf.$type };
  for (const k of ["value", "$expires", "$timestamp"] as const) if (leaf[k] !== undefined) sentinel[k] = leaf[k];
  return sentinel;
}

/**
 * The live part of a branch as a JSON Graph (`$expires` deadlines kept,
 * `$size` left to be measured again): `merge` of it rebuilds the branch.
 */
export function dump(store: Store, branch = store.root): JSONGraph {
  const graph: JSONGraph = {};
  branch.forEach((node, key) => {
    if (isBranch(node)) graph[key] = dump(store, node);
    else if (!expired(node, store.gen)) {
      const v = node.value;
      const plain = node.$type == "atom" && node.$expires == null && node.$timestamp == null && v !== undefined && (typeof v != "object" || !v);
      graph[key] = plain ? v : box(node);
    }
  });
  return graph;
}

/** What a read of the cache found. */
export interface Read {
  /** The values, as plain JSON nested by the requested keys. */
  json: any;
  /** Paths that hold errors. */
  errors: PathErrorEntry[];
  /** The missing paths as asked... */
  missing: PathSet[];
  /** ...and as they lie in the graph, through the refs the cache knows. */
  optimized: PathSet[];
}

/** Reads path sets from the cache; `$expires: 0` values newer than `since` count. */
export function read(store: Store, pathSets: PathSet[], since = store.gen, boxValues?: boolean): Read {
  const r: Read = { json: {}, errors: [], missing: [], optimized: [] };
  const assign = (path: Key[], value: unknown, keep?: boolean) => {
    let o = r.json;
    const last = String(path[path.length - 1]);
    for (let j = 0; j < path.length - 1; j++) {
      const k = String(path[j]);
      o = o[k] !== null && typeof o[k] == "object" ? o[k] : (o[k] = {});
    }
    if (!keep || !{}.hasOwnProperty.call(o, last)) o[last] = value;
  };
  for (const pathSet of pathSets) {
    walk(
      store,
      pathSet,
      (node, _parent, _key, req, opt, rest, reqRest) => {
        if (!node) {
          r.missing.push(req.concat(reqRest as Path) as PathSet);
          r.optimized.push(opt.concat(rest as Path) as PathSet);
        } else if (isBranch(node)) assign(req, {}, true);
        else if (node.$type == "error") r.errors.push({ path: req, value: node.value });
        else if (node.$type != "ref" && node.value !== undefined) assign(req, boxValues ? box(node) : node.value);
      },
      false,
      since,
    );
  }
  return r;
}
