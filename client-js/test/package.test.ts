// The built package as an app imports it: by name, through `exports`,
// with type declarations beside each entry point (run after the build).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { clientDir } from "./servers.js";

it("exports the client and the hook from the built package", async () => {
  const core = await import("@peregrine/client");
  const react = await import("@peregrine/client/react");
  expect(Object.keys(core).sort()).toEqual([
    "GraphError",
    "HttpDataSource",
    "MissingPathError",
    "Model",
    "PathSyntaxError",
    "TransportError",
    "collapse",
    "expand",
    "isGraphError",
    "isMissingPathError",
    "isPathSyntaxError",
    "isTransportError",
    "parsePath",
  ]);
  expect(Object.keys(react)).toEqual(["useGraph"]);
  for (const file of ["index.d.ts", "react.d.ts", "types.d.ts"]) expect(existsSync(join(clientDir, "dist", file))).toBe(true);
  const model = new core.Model({ cache: { a: { b: "c" } } });
  expect(await model.getValue("a.b")).toBe("c");
});
