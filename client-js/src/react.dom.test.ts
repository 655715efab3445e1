// @vitest-environment happy-dom
// The hook mounted in a DOM: what a row shows, when it asks, when it stops
// asking, and a server-rendered page that hydrates from the cache.
import { Component, Suspense, createElement as h } from "react";
import type { ReactNode } from "react";
import { act } from "react";
import { createRoot, hydrateRoot } from "react-dom/client";
import { renderToString } from "react-dom/server";
import { afterEach, describe, expect, it } from "vitest";
import { Model } from "./model.js";
import { useGraph } from "./react.js";
import { TransportError } from "./errors.js";
import { fakeSource } from "../test/fake-source.js";
import type { DataSource, JSONGraphEnvelope, PathSet } from "./types.js";

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

const catalog = () => ({ videos: { 1: { title: "One" }, 2: { title: "Two" } } });

function Row({ model, id, suspense }: { model: Model; id: number; suspense?: boolean }) {
  const { data, loading, error, refetch } = useGraph(model, [`videos[${id}].title`], { suspense });
  if (error) return h("button", { onClick: refetch }, error.message);
  return h("p", null, loading ? "…" : data.videos[id].title);
}

let container: HTMLElement;
afterEach(() => container && container.remove());

function mount(node: ReactNode) {
  container = document.createElement("div");
  document.body.append(container);
  const root = createRoot(container, { onCaughtError: () => {} }); // errors an error boundary shows are not logged
  act(() => root.render(node));
  return root;
}

/** Lets requests answer and React render what they brought. */
const settle = (ms = 10) => act(() => new Promise<void>((resolve) => setTimeout(resolve, ms)));

describe("useGraph in a page", () => {
  it("shows the rows once fetched, asked in one request", async () => {
    const source = fakeSource(catalog());
    const model = new Model({ source });
    mount(h("div", null, h(Row, { model, id: 1 }), h(Row, { model, id: 2 })));
    expect(container.textContent).toBe("……");
    await settle();
    expect(container.textContent).toBe("OneTwo");
    expect(source.requests).toHaveLength(1);
    await act(() => model.setValue("videos[2].title", "Deux"));
    expect(container.textContent).toBe("OneDeux");
  });

  it("aborts its read when the row is unmounted mid-request", async () => {
    const signals: AbortSignal[] = [];
    const source: DataSource = {
      get: (_paths: PathSet[], options = {}) => {
        signals.push(options.signal!);
        return new Promise<JSONGraphEnvelope>(() => {});
      },
      set: async () => ({ jsonGraph: {} }),
      call: async () => ({ jsonGraph: {} }),
    };
    const root = mount(h(Row, { model: new Model({ source }), id: 1 }));
    await settle();
    expect(signals[0].aborted).toBe(false);
    act(() => root.unmount());
    expect(signals[0].aborted).toBe(true);
  });

  it("shows a network failure, and refetch asks again", async () => {
    let fail = true;
    const good = fakeSource(catalog());
    const source: DataSource = {
      ...good,
      get: (paths) => (fail ? Promise.reject(new TransportError("the request failed: offline", 0, "network")) : good.get(paths)),
    };
    mount(h(Row, { model: new Model({ source, retries: 0 }), id: 1 }));
    await settle();
    expect(container.textContent).toBe("the request failed: offline");
    await settle(); // a failed read is not asked again by itself
    expect(good.requests).toHaveLength(0);
    fail = false;
    act(() => container.querySelector("button")!.click());
    await settle();
    expect(container.textContent).toBe("One");
  });

  it("with suspense: true, shows the fallback, then the row", async () => {
    const model = new Model({ source: fakeSource(catalog(), { delay: 5 }) });
    mount(h(Suspense, { fallback: h("i", null, "wait") }, h(Row, { model, id: 1, suspense: true })));
    expect(container.innerHTML).toContain("wait");
    await settle(400); // React shows a fallback for 300 ms at least
    expect(container.innerHTML).toBe("<p>One</p>");
  });

  it("with suspense: true, throws a failed read to the error boundary", async () => {
    class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
      state: { error?: Error } = {};
      static getDerivedStateFromError = (error: Error) => ({ error });
      render = () => (this.state.error ? h("b", null, this.state.error.message) : this.props.children);
    }
    const down: DataSource = { ...fakeSource({}), get: () => Promise.reject(new TransportError("HTTP 500", 500, "http")) };
    const failing = new Model({ source: down });
    mount(h(Boundary, null, h(Suspense, { fallback: "wait" }, h(Row, { model: failing, id: 1, suspense: true }))));
    await settle(400);
    expect(container.innerHTML).toBe("<b>HTTP 500</b>");
  });

  it("hydrates a server-rendered page from its serialized cache without a request", async () => {
    const server = new Model({ source: fakeSource(catalog()) });
    await server.get("videos[1..2].title");
    const page = () => h("main", null, h(Row, { model, id: 1 }), h(Row, { model, id: 2 }));
    let model = server;
    const html = renderToString(page());
    const state = JSON.stringify(server.getCache());

    const browser = fakeSource(catalog());
    model = new Model({ source: browser, cache: JSON.parse(state) });
    container = document.createElement("div");
    container.innerHTML = html;
    document.body.append(container);
    const errors: unknown[] = [];
    act(() => {
      hydrateRoot(container, page(), { onRecoverableError: (e) => errors.push(e) });
    });
    await settle();
    expect(container.textContent).toBe("OneTwo");
    expect(errors).toEqual([]);
    expect(browser.requests).toHaveLength(0);
  });
});
