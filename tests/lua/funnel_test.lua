-- funnel.funnel and funnel.cohorts on a tiny CRM export, every number worked
-- out by hand below, and the errors a user sees for a wrong definition.
-- test-data: tests/lua/fixtures/funnel
--
-- leads.csv: 1 Jan-01 SEO, 2 Jan-02 12:00 Event, 3 Jan-10 SEO, 4 (no time:
--   ignored) Event, 1 again Feb-01 Event (neither restarts lead 1's clock nor
--   changes its channel), 5 Jan-05 (no channel). created_at mixes dates and
--   timestamps: dates count as midnight UTC.
-- activities.csv (demos): 1 Jan-03 (2 days after its lead), 2 Jan-02 00:00
--   (before its lead) and Jan-04 00:00 (1.5 days), 3 Mar-01 (50 days), 4 and
--   6 (never leads), 5 Jan-06 (1 day); lead 1 also has a visit on Jan-02.
-- deals.csv (won): 1 Jan-20 (17 days after its demo) and Mar-01, 2 Jan-03
--   (before its demo), 5 Mar-01 (54 days after its demo); 3 lost Jan-15.
local d, col = funnel.data, funnel.col
local expect = funnel.expect

local function steps()
  return {
    { name = "lead", d.leads, time = "created_at" },
    { name = "demo", d.activities:where(col "type":eq "demo"), time = "at" },
    { name = "won", d.deals:where(col "status":eq "won"), time = "closed_at" },
  }
end

-- The result's rows as Lua tables.
local function rows(t)
  local out = {}
  for i = 1, #t do out[i] = t:row(i) end
  return out
end

local function near(v, x) expect(v):to_be_near(x, 1e-12) end

funnel.test("ordered funnel within 30 days", function()
  local r = rows(funnel.funnel { key = "lead_id", window = "30d", steps = steps() })
  expect(#r):to_equal(3)
  -- leads 1, 2, 3, 5. Demos by Jan-31 / Feb-01 12:00 / Feb-09 / Feb-04:
  -- 1 (2 d), 2 (1.5 d), 5 (1 d); lead 3's demo is 50 days later.
  -- Won after the demo and within 30 days of the lead: lead 1 only (17 d).
  expect({ r[1].step, r[1].name, r[1].count }):to_equal { 1, "lead", 4 }
  expect({ r[2].step, r[2].name, r[2].count }):to_equal { 2, "demo", 3 }
  expect({ r[3].step, r[3].name, r[3].count }):to_equal { 3, "won", 1 }
  near(r[2].conversion, 0.75)
  near(r[3].conversion, 0.25)
  near(r[1].step_conversion, 1)
  near(r[3].step_conversion, 1 / 3)
  expect(r[1].median_days):to_be_nil()
  expect(r[1].p90_days):to_be_nil()
  -- demo times 1, 1.5, 2: median 1.5; p90 at rank 2 * 0.9 = 1.8: 1.5 + 0.8 * 0.5
  near(r[2].median_days, 1.5)
  near(r[2].p90_days, 1.9)
  near(r[3].median_days, 17)
  near(r[3].p90_days, 17)
end)

funnel.test("ordered funnel without a window", function()
  local r = rows(funnel.funnel { key = "lead_id", steps = steps() })
  -- lead 3's demo counts now: times 1, 1.5, 2, 50 -> median 1.75,
  -- p90 at rank 3 * 0.9 = 2.7: 2 + 0.7 * 48 = 35.6.
  -- Won: lead 1 (17 d) and lead 5 (Jan-06 -> Mar-01, 54 d); lead 2's win
  -- came before its demo. Median 35.5, p90 17 + 0.9 * 37 = 50.3.
  expect({ r[1].count, r[2].count, r[3].count }):to_equal { 4, 4, 2 }
  near(r[2].median_days, 1.75)
  near(r[2].p90_days, 35.6)
  near(r[3].median_days, 35.5)
  near(r[3].p90_days, 50.3)
  near(r[3].step_conversion, 0.5)
end)

funnel.test("any-order funnel", function()
  local r = rows(funnel.funnel { key = "lead_id", window = "30d", order = "any", steps = steps() })
  -- demos in [t1, t1 + 30 d]: leads 1, 2 (Jan-04), 5. Won in the same span,
  -- whatever the demo's time: lead 1, and lead 2 (Jan-03) now too.
  expect({ r[1].count, r[2].count, r[3].count }):to_equal { 4, 3, 2 }
  near(r[3].step_conversion, 2 / 3)
  expect(r[2].median_days):to_be_nil()
  expect(r[3].p90_days):to_be_nil()
end)

funnel.test("breakdown by the channel of the first lead row", function()
  local s = steps()
  -- a fourth step on the same table as the third: the same win may count
  -- again (at or after the step before), 0 days later
  s[4] = { name = "won again", d.deals:where(col "status":eq "won"), time = "closed_at" }
  local r = rows(funnel.funnel { key = "lead_id", window = "30d", by = "channel", steps = s })
  -- Event: lead 2 (lead, demo, -, -). SEO: leads 1 and 3 (2, 1, 1, 1).
  -- no channel: lead 5 (lead, demo, -, -). Sorted by channel, nulls last.
  expect(#r):to_equal(12)
  local got = {}
  for i, row in ipairs(r) do got[i] = { row.channel or "(null)", row.step, row.count } end
  expect(got):to_equal {
    { "Event", 1, 1 }, { "Event", 2, 1 }, { "Event", 3, 0 }, { "Event", 4, 0 },
    { "SEO", 1, 2 }, { "SEO", 2, 1 }, { "SEO", 3, 1 }, { "SEO", 4, 1 },
    { "(null)", 1, 1 }, { "(null)", 2, 1 }, { "(null)", 3, 0 }, { "(null)", 4, 0 },
  }
  near(r[3].step_conversion, 0)       -- Event: 0 of 1
  expect(r[4].step_conversion):to_be_nil() -- after a step with nobody
  expect(r[4].median_days):to_be_nil()
  near(r[6].step_conversion, 0.5)     -- SEO: 1 of 2
  near(r[6].median_days, 2)
  near(r[7].median_days, 17)
  near(r[8].median_days, 0)
  near(r[2].median_days, 1.5)         -- Event: lead 2
end)

funnel.test("repeat-purchase cohorts by month", function()
  local won = d.deals:where(col "status":eq "won")
  local r = rows(funnel.cohorts { key = "lead_id", period = "month", periods = 2,
    first = { won, time = "closed_at" }, again = { won, time = "closed_at" } })
  -- first wins: lead 1 Jan, lead 2 Jan, lead 5 Mar. January's cohort {1, 2}:
  -- both in January, nobody in February, lead 1 in March. March's: {5}.
  local got = {}
  for i, row in ipairs(r) do got[i] = { row.cohort, row.size, row.period, row.active } end
  expect(got):to_equal {
    { "2026-01-01", 2, 0, 2 }, { "2026-01-01", 2, 1, 0 }, { "2026-01-01", 2, 2, 1 },
    { "2026-03-01", 1, 0, 1 }, { "2026-03-01", 1, 1, 0 }, { "2026-03-01", 1, 2, 0 },
  }
  near(r[3].rate, 0.5)
  near(r[4].rate, 1)
end)

-- Runs src as a script named "dashboard.lua", so an error message shows the
-- name and line the user would see.
local function script(src)
  return function()
    local chunk = assert(load(src, "=dashboard.lua", "t"))
    chunk()
  end
end

funnel.test("a step without its time or key column names the step and the line", function()
  expect(script [[
local d = funnel.data
funnel.funnel{ key = "lead_id",
  steps = { { name = "lead", d.leads, time = "created_at" },
            { name = "demo", d.activities, time = "when" } } }]])
    :to_fail_with("dashboard.lua:2: step 2 'demo': no time column 'when' (columns: lead_id, at, type)")
  expect(script [[
local d = funnel.data

funnel.funnel{ key = "deal_id",
  steps = { { name = "deal", d.deals, time = "closed_at" },
            { name = "demo", d.activities, time = "at" } } }]])
    :to_fail_with("dashboard.lua:3: step 2 'demo': no key column 'deal_id' (columns: lead_id, at, type)")
end)

funnel.test("a window that does not parse", function()
  expect(script [[
funnel.funnel{ key = "lead_id", window = "30 days",
  steps = { { name = "lead", funnel.data.leads, time = "created_at" } } }]])
    :to_fail_with([[dashboard.lua:1: funnel: window '30 days' is not a duration like "30d", "12h" or "2w"]])
end)

funnel.test("a breakdown column missing from the first step", function()
  expect(script [[
local d = funnel.data
funnel.funnel{ key = "lead_id", by = "type",
  steps = { { name = "lead", d.leads, time = "created_at" },
            { name = "demo", d.activities, time = "at" } } }]])
    :to_fail_with("dashboard.lua:2: step 1 'lead': no breakdown column 'type' (columns: lead_id, created_at, channel)")
end)

funnel.test("a time column of the wrong type, in a funnel and in cohorts", function()
  expect(script [[
funnel.funnel{ key = "lead_id",
  steps = { { name = "lead", funnel.data.leads, time = "created_at" },
            { name = "demo", funnel.data.activities, time = "type" } } }]])
    :to_fail_with("dashboard.lua:1: step 2 'demo': time column 'type' is string, expected date or timestamp")
  expect(script [[
local won = funnel.data.deals
funnel.cohorts{ key = "lead_id", first = { won, time = "closed_at" },
  again = { funnel.data.activities, time = "at_" } }]])
    :to_fail_with("dashboard.lua:2: cohorts 'again': no time column 'at_' (columns: lead_id, at, type)")
end)
