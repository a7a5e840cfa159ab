-- Pipelining for wrk: every write carries `depth` GET requests back to back
-- (default 16; the harness passes it after `--`). wrk counts the requests in
-- the batch once at start-up and then expects that many responses per write,
-- so requests/s and latency are per request, not per batch.

local batch

function init(args)
  local depth = tonumber(args[1]) or 16
  local one = wrk.format("GET", "/")
  batch = string.rep(one, depth)
end

function request()
  return batch
end
