# Starting, watching and stopping the processes of scripts/bench and
# scripts/scale-out, and installing their tools (sourced, not run; the
# test command uses as_root and need_commands).
#
# The sourcing script sets `logs` (a folder for the processes' logs) before
# calling wait_ready, and adds the PIDs it starts to `pids`; cleanup_on_exit
# stops them all when the script ends, however it ends.

step() {
    printf '\n==> %s\n' "$*" >&2
}
info() {
    printf '    %s\n' "$*" >&2
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# need_commands CMD:PACKAGE...: installs (apt) the packages of the commands
# that are missing.
need_commands() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        info "installing ${missing[*]}"
        as_root apt-get update
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
    fi
}

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi

pids=()
# cleanup_on_exit KEEP_VAR: at exit, stops every process in `pids`, and
# removes `logs` unless the script failed or KEEP_VAR is 1.
cleanup_on_exit() {
    keep_logs_var="$1"
    trap _cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}
_cleanup() {
    local status=$? pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "${!keep_logs_var:-0}" = 1 ] || [ "$status" -ne 0 ]; then
        echo "logs kept in $logs" >&2
    else
        rm -rf "$logs"
    fi
    exit "$status"
}

used_ports=" "
# free_port VAR: sets VAR to a loopback port that nothing answers on and
# that this run has not handed out yet (a function, not `$(...)`, so that
# the ports handed out are remembered).
free_port() {
    local candidate
    for _ in $(seq 1 200); do
        candidate=$((20000 + RANDOM % 40000))
        case "$used_ports" in *" $candidate "*) continue ;; esac
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
            used_ports+="$candidate "
            printf -v "$1" '%s' "$candidate"
            return 0
        fi
    done
    echo "no free port found" >&2
    return 1
}

# wait_ready NAME PID URL: until URL answers (any HTTP status) or the
# process dies; its log is $logs/NAME.log.
wait_ready() {
    local name="$1" pid="$2" url="$3"
    for _ in $(seq 1 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$name exited at start; its log:" >&2
            cat "$logs/$name.log" >&2 || true
            exit 1
        fi
        if curl -s -o /dev/null "$url"; then
            return 0
        fi
        sleep 0.1
    done
    echo "$name did not answer $url within 30 s" >&2
    exit 1
}

# wrk_run OUT URL KIND: a measured wrk run of scripts/bench.lua's KIND
# (after a warm-up), its output in OUT; fails with wrk's output.
wrk_run() {
    local out="$1" url="$2" kind="$3"
    wrk -t "$threads" -c "$connections" -d "${warmup}s" --timeout 10s -s "$lua" "$url" -- "$kind" \
        >"$out.warmup" 2>&1 || {
        echo "wrk warm-up failed:" >&2
        cat "$out.warmup" >&2
        exit 1
    }
    # Let the warm-up's last requests finish before the counters start.
    sleep 0.5
    if [ -n "${before_measure:-}" ]; then
        "$before_measure"
    fi
    wrk -t "$threads" -c "$connections" -d "${seconds}s" --timeout 10s --latency -s "$lua" "$url" -- "$kind" \
        >"$out" 2>&1 || {
        echo "wrk failed:" >&2
        cat "$out" >&2
        exit 1
    }
    grep -E 'Requests/sec|Non-2xx|Socket errors' "$out" | sed 's/^ */    wrk: /' >&2 || true
}
