/**
 * The React binding (entry point `@peregrine/client/react`): a hook that
 * reads paths through a model, subscribed to its cache. It knows nothing
 * of requests beyond `model.get` and its signal.
 * @module
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { GraphError, isGraphError } from "./errors.js";
import type { CacheRead, Model } from "./model.js";
import type { PathInput } from "./types.js";

/** How {@link useGraph} reads. */
export interface GraphOptions {
  /**
   * Suspend (throw to the nearest `<Suspense>`) while paths are missing,
   * and throw a failed read to the nearest error boundary.
   */
  suspense?: boolean;
}

/** What {@link useGraph} answers. */
export interface GraphState<T> {
  /** The values read so far (from the cache while loading), as plain JSON. */
  data: T;
  /** Whether paths are missing and being fetched. */
  loading: boolean;
  /** Why some paths have no value: a `TransportError`, `GraphError` or `MissingPathError`. */
  error?: Error;
  /** Drops the paths from the cache and reads them again (after an error too). */
  refetch: () => void;
}

/** A read a suspended render waits on, per model and paths, with its error once it failed. */
type Pending = Promise<void> & { error?: unknown };
const suspended = new WeakMap<Model, Map<string, Pending>>();

/**
 * Reads `paths` through `model`: answers the cached values at once, fetches
 * the missing ones (aborting that read when the component unmounts), and
 * renders again whenever the cache changes (a set, a call, another
 * component's read). A read that failed on the network or ran out of
 * retries is tried again on `refetch`, or when `model` or `paths` change.
 *
 * ```tsx
 * const { data, loading, error, refetch } = useGraph(model, ["genreLists[0..4].name"]);
 * ```
 */
export function useGraph<T = any>(model: Model, paths: PathInput[], options: GraphOptions = {}): GraphState<T> {
  const key = JSON.stringify(paths);
  const last = useRef<[string, CacheRead<T>]>(undefined);
  // The same object while the read's outcome is the same, as useSyncExternalStore needs.
  const peek = () => {
    const r = model.peek<T>(...paths);
    const text = JSON.stringify([r.json, r.errors, r.missing.length]);
    if (!last.current || last.current[0] != text) last.current = [text, r];
    return last.current[1];
  };
  const snapshot = useSyncExternalStore(useCallback((changed: () => void) => model.onChange(changed), [model]), peek, peek);
  const [failure, setFailure] = useState<[Model, string, Error]>();
  const failed = failure && failure[0] == model && failure[1] == key ? failure[2] : undefined;
  const missing = snapshot.missing.length > 0;
  useEffect(() => {
    if (!missing || failed) return;
    const control = typeof AbortController == "function" ? new AbortController() : undefined;
    const signal = control && control.signal;
    model.get(...paths, { signal }).catch((e) => signal && signal.aborted || isGraphError(e) || setFailure([model, key, e]));
    return () => control && control.abort();
    // `key` stands for `paths`, which callers usually build anew each render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, key, missing, failed]);
  const refetch = useCallback(() => {
    setFailure(undefined);
    model.invalidate(...paths);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, key]);
  if (options.suspense && missing && !failed) {
    let reads = suspended.get(model);
    if (!reads) suspended.set(model, (reads = new Map()));
    let pending = reads.get(key);
    if (!pending) {
      const done = () => reads!.delete(key);
      const p: Pending = model.get(...paths).then(done, (e) => (isGraphError(e) ? done() : (p.error = e)));
      reads.set(key, (pending = p));
    }
    if (pending.error) {
      // Kept through React's retry of this render, gone for a later one (an error boundary's reset).
      const failed = pending;
      setTimeout(() => reads!.get(key) == failed && reads!.delete(key));
      throw pending.error;
    }
    throw pending;
  }
  const error = failed || (snapshot.errors.length ? new GraphError(snapshot.errors, snapshot.json) : undefined);
  return { data: snapshot.json, loading: missing && !failed, error, refetch };
}
