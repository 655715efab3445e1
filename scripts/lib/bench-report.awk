# The report of scripts/bench: its results.tsv (one line per measured
# run: server, request, requests, duration_us, p50_us, p99_us, backend
# calls, ids, peak RSS KB, non-2xx, socket errors, server CPU us, the
# machine's busy CPU us) as one
# table over the rounds, the ratios against the reference servers, and
# the targets met or missed.
#
#   awk -F'\t' -v seconds=S -v rounds=R -v conns=C -v threads=T -v peak_reset=0|1 \
#       -f scripts/lib/bench-report.awk results.tsv
function ms(us) { return sprintf("%.1f ms", us / 1000) }
# target(LABEL, A, B, GOAL): the ratio of the req/s of A to B against
# GOAL, met or missed and by how much; nothing unless both ran.
function target(label, a, b, goal,    ratio) {
    if (!(rate[a] > 0 && rate[b] > 0)) return
    ratio = rate[a] / rate[b]
    if (ratio >= goal)
        printf "  %-52s %8.2fx  (target %gx): met\n", label, ratio, goal
    else
        printf "  %-52s %8.2fx  (target %gx): MISSED, %.0f%% of it (%.2fx short)\n",
            label, ratio, goal, 100 * ratio / goal, goal / ratio
}
# The middle of the values over rounds of list[key, 1..n] (the upper
# middle of an even count).
function median(list, key, n,    i, j, v, sorted) {
    for (i = 1; i <= n; i++) sorted[i] = list[key, i]
    for (i = 2; i <= n; i++) {
        v = sorted[i]
        for (j = i - 1; j >= 1 && sorted[j] > v; j--) sorted[j + 1] = sorted[j]
        sorted[j + 1] = v
    }
    return sorted[int(n / 2) + 1]
}
{
    key = $1 "/" $2
    if (!(key in n)) { order[++keys] = key; server[key] = $1; kind[key] = $2 }
    n[key]++
    requests[key] += $3; duration[key] += $4
    p50[key, n[key]] = $5; p99[key, n[key]] = $6
    calls[key] += $7; ids[key] += $8
    if ($9 > hwm[key]) hwm[key] = $9
    non2xx[key] += $10; sockerr[key] += $11; cpu[key] += $12; host[key] += $13
}
END {
    for (k = 1; k <= keys; k++) {
        key = order[k]
        rps = duration[key] > 0 ? requests[key] / (duration[key] / 1e6) : 0
        cpr = requests[key] > 0 ? calls[key] / requests[key] : 0
        ipr = requests[key] > 0 ? ids[key] / requests[key] : 0
        cpu_ms = requests[key] > 0 ? cpu[key] / requests[key] / 1000 : 0
        host_ms = requests[key] > 0 ? host[key] / requests[key] / 1000 : 0
        rows[k] = sprintf("%-21s %-10s %8.0f %9s %9s %8.3f %8.3f %9.2f %8.1f %6.1f MB %6d %7d",
            server[key], kind[key], rps, ms(median(p50, key, n[key])), ms(median(p99, key, n[key])),
            cpu_ms, host_ms, cpr, ipr, hwm[key] / 1024, non2xx[key], sockerr[key])
        rate[key] = rps
        if (hwm[key] > peak[server[key]]) peak[server[key]] = hwm[key]
    }
    printf "%s rounds of %s s per server and request at %s connections, %s threads; backend 2 ms + 10 us per id\n", rounds, seconds, conns, threads
    if (("falcor-node/first" in n) || ("peregrine-front/first" in n))
        printf "(requests `first`, `second`: the home request of each of the 1,000 users once, %s at a time, peregrine-front started afresh; p50/p99 from curl)\n", conns
    printf "\n"
    printf "%-21s %-10s %8s %9s %9s %8s %8s %9s %8s %9s %6s %7s\n",
        "server", "request", "req/s", "p50", "p99", "CPU ms", "host ms", "calls/req", "ids/req", "peak RSS", "non2xx", "sockerr"
    for (k = 1; k <= keys; k++) print rows[k]
    print "(CPU ms: the server's CPU time per request, user and system, from /proc/PID/stat: its threads and, for nginx, its workers;"
    print " host ms: the whole machine's busy CPU time per request, from /proc/stat: the server, wrk, the backend and anything else running)"
    if (peak_reset != 1) print "\n(peak RSS is the peak since the process started: clear_refs was refused)"
    printf "\nratios (falcor-node is the reference):\n"
    ref = rate["falcor-node/home"]
    if (ref > 0) {
        if (rate["peregrine-nocache/home"] > 0)
            printf "  home, Peregrine cache off vs reference req/s: %.1fx\n", rate["peregrine-nocache/home"] / ref
        if (rate["peregrine-cache/home"] > 0)
            printf "  home, Peregrine cache on  vs reference req/s: %.1fx\n", rate["peregrine-cache/home"] / ref
        if (rate["peregrine-values/home"] > 0)
            printf "  home, Peregrine values cache only (no answer cache) vs reference req/s: %.1fx\n", rate["peregrine-values/home"] / ref
        if (rate["peregrine-front/home"] > 0)
            printf "  home, Peregrine in front of falcor-node vs falcor-node alone req/s: %.1fx\n", rate["peregrine-front/home"] / ref
    }
    tref = rate["peregrine-traced/home"]
    if (tref > 0 && rate["peregrine-traced-down/home"] > 0)
        printf "  home, cache off, traced with the OTLP receiver down vs up req/s: %.2fx\n", rate["peregrine-traced-down/home"] / tref
    if (tref > 0 && rate["peregrine-nocache/home"] > 0)
        printf "  home, cache off, traced (receiver up) vs not traced req/s: %.2fx\n", tref / rate["peregrine-nocache/home"]
    fref = rate["falcor-node/first"]
    if (fref > 0 && rate["peregrine-front/first"] > 0)
        printf "  home, each user's first request, Peregrine in front of falcor-node vs falcor-node alone req/s: %.2fx\n", rate["peregrine-front/first"] / fref
    if (fref > 0 && rate["peregrine-front/second"] > 0)
        printf "  home, each user's second request, Peregrine in front of falcor-node vs falcor-node alone req/s: %.2fx\n", rate["peregrine-front/second"] / fref
    if (rate["peregrine-cache/one"] > 0 && rate["peregrine-cache/revalidate"] > 0)
        printf "  home of one user, Peregrine cache on, If-None-Match (304) vs the full answer req/s: %.2fx\n", rate["peregrine-cache/revalidate"] / rate["peregrine-cache/one"]
    mref = rate["falcor-node/mixed"]
    if (mref > 0 && rate["peregrine-front/mixed"] > 0)
        printf "  mixed, Peregrine in front of falcor-node vs falcor-node alone req/s: %.1fx\n", rate["peregrine-front/mixed"] / mref
    gref = rate["graphql-rs/graphql"]
    if (gref > 0 && rate["peregrine-nocache/graphql"] > 0 && rate["peregrine-cache/graphql"] > 0) {
        printf "  GraphQL home, Peregrine cache off vs graphql-rs req/s: %.1fx\n", rate["peregrine-nocache/graphql"] / gref
        printf "  GraphQL home, Peregrine cache on  vs graphql-rs req/s: %.1fx\n", rate["peregrine-cache/graphql"] / gref
    }
    if (peak["falcor-node"] > 0 && peak["peregrine-cache"] > 0 && peak["peregrine-nocache"] > 0) {
        printf "  peak RSS, Peregrine cache on  vs reference: %.2fx (%.1f MB vs %.1f MB)\n",
            peak["peregrine-cache"] / peak["falcor-node"], peak["peregrine-cache"] / 1024, peak["falcor-node"] / 1024
        printf "  peak RSS, Peregrine cache off vs reference: %.2fx (%.1f MB vs %.1f MB)\n",
            peak["peregrine-nocache"] / peak["falcor-node"], peak["peregrine-nocache"] / 1024, peak["falcor-node"] / 1024
    }
    printf "\ntargets (requests/s of one run, side by side):\n"
    target("home, cache on vs the static file server (nginx)", "peregrine-cache/home", "static-nginx/home", 0.55)
    target("home, cache on vs falcor-node", "peregrine-cache/home", "falcor-node/home", 100)
    target("home, cache off vs falcor-node", "peregrine-nocache/home", "falcor-node/home", 10)
    target("GraphQL home, cache off vs graphql-rs", "peregrine-nocache/graphql", "graphql-rs/graphql", 4)
}
