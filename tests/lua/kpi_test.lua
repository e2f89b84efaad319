-- funnel.kpi and the catalogue funnel.kpis on a tiny CRM export whose every
-- expected value is counted by hand from tests/lua/fixtures/crm/*.csv.
-- test-data: tests/lua/fixtures/crm
--
-- The fixture, in short (Q3 = 2026-07-01..2026-09-30):
--   leads  1 SEO/Ana   2026-06-15 customer   (Q2)
--          2 SEO/Ana   2026-07-01 00:00 lead
--          3 Webinar/Bo 2026-07-15 SQL       mql 07-16, sql 07-20
--          4 Webinar/Bo 2026-08-31 23:59:59 customer, mql 09-01, sql 09-02
--          5 Event/Ana 2026-09-30 18:00 MQL  mql 09-30 19:00, no sql
--          6 SEO/Bo    2026-10-01 (Q4)
--   deals  10 lead 1 06-25 -> 07-10 won 1000 · 11 lead 3 07-20 -> 08-19 lost 2500
--          12 lead 4 09-02 -> 09-30 won 3000 · 13 lead 3 08-01 open 500
--   spend  07-01 SEO 300 · 08-15 Webinar 900 · 09-30 Event 200 · 06-30 SEO 1000
local kpi = require "funnel.kpi"
require "funnel.kpis"
local test, expect = funnel.test, funnel.expect

local Q3 = { from = "2026-07-01", to = "2026-09-30" }

-- A breakdown as a map key -> value ("(none)" for a null key).
local function as_map(list)
  local m = {}
  for _, e in ipairs(list) do m[e.key == nil and "(none)" or e.key] = e.value end
  return m
end

test("leads_acquired: a timestamp on the period's last day counts, the next day does not", function()
  -- leads 2, 3, 4, 5 (lead 5 at 18:00 on 09-30; lead 6 is 10-01)
  expect(kpi.value("leads_acquired", Q3)):to_equal(4)
  expect(kpi.value("leads_acquired", { from = "2026-04-01", to = "2026-06-30" })):to_equal(1)
end)

test("compare: a quarter against the previous quarter", function()
  local c = kpi.compare("leads_acquired", Q3)
  expect(c.value):to_equal(4)
  expect(c.previous):to_equal(1)
  expect(c.previous_period):to_equal({ from = "2026-04-01", to = "2026-06-30" })
  expect(c.change):to_be_near(3.0, 1e-15)
  expect(c.delta):to_equal(3)
  expect(c.improved):to_equal(true)
end)

test("compare: days when the period is not whole months; change nil from 0", function()
  -- 2026-07-02..2026-07-15 (14 days) against 06-18..07-01: lead 2 (07-01) only
  local c = kpi.compare("leads_acquired", { from = "2026-07-02", to = "2026-07-15" })
  expect(c.previous_period):to_equal({ from = "2026-06-18", to = "2026-07-01" })
  expect(c.value):to_equal(1)
  expect(c.previous):to_equal(1)
  expect(c.change):to_be_near(0, 0)
  c = kpi.compare("deals_won", { from = "2026-09-01", to = "2026-09-30" })
  expect(c.value):to_equal(1)
  expect(c.previous):to_equal(0)
  expect(c.change):to_equal(nil)
end)

test("breakdown by channel, owner and month", function()
  expect(kpi.breakdown("leads_acquired", Q3, "channel")):to_equal({
    { key = "Event", value = 1 }, { key = "SEO", value = 1 }, { key = "Webinar", value = 2 },
  })
  expect(as_map(kpi.breakdown("leads_acquired", Q3, "owner"))):to_equal({ Ana = 2, Bo = 2 })
  expect(kpi.breakdown("leads_acquired", Q3, "month")):to_equal({
    { key = "2026-07-01", value = 2 }, { key = "2026-08-01", value = 1 }, { key = "2026-09-01", value = 1 },
  })
end)

test("breakdown through a join: demos by the lead's channel", function()
  -- demos in Q3: lead 3 (07-18), lead 4 (09-30 23:00), both Webinar/Bo; lead 1's is 06-30
  expect(kpi.value("demos_performed", Q3)):to_equal(2)
  expect(kpi.breakdown("demos_performed", Q3, "channel")):to_equal({ { key = "Webinar", value = 2 } })
end)

test("breakdown: an unsupported dimension is refused", function()
  expect(function() kpi.breakdown("cost_per_lead", Q3, "owner") end)
    :to_fail_with("KPI 'cost_per_lead' has no breakdown by owner (it supports: channel, campaign, month)")
end)

test("catalogue, top of the funnel", function()
  expect(kpi.value("content_views", Q3)):to_equal(1)        -- lead 2, 07-02
  expect(kpi.value("whitepaper_downloads", Q3)):to_equal(1) -- lead 3, 07-16
end)

test("catalogue, bottom of the funnel", function()
  expect(kpi.value("deals_won", Q3)):to_equal(2)                                 -- deals 10, 12
  expect(kpi.value("lead_quality_rating", Q3)):to_be_near((2 + 5 + 4) / 3, 1e-12)
  expect(kpi.value("persona_fit_rate", Q3)):to_be_near(2 / 3, 1e-12)
  expect(kpi.value("lead_to_customer_conversion", Q3)):to_be_near(1 / 4, 1e-12)  -- lead 4 of 2..5
  expect(kpi.value("cost_per_lead", Q3)):to_be_near(1400 / 4, 1e-12)
  -- lead 2: content_view + demo_request, lead 3: whitepaper_download (the
  -- demo_performed and email are not customer interactions; lead 5's
  -- callback is on 10-01): 3 interactions for 4 leads
  expect(kpi.value("customer_interaction", Q3)):to_be_near(3 / 4, 1e-12)
  expect(kpi.value("win_rate", Q3)):to_be_near(2 / 3, 1e-12)                      -- 10 won, 11 lost, 12 won
  expect(kpi.value("average_deal_size", Q3)):to_be_near(2000, 1e-12)
  expect(kpi.value("sales_cycle_days", Q3)):to_be_near((15 + 28) / 2, 1e-12)     -- 15 and 28 days
  expect(kpi.value("cac", Q3)):to_be_near(1400 / 2, 1e-12)                        -- leads 1 and 4 first won in Q3
  expect(kpi.value("mql_to_sql_rate", Q3)):to_be_near(2 / 3, 1e-12)              -- leads 3, 4 of 3, 4, 5
  -- open at 09-30: deal 13 only; 1 x 2/3 x 2000 / 21.5
  expect(kpi.value("pipeline_velocity", Q3)):to_be_near(1 * (2 / 3) * 2000 / 21.5, 1e-9)
  -- September won 3000 against August 0: undefined; July-August: 0 against 1000
  expect(kpi.value("monthly_sales_growth", Q3)):to_equal(nil)
  expect(kpi.value("monthly_sales_growth", { from = "2026-07-01", to = "2026-08-31" })):to_be_near(-1, 1e-15)
end)

test("catalogue breakdowns combine maps key by key", function()
  expect(as_map(kpi.breakdown("win_rate", Q3, "channel"))):to_equal({ SEO = 1.0, Webinar = 0.5 })
  expect(as_map(kpi.breakdown("cost_per_lead", Q3, "channel"))):to_equal({ Event = 200.0, SEO = 300.0, Webinar = 450.0 })
  -- Event spent 200 and won no customer: no CAC rather than a division by zero
  local cac = as_map(kpi.breakdown("cac", Q3, "channel"))
  expect(cac.SEO):to_equal(300.0)
  expect(cac.Webinar):to_equal(900.0)
  expect(cac.Event):to_equal(nil)
end)

test("define: the same name from another place is an error naming both", function()
  local def = {
    name = "leads_acquired", owner = "x", unit = "count", direction = "up", description = "dup",
    compute = function() return 0 end,
  }
  expect(function() kpi.define(def) end):to_fail_with("KPI 'leads_acquired' is defined twice: at stdlib/funnel/kpis.lua:")
  local ok, err = pcall(kpi.define, def)
  expect(ok):to_equal(false)
  expect(err:find("kpi_test.lua:%d+ %(rename one of them%)") ~= nil):to_be_truthy()
end)

test("define: the same place twice (a file loaded again) replaces the definition", function()
  for i = 1, 2 do
    kpi.define{ name = "test_loop", owner = "qa", unit = "count", direction = "up",
      description = "defined in a loop", compute = function() return i end }
  end
  expect(kpi.value("test_loop", Q3)):to_equal(2)
end)

test("list: every definition with its source file and line", function()
  local found
  for _, d in ipairs(kpi.list()) do
    if d.name == "test_loop" then found = d end
  end
  expect(found.source:match("kpi_test%.lua$") ~= nil):to_be_truthy()
  expect(found.line):to_equal(128) -- the line of the kpi.define call above
  local names = {}
  for _, d in ipairs(kpi.list()) do names[#names + 1] = d.name end
  expect(#names):to_equal(18) -- the 17 of the catalogue and test_loop
  expect(names[1]):to_equal("average_deal_size")
end)

test("define checks its fields", function()
  expect(function() kpi.define{ name = "x", owner = "o", unit = "euros", direction = "up", description = "d",
    compute = function() end } end):to_fail_with("unit must be one of count, currency, percent, ratio, days")
  expect(function() kpi.value("no_such_kpi", Q3) end):to_fail_with("unknown KPI 'no_such_kpi'")
  expect(function() kpi.value("leads_acquired", { from = "2026-07-01", to = "2026-06-01" }) end)
    :to_fail_with("from (2026-07-01) is after to (2026-06-01)")
end)
