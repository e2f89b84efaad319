-- The funnel dashboard both teams look at every Monday: top- and bottom-of-
-- funnel numbers for a quarter, by channel and by month; the funnel of the
-- quarter's leads from lead to won deal (MQL, demo, SQL), its drop-off per
-- stage and by channel; and the customers who buy again.
--
--   funnel-lua scripts/funnel_dashboard.lua --data samples
--       [--param quarter=2026-Q3] [--param as_of=2026-09-30] [--format md]
--
-- Every number of the first three sections is a KPI of the shared catalogue
-- (funnel.kpis), so the dashboard and the OKR review can never disagree.
local kpi = require "funnel.kpi"
require "funnel.kpis"
local report = require "funnel.report"
local dates = require "funnel.dates"

local quarter = dates.quarter(funnel.params.quarter or "2026-Q3")
local as_of = funnel.params.as_of or "2026-09-30"
local period = { from = quarter.from, to = dates.min(dates.max(as_of, quarter.from), quarter.to) }
-- The monthly trend: the twelve months up to the period's end.
local trend = { from = dates.add_months(dates.month_of(period.to).from, -11), to = dates.month_of(period.to).to }

local TOP = { "leads_acquired", "content_views", "whitepaper_downloads", "demos_performed", "customer_interaction",
  "cost_per_lead" }
local BOTTOM = { "deals_won", "win_rate", "average_deal_size", "sales_cycle_days", "lead_to_customer_conversion",
  "cac" }

-- One row per key with a column per KPI, from kpi.breakdown.
local function by(dimension, names, over)
  local rows, index = {}, {}
  for _, name in ipairs(names) do
    for _, e in ipairs(kpi.breakdown(name, over, dimension)) do
      local k = e.key or "(none)"
      if dimension == "month" then k = k:sub(1, 7) end -- "2026-07-01" -> "2026-07"
      if not index[k] then
        index[k] = { key = k }
        rows[#rows + 1] = index[k]
      end
      index[k][name] = e.value
    end
  end
  table.sort(rows, function(a, b) return a.key < b.key end)
  return rows
end

-- Short column titles, so that the tables fit a terminal.
local SHORT = {
  leads_acquired = "Leads", content_views = "Views", whitepaper_downloads = "White papers",
  demos_performed = "Demos", customer_interaction = "Interactions/lead", cost_per_lead = "CPL",
  deals_won = "Won", win_rate = "Win rate", average_deal_size = "Deal size", sales_cycle_days = "Cycle",
  lead_to_customer_conversion = "Lead→customer", cac = "CAC",
}

local function columns(first, names)
  local cols = { { "key", first } }
  for _, name in ipairs(names) do
    local def = kpi.get(name)
    cols[#cols + 1] = { name, SHORT[name] or def.label, def.unit }
  end
  return cols
end

local function compare_all(names)
  local items = {}
  for i, name in ipairs(names) do items[i] = { compare = kpi.compare(name, period) } end
  return items
end

local r = report.new{
  title = "Funnel dashboard " .. dates.label(quarter),
  subtitle = string.format("%s to %s, compared with the period of the same length just before. Monthly "
    .. "trend from %s. CPL: cost per lead; CAC: customer acquisition cost.", period.from, period.to,
    trend.from:sub(1, 7)),
}

r:heading("Top of the funnel")
r:figures(compare_all(TOP))
r:table(by("channel", TOP, period), { title = "By channel", columns = columns("Channel", TOP) })

r:heading("Bottom of the funnel")
r:figures(compare_all(BOTTOM))
r:table(by("channel", BOTTOM, period), { title = "By channel", columns = columns("Channel", BOTTOM) })

r:heading("Month by month")
local MONTHLY = { "leads_acquired", "demos_performed", "deals_won", "win_rate", "average_deal_size", "cost_per_lead" }
r:table(by("month", MONTHLY, trend), { columns = columns("Month", MONTHLY) })

-- The funnel of the leads created in the period: each stage counts the
-- leads that reached it after the stage before and within 120 days of their
-- creation (lua-api.md "Funnels and cohorts"). The stages are in the order
-- they happen in these exports: sales performs the demo for a marketing-
-- qualified lead, then qualifies it (SQL) and opens a deal.
local col, d = funnel.col, funnel.data
local won = d.deals:where(col"status":eq"won")
local stages = {
  { name = "lead", d.leads:where(funnel.day"created_at":between(period.from, period.to)), time = "created_at" },
  { name = "MQL", d.leads, time = "mql_at" },
  { name = "demo", d.activities:where(col"type":eq"demo_performed"), time = "at" },
  { name = "SQL", d.leads, time = "sql_at" },
  { name = "won", won, time = "closed_at" },
}
local overall = funnel.funnel{ key = "lead_id", window = "120d", steps = stages }
local by_channel = funnel.funnel{ key = "lead_id", window = "120d", steps = stages, by = "channel" }

r:heading("From lead to won deal (within 120 days)")
r:funnel(overall, { title = "All channels" })

-- Drop-off per stage: the leads of the stage before that did not get here.
local drop = {}
for row in overall:rows() do
  local before = drop[#drop] and drop[#drop].reached
  drop[#drop + 1] = {
    stage = row.name, reached = row.count,
    lost = before and before - row.count or nil,
    drop_off = before and before > 0 and (before - row.count) / before or nil,
    median_days = row.median_days, p90_days = row.p90_days,
  }
end
r:table(drop, { title = "Drop-off per stage", columns = {
  { "stage", "Stage" }, { "reached", "Leads", "count" }, { "lost", "Lost since the stage before", "count" },
  { "drop_off", "Drop-off", "percent" }, { "median_days", "Median days", "days" },
  { "p90_days", "90 % within", "days" },
} })
r:funnel(by_channel, { title = "By channel", by = "channel" })
r:text("Leads of the last weeks have had little time to convert; read the lower stages with that in mind.")

-- Repeat purchases: customers by the month of their first won deal, and the
-- share that won another deal 1..6 months later (period 0 is the first
-- purchase itself, so it is always 100 %). Cohorts of the trend's months.
local cohorts = funnel.cohorts{
  key = "lead_id", period = "month", periods = 6,
  first = { won, time = "closed_at" },
  again = { won, time = "closed_at" },
}
r:heading("Customers who come back")
r:cohorts(cohorts:where(col"cohort":between(trend.from, trend.to)),
  { title = "Won again, by month of the first won deal", as_of = period.to, period = "month" })
r:finish()
