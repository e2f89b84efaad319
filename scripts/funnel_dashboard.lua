-- The funnel dashboard both teams look at every Monday: top- and bottom-of-
-- funnel numbers for a quarter, by channel and by month.
--
--   funnel-lua scripts/funnel_dashboard.lua --data samples
--       [--param quarter=2026-Q3] [--param as_of=2026-09-30] [--format md]
--
-- Every number is a KPI of the shared catalogue (funnel.kpis), so the
-- dashboard and the OKR review can never disagree.
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

-- The engine's funnel primitive: of the leads created in the period, how
-- many got a demo and then a won deal within 120 days, by channel.
local col, d = funnel.col, funnel.data
local f = funnel.funnel{
  key = "lead_id", window = "120d", by = "channel",
  steps = {
    { name = "lead", d.leads:where(funnel.day"created_at":between(period.from, period.to)), time = "created_at" },
    { name = "demo", d.activities:where(col"type":eq"demo_performed"), time = "at" },
    { name = "won", d.deals:where(col"status":eq"won"), time = "closed_at" },
  },
}
r:heading("From lead to won deal (within 120 days)")
r:table(f, { columns = {
  { "channel", "Channel" }, { "name", "Step" }, { "count", "Leads", "count" },
  { "conversion", "Of the leads", "percent" }, { "step_conversion", "Of the step before", "percent" },
  { "median_days", "Median days", "days" },
} })
r:text("Leads of the last weeks have had little time to convert; read the lower steps with that in mind.")
r:finish()
