-- wrk script: POST /v1/resolve for one subject per request. bench/run.sh configures it through
-- the environment (each wrk thread has its own Lua state, so settings travel as variables):
--   BENCH_KEY          API key sent as a bearer token
--   BENCH_FIELDS       comma-separated field ids: the body template of the scenario
--   BENCH_MODE         random: subjects drawn uniformly from [BENCH_RANDOM_LO, BENCH_RANDOM_HI]
--                      walk:   each thread walks its own slice of [BENCH_WALK_LO, BENCH_WALK_HI]
--                              in order, so no subject is asked twice (until the slice wraps)
--                      half:   alternates random (cached) and walk (never asked) subjects
--   BENCH_THREADS      the -t given to wrk (to cut the walk range into disjoint slices)
--   BENCH_STOP         "1": stop each thread once its slice has been answered (cache warming)
-- done() prints one machine-readable line starting with "BENCH " for run.sh to parse.

local function env(name, default)
  local value = os.getenv(name)
  if value == nil or value == "" then return default end
  return value
end

local mode = env("BENCH_MODE", "random")
local randomLo = tonumber(env("BENCH_RANDOM_LO", "1"))
local randomHi = tonumber(env("BENCH_RANDOM_HI", "10000"))
local walkLo = tonumber(env("BENCH_WALK_LO", "1"))
local walkHi = tonumber(env("BENCH_WALK_HI", "100000"))
local threadCount = tonumber(env("BENCH_THREADS", "2"))
local stopWhenWalked = env("BENCH_STOP", "0") == "1"

-- Subject i of bench/gen_data.sql.
local function idCard(i)
  return string.format("33010219%09d0", i)
end

local headers = {
  ["Authorization"] = "Bearer " .. env("BENCH_KEY", "bench-key-oncegate-0001"),
  ["Content-Type"] = "application/json",
}

local quoted = {}
for field in string.gmatch(env("BENCH_FIELDS", "person.name"), "[^,]+") do
  quoted[#quoted + 1] = '"' .. field .. '"'
end
local bodyHead = '{"purpose":"retirement","subject":{"type":"person","id_card":"'
local bodyTail = '"},"fields":[' .. table.concat(quoted, ",") .. "]}"

-- Main state: hand each thread its index, and keep the threads for done().
local threads = {}
function setup(thread)
  thread:set("threadIndex", #threads)
  threads[#threads + 1] = thread
end

-- Thread state.
threadIndex = 0
walked = 0
answered = 0
local sliceLo, sliceSize

function init(args)
  math.randomseed(os.time() * 1000 + threadIndex * 7919)
  local total = walkHi - walkLo + 1
  sliceSize = math.floor(total / threadCount)
  sliceLo = walkLo + threadIndex * sliceSize
end

local function nextWalked()
  local subject = sliceLo + (walked % sliceSize)
  walked = walked + 1
  return subject
end

local flip = false
function request()
  local subject
  if mode == "walk" then
    subject = nextWalked()
  elseif mode == "half" then
    flip = not flip
    if flip then subject = nextWalked() else subject = math.random(randomLo, randomHi) end
  else
    subject = math.random(randomLo, randomHi)
  end
  return wrk.format("POST", nil, headers, bodyHead .. idCard(subject) .. bodyTail)
end

-- Only warming defines response(): wrk hands bodies to Lua only when it exists, which costs.
if stopWhenWalked then
  function response(status, headers, body)
    answered = answered + 1
    if answered >= sliceSize then wrk.thread:stop() end
  end
end

function done(summary, latency, requests)
  local walkedTotal = 0
  for _, thread in ipairs(threads) do walkedTotal = walkedTotal + thread:get("walked") end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d duration_s=%.3f rps=%.1f p50_us=%d p99_us=%d status_errors=%d " ..
    "connect=%d read=%d write=%d timeout=%d walked=%d walk_size=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50),
    latency:percentile(99), e.status, e.connect, e.read, e.write, e.timeout, walkedTotal,
    walkHi - walkLo + 1))
end
