-- wrk script: signed WhatsApp webhook deliveries, each body different, optionally paced.
-- BODIES: a Lua file returning { {path, body, signature}, ... } (signature "": a GET of path,
-- with `Authorization: Bearer <item[4]>` when there is a fourth element); RATE: requests/s over
-- all connections (0: as fast as possible); CONNECTIONS: the -c given to wrk.
local items = dofile(os.getenv("BODIES"))
local rate = tonumber(os.getenv("RATE") or "0")
local connections = tonumber(os.getenv("CONNECTIONS") or "1")
local thread_count = 0

function setup(thread)
  thread:set("offset", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  threads = tonumber(os.getenv("THREADS") or "1")
  index = offset
  first_requests = math.ceil(connections / threads)
  math.randomseed(offset + 1)
end

-- Each connection waits 0.5 to 1.5 times its share of the rate: the mean rate is RATE, and
-- connections opened together (many, with -c1000) do not all send at the same instant. A
-- connection's first request waits 0 to 1 times its share instead: with the same mean wait,
-- 1,000 connections at 50/s would first wait 20 s on average, and a 20 s run would see half
-- the rate.
function delay()
  if rate <= 0 then return 0 end
  local share = 1000 * connections / rate
  if first_requests > 0 then
    first_requests = first_requests - 1
    return math.random() * share
  end
  return (0.5 + math.random()) * share
end

function request()
  local item = items[(index % #items) + 1]
  index = index + threads
  if item[3] == "" then
    if item[4] then
      return wrk.format("GET", item[1], { ["Authorization"] = "Bearer " .. item[4] })
    end
    return wrk.format("GET", item[1])
  end
  return wrk.format("POST", item[1], {
    ["Content-Type"] = "application/json",
    ["X-Hub-Signature-256"] = item[3],
  }, item[2])
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    "RESULT %d %d %.3f %.3f %.3f %d\n",
    summary.requests, summary.duration, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, errors))
end
