# Peregrine in front of a falcor-router server, as scripts/bench runs it
# (`peregrine-front`, see its header): starting it, starting it afresh,
# and checking that it answers as the falcor-router server alone does.
# Sourced after processes.sh and servers.sh.

# start_front: starts peregrine-front, Peregrine in front of a
# falcor-router server of its own (falcor-node-behind, not measured
# alone), as examples/falcor-router declares it: videos' fields but rating
# from the catalog service, every other path from the falcor-router
# server. Its log is appended to (it is restarted before each run).
start_front() {
    free_port 'port[peregrine-front]'
    LEGACY_URL="http://127.0.0.1:${port[falcor-node-behind]}" CATALOG_URL="$backend_url" \
        "$bin" serve --no-catalog --dev-auth --host 127.0.0.1 --port "${port[peregrine-front]}" \
        --backend "$backend_url" --routes "$root/examples/falcor-router" \
        >>"$logs/peregrine-front.log" 2>&1 &
    pid[peregrine-front]=$!
    pids+=("${pid[peregrine-front]}")
}
# restart_front: peregrine-front afresh, its caches empty (on a new port).
restart_front() {
    stop_server peregrine-front
    start_front
    wait_ready peregrine-front "${pid[peregrine-front]}" "http://127.0.0.1:${port[peregrine-front]}$probe_path"
}

# peregrine-front must answer as the falcor-router server alone does: the
# home request of a user it has not seen (its fallback asks the server
# behind it) and again (from its caches), and a detail request, compared
# as JSON with falcor-node's answers (the measured instance's, or the one
# behind it when falcor-node is not run). The times are single requests,
# for a sense of what a user's first request costs.
# get_ms NAME USER PATH OUT: GETs PATH from server NAME as USER into OUT,
# fails unless 200; prints the time it took in ms.
get_ms() {
    local code_time code
    code_time="$(curl -s -o "$4" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $2" \
        "http://127.0.0.1:${port[$1]}$3")"
    code="${code_time%% *}"
    if [ "$code" != 200 ]; then
        echo "bench: $1 answered $3 for $2 with $code:" >&2
        head -c 500 "$4" >&2
        exit 1
    fi
    awk -v s="${code_time#* }" 'BEGIN { printf "%.1f", s * 1000 }'
}
# check_front REFERENCE: peregrine-front's answers to u17's home request
# (through REFERENCE, then from its caches) and to a detail request are
# REFERENCE's JSON; fails loudly where they differ.
check_front() {
    need_commands python3:python3
    local reference="$1" detail_check ref_ms first_ms second_ms
    detail_check='/model.json?method=get&paths=%5B%5B%22videos%22%2C42%2C%5B%22title%22%2C%22synopsis%22%2C%22year%22%2C%22runtime%22%2C%22maturity%22%2C%22rating%22%5D%5D%5D'
    ref_ms="$(get_ms "$reference" u17 "$home_check" "$logs/same-reference-home.json")"
    first_ms="$(get_ms peregrine-front u17 "$home_check" "$logs/same-front-home-first.json")"
    second_ms="$(get_ms peregrine-front u17 "$home_check" "$logs/same-front-home-second.json")"
    same_json peregrine-front "$logs/same-front-home-first.json" "$logs/same-reference-home.json"
    same_json peregrine-front "$logs/same-front-home-second.json" "$logs/same-reference-home.json"
    get_ms "$reference" u17 "$detail_check" "$logs/same-reference-detail.json" >/dev/null
    get_ms peregrine-front u17 "$detail_check" "$logs/same-front-detail.json" >/dev/null
    same_json peregrine-front "$logs/same-front-detail.json" "$logs/same-reference-detail.json"
    info "$(printf '%-19s answers as %s (home and detail for u17); home: %s alone %s ms, through Peregrine first %s ms, then %s ms' \
        peregrine-front "$reference" "$reference" "$ref_ms" "$first_ms" "$second_ms")"
}
