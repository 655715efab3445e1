# One measured run of scripts/bench, recorded (sourced after processes.sh
# and servers.sh): before it, the backend's counters, the server's peak
# memory and its CPU time start afresh (start_counters, wrk_run's
# before_measure hook); after it, its BENCH line, those counters and the
# server's CPU time become a line of `results` (record). The sourcing
# script sets `backend_url`, `results` and `measured` (the PID measured).

# stats_totals: "CALLS IDS" summed over every route of the backend's /_stats.
stats_totals() {
    curl -sf "$backend_url/_stats" | node -e '
        let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => {
            const j = JSON.parse(s);
            const sum = (o) => Object.values(o || {}).reduce((a, b) => a + b, 0);
            console.log(sum(j.calls) + " " + sum(j.items));
        });'
}

# reset_peak PID: starts the process's VmHWM afresh (Linux clear_refs 5),
# so that each row shows the peak of its own run; where that is refused the
# peak is the peak since start.
peak_reset_ok=1
reset_peak() {
    if ! { echo 5 >"/proc/$1/clear_refs"; } 2>/dev/null; then
        peak_reset_ok=0
    fi
}

# Before each measured run: the backend's counters and the server's peak
# memory start afresh.
start_counters() {
    curl -sf -X POST "$backend_url/_stats/reset" >/dev/null
    reset_peak "$measured"
    cpu_before="$(cpu_ticks "$measured")"
    host_before="$(host_busy_ticks)"
}

# record NAME KIND ROUND OUT LOG_LINES: adds the run whose BENCH line is in
# OUT to the results, with the backend's counters and the server's peak
# memory, and warns of errors (LOG_LINES: the server log's length before).
record() {
    local name="$1" kind="$2" round="$3" out="$4" log_lines="$5" failed calls ids hwm line kv errors cpu_us host_us
    # The server's CPU time over the run (its threads and child
    # processes), and the whole machine's (wrk, the backend, anything).
    cpu_us=$((($(cpu_ticks "$measured") - cpu_before) * 1000000 / clock_ticks))
    host_us=$((($(host_busy_ticks) - host_before) * 1000000 / clock_ticks))
    # A Peregrine whose service failed (peregrine-front's falcor-node not
    # answering within its timeout, say) still answers 200, with errors in
    # the answer: count them from its log.
    failed="$(tail -n +"$((log_lines + 1))" "$logs/$name.log" | grep -c 'upstream call failed' || true)"
    if [ "$failed" != 0 ]; then
        info "WARNING: $failed failed service calls (answers carrying errors), in $name.log (BENCH_KEEP_LOGS=1 keeps it)"
        upstream_failures+="  $name / $kind, round $round: $failed failed service calls"$'\n'
    fi
    read -r calls ids <<<"$(stats_totals)"
    hwm="$(vm_kb "${pid[$name]}" VmHWM)"
    line="$(grep '^BENCH ' "$out")"
    # requests= duration_us= p50_us= p99_us= non2xx= connect= read= write= timeout=
    declare -A r=()
    for kv in ${line#BENCH }; do
        r[${kv%%=*}]="${kv#*=}"
    done
    if [ "${r[non2xx]}" != 0 ]; then
        info "WARNING: ${r[non2xx]} non-2xx answers"
    fi
    errors=$((${r[connect]} + ${r[read]} + ${r[write]} + ${r[timeout]}))
    if [ "$errors" != 0 ]; then
        info "WARNING: socket errors: connect ${r[connect]}, read ${r[read]}, write ${r[write]}, timeout ${r[timeout]}"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
        "$name" "$kind" "${r[requests]}" "${r[duration_us]}" "${r[p50_us]}" "${r[p99_us]}" \
        "$calls" "$ids" "$hwm" "${r[non2xx]}" "$errors" "$cpu_us" "$host_us" >>"$results"
}
