/**
 * The React binding (entry point `@peregrine/client/react`): a hook that
 * reads paths through a model and renders again when the cache changes.
 * @module
 */
import { useEffect, useState } from "react";
import { GraphError, isGraphError } from "./errors.js";
import type { Model } from "./model.js";
import type { PathInput } from "./types.js";

/** What {@link useGraph} answers. */
export interface GraphState<T> {
  /** The values read so far (from the cache while loading), as plain JSON. */
  data: T;
  /** Whether a request for missing paths is on its way. */
  loading: boolean;
  /** Why some paths have no value: a `TransportError`, `GraphError` or `MissingPathError`. */
  error?: Error;
}

/**
 * Reads `paths` through `model`: answers the cached values at once, fetches
 * the missing ones, and renders again whenever the cache changes (a set, a
 * call, another component's read). A read that failed on the network or
 * ran out of retries is not tried again until `model` or `paths` change.
 *
 * ```tsx
 * const { data, loading, error } = useGraph(model, ["genreLists[0..4].name"]);
 * ```
 */
export function useGraph<T = any>(model: Model, paths: PathInput[]): GraphState<T> {
  const key = JSON.stringify(paths);
  const [state, setState] = useState<GraphState<T>>(() => {
    const r = model.peek<T>(...paths);
    return { data: r.json, loading: r.missing.length > 0 };
  });
  useEffect(() => {
    let live = true;
    let busy = false;
    let failed = false;
    let last = "";
    const show = (next: GraphState<T>) => {
      const text = JSON.stringify([next.data, next.loading, next.error && next.error.message]);
      if (live && text != last) {
        last = text;
        setState(next);
      }
    };
    const update = () => {
      const r = model.peek<T>(...paths);
      if (r.missing.length && !busy && !failed) {
        busy = true;
        model.get<T>(...paths).then(
          (answer) => {
            busy = false;
            show({ data: answer.json, loading: false });
          },
          (e) => {
            busy = false;
            failed = !isGraphError(e);
            show({ data: e.json || model.peek<T>(...paths).json, loading: false, error: e });
          },
        );
      }
      show({ data: r.json, loading: busy, error: r.errors.length ? new GraphError(r.errors, r.json) : undefined });
    };
    update();
    const off = model.onChange(update);
    return () => {
      live = false;
      off();
    };
    // `key` stands for `paths`, which callers usually build anew each render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [model, key]);
  return state;
}
