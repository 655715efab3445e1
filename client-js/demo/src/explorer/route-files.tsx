// The Routes view: what GET /routes answers, each route file as a card
// (refused ones marked, with each error at its file:line:column), its
// services and a table of its routes, under the last reload. While the
// view is shown and the page visible it asks again every EVERY_MS, one
// request at a time, so a team watching it sees their file loaded or
// refused moments after saving it. All text is rendered as text, never
// as markup: file names and messages come from disk.
import { useEffect, useRef, useState } from "react";
import { describeReloads, loadRoutes, placeError, summarize } from "./routes.js";
import type { Listing, RouteFile, RoutesAnswer } from "./routes.js";

/** How often the shown view asks again, in ms. */
const EVERY_MS = 2000;

/** The last answer, when it came, and why the latest request failed, if it did. */
interface Polled {
  answer?: RoutesAnswer;
  /** When `answer` came, in epoch ms. */
  at?: number;
  error?: Error;
}

/** The view; `active` while it is shown (it asks the server only then). */
export function RouteFiles({ active }: { active: boolean }) {
  const { answer, at, error, refresh } = usePolledRoutes(active);
  return (
    <section className="routes" data-testid="routes">
      <div className="routes-head">
        <h2>Route files</h2>
        {answer?.listed && <span className="muted">{summarize(answer.listing.files)}</span>}
        <button className="run" data-testid="routes-refresh" onClick={refresh}>
          Refresh
        </button>
        {at != null && (
          <span className="muted" data-testid="routes-updated">
            updated {new Date(at).toLocaleTimeString()} · every {EVERY_MS / 1000} s while shown
          </span>
        )}
      </div>
      {error && (
        <div className="request-error" data-testid="routes-error" role="alert">
          {error.message}
          {answer && <div className="hint">Shown below: the answer of {at != null && new Date(at).toLocaleTimeString()}.</div>}
        </div>
      )}
      {!answer ? (
        !error && <p className="muted">Asking the server for its route files…</p>
      ) : answer.listed ? (
        <ListingView listing={answer.listing} now={at ?? Date.now()} />
      ) : (
        <div className="unlisted" data-testid="routes-unlisted">
          <p>This server does not list its routes: GET /routes answers 404.</p>
          <p className="muted">
            It lists them in development mode (<code>peregrine demo</code>, <code>peregrine serve --dev-auth</code>) or when started with{" "}
            <code>--admin</code> (<code>PEREGRINE_ADMIN=true</code>).
          </p>
        </div>
      )}
    </section>
  );
}

function ListingView({ listing, now }: { listing: Listing; now: number }) {
  return (
    <>
      <p className="reloads" data-testid="routes-reloads">
        {describeReloads(listing, now)}
      </p>
      {listing.lastReloadRefused && (
        <div className="request-error" data-testid="routes-refused" role="status">
          <b>The last reload was refused.</b> The server goes on serving the last good table; changes to the other files wait until
          the refused one is fixed.
        </div>
      )}
      {listing.files.length == 0 ? (
        <p className="muted" data-testid="routes-none">
          No route files are served: start the server with <code>--routes DIR</code> (see docs/routes.md).
        </p>
      ) : (
        listing.files.map((file) => <FileCard key={file.file} file={file} />)
      )}
    </>
  );
}

function FileCard({ file }: { file: RouteFile }) {
  const refused = file.state == "refused";
  return (
    <article className={`route-file ${file.state}`} data-testid="route-file" data-state={file.state} data-file={file.file}>
      <h3>
        <code>{file.file}</code> <span className={`badge ${file.state}`}>{file.state}</span>
      </h3>
      {file.errors.length > 0 && (
        <ul className="route-errors">
          {file.errors.map((error, i) => {
            const { place, message } = placeError(file.file, error);
            return (
              <li key={i} data-testid="route-error">
                {place && (
                  <>
                    <code className="place">{place}</code>:{" "}
                  </>
                )}
                {message}
              </li>
            );
          })}
        </ul>
      )}
      {refused && (
        <p className="muted">
          {file.routes.length || file.services.length
            ? "Still served from its last good version:"
            : "Nothing is served from this file until it is fixed."}
        </p>
      )}
      {(!refused || file.services.length > 0) && (
        <p className="services">
          services: {file.services.length ? <code>{file.services.join(", ")}</code> : <span className="muted">none declared</span>}
        </p>
      )}
      {file.routes.length > 0 ? (
        <table className="route-table">
          <thead>
            <tr>
              <th>pattern</th>
              <th>method</th>
              <th>service</th>
              <th>scope</th>
              <th>place</th>
            </tr>
          </thead>
          <tbody>
            {file.routes.map((route) => (
              <tr key={`${route.place} ${route.method}`} data-testid="route-row">
                <td>
                  <code>{route.pattern}</code>
                </td>
                <td>{route.method}</td>
                <td>{route.service}</td>
                <td>{route.scope}</td>
                <td>
                  <code className="muted">{route.place}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        !refused && <p className="muted">No routes.</p>
      )}
    </article>
  );
}

/**
 * `/routes`, asked at once when `active` turns on, then again EVERY_MS
 * after each answer while `active` and the page visible (a hidden tab
 * asks nothing; it asks at once when shown again). `refresh` asks now.
 */
function usePolledRoutes(active: boolean) {
  const [polled, setPolled] = useState<Polled>({});
  const ask = useRef<() => void>(() => {});
  useEffect(() => {
    if (!active) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let request: AbortController | undefined;
    const stop = () => {
      clearTimeout(timer);
      request?.abort();
      request = undefined;
    };
    const poll = () => {
      stop();
      if (document.visibilityState == "hidden") return;
      const mine = new AbortController();
      request = mine;
      // The next request EVERY_MS after this one ends, unless it was stopped.
      const again = () => {
        if (request == mine) timer = setTimeout(poll, EVERY_MS);
      };
      loadRoutes(mine.signal).then(
        (answer) => {
          setPolled({ answer, at: Date.now() });
          again();
        },
        (error: Error) => {
          if (!mine.signal.aborted) setPolled((old) => ({ ...old, error }));
          again();
        },
      );
    };
    const onVisibility = () => (document.visibilityState == "visible" ? poll() : stop());
    ask.current = poll;
    document.addEventListener("visibilitychange", onVisibility);
    poll();
    return () => {
      stop();
      ask.current = () => {};
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [active]);
  return { ...polled, refresh: () => ask.current() };
}
