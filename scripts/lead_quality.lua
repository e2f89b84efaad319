-- Lead quality as sales sees it: persona fit and rating from the sales
-- feedback, by channel and by campaign, for a quarter.
--
--   funnel-lua scripts/lead_quality.lua --data samples
--       [--param quarter=2026-Q3] [--param as_of=2026-09-30] [--format md]
--
-- The rating (1..5) and the persona-fit verdict (yes / no) come from
-- feedback.csv; each feedback row is attributed to its lead's channel and
-- campaign. The persona-fit score marketing predicted (leads.persona_fit,
-- 0..100) sits next to the verdict, so the scoring model can be checked.
local kpi = require "funnel.kpi"
require "funnel.kpis"
local report = require "funnel.report"
local dates = require "funnel.dates"

local col, d = funnel.col, funnel.data
local quarter = dates.quarter(funnel.params.quarter or "2026-Q3")
local as_of = funnel.params.as_of or "2026-09-30"
local period = { from = quarter.from, to = dates.min(dates.max(as_of, quarter.from), quarter.to) }

-- Feedback of the period with its lead's channel, campaign and score. The
-- lead's persona_fit score is renamed so as not to clash with the verdict.
local leads = d.leads:select("lead_id", "channel", "campaign", "persona_fit"):rename{ persona_fit = "fit_score" }
local feedback = d.feedback:where(funnel.day"given_at":between(period.from, period.to)):join(leads, "lead_id")
local fit_yes = col"persona_fit":lower():eq"yes"

-- Rating, persona-fit rate and predicted score per group, all in the engine.
local function quality(keys)
  return feedback:group_by(keys)
    :agg{
      { "feedback", funnel.count() },
      { "rating", funnel.mean("rating") },
      { "fit", funnel.count_if(fit_yes) },
      { "score", funnel.mean("fit_score") },
    }
    :with{ fit_rate = col"fit" / col"feedback" }
end

local r = report.new{
  title = "Lead quality " .. dates.label(quarter),
  subtitle = string.format("Sales feedback given from %s to %s, by the lead's channel and campaign.",
    period.from, period.to),
}

r:heading("Overall")
r:figures{
  { compare = kpi.compare("lead_quality_rating", period) },
  { compare = kpi.compare("persona_fit_rate", period) },
  { label = "Feedback received", value = #feedback, unit = "count" },
}

local COLUMNS = {
  { "feedback", "Feedback", "count" }, { "rating", "Rating", "ratio" }, { "fit_rate", "Persona fit", "percent" },
  { "score", "Predicted fit score", "ratio" },
}
local function with_keys(keys)
  local cols = {}
  for _, k in ipairs(keys) do cols[#cols + 1] = k end
  for _, c in ipairs(COLUMNS) do cols[#cols + 1] = c end
  return cols
end

r:heading("By channel")
local by_channel = quality("channel"):sort("rating", "desc")
-- The verdict of sales next to the score marketing predicted (0..100 as a share).
r:bars(by_channel:with{ predicted = col"score" / 100 }, { title = "Persona fit: sales' verdict against the predicted score",
  x = "channel", x_title = "Channel", unit = "percent",
  y = { { "fit_rate", "Persona fit (sales verdict)" }, { "predicted", "Predicted fit score" } } })
r:table(by_channel, { columns = with_keys{ { "channel", "Channel" } } })

r:heading("By campaign")
r:text("Campaigns with at least 5 feedback rows, best rated first. Organic leads (SEO, referrals) have no campaign.")
local campaigns = quality{ "channel", "campaign" }:where(col"feedback":ge(5)):sort{ { "rating", "desc" }, "campaign" }
r:table(campaigns, { columns = with_keys{ { "campaign", "Campaign" }, { "channel", "Channel" } } })

r:heading("Does the predicted score match the verdict?")
local by_verdict = feedback:group_by{ verdict = col"persona_fit":lower() }
  :agg{ { "feedback", funnel.count() }, { "score", funnel.mean("fit_score") }, { "rating", funnel.mean("rating") } }
r:table(by_verdict, { columns = {
  { "verdict", "Sales verdict" }, { "feedback", "Feedback", "count" }, { "score", "Mean predicted score", "ratio" },
  { "rating", "Mean rating", "ratio" },
} })

r:heading("What sales said about the lowest-rated leads")
local worst = feedback:where(col"rating":le(2)):sort{ { "given_at", "desc" }, "lead_id" }:head(8)
r:table(worst, { columns = {
  { "given_at", "Date" }, { "rep", "Rep" }, { "channel", "Channel" }, { "rating", "Rating", "count" },
  { "comment", "Comment" },
} })
r:finish()
