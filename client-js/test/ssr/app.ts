// The page of the server-rendering test: three row names read when the
// page is rendered, a fourth mounted and unmounted on demand, a fifth
// read with suspense. Rendered by react-dom/server in the test, hydrated
// in Chromium by browser.ts.
import { Suspense, createElement as h, useState } from "react";
import type { Model } from "../../src/index.js";
import { useGraph } from "../../src/react.js";

/** Each request carries the demo's user: the lists are one user's. */
export const headers = { Authorization: "Bearer u17" };

function Name({ model, index, suspense }: { model: Model; index: number; suspense?: boolean }) {
  const { data, loading } = useGraph(model, [`genreLists[${index}].name`], { suspense });
  return h("li", { "data-testid": `name-${index}` }, loading ? "…" : data.genreLists[index].name);
}

export function App({ model }: { model: Model }) {
  const [extra, setExtra] = useState("");
  const button = (id: string, to: string) => h("button", { id, onClick: () => setExtra(to) }, id);
  return h(
    "main",
    null,
    h("ul", null, [0, 1, 2].map((index) => h(Name, { key: index, model, index }))),
    button("mount", "plain"),
    button("unmount", ""),
    button("suspend", "suspense"),
    extra == "plain" && h(Name, { model, index: 4 }),
    extra == "suspense" && h(Suspense, { fallback: h("p", { id: "fallback" }, "loading") }, h(Name, { model, index: 5, suspense: true })),
  );
}
