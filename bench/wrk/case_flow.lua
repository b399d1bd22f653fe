-- One full case per three requests: POST /cases -> upload the letter -> POST /run.
-- Run wrk with as many threads as connections (-t N -c N) so each thread drives one
-- connection and the state machine below is per connection.

local boundary = "denialopsbenchboundary"
local letter = nil
local state = "create"
local case_id = nil
cases_done = 0  -- globals: done() reads them through thread:get()
errors = 0

function init(args)
  local f = assert(io.open(os.getenv("DENIALOPS_BENCH_LETTER"), "rb"))
  letter = f:read("*a")
  f:close()
end

local function upload_body()
  return "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="doc_type"\r\n\r\ndenial_letter\r\n'
    .. "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="file"; filename="letter.txt"\r\n'
    .. "Content-Type: text/plain\r\n\r\n" .. letter .. "\r\n"
    .. "--" .. boundary .. "--\r\n"
end

function request()
  if state == "create" then
    return wrk.format("POST", "/api/v1/cases", {["Content-Type"] = "application/json"}, "{}")
  elseif state == "upload" then
    return wrk.format("POST", "/api/v1/cases/" .. case_id .. "/documents",
      {["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, upload_body())
  else
    return wrk.format("POST", "/api/v1/cases/" .. case_id .. "/run", nil, nil)
  end
end

function response(status, headers, body)
  if state == "create" then
    if status ~= 201 then errors = errors + 1; return end
    case_id = string.match(body, '"case_id":"([^"]+)"')
    state = "upload"
  elseif state == "upload" then
    if status ~= 201 then errors = errors + 1; state = "create"; return end
    state = "run"
  else
    if status == 200 then cases_done = cases_done + 1 else errors = errors + 1 end
    state = "create"
  end
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local total_cases, total_errors = 0, 0
  for _, t in ipairs(threads) do
    total_cases = total_cases + t:get("cases_done")
    total_errors = total_errors + t:get("errors")
  end
  io.write(string.format(
    "RESULT cases=%d errors=%d seconds=%.3f p50_ms=%.3f p99_ms=%.3f requests=%d\n",
    total_cases, total_errors, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, summary.requests))
end
