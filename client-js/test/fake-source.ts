// A data source over an in-memory JSON Graph, for unit tests: it answers
// like a falcor router (refs followed, empty atoms for what it lacks) and
// records every request.
import { expand } from "../src/path.js";
import type { DataSource, JSONGraph, JSONGraphEnvelope, Key, Path, PathSet } from "../src/types.js";

export interface FakeSource extends DataSource {
  requests: Array<{ method: string; paths?: PathSet[]; envelope?: JSONGraphEnvelope; args?: unknown[] }>;
  graph: JSONGraph;
}

const isSentinel = (v: any) => v !== null && typeof v == "object" && "$type" in v;
const isBranch = (v: any) => v !== null && typeof v == "object" && !isSentinel(v) && !Array.isArray(v);

function setIn(graph: any, path: Path, value: unknown) {
  let o = graph;
  path.forEach((k, j) => {
    const key = String(k);
    if (j == path.length - 1) o[key] = value;
    else o = isBranch(o[key]) ? o[key] : (o[key] = {});
  });
}

/** Copies what `path` reaches in `graph` into `out`, following refs. */
export function answer(graph: JSONGraph, path: Path, out: JSONGraph, materialize = true): void {
  let node: any = graph;
  let at: Key[] = [];
  for (let i = 0; i < path.length; i++) {
    const next = isBranch(node) ? node[String(path[i])] : undefined;
    at = at.concat(path[i]);
    if (next === undefined) {
      if (materialize) setIn(out, at.concat(path.slice(i + 1)), { $type: "atom" });
      return;
    }
    if (i == path.length - 1 || !isBranch(next)) {
      setIn(out, at, next);
      if (isSentinel(next) && next.$type == "ref" && i < path.length - 1) {
        return answer(graph, [...next.value, ...path.slice(i + 1)], out, materialize);
      }
      return;
    }
    node = next;
  }
}

export function fakeSource(graph: JSONGraph, options: { delay?: number; drop?: (path: Path) => boolean } = {}): FakeSource {
  const requests: FakeSource["requests"] = [];
  const wait = () => new Promise((resolve) => setTimeout(resolve, options.delay || 0));
  return {
    requests,
    graph,
    async get(paths) {
      requests.push({ method: "get", paths });
      await wait();
      const out: JSONGraph = {};
      for (const ps of paths) for (const p of expand(ps)) if (!options.drop || !options.drop(p)) answer(graph, p, out);
      return { jsonGraph: out };
    },
    async set(envelope) {
      requests.push({ method: "set", envelope });
      await wait();
      const out: JSONGraph = {};
      for (const ps of envelope.paths || []) {
        for (const p of expand(ps)) {
          let v: any = envelope.jsonGraph;
          for (const k of p) v = v[String(k)];
          setIn(graph, p, v);
          answer(graph, p, out);
        }
      }
      return { jsonGraph: out };
    },
    async call(callPath, args, refSuffixes, thisPaths) {
      requests.push({ method: "call", paths: [callPath], args });
      await wait();
      const fn = (graph as any).__calls?.[callPath.join(".")];
      if (!fn) throw new Error("function does not exist");
      return fn(args, refSuffixes, thisPaths);
    },
  };
}
