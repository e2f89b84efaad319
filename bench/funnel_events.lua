-- Funnels and cohorts side of `make bench`: on the lead data set written by
-- samples/gen_samples (leads, activities, deals), times funnel.funnel and
-- funnel.cohorts the way the dashboard uses them, and prints the time per
-- million events (an event: one row of a step's table, after its filter).
-- Loading and filtering are outside the timing; each task runs `runs`
-- times and the median is reported.
--
-- Prints "FUNNELS <task> <events> <median seconds> <seconds per million>".
--
-- usage: funnel-lua bench/funnel_events.lua --trust --data DIR [--param runs=3]
local runs = tonumber(funnel.params.runs or "3")
local d, col = funnel.data, funnel.col

local t0 = funnel.clock()
local leads, acts, deals = d.leads, d.activities, d.deals
io.stderr:write(string.format("funnel_events: loaded %d leads, %d activities, %d deals in %.1f s\n",
  #leads, #acts, #deals, funnel.clock() - t0))

local demos = acts:where(col "type":eq "demo_performed")
local won = deals:where(col "status":eq "won")
local steps = {
  { name = "lead", leads, time = "created_at" },
  { name = "MQL", leads, time = "mql_at" },
  { name = "SQL", leads, time = "sql_at" },
  { name = "demo", demos, time = "at" },
  { name = "won", won, time = "closed_at" },
}
local step_events = 0
for _, s in ipairs(steps) do step_events = step_events + #s[1] end

local tasks = {
  { "funnel_ordered_by_channel", step_events, function()
      return funnel.funnel { key = "lead_id", window = "90d", by = "channel", steps = steps }
    end },
  { "funnel_any_order", step_events, function()
      return funnel.funnel { key = "lead_id", window = "90d", order = "any", steps = steps }
    end },
  -- every activity as the "again" table: the biggest input of the three
  { "cohorts_month", #won + #acts, function()
      return funnel.cohorts { key = "lead_id", period = "month", periods = 12,
        first = { won, time = "closed_at" }, again = { acts, time = "at" } }
    end },
}

for _, task in ipairs(tasks) do
  local name, events, fn = task[1], task[2], task[3]
  local times = {}
  for r = 1, runs do
    collectgarbage()
    local t = funnel.clock()
    local result = fn()
    times[r] = funnel.clock() - t
    assert(#result > 0, name .. " gave no rows")
  end
  table.sort(times)
  local median = times[(runs + 1) // 2]
  print(string.format("FUNNELS %s %d %.3f %.3f", name, events, median, median / (events / 1e6)))
end
