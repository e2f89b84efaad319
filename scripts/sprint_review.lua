-- The sprint review marketing and sales hold every two weeks.
--
--   funnel-lua scripts/sprint_review.lua --data samples
--       [--param sprint=S20] [--param as_of=2026-09-30] [--format md]
--
-- Sprints are two weeks, Monday to Sunday; S1 of 2026 started on
-- 2025-12-22. Without --param sprint, the review is about the last sprint
-- finished on or before as_of.
--
-- Start of the sprint: what sales saw in the leads marketing sent during the
-- sprint that just ended (rating and persona fit from the feedback, by
-- channel, and what they wrote). End of the sprint: how the demos and
-- appointments went, and the sprint experiments evaluated. The experiments
-- are website A/B tests: a lead is assigned at its first website visit in
-- the experiment's window, and it converts when it requests a demo within
-- 14 days of the assignment.
local kpi = require "funnel.kpi"
require "funnel.kpis"
local ex = require "funnel.experiment"
local report = require "funnel.report"
local dates = require "funnel.dates"

local col, d = funnel.col, funnel.data
local FIRST_SPRINT = "2025-12-22" -- S1
local SPRINT_DAYS = 14
local CONVERSION_DAYS = 14

local function sprint(n)
  local from = dates.add_days(FIRST_SPRINT, (n - 1) * SPRINT_DAYS)
  return { n = n, name = "S" .. n, from = from, to = dates.add_days(from, SPRINT_DAYS - 1) }
end

local as_of = funnel.params.as_of or "2026-09-30"
local n = tonumber((funnel.params.sprint or ""):match("^[Ss]?(%d+)$"))
if not n then
  -- the last sprint whose last day is on or before as_of
  n = (dates.diff(FIRST_SPRINT, as_of) + 1) // SPRINT_DAYS
end
local this, before = sprint(n), sprint(n - 1)

local r = report.new{
  title = string.format("Sprint review %s (%s to %s)", this.name, this.from, this.to),
  subtitle = string.format("Compared with %s (%s to %s).", before.name, before.from, before.to),
}

-- ==== start of the sprint: what sales saw ================================

r:heading("What sales saw in the leads")
r:figures{
  { compare = kpi.compare("lead_quality_rating", this) },
  { compare = kpi.compare("persona_fit_rate", this) },
  { compare = kpi.compare("leads_acquired", this) },
}
local leads = d.leads:select("lead_id", "channel", "campaign")
local feedback = d.feedback:where(funnel.day"given_at":between(this.from, this.to)):join(leads, "lead_id")
r:table(feedback:group_by("channel"):agg{
  { "feedback", funnel.count() },
  { "rating", funnel.mean("rating") },
  { "fit", funnel.count_if(col"persona_fit":lower():eq"yes") },
}:with{ fit_rate = col"fit" / col"feedback" }, {
  title = "Feedback by channel",
  columns = { { "channel", "Channel" }, { "feedback", "Feedback", "count" }, { "rating", "Rating", "ratio" },
    { "fit_rate", "Persona fit", "percent" } },
})
r:table(feedback:sort{ { "rating", "asc" }, { "given_at", "desc" }, "lead_id" }:head(6), {
  title = "In their words (lowest ratings first)",
  columns = { { "rep", "Rep" }, { "channel", "Channel" }, { "rating", "Rating", "count" }, { "comment", "Comment" } },
})

-- ==== end of the sprint: demos and appointments ==========================

r:heading("How the demos and appointments went")
local TYPES = { "demo_request", "demo_performed", "meeting", "callback_request" }
local LABELS = { demo_request = "Demo requests", demo_performed = "Demos performed", meeting = "Meetings",
  callback_request = "Call-back requests" }
local function activity_counts(s)
  local counts = {}
  for row in d.activities:where(col"type":isin(TYPES) & funnel.day"at":between(s.from, s.to))
    :group_by("type"):agg{ n = funnel.count() }:rows() do
    counts[row.type] = row.n
  end
  return counts
end
local now, prev = activity_counts(this), activity_counts(before)
local items = {}
for _, t in ipairs(TYPES) do
  local a, b = now[t] or 0, prev[t] or 0
  items[#items + 1] = { label = LABELS[t], value = a, previous = b, change = b > 0 and (a - b) / b or nil,
    unit = "count" }
end
r:figures(items)

-- Demos of the sprint by the lead's owner, and how many of those leads
-- already have a deal created on or after the demo day.
local demos = d.activities:where(col"type":eq"demo_performed" & funnel.day"at":between(this.from, this.to))
  :join(d.leads:select("lead_id", "owner"), "lead_id")
local deals = d.deals:select("lead_id", "created_at"):rename{ created_at = "deal_created" }
local leads_with_deal = demos:join(deals, "lead_id"):where(col"deal_created":ge(funnel.day"at"))
  :distinct("lead_id"):with{ has_deal = funnel.lit(true) }
local by_owner = demos:group_by("owner", "lead_id"):agg{ demos = funnel.count() }
  :join(leads_with_deal, "lead_id", { how = "left" })
  :group_by("owner"):agg{
    { "demos", funnel.sum("demos") },
    { "leads", funnel.count() },
    { "leads_with_deal", funnel.count_if(col"has_deal":not_null()) },
  }
  :with{ deal_rate = col"leads_with_deal" / col"leads" }
r:table(by_owner:sort{ { "demos", "desc" }, "owner" }, {
  title = "Demos by sales rep",
  columns = { { "owner", "Rep" }, { "demos", "Demos", "count" }, { "leads", "Leads", "count" },
    { "leads_with_deal", "With a deal since", "count" }, { "deal_rate", "Deal rate", "percent" } },
})

-- ==== the sprint experiments ==============================================

r:heading("Sprint experiments")
r:text(string.format("Conversion: a demo request within %d days of the assignment. Decisions at α = 0.05; the "
  .. "test is sized to detect a 30 %% relative change with 80 %% power.", CONVERSION_DAYS))

-- Every experiment with assignments from the start of the quarter to the
-- end of the sprint, oldest first.
local y, m = dates.parse(this.to)
local quarter_start = dates.quarter(y, (m - 1) // 3 + 1).from
local windows = d.experiments:where(funnel.day"assigned_at":between(quarter_start, this.to))
  :group_by("experiment"):agg{ { "first", funnel.min("assigned_at") }, { "last", funnel.max("assigned_at") } }
  :sort{ "first", "experiment" }

local requests = d.activities:where(col"type":eq"demo_request"):select("lead_id", "at")
local summary = {}
for w in windows:rows() do
  local users = d.experiments:where(col"experiment":eq(w.experiment))
  local converted = users:join(requests, "lead_id")
    :where((col"at" - col"assigned_at"):ge(0) & (col"at" - col"assigned_at"):le(CONVERSION_DAYS))
    :distinct("lead_id"):with{ converted = funnel.lit(true) }
  local ev = ex.evaluate(users:join(converted, "lead_id", { how = "left" }), {
    name = string.format("%s (assigned %s to %s)", w.experiment, w.first:sub(1, 10), w.last:sub(1, 10)),
    variant = "variant", control = "control", metric = col"converted":not_null(), mde = 0.30,
  })
  r:experiment(ev)
  summary[#summary + 1] = { experiment = w.experiment, decision = ev.decision }
end
if #summary == 0 then r:text("No experiment ran this quarter.") end
r:finish()
