// The trace as a waterfall: a time axis from 0 to the request's duration,
// then one row per wave, route call, load and batch (ordered and labelled
// by waterfallRows in trace.ts), each a label and a bar placed by its
// start and end. Plain DOM: percentages of the track's width.
import { useMemo } from "react";
import { formatMs, plural, ticks, timeSpan, waterfallRows } from "./trace.js";
import type { Bar, Trace } from "./trace.js";

/** Where a bar's duration goes: after its end, or before its start when it ends this close to the right. */
const RIGHT_EDGE = 85;

export function Waterfall({ trace }: { trace: Trace }) {
  const rows = useMemo(() => waterfallRows(trace), [trace]);
  const span = timeSpan(trace);
  const marks = ticks(span);
  const at = (ms: number) => (Math.max(0, ms) / span) * 100;
  const redisOnly = trace.batches.filter((b) => b.keys - b.redisHits <= 0).length;
  return (
    <div className="waterfall" data-testid="waterfall">
      <p className="summary">
        {plural(trace.waves.length, "wave")} · {plural(trace.routes.length, "route call")} · {plural(trace.loads.length, "load")} ·{" "}
        {plural(trace.batches.length, "batch", "batches")}
        {redisOnly ? ` (${redisOnly} from Redis alone)` : ""} <Legend />
      </p>
      <div className="wf-scroll">
        <div className="wf-row wf-axis">
          <div className="wf-label muted">server time, 0 to {formatMs(trace.durationMs)}</div>
          <div className="wf-track">
            {marks.map((ms) => (
              <span key={ms} className="tick" style={{ left: `${at(ms)}%` }}>
                {ms} ms
              </span>
            ))}
          </div>
        </div>
        <div className="wf-rows">
          <div className="wf-grid" aria-hidden>
            {marks.map((ms) => (
              <span key={ms} style={{ left: `${at(ms)}%` }} />
            ))}
          </div>
          {rows.map((row, i) =>
            row.kind == "other" ? (
              <div key={i} className="wf-heading" data-testid="waterfall-group">
                {row.label}
              </div>
            ) : (
              <BarRow key={i} bar={row} at={at} />
            ),
          )}
        </div>
      </div>
    </div>
  );
}

function BarRow({ bar, at }: { bar: Bar; at: (ms: number) => number }) {
  const start = at(bar.startMs);
  const end = at(bar.endMs);
  const style = [bar.kind, bar.redisOnly ? "redis" : "", bar.failed ? "failed" : ""].join(" ");
  const duration = end > RIGHT_EDGE ? { right: `calc(${100 - start}% + 4px)` } : { left: `calc(${end}% + 4px)` };
  return (
    <div className={`wf-row${bar.failed ? " failed" : ""}`} data-testid="waterfall-row" data-kind={bar.kind}>
      <div className="wf-label" style={{ paddingLeft: 8 + bar.depth * 16 }} title={bar.title}>
        {bar.label}
      </div>
      <div className="wf-track">
        <div className={`bar ${style}`} style={{ left: `${start}%`, width: `max(2px, ${end - start}%)` }} title={bar.title} />
        <span className="ms" style={duration}>
          {formatMs(bar.endMs - bar.startMs)}
        </span>
      </div>
    </div>
  );
}

/** The colours of the bars. */
function Legend() {
  const kinds: Array<[string, string]> = [
    ["wave", "wave"],
    ["route", "route call"],
    ["load", "load"],
    ["batch", "batch"],
    ["batch redis", "batch from Redis alone"],
    ["failed", "error"],
  ];
  return (
    <span className="legend">
      {kinds.map(([style, name]) => (
        <span key={name}>
          <i className={`bar ${style}`} /> {name}
        </span>
      ))}
    </span>
  );
}
