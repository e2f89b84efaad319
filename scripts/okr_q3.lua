-- Q3 2026 OKR review for marketing and sales.
--
--   funnel-lua scripts/okr_q3.lua --data samples [--param as_of=2026-09-30] [--format md] [--check]
--
-- The objectives were agreed at the start of the quarter; every key result
-- is a KPI of the shared catalogue (funnel.kpis), measured from 1 July to
-- the review date, against a target set from the Q2 baseline. --check makes
-- the run exit with status 3 when a key result is off track (for the weekly
-- cron that pings both teams).
local kpi = require "funnel.kpi"
require "funnel.kpis"
local okr = require "funnel.okr"
local report = require "funnel.report"
local dates = require "funnel.dates"

local Q3 = dates.quarter("2026-Q3")
-- Reproducible by default: the review date is the end of the export.
local as_of = funnel.params.as_of or "2026-09-30"

local objectives = {
  okr.objective{
    title = "Fill the pipeline with leads sales wants", owner = "marketing", period = Q3,
    key_results = {
      { title = "Leads acquired", current = "leads_acquired", kind = "increase_to", target = 1150 },
      { title = "Cost per lead", current = "cost_per_lead", kind = "decrease_to", target = 92 },
      { title = "Persona-fit rate (sales feedback)", current = "persona_fit_rate", kind = "stay_above", target = 0.60 },
      { title = "Lead quality rating", current = "lead_quality_rating", kind = "increase_to", target = 3.5 },
    },
  },
  okr.objective{
    title = "Make the content engine pull leads towards a demo", owner = "marketing", period = Q3,
    key_results = {
      { title = "White-paper downloads", current = "whitepaper_downloads", kind = "increase_to", target = 330 },
      { title = "Interactions per new lead", current = "customer_interaction", kind = "increase_to", target = 1.85 },
      { title = "Demo-request CTA experiment decided", kind = "milestone", done = true },
      { title = "Q4 white paper published", kind = "milestone", done = false, due = "2026-09-30" },
    },
  },
  okr.objective{
    title = "Turn qualified leads into revenue", owner = "sales", period = Q3,
    key_results = {
      { title = "Deals won", current = "deals_won", kind = "increase_to", target = 85 },
      { title = "Win rate", current = "win_rate", kind = "increase_to", target = 0.42 },
      { title = "MQL → SQL rate", current = "mql_to_sql_rate", kind = "stay_above", target = 0.35 },
      { title = "Sales cycle", current = "sales_cycle_days", kind = "decrease_to", target = 44 },
    },
  },
  okr.objective{
    title = "Grow efficiently", owner = "marketing + sales", period = Q3,
    key_results = {
      { title = "Customer acquisition cost", current = "cac", kind = "stay_below", target = 2000 },
      { title = "Average deal size", current = "average_deal_size", kind = "within", target = { 9000, 12000 } },
      { title = "Pipeline velocity (€ per day)", current = "pipeline_velocity", kind = "increase_to", target = 11000 },
    },
  },
}

local review = okr.review(objectives, { as_of = as_of })

local elapsed = dates.min(dates.max(as_of, Q3.from), Q3.to)
local r = report.new{
  title = "Q3 2026 OKR review: marketing and sales",
  subtitle = string.format("As of %s (%s of the quarter elapsed). %d key results achieved, %d on track, "
    .. "%d at risk, %d off track.", elapsed, report.format_value(review.objectives[1].expected, "percent"),
    review.counts.achieved, review.counts["on track"], review.counts["at risk"], review.counts["off track"]),
}

-- What needs a decision: the key results not on track, weakest first.
local attention = {}
for _, o in ipairs(review.objectives) do
  for _, kr in ipairs(o.key_results) do
    if kr.status == "off track" or kr.status == "at risk" then
      attention[#attention + 1] = {
        status = kr.status, kr = kr.title, objective = o.title, owner = o.owner,
        current = kr.kind == "milestone" and "not done" or kr.current, unit = kr.unit,
        target = kr.kind == "milestone" and ("due " .. kr.due) or report.target_text(kr),
      }
    end
  end
end
table.sort(attention, function(a, b)
  if a.status ~= b.status then return a.status == "off track" end
  return a.kr < b.kr
end)
r:heading("Needs attention")
if #attention == 0 then
  r:text("Every key result is on track or achieved.")
else
  r:table(attention, { columns = {
    { "status", "Status" }, { "kr", "Key result" }, { key = "current", title = "Now", unit_from = "unit" }, { "target", "Target", "count" },
    { "owner", "Owner" },
  } })
end

r:heading("Objectives")
r:okr_review(review)

-- The numbers behind the key results: this quarter against the last one.
r:heading("The KPIs behind them: Q3 against Q2")
local function figures(names)
  local items = {}
  for i, name in ipairs(names) do
    local c = kpi.compare(name, { from = Q3.from, to = elapsed })
    items[i] = { compare = c }
  end
  return items
end
r:figures(figures{ "leads_acquired", "cost_per_lead", "persona_fit_rate", "lead_quality_rating",
  "whitepaper_downloads", "content_views", "customer_interaction", "lead_to_customer_conversion" },
  { title = "Marketing" })

-- Leads by month over the last twelve months, against the same month a year
-- earlier (as far back as the exports go).
local by_month = {}
for row in funnel.data.leads:group_by{ month = funnel.month"created_at" }:agg{ leads = funnel.count() }:rows() do
  by_month[row.month] = row.leads
end
local months, last = {}, dates.month_of(elapsed).from
for i = 11, 0, -1 do
  local m = dates.add_months(last, -i)
  months[#months + 1] = { month = m, leads = by_month[m] or 0, year_before = by_month[dates.add_months(m, -12)] }
end
r:trend(months, { title = "Leads by month", x = "month", y = "leads", previous = "year_before", unit = "count",
  label = "Leads", previous_label = "A year earlier", x_title = "Month" })
r:figures(figures{ "deals_won", "win_rate", "average_deal_size", "sales_cycle_days", "mql_to_sql_rate",
  "monthly_sales_growth", "cac", "pipeline_velocity" }, { title = "Sales" })

-- Where the quarter was won or lost: the channel view of the weakest KRs.
r:heading("By channel")
local rows, index = {}, {}
local function add(name, key)
  for _, e in ipairs(kpi.breakdown(name, { from = Q3.from, to = elapsed }, "channel")) do
    local k = e.key or "(none)"
    if not index[k] then
      index[k] = { channel = k }
      rows[#rows + 1] = index[k]
    end
    index[k][key] = e.value
  end
end
add("leads_acquired", "leads")
add("cost_per_lead", "cpl")
add("persona_fit_rate", "fit")
add("win_rate", "win_rate")
add("cac", "cac")
r:table(rows, { columns = {
  { "channel", "Channel" }, { "leads", "Leads", "count" }, { "cpl", "Cost per lead", "currency" },
  { "fit", "Persona fit", "percent" }, { "win_rate", "Win rate", "percent" }, { "cac", "CAC", "currency" },
} })

r:text("Definitions: `funnel-lua kpis` lists every KPI with its formula and source. Progress is measured "
  .. "from the Q2 baseline (the KPI over Q2) unless a baseline is given; a key result is on track when its "
  .. "progress is at least 90 % of the time elapsed, at risk from 70 %.")
r:finish()
