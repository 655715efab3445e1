// The explorer, served at / and /demo/explorer.html: path sets typed one
// per line, sent as one traced get as a chosen user, and the answer shown
// as a JSON Graph tree beside a waterfall of what the server did (waves,
// route calls, loads, batches). For a developer asking why a screen is slow.
// A second view, Routes (/#routes), shows the route files the server serves
// (GET /routes), kept up to date while shown: for a team editing one.
// The user is one of the development server's (`Bearer u3`), or "token…":
// a pasted bearer token (a JWT in production), kept in this component's
// state only, never in storage or the URL.
import { StrictMode, useEffect, useMemo, useState } from "react";
import { createRoot } from "react-dom/client";
import { isTransportError } from "@peregrine/client";
import { PathEditor } from "./explorer/editor.js";
import { TOKEN, USERS, describeAuthorization, parseLines, run, runnable } from "./explorer/query.js";
import type { Answer } from "./explorer/query.js";
import { RouteFiles } from "./explorer/route-files.js";
import { formatMs } from "./explorer/trace.js";
import { Tree } from "./explorer/tree.js";
import { Waterfall } from "./explorer/waterfall.js";

const START = "genreLists[0..1][0..4]['title','rating']";
const NO_ANSWER = "No answer: the request failed.";

/** The two views: the query (path sets, answer, trace), and the route files. */
type View = "query" | "routes";

/** The view a URL's hash asks for: `#routes`, else the query. */
const viewOf = (hash: string): View => (hash == "#routes" ? "routes" : "query");

/** The outcome of the last run: an answer, or why there is none. */
type Outcome = { id: number; answer: Answer } | { id: number; error: Error };

function Explorer() {
  const [view, setView] = useState(() => viewOf(location.hash));
  const [text, setText] = useState(START);
  // u17, the user every doc and page of the demo uses.
  const [user, setUser] = useState("u17");
  const [token, setToken] = useState("");
  const [running, setRunning] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>();
  const lines = useMemo(() => parseLines(text), [text]);
  const pathSets = runnable(lines);
  const ready = pathSets != null && !running;

  const send = () => {
    if (!pathSets || running) return;
    setRunning(true);
    // A new id per run: the tree starts from its default opening again.
    const id = (outcome ? outcome.id : 0) + 1;
    const done = (next: Outcome) => {
      setOutcome(next);
      setRunning(false);
    };
    run(pathSets, user, token).then(
      (answer) => done({ id, answer }),
      (error: Error) => done({ id, error }),
    );
  };

  // A link to #routes, or one typed in the address bar.
  useEffect(() => {
    const follow = () => setView(viewOf(location.hash));
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, []);
  const show = (next: View) => {
    setView(next);
    // The query view is the page itself: no hash, so that its URL stays the page's.
    history.replaceState(null, "", next == "routes" ? "#routes" : location.pathname + location.search);
  };

  const answer = outcome && "answer" in outcome ? outcome.answer : undefined;
  return (
    <>
      <header>
        <h1>Peregrine explorer</h1>
        <div className="views" role="tablist">
          {(["query", "routes"] as const).map((v) => (
            <button key={v} role="tab" data-testid={`view-${v}`} aria-selected={view == v} onClick={() => show(v)}>
              {v == "query" ? "Query" : "Routes"}
            </button>
          ))}
        </div>
        <nav>
          <a href="/demo/">demo</a>
          <a href="/graphql">GraphiQL</a>
        </nav>
      </header>
      <main className="routes-view" hidden={view != "routes"}>
        <RouteFiles active={view == "routes"} />
      </main>
      <main className="query-view" hidden={view != "query"}>
        <section className="query">
          <h2>Path sets, one per line</h2>
          <PathEditor text={text} lines={lines} onChange={setText} onRun={send} />
          <div className="controls">
            <label>
              User{" "}
              <select data-testid="user" value={user} onChange={(e) => setUser(e.target.value)}>
                {USERS.map((u) => (
                  <option key={u} value={u}>
                    {u}
                  </option>
                ))}
                <option value={TOKEN}>token…</option>
              </select>
            </label>
            {user == TOKEN && (
              <input
                data-testid="token"
                className="token"
                type="password"
                aria-label="Bearer token"
                placeholder="paste a bearer token (JWT)"
                autoComplete="off"
                spellCheck={false}
                value={token}
                onChange={(e) => setToken(e.target.value)}
                onKeyDown={(e) => e.key == "Enter" && send()}
              />
            )}
            <button data-testid="run" className="run" disabled={!ready} onClick={send}>
              {running ? "Running…" : "Run"}
            </button>
            <span className="muted">Ctrl+Enter · {describeAuthorization(user, token)}</span>
          </div>
          {outcome && "error" in outcome && <RequestError error={outcome.error} />}
          {answer && (
            <p className="timings" data-testid="timings">
              round trip <b>{formatMs(answer.roundTripMs)}</b> in the page
              {answer.trace && (
                <>
                  {" "}
                  · <b>{formatMs(answer.trace.durationMs)}</b> in the server
                </>
              )}
            </p>
          )}
        </section>
        <section className="answer">
          <h2>Answer</h2>
          {answer ? (
            <Tree key={outcome?.id} graph={answer.jsonGraph} />
          ) : (
            <p className="muted">{outcome ? NO_ANSWER : "Run the path sets to see the JSON Graph the server answers."}</p>
          )}
        </section>
        <section className="trace">
          <h2>Trace</h2>
          {!answer ? (
            <p className="muted">{outcome ? NO_ANSWER : "Run the path sets to see what the server did, in time."}</p>
          ) : answer.trace ? (
            <Waterfall trace={answer.trace} />
          ) : (
            <p className="muted">The answer has no trace: this server does not trace requests that send Peregrine-Trace: 1.</p>
          )}
        </section>
      </main>
    </>
  );
}

/**
 * A request that got no answer: the client's TransportError, with the server's
 * status and error kind; for a 401 (a token the server does not accept), what
 * to do about it.
 */
function RequestError({ error }: { error: Error }) {
  return (
    <div className="request-error" data-testid="request-error" role="alert">
      {isTransportError(error) ? (
        <>
          <b>{error.status ? `HTTP ${error.status}` : "no answer"}</b> · <code>{error.kind}</code> · {error.message}
          {error.status == 401 && (
            <div className="hint" data-testid="auth-hint">
              Pick a user (development mode) or paste a token.
            </div>
          )}
        </>
      ) : (
        error.message
      )}
    </div>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Explorer />
  </StrictMode>,
);
