// The hook's first render, without a DOM (its effects, fetching and
// rendering again on changes, are tested in the browser test of the demo).
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Model } from "./model.js";
import { useGraph } from "./react.js";
import type { PathInput } from "./types.js";

function render(model: Model, paths: PathInput[]): unknown {
  let seen: unknown;
  const Probe = () => {
    seen = useGraph(model, paths);
    return null;
  };
  renderToStaticMarkup(createElement(Probe));
  return seen;
}

describe("useGraph", () => {
  it("renders what the cache holds at once", () => {
    const model = new Model({ cache: { videos: { 1: { title: "One" } } } });
    expect(render(model, ["videos[1].title"])).toMatchObject({ data: { videos: { 1: { title: "One" } } }, loading: false, error: undefined });
  });

  it("renders an empty object while the data is missing", () => {
    expect(render(new Model(), ["videos[1].title"])).toMatchObject({ data: {}, loading: true, error: undefined });
  });
});
