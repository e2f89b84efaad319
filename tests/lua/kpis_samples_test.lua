-- Every KPI of the catalogue on samples/ against an independent answer: the
-- SQL query next to each expected value, run by sqlite3 over the same CSV
-- files imported as text (empty fields are '' there, not NULL). To re-derive
-- every value: sh tests/lua/kpis_sql.sh (it runs the queries of this file).
-- test-data: samples
--
-- Conventions shared by the queries: a timestamp is "in the period" when its
-- UTC day, substr(ts, 1, 10), is between the bounds (the engine compares
-- funnel.day(ts)); sqlite's julianday difference of two dates is the
-- engine's date difference in days; the median of n values is the middle
-- one, or the mean of the two middle ones.
local kpi = require "funnel.kpi"
require "funnel.kpis"
local test, expect = funnel.test, funnel.expect

local Q3 = { from = "2026-07-01", to = "2026-09-30" }

-- Relative tolerance: sqlite prints 16 significant digits.
local function near(got, want)
  expect(got):to_be_near(want, 1e-12 * math.max(1, math.abs(want)))
end

-- { KPI, expected value over 2026-Q3, the query that gives it }
local CASES = {
  { "leads_acquired", 1163,
    [[SELECT count(*) FROM leads WHERE substr(created_at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30']] },
  { "demos_performed", 230,
    [[SELECT count(*) FROM activities WHERE type = 'demo_performed' AND substr(at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30']] },
  { "whitepaper_downloads", 312,
    [[SELECT count(*) FROM activities WHERE type = 'whitepaper_download' AND substr(at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30']] },
  { "content_views", 2727,
    [[SELECT count(*) FROM activities WHERE type = 'content_view' AND substr(at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30']] },
  { "deals_won", 87,
    [[SELECT count(*) FROM deals WHERE status = 'won' AND closed_at BETWEEN '2026-07-01' AND '2026-09-30']] },
  { "lead_quality_rating", 3.222826086956522,
    [[SELECT avg(CAST(rating AS REAL)) FROM feedback WHERE given_at BETWEEN '2026-07-01' AND '2026-09-30']] },
  { "persona_fit_rate", 0.5706521739130434,
    [[SELECT avg(persona_fit = 'yes') FROM feedback WHERE persona_fit <> '' AND given_at BETWEEN '2026-07-01' AND '2026-09-30']] },
  { "lead_to_customer_conversion", 0.007738607050730868,
    [[SELECT avg(stage = 'customer') FROM leads WHERE substr(created_at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30']] },
  { "cost_per_lead", 92.42789337919177,
    [[SELECT (SELECT sum(CAST(amount AS REAL)) FROM spend WHERE date BETWEEN '2026-07-01' AND '2026-09-30') / (SELECT count(*) FROM leads WHERE substr(created_at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30')]] },
  { "customer_interaction", 1.685296646603611,
    [[SELECT CAST((SELECT count(*) FROM activities a JOIN leads l ON l.lead_id = a.lead_id WHERE a.type IN ('demo_request', 'callback_request', 'content_view', 'whitepaper_download') AND substr(a.at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30' AND substr(l.created_at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30') AS REAL) / (SELECT count(*) FROM leads WHERE substr(created_at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30')]] },
  { "monthly_sales_growth", 0.07660017676961761,
    [[SELECT (SELECT sum(CAST(amount AS REAL)) FROM deals WHERE status = 'won' AND closed_at BETWEEN '2026-09-01' AND '2026-09-30') / (SELECT sum(CAST(amount AS REAL)) FROM deals WHERE status = 'won' AND closed_at BETWEEN '2026-08-01' AND '2026-08-31') - 1]] },
  { "win_rate", 0.3655462184873949,
    [[SELECT avg(status = 'won') FROM deals WHERE status IN ('won', 'lost') AND closed_at BETWEEN '2026-07-01' AND '2026-09-30']] },
  { "average_deal_size", 10691.15022988505,
    [[SELECT avg(CAST(amount AS REAL)) FROM deals WHERE status = 'won' AND closed_at BETWEEN '2026-07-01' AND '2026-09-30']] },
  { "sales_cycle_days", 43,
    [[WITH c AS (SELECT julianday(closed_at) - julianday(created_at) AS d FROM deals WHERE status = 'won' AND closed_at BETWEEN '2026-07-01' AND '2026-09-30') SELECT avg(d) FROM (SELECT d FROM c ORDER BY d LIMIT 2 - (SELECT count(*) FROM c) % 2 OFFSET ((SELECT count(*) FROM c) - 1) / 2)]] },
  { "cac", 1706.248253968254,
    [[SELECT (SELECT sum(CAST(amount AS REAL)) FROM spend WHERE date BETWEEN '2026-07-01' AND '2026-09-30') / (SELECT count(*) FROM (SELECT lead_id, min(closed_at) AS first_won FROM deals WHERE status = 'won' GROUP BY lead_id) WHERE first_won BETWEEN '2026-07-01' AND '2026-09-30')]] },
  { "mql_to_sql_rate", 0.3471074380165289,
    [[SELECT avg(sql_at <> '') FROM leads WHERE mql_at <> '' AND substr(mql_at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30']] },
  { "pipeline_velocity", 9543.058173734609,
    [[WITH closed AS (SELECT * FROM deals WHERE closed_at BETWEEN '2026-07-01' AND '2026-09-30'), c AS (SELECT julianday(closed_at) - julianday(created_at) AS d FROM closed WHERE status = 'won'), cycle AS (SELECT avg(d) AS days FROM (SELECT d FROM c ORDER BY d LIMIT 2 - (SELECT count(*) FROM c) % 2 OFFSET ((SELECT count(*) FROM c) - 1) / 2)) SELECT (SELECT count(*) FROM deals WHERE created_at <= '2026-09-30' AND (closed_at = '' OR closed_at > '2026-09-30')) * (SELECT avg(status = 'won') FROM closed WHERE status IN ('won', 'lost')) * (SELECT avg(CAST(amount AS REAL)) FROM closed WHERE status = 'won') / (SELECT days FROM cycle)]] },
}

for _, c in ipairs(CASES) do
  test(c[1] .. " over 2026-Q3 equals the SQL answer", function()
    near(kpi.value(c[1], Q3), c[2])
  end)
end

test("every KPI of the catalogue is checked", function()
  local checked = {}
  for _, c in ipairs(CASES) do checked[c[1]] = true end
  for _, d in ipairs(kpi.list()) do
    if d.source:match("funnel/kpis%.lua$") then
      expect(checked[d.name] and d.name):to_equal(d.name)
    end
  end
end)

-- Breakdowns: { KPI, dimension, { key = expected, ... }, query }
local BREAKDOWNS = {
  { "leads_acquired", "channel",
    { Event = 121, ["LinkedIn ads"] = 209, ["Paid search"] = 257, Referral = 79, SEO = 258, Webinar = 119,
      ["White paper"] = 120 },
    [[SELECT channel, count(*) FROM leads WHERE substr(created_at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY channel]] },
  { "leads_acquired", "month",
    { ["2026-07-01"] = 336, ["2026-08-01"] = 211, ["2026-09-01"] = 616 },
    [[SELECT substr(created_at, 1, 7), count(*) FROM leads WHERE substr(created_at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY 1]] },
  { "win_rate", "channel",
    { Event = 0.3928571428571428, ["LinkedIn ads"] = 0.2399999999999999, ["Paid search"] = 0.1785714285714285,
      Referral = 0.3947368421052631, SEO = 0.3809523809523809, Webinar = 0.4629629629629629,
      ["White paper"] = 0.3913043478260869 },
    [[SELECT l.channel, avg(d.status = 'won') FROM deals d JOIN leads l ON l.lead_id = d.lead_id WHERE d.status IN ('won', 'lost') AND d.closed_at BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY l.channel]] },
  { "cost_per_lead", "channel",
    { Event = 316.4209090909091, ["LinkedIn ads"] = 126.5257416267942, ["Paid search"] = 90.29968871595333,
      Referral = 14.43316455696202, SEO = 26.62341085271317, Webinar = 54.81756302521008,
      ["White paper"] = 41.86216666666666 },
    [[SELECT s.channel, s.spend / n.leads FROM (SELECT channel, sum(CAST(amount AS REAL)) AS spend FROM spend WHERE date BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY channel) s JOIN (SELECT channel, count(*) AS leads FROM leads WHERE substr(created_at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY channel) n ON n.channel = s.channel]] },
  { "demos_performed", "owner",
    { ["Camille Dubois"] = 19, ["Emily Carter"] = 17, ["Iñaki Muñoz"] = 24, ["James O'Connor"] = 17,
      ["José Álvarez"] = 8, ["Lena Schröder"] = 22, ["Lucía Fernández"] = 20, ["Michael Brown"] = 23,
      ["Sarah Mitchell"] = 13, ["Søren Østergaard"] = 23, ["Zoé Lefèvre"] = 26, ["Étienne Marchand"] = 18 },
    [[SELECT l.owner, count(*) FROM activities a JOIN leads l ON l.lead_id = a.lead_id WHERE a.type = 'demo_performed' AND substr(a.at, 1, 10) BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY l.owner]] },
  { "lead_quality_rating", "channel",
    { Event = 3.359999999999999, ["LinkedIn ads"] = 2.526315789473684, ["Paid search"] = 2.75,
      Referral = 3.571428571428571, SEO = 3.341463414634146, Webinar = 3.5,
      ["White paper"] = 3.363636363636363 },
    [[SELECT l.channel, avg(CAST(f.rating AS REAL)) FROM feedback f JOIN leads l ON l.lead_id = f.lead_id WHERE f.given_at BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY l.channel]] },
}

for _, b in ipairs(BREAKDOWNS) do
  test(b[1] .. " by " .. b[2] .. " equals the SQL answer", function()
    local got, n = {}, 0
    for _, e in ipairs(kpi.breakdown(b[1], Q3, b[2])) do
      got[e.key] = e.value
      n = n + 1
    end
    local want_n = 0
    for key, want in pairs(b[3]) do
      want_n = want_n + 1
      expect(got[key] ~= nil and key):to_equal(key)
      near(got[key], want)
    end
    expect(n):to_equal(want_n)
  end)
end
