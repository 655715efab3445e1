# The servers scripts/bench and scripts/bench-curves measure, and what
# they read of them (sourced after processes.sh, not run).
#
# The sourcing script sets `root` (the repository), `logs`, `bin` (the
# release peregrine binary) and declares the associative arrays `port`
# and `pid` (by server name) before starting anything.

# find_peers: sets `peers` to the shared/peers folder (BENCH_PEERS, else
# ../shared/peers, else /work/shared/peers); fails without falcor-node.
find_peers() {
    peers="${BENCH_PEERS:-}"
    if [ -z "$peers" ]; then
        local candidate
        for candidate in "$root/../shared/peers" /work/shared/peers; do
            if [ -d "$candidate/falcor-node" ]; then
                peers="$candidate"
                break
            fi
        done
    fi
    if [ -z "$peers" ] || [ ! -f "$peers/falcor-node/server.js" ]; then
        echo "bench: the falcor-node peer was not found (set BENCH_PEERS to the shared/peers folder)" >&2
        exit 1
    fi
}

# install_falcor_node: the falcor-node peer copied into target/bench
# (without any node_modules of its own) as `node_dir`, its packages
# installed with npm ci when its lock file changed.
install_falcor_node() {
    node_dir="$root/target/bench/falcor-node"
    mkdir -p "$node_dir"
    local f
    for f in package.json package-lock.json server.js; do
        cp "$peers/falcor-node/$f" "$node_dir/$f"
    done
    if [ ! -d "$node_dir/node_modules" ] ||
        ! cmp -s "$node_dir/package-lock.json" "$node_dir/node_modules/.bench-lock"; then
        (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
        cp "$node_dir/package-lock.json" "$node_dir/node_modules/.bench-lock"
    else
        info "node_modules up to date"
    fi
}

# start_backend FLAG...: the demo backend on a free port with FLAGs
# (latency and the like), as backend_url and backend_pid, its log
# $logs/backend.log; waits until it answers.
start_backend() {
    free_port backend_port
    backend_url="http://127.0.0.1:$backend_port"
    "$bin" backend --host 127.0.0.1 --port "$backend_port" "$@" >"$logs/backend.log" 2>&1 &
    backend_pid=$!
    pids+=("$backend_pid")
    wait_ready backend "$backend_pid" "$backend_url/_stats"
}

# start_peregrine NAME FLAG...: `peregrine serve --dev-auth` over the
# backend with FLAGs, as port[NAME] and pid[NAME], its log $logs/NAME.log
# (not waited for: see wait_ready).
start_peregrine() {
    local name="$1"
    shift
    free_port "port[$name]"
    "$bin" serve --dev-auth --host 127.0.0.1 --port "${port[$name]}" --backend "$backend_url" "$@" \
        >"$logs/$name.log" 2>&1 &
    pid[$name]=$!
    pids+=("${pid[$name]}")
}

# start_falcor_node NAME: a falcor-node instance over the backend, as
# port[NAME] and pid[NAME], its log $logs/NAME.log.
start_falcor_node() {
    free_port "port[$1]"
    # exec: the PID is node's own, so its /proc status is node's memory.
    (cd "$node_dir" && exec node server.js --port "${port[$1]}" --backend "$backend_url") \
        >"$logs/$1.log" 2>&1 &
    pid[$1]=$!
    pids+=("${pid[$1]}")
}

# stop_server NAME: stops server NAME and forgets its pid.
stop_server() {
    local old="${pid[$1]}" kept=() p
    kill "$old"
    wait "$old" 2>/dev/null || true
    for p in "${pids[@]}"; do
        [ "$p" = "$old" ] || kept+=("$p")
    done
    pids=("${kept[@]}")
}

# cpu_ticks PID: the CPU time (user and system, in clock ticks) used so
# far by the process PID, its threads and its child processes that are
# still running (nginx's workers), from /proc/PID/stat.
cpu_ticks() {
    local process ticks=0 fields
    for process in "$1" $(cat "/proc/$1/task/"*/children 2>/dev/null || true); do
        # Fields after the command (which may hold spaces): utime is the
        # 12th, stime the 13th.
        fields="$(sed 's/^.*) //' "/proc/$process/stat" 2>/dev/null)" || continue
        read -r -a stat <<<"$fields"
        ticks=$((ticks + stat[11] + stat[12]))
    done
    echo "$ticks"
}
clock_ticks="$(getconf CLK_TCK)"

# host_busy_ticks: the CPU time (clock ticks, all cores) the whole machine
# has spent busy so far, whoever it was for: /proc/stat's cpu line less
# idle and iowait.
host_busy_ticks() {
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# vm_kb PID FIELD: FIELD (VmRSS, VmHWM) of the process, in KB.
vm_kb() {
    awk -v field="$2:" '$1 == field { print $2 }' "/proc/$1/status"
}

# same_json NAME A B [--ignore-expires]: fails loudly unless files A and B
# hold the same JSON (and no error), printing where they differ; with
# --ignore-expires, the `$expires` Peregrine gives the values of its
# routes (falcor-node gives none) is left out of A, and an atom left
# with a value alone is that value.
same_json() {
    python3 - "$@" <<'PY' || exit 1
import json, sys
name, a_file, b_file = sys.argv[1:4]
a, b = (json.load(open(f)) for f in (a_file, b_file))
def without_expires(x):
    if isinstance(x, dict):
        x = {k: without_expires(v) for k, v in x.items() if k != "$expires"}
        # An atom left with no metadata is its value (as Falcor reads it).
        if x.get("$type") == "atom" and set(x) == {"$type", "value"}:
            return x["value"]
    return x
if "--ignore-expires" in sys.argv[4:]:
    a = without_expires(a)
def differences(x, y, at):
    if isinstance(x, dict) and isinstance(y, dict) and "$type" not in x:
        for k in sorted(set(x) | set(y)):
            if k not in x or k not in y:
                yield at + [k], x.get(k, "(missing)"), y.get(k, "(missing)")
            else:
                yield from differences(x[k], y[k], at + [k])
    elif x != y:
        yield at, x, y
found = list(differences(a, b, []))
if found:
    print(f"bench: {name} and falcor-node answer differently ({a_file} vs {b_file}), "
          f"{len(found)} difference(s):", file=sys.stderr)
    for at, x, y in found[:10]:
        print(f"  {at}: {json.dumps(x)[:200]} vs {json.dumps(y)[:200]}", file=sys.stderr)
    sys.exit(1)
if '"$type": "error"' in json.dumps(a):
    print(f"bench: {name} answered with an error: {a_file}", file=sys.stderr)
    sys.exit(1)
PY
}

# home_pass URL FIRST LAST OUT: the home request of each user of
# uFIRST..uLAST once, in a shuffled order, `connections` at a time (one
# curl, --parallel), its BENCH line (as bench.lua's, latencies from curl)
# in OUT. The request is `home_check` (scripts/bench's).
home_pass() {
    local url="$1" first="$2" last="$3" out="$4" config="$4.curl" start_ns end_ns
    shuf -i "$first-$last" | awk -v url="$url$home_check" '
        NR > 1 { print "next" }
        {
            printf "url = \"%s\"\nheader = \"Authorization: Bearer u%s\"\n", url, $1
            print "output = \"/dev/null\""
            print "write-out = \"%{http_code} %{time_total}\\n\""
        }' >"$config"
    start_ns="$(date +%s%N)"
    curl --no-progress-meter --parallel --parallel-immediate --parallel-max "$connections" -K "$config" >"$out.times" ||
        true # a failed transfer shows as code 000, counted below
    end_ns="$(date +%s%N)"
    sort -k2,2n "$out.times" | awk -v us="$(((end_ns - start_ns) / 1000))" '
        { n++; t[n] = $2; if ($1 != 200) bad++ }
        END {
            printf "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d connect=0 read=0 write=0 timeout=0\n",
                n, us, t[int(n * 0.5) + 1] * 1e6, t[int(n * 0.99) + 1] * 1e6, bad
        }' >"$out"
}

# The home request (genreLists[0..9].name and
# genreLists[0..9][0..9]['title','boxshot','rating']), URL-encoded.
home_check='/model.json?method=get&paths=%5B%5B%22genreLists%22%2C%7B%22from%22%3A0%2C%22to%22%3A9%7D%2C%22name%22%5D%2C%5B%22genreLists%22%2C%7B%22from%22%3A0%2C%22to%22%3A9%7D%2C%7B%22from%22%3A0%2C%22to%22%3A9%7D%2C%5B%22title%22%2C%22boxshot%22%2C%22rating%22%5D%5D%5D'
