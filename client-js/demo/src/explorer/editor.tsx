// The path editor: a textarea, one path set per line, over a backdrop that
// marks each syntax error in place (same font and padding, text drawn
// transparent), and under it each bad line again with its offending
// character marked and the parser's message.
import { useRef } from "react";
import type { KeyboardEvent } from "react";
import type { PathSyntaxError } from "@peregrine/client";
import { splitAt } from "./query.js";
import type { Line } from "./query.js";

interface Props {
  text: string;
  lines: Line[];
  onChange: (text: string) => void;
  /** Ctrl+Enter or Cmd+Enter. */
  onRun: () => void;
}

export function PathEditor({ text, lines, onChange, onRun }: Props) {
  const backdrop = useRef<HTMLDivElement>(null);
  const bad = lines.filter((line): line is Line & { error: PathSyntaxError } => line.error != null);
  const errorAt = new Map(bad.map((line) => [line.number, line.error.offset]));
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key == "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      onRun();
    }
  };
  return (
    <>
      <div className="editor">
        <div className="backdrop" ref={backdrop} aria-hidden>
          {text.split(/\r?\n/).map((line, i) => {
            const offset = errorAt.get(i + 1);
            if (offset == null) return <div key={i}>{line || " "}</div>;
            const [before, at, after] = splitAt(line, offset);
            return (
              <div key={i} className="bad">
                {before}
                <mark>{at}</mark>
                {after}
              </div>
            );
          })}
        </div>
        <textarea
          data-testid="paths"
          aria-label="Path sets, one per line"
          value={text}
          rows={Math.max(4, text.split("\n").length + 1)}
          wrap="off"
          spellCheck={false}
          autoFocus
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={onKeyDown}
          onScroll={(e) => {
            if (backdrop.current) {
              backdrop.current.scrollTop = e.currentTarget.scrollTop;
              backdrop.current.scrollLeft = e.currentTarget.scrollLeft;
            }
          }}
        />
      </div>
      {bad.map((line) => {
        const [before, at, after] = splitAt(line.text, line.error.offset);
        return (
          <div key={line.number} className="syntax-error" data-testid="syntax-error">
            <span className="muted">line {line.number}</span>
            <pre>
              {before}
              <mark>{at}</mark>
              {after}
            </pre>
            <div className="error">{line.error.message}</div>
          </div>
        );
      })}
    </>
  );
}
