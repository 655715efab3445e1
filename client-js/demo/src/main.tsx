// The demo page: a user's home rows read through the client and its React
// hook, rating a video (set), adding it to "my list" (call), and a log of
// the requests the client made.
import { StrictMode, useMemo, useState } from "react";
import { createRoot } from "react-dom/client";
import { HttpDataSource, Model } from "@peregrine/client";
import type { DataSource, JSONGraphEnvelope, Path } from "@peregrine/client";
import { useGraph } from "@peregrine/client/react";

/** One line of the request log. */
interface Entry {
  id: number;
  method: string;
  what: string;
  ms?: number;
  outcome?: string;
  failed?: boolean;
}

const ROWS = 6;
const PER_ROW = 10;
let nextId = 1;

/** Wraps a data source so that every request it makes shows in the log. */
function logged(source: DataSource, update: (entry: Entry) => void): DataSource {
  const run = (method: string, what: unknown, send: () => Promise<JSONGraphEnvelope>) => {
    const entry: Entry = { id: nextId++, method, what: JSON.stringify(what) };
    const started = performance.now();
    update(entry);
    return send().then(
      (answer) => {
        update({ ...entry, ms: Math.round(performance.now() - started), outcome: "200" });
        return answer;
      },
      (error: Error) => {
        update({ ...entry, ms: Math.round(performance.now() - started), outcome: error.message, failed: true });
        throw error;
      },
    );
  };
  return {
    get: (paths) => run("get", paths, () => source.get(paths)),
    set: (envelope) => run("set", envelope.paths, () => source.set(envelope)),
    call: (callPath, args, suffixes, paths) => run("call", [callPath, args], () => source.call(callPath, args, suffixes, paths)),
  };
}

function App() {
  const [user, setUser] = useState(17);
  const [log, setLog] = useState<Entry[]>([]);
  // One model per user: ratings and lists are private to a user.
  const model = useMemo(() => {
    const update = (entry: Entry) => setLog((old) => [entry, ...old.filter((e) => e.id != entry.id)].slice(0, 40));
    const source = new HttpDataSource(new URL("/model.json", location.href).href, { headers: { Authorization: `Bearer u${user}` }, timeout: 10000 });
    return new Model({ source: logged(source, update) });
  }, [user]);
  return (
    <>
      <header>
        <h1>Peregrine demo</h1>
        <label>
          User u
          <input
            data-testid="user"
            type="number"
            min={1}
            max={1000}
            value={user}
            onChange={(e) => {
              const n = Number(e.target.value);
              if (n >= 1 && n <= 1000) {
                setLog([]);
                setUser(n);
              }
            }}
          />
        </label>
        <span className="muted">sent as Authorization: Bearer u{user}</span>
      </header>
      <main>
        <div>
          <Home model={model} />
        </div>
        <aside>
          <MyList model={model} />
          <section>
            <h2>
              Requests <span className="muted">({log.length})</span>
            </h2>
            <ol className="log" data-testid="request-log" reversed>
              {log.map((e) => (
                <li key={e.id} data-testid="log-entry" className={e.failed ? "error" : undefined}>
                  <b>{e.method}</b> {e.what.length > 300 ? e.what.slice(0, 300) + "…" : e.what}{" "}
                  <span className="muted">{e.outcome ? `→ ${e.outcome}, ${e.ms} ms` : "…"}</span>
                </li>
              ))}
            </ol>
          </section>
        </aside>
      </main>
    </>
  );
}

function Home({ model }: { model: Model }) {
  const { data, loading, error } = useGraph(model, [`genreLists[0..${ROWS - 1}].name`]);
  const rows = data.genreLists || {};
  return (
    <>
      {error && <p className="error">{error.message}</p>}
      {loading && !Object.keys(rows).length && <p className="muted">Loading…</p>}
      {Object.keys(rows).map((i) => (
        <Row key={i} model={model} index={Number(i)} name={rows[i].name} />
      ))}
    </>
  );
}

function Row({ model, index, name }: { model: Model; index: number; name: string }) {
  const { data, error } = useGraph(model, [`genreLists[${index}][0..${PER_ROW - 1}]['title','boxshot','rating']`]);
  const videos = (data.genreLists && data.genreLists[index]) || {};
  return (
    <section data-testid="row">
      <h2>{name}</h2>
      {error && <p className="error">{error.message}</p>}
      <div className="row">
        {Object.keys(videos)
          .filter((k) => /^\d+$/.test(k))
          .map((j) => (
            <Video key={j} model={model} at={`genreLists[${index}][${j}]`} video={videos[j]} />
          ))}
      </div>
    </section>
  );
}

function Video({ model, at, video }: { model: Model; at: string; video: { title?: string; boxshot?: string; rating?: number } }) {
  const [message, setMessage] = useState("");
  const [broken, setBroken] = useState(false);
  // The row's refs are cached: deref binds the video itself (["videos", id]).
  const bound = model.deref(at);
  const path: Path = bound.getPath();
  const act = (work: Promise<unknown>, done: string) =>
    work.then(
      () => setMessage(done),
      (e: Error) => setMessage(e.message),
    );
  return (
    <div className="video" data-testid="video" data-path={JSON.stringify(path)}>
      <div className="boxshot">{video.boxshot && !broken ? <img src={video.boxshot} alt={video.title} onError={() => setBroken(true)} /> : video.title}</div>
      <div className="title">{video.title}</div>
      <div className="rating" data-testid="rating">
        {video.rating != null ? `★ ${video.rating.toFixed(1)}` : "no rating"}
      </div>
      <div className="actions">
        <select data-testid="rate" value="" onChange={(e) => act(bound.setValue("rating", Number(e.target.value)), "rated")}>
          <option value="">rate…</option>
          {[1, 2, 3, 4, 5].map((n) => (
            <option key={n} value={n}>
              {n} ★
            </option>
          ))}
        </select>
        <button data-testid="add" onClick={() => act(model.call("myList.push", [{ $type: "ref", value: path }], ["title"], ["length"]), "added")}>
          + My list
        </button>
      </div>
      {message && <div className="muted">{message}</div>}
    </div>
  );
}

function MyList({ model }: { model: Model }) {
  const { data, error } = useGraph(model, ["myList.length", "myList[0..29].title"]);
  const list = data.myList || {};
  return (
    <section data-testid="my-list">
      <h2>
        My list <span className="muted" data-testid="my-list-length">({list.length ?? "…"})</span>
      </h2>
      {error && <p className="error">{error.message}</p>}
      <ol>
        {Object.keys(list)
          .filter((k) => /^\d+$/.test(k))
          .map((k) => (
            <li key={k}>{list[k].title}</li>
          ))}
      </ol>
    </section>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
