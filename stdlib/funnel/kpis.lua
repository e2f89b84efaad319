--- funnel.kpis: the standard KPI catalogue shared by marketing and sales.
--
--   local kpi = require "funnel.kpi"
--   require "funnel.kpis"                      -- defines everything below
--   kpi.value("win_rate", { from = "2026-07-01", to = "2026-09-30" })
--
-- Every KPI reads the tables of the data folder (funnel.data) with the
-- columns of the CRM and marketing exports:
--   leads       lead_id, created_at, channel, campaign, country, persona_fit,
--               owner, stage (lead / MQL / SQL / customer), mql_at, sql_at
--   activities  lead_id, at, type, content_id
--   deals       deal_id, lead_id, created_at, closed_at, status (open / won /
--               lost), amount
--   spend       date, channel, campaign, amount
--   feedback    lead_id, rep, rating (1..5), persona_fit (yes / no), comment,
--               given_at
-- "In the period" always means: the named date or timestamp falls on a day
-- from p.from to p.to, both included. Breakdowns by channel, campaign or
-- owner use the lead's value (joined on lead_id where the table lacks it);
-- by month, the month of the KPI's own date column.
--
-- Each description states the formula; the tests (tests/lua/kpis_test.lua)
-- check every KPI on the samples against an independent SQL query.
local funnel = require "funnel"
local kpi = require "funnel.kpi"
local dates = require "funnel.dates"

local col = funnel.col
local count, count_if = funnel.count, funnel.count_if

local LEAD_DIMS = { "channel", "campaign", "owner", "country", "month" }
local SPEND_DIMS = { "channel", "campaign", "month" }

-- Customer-initiated activity types counted by customer_interaction.
local INTERACTIONS = { "demo_request", "callback_request", "content_view", "whitepaper_download" }

-- ==== shared pieces =====================================================

-- Activities of one type in the period, counted.
local function activity_count(activity_type)
  return function(d, p)
    return p:total(p:where(d.activities:where(col"type":eq(activity_type)), "at"), count(), "at")
  end
end

local function won_closed(d, p)
  return p:where(d.deals:where(col"status":eq"won"), "closed_at")
end

local function spend_total(d, p)
  return p:total(p:where(d.spend, "date"), funnel.sum("amount"), "date")
end

local function leads_total(d, p)
  return p:total(p:where(d.leads, "created_at"), count(), "created_at")
end

local function win_rate(d, p)
  local closed = p:where(d.deals:where(col"status":isin{ "won", "lost" }), "closed_at")
  return kpi.ratio(p:total(closed, count_if(col"status":eq"won"), "closed_at"), p:total(closed, count(), "closed_at"))
end

local function average_deal_size(d, p)
  return p:total(won_closed(d, p), funnel.mean("amount"), "closed_at")
end

local function sales_cycle_days(d, p)
  return p:total(won_closed(d, p), funnel.median(col"closed_at" - col"created_at"), "closed_at")
end

-- feedback.persona_fit may load as text ("yes"/"no") or as a declared bool.
local function persona_fit_yes(t)
  if t:types().persona_fit == "bool" then return col"persona_fit":eq(true) end
  return col"persona_fit":lower():eq"yes"
end

-- ==== top of the funnel =================================================

kpi.define{
  name = "leads_acquired", label = "Leads acquired",
  owner = "marketing", unit = "count", direction = "up",
  description = "New leads: count of leads whose created_at is in the period.",
  dimensions = LEAD_DIMS,
  compute = leads_total,
}

kpi.define{
  name = "demos_performed", label = "Demos performed",
  owner = "sales", unit = "count", direction = "up",
  description = "Demos given: count of activities of type demo_performed whose `at` is in the period.",
  dimensions = LEAD_DIMS,
  compute = activity_count("demo_performed"),
}

kpi.define{
  name = "whitepaper_downloads", label = "White-paper downloads",
  owner = "marketing", unit = "count", direction = "up",
  description = "White-paper downloads: count of activities of type whitepaper_download whose `at` is in the period.",
  dimensions = LEAD_DIMS,
  compute = activity_count("whitepaper_download"),
}

kpi.define{
  name = "content_views", label = "Content views",
  owner = "marketing", unit = "count", direction = "up",
  description = "Content views: count of activities of type content_view whose `at` is in the period.",
  dimensions = LEAD_DIMS,
  compute = activity_count("content_view"),
}

-- ==== bottom of the funnel ==============================================

kpi.define{
  name = "deals_won", label = "Deals won",
  owner = "sales", unit = "count", direction = "up",
  description = "Closed-won deals: count of deals with status won whose closed_at is in the period.",
  dimensions = LEAD_DIMS,
  compute = function(d, p) return p:total(won_closed(d, p), count(), "closed_at") end,
}

kpi.define{
  name = "lead_quality_rating", label = "Lead quality rating",
  owner = "marketing", unit = "ratio", direction = "up",
  description = "Sales' rating of lead quality: mean of feedback.rating (1..5) over feedback given_at in the period.",
  dimensions = LEAD_DIMS,
  compute = function(d, p)
    return p:total(p:where(d.feedback, "given_at"), funnel.mean("rating"), "given_at")
  end,
}

kpi.define{
  name = "persona_fit_rate", label = "Persona-fit rate",
  owner = "marketing", unit = "percent", direction = "up",
  description = "Share of leads sales judged on-persona: feedback with persona_fit = yes / feedback with "
    .. "persona_fit given, over feedback given_at in the period.",
  dimensions = LEAD_DIMS,
  compute = function(d, p)
    local fb = p:where(d.feedback, "given_at")
    return kpi.ratio(p:total(fb, count_if(persona_fit_yes(d.feedback)), "given_at"),
      p:total(fb, count("persona_fit"), "given_at"))
  end,
}

kpi.define{
  name = "lead_to_customer_conversion", label = "Lead → customer conversion",
  owner = "marketing", unit = "percent", direction = "up",
  description = "Conversion of the period's leads into customers: leads created in the period whose stage is "
    .. "customer (as of the export) / leads created in the period. A cohort rate: leads of the last weeks "
    .. "have had little time to convert.",
  dimensions = LEAD_DIMS,
  compute = function(d, p)
    local leads = p:where(d.leads, "created_at")
    return kpi.ratio(p:total(leads, count_if(col"stage":eq"customer"), "created_at"),
      p:total(leads, count(), "created_at"))
  end,
}

kpi.define{
  name = "cost_per_lead", label = "Cost per lead",
  owner = "marketing", unit = "currency", direction = "down",
  description = "Marketing spend per new lead: sum of spend.amount dated in the period / leads created in the period.",
  dimensions = SPEND_DIMS,
  compute = function(d, p) return kpi.ratio(spend_total(d, p), leads_total(d, p)) end,
}

kpi.define{
  name = "customer_interaction", label = "Interactions per new lead",
  owner = "marketing", unit = "ratio", direction = "up",
  description = "Interactions per new lead: activities of type demo_request, callback_request, content_view or "
    .. "whitepaper_download whose `at` is in the period, by leads created in the period / leads created in the "
    .. "period. Emails, meetings and demos given are the sales team's actions and are not counted.",
  dimensions = LEAD_DIMS,
  compute = function(d, p)
    local leads = p:where(d.leads, "created_at")
    local acts = d.activities:where(col"type":isin(INTERACTIONS) & p:within("at"))
    -- the join brings the lead's columns: the breakdown keys and created_at
    local joined = acts:join(leads, "lead_id")
    return kpi.ratio(p:total(joined, count(), "created_at"), p:total(leads, count(), "created_at"))
  end,
}

kpi.define{
  name = "monthly_sales_growth", label = "Monthly sales growth",
  owner = "sales", unit = "percent", direction = "up",
  description = "Month-on-month growth of won revenue: sum of amount of won deals closed in the last month of "
    .. "the period / the same sum for the month before, minus 1 (nil when the month before has none).",
  dimensions = { "channel", "campaign", "owner", "country" },
  compute = function(d, p)
    local last = dates.month_of(p.to)
    local before = dates.month_of(dates.add_months(last.from, -1))
    local function won_amount(period)
      local q = p:during(period)
      return q:total(won_closed(d, q), funnel.sum("amount"), "closed_at")
    end
    return kpi.combine(function(now, prev)
      if prev == nil or prev == 0 then return nil end
      return (now or 0) / prev - 1
    end, won_amount(last), won_amount(before))
  end,
}

kpi.define{
  name = "win_rate", label = "Win rate",
  owner = "sales", unit = "percent", direction = "up",
  description = "Share of decided deals that were won: deals won / deals won or lost, among deals whose "
    .. "closed_at is in the period.",
  dimensions = LEAD_DIMS,
  compute = win_rate,
}

kpi.define{
  name = "average_deal_size", label = "Average deal size",
  owner = "sales", unit = "currency", direction = "up",
  description = "Mean amount of the won deals whose closed_at is in the period.",
  dimensions = LEAD_DIMS,
  compute = average_deal_size,
}

kpi.define{
  name = "sales_cycle_days", label = "Sales cycle",
  owner = "sales", unit = "days", direction = "down",
  description = "Median days from created_at to closed_at of the won deals whose closed_at is in the period.",
  dimensions = LEAD_DIMS,
  compute = sales_cycle_days,
}

kpi.define{
  name = "cac", label = "Customer acquisition cost",
  owner = "marketing", unit = "currency", direction = "down",
  description = "Customer acquisition cost: sum of spend.amount dated in the period / new customers, the "
    .. "leads whose first won deal closed in the period.",
  dimensions = SPEND_DIMS,
  compute = function(d, p)
    local first_win = d.deals:where(col"status":eq"won")
      :group_by("lead_id"):agg{ first_won = funnel.min("closed_at") }
    local customers = p:total(p:where(first_win, "first_won"), count(), "first_won")
    return kpi.ratio(spend_total(d, p), customers)
  end,
}

kpi.define{
  name = "mql_to_sql_rate", label = "MQL → SQL rate",
  owner = "sales", unit = "percent", direction = "up",
  description = "Share of marketing-qualified leads that sales accepted: leads whose mql_at is in the period "
    .. "and that have an sql_at / leads whose mql_at is in the period.",
  dimensions = LEAD_DIMS,
  compute = function(d, p)
    local mqls = p:where(d.leads, "mql_at")
    return kpi.ratio(p:total(mqls, count_if(col"sql_at":not_null()), "mql_at"), p:total(mqls, count(), "mql_at"))
  end,
}

kpi.define{
  name = "pipeline_velocity", label = "Pipeline velocity",
  owner = "sales", unit = "currency", direction = "up",
  description = "Revenue the pipeline produces per day: open deals x win rate x average deal size / sales "
    .. "cycle days. Open deals: created on or before the period's last day and not closed by then (closed_at "
    .. "null or later). Win rate, average deal size and sales cycle days are the KPIs of those names over "
    .. "the period.",
  dimensions = { "channel", "campaign", "owner", "country" },
  compute = function(d, p)
    local open = p:dims(d.deals:where(col"created_at":le(p.to) & (col"closed_at":is_null() | col"closed_at":gt(p.to))))
    return kpi.combine(function(n, wr, size, days)
      if not wr or not size or not days or days == 0 then return nil end
      return (n or 0) * wr * size / days
    end, p:total(open, count()), win_rate(d, p), average_deal_size(d, p), sales_cycle_days(d, p))
  end,
}

return kpi
