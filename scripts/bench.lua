-- wrk script for scripts/bench: the measured requests of
-- shared/workload/CONTRACT.md §4, as falcor-express GETs
-- (`/model.json?method=get&paths=<URL-encoded JSON path sets>`), each with
-- a user drawn at random from u1..u1000 (`Authorization: Bearer uN`).
--
--   wrk ... -s scripts/bench.lua http://127.0.0.1:PORT -- home|detail|mixed|graphql|one|revalidate|range:N
--
-- graphql is the home request as a GraphQL query, POSTed to /graphql.
-- one is u17's home request alone; revalidate the same with
-- `If-None-Match: $BENCH_ETAG` (the ETag of its answer: 304s).
-- range:N is videos[1..N].title, N paths, as u17 (scripts/bench-curves).
--
-- done() prints one machine-readable line:
--   BENCH requests=N duration_us=N p50_us=N p99_us=N non2xx=N connect=N read=N write=N timeout=N

local users = 1000
local videos = 10000

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local function model_get(paths_json)
  return "/model.json?method=get&paths=" .. urlencode(paths_json)
end

-- genreLists[0..9].name and genreLists[0..9][0..9]['title','boxshot','rating']
local home_path = model_get(
  '[["genreLists",{"from":0,"to":9},"name"],'
    .. '["genreLists",{"from":0,"to":9},{"from":0,"to":9},["title","boxshot","rating"]]]'
)

-- videos[N]['title','synopsis','year','runtime','maturity','rating']
local detail_prefix = '[["videos",'
local detail_suffix = ',["title","synopsis","year","runtime","maturity","rating"]]]'
local function detail_path(n)
  return model_get(detail_prefix .. n .. detail_suffix)
end

local kind = "home"
local range_path
local thread_counter = 0

function setup(thread)
  thread_counter = thread_counter + 1
  thread:set("thread_id", thread_counter)
end

function init(args)
  kind = args[1] or "home"
  local n = kind:match("^range:(%d+)$")
  if n then
    kind = "range"
    range_path = model_get('[["videos",{"from":1,"to":' .. n .. '},"title"]]')
  end
  local kinds = { home = true, detail = true, mixed = true, graphql = true, one = true, revalidate = true, range = true }
  if not kinds[kind] then
    error("unknown request kind: " .. tostring(kind))
  end
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
  -- the first values of a freshly seeded generator are poor: skip some
  for _ = 1, 10 do math.random() end
end

-- The home request as GraphQL (the same rows, videos and fields).
local graphql_body = '{"query":"{ genreLists(from: 0, to: 9) { name videos(from: 0, to: 9) { title boxshot rating } } }"}'

local etag = os.getenv("BENCH_ETAG")

-- wrk.format takes the headers given or wrk's (`wrk -H ...`), not both:
-- with `-H`, the request's own headers and wrk's (scripts/profile sends
-- Accept-Encoding so). Without, nothing is added to what wrk does for
-- each request (its own CPU is part of every ratio measured).
local format = wrk.format
function wrk.format(method, path, headers, body)
  if headers ~= nil then
    for name, value in pairs(wrk.headers) do
      if headers[name] == nil then
        headers[name] = value
      end
    end
  end
  return format(method, path, headers, body)
end
if next(wrk.headers) == nil then
  wrk.format = format
end

function request()
  if kind == "range" then
    return wrk.format("GET", range_path, { ["Authorization"] = "Bearer u17" }, nil)
  end
  if kind == "one" or kind == "revalidate" then
    local headers = { ["Authorization"] = "Bearer u17" }
    if kind == "revalidate" then
      headers["If-None-Match"] = etag
    end
    return wrk.format("GET", home_path, headers, nil)
  end
  local headers = { ["Authorization"] = "Bearer u" .. math.random(1, users) }
  if kind == "graphql" then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", "/graphql", headers, graphql_body)
  end
  local path
  if kind == "home" or (kind == "mixed" and math.random() < 0.8) then
    path = home_path
  else
    path = detail_path(math.random(1, videos))
  end
  return wrk.format("GET", path, headers, nil)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect, e.read, e.write, e.timeout))
end
