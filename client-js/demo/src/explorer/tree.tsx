// The answer's JSON Graph as a collapsible tree: a row per branch (with a
// toggle) and per leaf (with its value, see graph.ts). Branches start open
// down to OPEN_DEPTH; only open branches render their children, so a large
// answer costs what is shown.
import { useState } from "react";
import type { ReactNode } from "react";
import { describeLeaf, isBranch, printPath } from "./graph.js";

/** Branches shallower than this start open: the top keys and their children. */
const OPEN_DEPTH = 2;
/** Indentation per level, in px. */
const INDENT = 16;

/** The tree of `graph`; give it a new `key` per answer to start from the default again. */
export function Tree({ graph }: { graph: Record<string, unknown> }) {
  // The branches the user toggled, by path: open or closed against the default.
  const [toggled, setToggled] = useState<Map<string, boolean>>(() => new Map());
  const rows: ReactNode[] = [];
  const walk = (node: Record<string, unknown>, path: string[]) => {
    for (const key of Object.keys(node)) {
      const value = node[key];
      const at = [...path, key];
      const id = JSON.stringify(at);
      const syntax = printPath(at);
      const indent = { paddingLeft: path.length * INDENT };
      if (isBranch(value)) {
        const open = toggled.get(id) ?? path.length < OPEN_DEPTH;
        const toggle = () => setToggled((old) => new Map(old).set(id, !open));
        rows.push(
          <div key={id} className="node" style={indent} data-testid="tree-node" data-path={syntax} title={syntax}>
            <button className="toggle" onClick={toggle} aria-expanded={open}>
              <span className="arrow">{open ? "▾" : "▸"}</span>
              <span className="key">{key}</span>
            </button>
            <span className="muted"> {Object.keys(value).length}</span>
          </div>,
        );
        if (open) walk(value, at);
      } else {
        const leaf = describeLeaf(value);
        rows.push(
          <div key={id} className="node" style={indent} data-testid="tree-node" data-path={syntax} title={syntax}>
            <span className="arrow" />
            <span className="key">{key}</span>: <span className={`leaf ${leaf.kind}`}>{leaf.text}</span>
            {leaf.expires && <span className="expires"> {leaf.expires}</span>}
          </div>,
        );
      }
    }
  };
  walk(graph, []);
  return (
    <div className="tree" data-testid="tree">
      {rows.length ? rows : <p className="muted">The answer is empty.</p>}
    </div>
  );
}
