import { describe, expect, it } from "vitest";
import { parsePath } from "../../../src/path.js";
import { describeExpires, describeLeaf, isBranch, printPath } from "./graph.js";

describe("describeLeaf", () => {
  it("shows a ref as the path it points to, in path syntax", () => {
    expect(describeLeaf({ $type: "ref", value: ["videos", 12] })).toEqual({ kind: "ref", text: "→ videos[12]" });
    expect(describeLeaf({ $type: "ref", value: ["lists", "list-3", "0"] })).toEqual({ kind: "ref", text: "→ lists.list-3[0]" });
  });

  it("shows an error with its message", () => {
    expect(describeLeaf({ $type: "error", value: { message: "backend timed out" } })).toEqual({ kind: "error", text: "backend timed out" });
    expect(describeLeaf({ $type: "error", value: "not found" })).toEqual({ kind: "error", text: "not found" });
    expect(describeLeaf({ $type: "error", value: { status: 503 } })).toEqual({ kind: "error", text: '{"status":503}' });
    expect(describeLeaf({ $type: "error" })).toEqual({ kind: "error", text: "(no message)" });
  });

  it("shows an atom's value, and an atom without one as empty", () => {
    expect(describeLeaf({ $type: "atom", value: 4.5 })).toEqual({ kind: "atom", text: "4.5" });
    expect(describeLeaf({ $type: "atom", value: ["a", 1] })).toEqual({ kind: "atom", text: '["a",1]' });
    expect(describeLeaf({ $type: "atom", value: null })).toEqual({ kind: "atom", text: "null" });
    expect(describeLeaf({ $type: "atom" })).toEqual({ kind: "atom", text: "(empty)" });
  });

  it("shows plain values as JSON", () => {
    expect(describeLeaf("Emotional Musicals")).toEqual({ kind: "value", text: '"Emotional Musicals"' });
    expect(describeLeaf(3)).toEqual({ kind: "value", text: "3" });
    expect(describeLeaf(null)).toEqual({ kind: "value", text: "null" });
    expect(describeLeaf(false)).toEqual({ kind: "value", text: "false" });
  });

  it("adds the sentinel's $expires, described", () => {
    expect(describeLeaf({ $type: "atom", value: 5, $expires: -60000 })).toEqual({ kind: "atom", text: "5", expires: "$expires -60000 (in 60 s)" });
    expect(describeLeaf({ $type: "ref", value: ["videos", 1], $expires: 1 }).expires).toBe("$expires 1 (never)");
  });
});

describe("describeExpires", () => {
  it("says when each kind of $expires expires", () => {
    expect(describeExpires(1)).toBe("$expires 1 (never)");
    expect(describeExpires(0)).toBe("$expires 0 (once delivered)");
    expect(describeExpires(-500)).toBe("$expires -500 (in 500 ms)");
    expect(describeExpires(-1500)).toBe("$expires -1500 (in 1.5 s)");
    expect(describeExpires(1767225600000)).toBe("$expires 1767225600000 (at 2026-01-01T00:00:00.000Z)");
  });
});

describe("printPath", () => {
  it("prints paths as path syntax that parsePath reads back", () => {
    expect(printPath(["genreLists", 0, "name"])).toBe("genreLists[0].name");
    expect(printPath(["videos", "12", "title"])).toBe("videos[12].title");
    expect(printPath(["lists", "a b", "it's", "x\\y"])).toBe("lists['a b']['it\\'s']['x\\\\y']");
    expect(printPath(["0", "007", -1])).toBe("[0]['007'][-1]");
    expect(printPath([])).toBe("");
  });

  it("reads back as the same keys", () => {
    const paths = [
      ["genreLists", 0, "name"],
      ["lists", "list-3", "0"],
      ["a b", "it's", "x\\y", "007", -1, "$size", "_x"],
    ];
    for (const path of paths) expect(parsePath(printPath(path)).map(String)).toEqual(path.map(String));
  });
});

describe("isBranch", () => {
  it("opens objects that are not sentinels", () => {
    expect(isBranch({ 0: { $type: "ref", value: [] } })).toBe(true);
    expect(isBranch({ $type: "atom" })).toBe(false);
    expect(isBranch([1, 2])).toBe(false);
    expect(isBranch(null)).toBe(false);
    expect(isBranch("x")).toBe(false);
  });
});
