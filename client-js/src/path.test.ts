import { describe, expect, it } from "vitest";
import { collapse, expand, keysOf, parsePath, toPathSet } from "./path.js";
import { PathSyntaxError, isPathSyntaxError } from "./errors.js";
import type { Path, PathSet } from "./types.js";

describe("parsePath", () => {
  it("reads the forms the server reads", () => {
    expect(parsePath("genreLists[0].name")).toEqual(["genreLists", 0, "name"]);
    expect(parsePath("a[0..1,5,7...9]")).toEqual(["a", [{ from: 0, to: 1 }, 5, { from: 7, to: 8 }]]);
    expect(parsePath("a['it\\'s'][\"say \\\"hi\\\"\"]")).toEqual(["a", "it's", 'say "hi"']);
    expect(parsePath(" a . b.")).toEqual(["a", "b"]);
    expect(parsePath("a[-3..-1]")).toEqual(["a", { from: -3, to: -1 }]);
    expect(parsePath("a.true.null")).toEqual(["a", "true", "null"]);
    expect(parsePath("a\tb:c{")).toEqual(["a\tb:c{"]);
    expect(parsePath("a['b.c','d[0]']")).toEqual(["a", ["b.c", "d[0]"]]);
    expect(parsePath("a['\\\\']")).toEqual(["a", "\\"]);
    expect(parsePath("vidéos[0]")).toEqual(["vidéos", 0]);
    expect(parsePath("a[ 1 , 2 ]")).toEqual(["a", [1, 2]]);
    expect(() => parsePath("a[1 ..3]")).toThrow("expected `,` or `]` after `1`, found `.`"); // as the server
    expect(parsePath("genreLists[0..9][0..9]['title','boxshot','rating']")).toEqual([
      "genreLists",
      { from: 0, to: 9 },
      { from: 0, to: 9 },
      ["title", "boxshot", "rating"],
    ]);
  });

  // The same inputs, offsets and wording as the server's parser tests
  // (src/path/parse.rs), where the wording is shared.
  const cases: Array<[string, number, string]> = [
    ["videos[0..2.title", 11, "expected `,` or `]` after `0..2`, found `.`"],
    ["a[1.5]", 3, "found `.`"],
    ["a[0..]", 5, "expected a number after `..`, found `]`"],
    ["a[0....2]", 3, "found `....`"],
    ["a[,1]", 2, "found `,`"],
    ["a[1,,2]", 4, "found `,`"],
    ["a[1,]", 4, "found `]`"],
    ["a[0", 3, "the `[` at offset 1 is not closed"],
    ['a["x', 2, "expected a closing \""],
    ["a[]", 2, "found `]`"],
    ["a[[0]]", 2, "found `[`"],
    ["a[0 1]", 4, "expected `,` or `]` after `0`, found `1`"],
    ["a[true]", 2, "found `true`"],
    ["a[0x10]", 2, "found `0x10`"],
    ["a[1.. 3]", 5, "after `..`, found ` `"],
    [".a", 0, "found `.`"],
    ["a.0", 2, "as in [0]"],
    ["a]", 1, "expected a key, `.` or `[`, found `]`"],
    ["a,b", 1, "found `,`"],
    ["a['\\b']", 3, "found \\b"],
    ['a[""]', 2, "a quoted key cannot be empty"], // as falcor and the server
    ["a[0,'']", 4, "a quoted key cannot be empty"],
    ["a[99999999999999999999]", 2, "expected a safe integer"],
    ["é[x]", 2, "found `x`"],
    ["日本[x]", 3, "found `x`"],
    ["😀[x]", 2, "found `x`"],
    ["a[{integers}]", 2, "found `{integers}`"],
    ["", 0, "expected a key, found end of input"],
    ["  ", 2, "expected a key, found end of input"],
  ];
  for (const [input, offset, says] of cases) {
    it(`refuses ${JSON.stringify(input)} at offset ${offset}`, () => {
      let error: unknown;
      try {
        parsePath(input);
      } catch (e) {
        error = e;
      }
      expect(isPathSyntaxError(error)).toBe(true);
      const e = error as PathSyntaxError;
      expect(e.message).toMatch(new RegExp(`^invalid path at offset ${offset}: `));
      expect(e.message).toContain(says);
      expect(e.offset).toBe(offset);
      expect(e.input).toBe(input);
    });
  }

  it("takes arrays as they are and refuses other things", () => {
    const path: PathSet = ["a", 1];
    expect(toPathSet(path)).toBe(path);
    expect(() => toPathSet(7 as any)).toThrow(TypeError);
  });
});

describe("key sets", () => {
  it("expand ranges of both forms and skip empty ones", () => {
    expect(keysOf({ from: 2, to: 4 })).toEqual([2, 3, 4]);
    expect(keysOf({ from: 2, length: 2 })).toEqual([2, 3]);
    expect(keysOf({ to: 1 })).toEqual([0, 1]);
    expect(keysOf([{ from: 3, to: 1 }, { from: 0, to: 1 }, "x"])).toEqual([0, 1, "x"]);
    expect(keysOf({ from: 5, length: 0 })).toEqual([]);
    expect(() => keysOf({ from: 0, to: 1e9 })).toThrow(RangeError);
  });

  it("expand path sets into simple paths", () => {
    expect(expand(["v", [1, 2], ["a", "b"]])).toEqual([
      ["v", 1, "a"],
      ["v", 1, "b"],
      ["v", 2, "a"],
      ["v", 2, "b"],
    ]);
  });
});

describe("collapse", () => {
  const asSet = (sets: PathSet[]) => new Set(sets.flatMap(expand).map((p) => JSON.stringify(p.map(String))));
  const cases: Array<[Path[], PathSet[]]> = [
    [[["a", 0, "b"], ["a", 1, "b"], ["a", 2, "b"]], [["a", { from: 0, to: 2 }, "b"]]],
    [[["a", 0], ["a", 1], ["a", 3]], [["a", [{ from: 0, to: 1 }, 3]]]],
    [[["a", "b"], ["a", "c"], ["d", "b"], ["d", "c"]], [[["a", "d"], ["b", "c"]]]],
    [[["a", "b"], ["a", "c"], ["d", "b"]], [["a", ["b", "c"]], ["d", "b"]]],
    [[["a", 1], ["a", 0], ["a", 2], ["a", "length"]], [["a", [{ from: 0, to: 2 }, "length"]]]],
    [[["a", "b", "c"], ["a", "b"]], [["a", "b"], ["a", "b", "c"]]],
    [[["a", "b"], ["a", "b"]], [["a", "b"]]],
  ];
  for (const [input, expected] of cases) {
    it(`collapses ${JSON.stringify(input)}`, () => {
      const out = collapse(input);
      expect(out).toEqual(expected);
      expect(asSet(out)).toEqual(asSet(input));
    });
  }

  it("gives back the home request of the workload as one path set", () => {
    const home: PathSet = ["genreLists", { from: 0, to: 9 }, { from: 0, to: 9 }, ["title", "boxshot", "rating"]];
    expect(collapse(expand(home))).toEqual([home]);
  });
});
