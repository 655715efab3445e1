/**
 * Peregrine's client: a small JSON Graph cache for TV, mobile and web UIs
 * that fetches only what it lacks, in batched and deduplicated requests,
 * over the wire format of falcor-express.
 *
 * - {@link Model}: get (cancellable one read at a time), getValue, set,
 *   setValue, call, invalidate, deref, getCache and setCache;
 * - {@link HttpDataSource}: the HTTP data source, on `fetch`;
 * - {@link parsePath}: the path syntax;
 * - typed errors with guards: {@link TransportError}, {@link GraphError},
 *   {@link MissingPathError}, {@link PathSyntaxError}.
 *
 * The React hook lives in the separate entry point `./react`. The types
 * of the catalog graph's GraphQL answers (`Video`, `List`, ...) are
 * generated from `schema/catalog.graphql`.
 * @module
 */
export { Model } from "./model.js";
export type { CacheRead, ModelOptions, ReadArguments, ReadOptions } from "./model.js";
export { HttpDataSource } from "./http.js";
export type { HttpOptions } from "./http.js";
export { collapse, expand, parsePath } from "./path.js";
export {
  GraphError,
  MissingPathError,
  PathSyntaxError,
  TransportError,
  isGraphError,
  isMissingPathError,
  isPathSyntaxError,
  isTransportError,
} from "./errors.js";
export type { PathErrorEntry } from "./errors.js";
export type * as Catalog from "./catalog.js";
export type * from "./types.js";
