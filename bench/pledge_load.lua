-- wrk script: POST /api/v1/pledges, each request with its own Idempotency-Key and donor,
-- spread over the bench's projects. Set by bench/pledges.py through the environment:
--   PLEDGE_PROJECTS  comma-separated project ids   PLEDGE_EVENT  the event number
--   PLEDGE_RUN       a tag unique to this run, so keys never repeat across runs
local projects = {}
for id in string.gmatch(os.getenv("PLEDGE_PROJECTS") or "1", "%d+") do
  projects[#projects + 1] = id
end
local event = os.getenv("PLEDGE_EVENT") or "900"
local run = os.getenv("PLEDGE_RUN") or tostring(os.time())
local counter = 0
local threads = 0
thread_tag = ""

function setup(thread)
  threads = threads + 1
  thread:set("thread_tag", run .. "-" .. threads)
end

function request()
  counter = counter + 1
  local n = counter
  local body = string.format(
    '{"event":%s,"project_id":%s,"amount_fen":%d,"donor":{"kind":"individual",'
      .. '"display_name":"捐赠人%d","email":"donor%s-%d@example.com"},"message":"一起把好事办好"}',
    event, projects[(n % #projects) + 1], 100 + (n * 7919) % 100000, n, thread_tag, n)
  return wrk.format("POST", "/api/v1/pledges", {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. thread_tag .. "-" .. n,
  }, body)
end

function done(summary, latency, requests)
  -- one JSON line the bench script parses (latencies in microseconds)
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"seconds":%.3f,"non_2xx":%d,"connect":%d,"read":%d,'
      .. '"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration / 1e6, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
