# start_static_nginx NAME FILE: nginx serving FILE (a JSON answer) at
# /model.json whatever the query, as port[NAME] and pid[NAME], its
# folder $logs/nginx; waits until it answers FILE's bytes. Sourced after
# processes.sh and servers.sh.
start_static_nginx() {
    local name="$1" file="$2"
    need_commands nginx:nginx-light
    free_port "port[$name]"
    mkdir -p "$logs/nginx"
    cp "$file" "$logs/nginx/model.json"
    # nginx's workers run as nobody: let them read the answer (mktemp's
    # folder is its owner's alone).
    chmod a+rx "$logs" "$logs/nginx"
    chmod a+r "$logs/nginx/model.json"
    # As nginx serves static files at its best: a worker per core (as
    # Peregrine's runtime has a thread per core), sendfile, open files
    # cached, no access log, connections kept as long as wrk keeps them.
    cat >"$logs/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $logs/nginx/nginx.pid;
error_log $logs/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    open_file_cache max=16;
    gzip off;
    client_body_temp_path $logs/nginx/body;
    proxy_temp_path $logs/nginx/proxy;
    fastcgi_temp_path $logs/nginx/fastcgi;
    uwsgi_temp_path $logs/nginx/uwsgi;
    scgi_temp_path $logs/nginx/scgi;
    server {
        listen 127.0.0.1:${port[$name]};
        location = /model.json {
            default_type application/json;
            alias $logs/nginx/model.json;
        }
    }
}
CONF
    nginx -p "$logs/nginx" -c "$logs/nginx/nginx.conf" -g 'daemon off;' >"$logs/$name.log" 2>&1 &
    pid[$name]=$!
    pids+=("${pid[$name]}")
    wait_ready "$name" "${pid[$name]}" "http://127.0.0.1:${port[$name]}$home_check"
    if ! curl -sf -o "$logs/check-$name.json" "http://127.0.0.1:${port[$name]}$home_check" ||
        ! cmp -s "$file" "$logs/check-$name.json"; then
        echo "bench: $name does not answer the home request with $file; its log:" >&2
        cat "$logs/nginx/error.log" >&2 || true
        exit 1
    fi
}
