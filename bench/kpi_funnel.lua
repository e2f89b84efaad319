-- The KPI workload of `make bench`, in funnel-lua: the quarter's funnel by
-- channel on the sample CRM exports (samples/gen_samples.c, --rows 1e7).
-- The same KPIs are written in plain Lua (bench/kpi_plain.lua) and in
-- SQLite SQL (bench/kpi_sqlite.sql); the three answers must agree.
--
-- For each channel, over the quarter [from, to) (default 2026-07-01 to
-- 2026-10-01, i.e. Q3 2026):
--   leads          leads created in the quarter
--   customers      of those, leads whose stage is "customer"
--   conversion     customers / leads
--   closed         deals won or lost with closed_at in the quarter, by the
--                  channel of their lead
--   won            of those, the won ones
--   won_amount     sum of their amounts
--   win_rate       won / closed
--   spend          marketing spend dated in the quarter
--   cost_per_lead  spend / leads
--
-- Prints "TIME funnel kpi_load <s>" (reading leads, deals and spend) and
-- "TIME funnel kpi_queries <s>" (everything after), and writes the answer
-- to --param out=FILE.
-- usage: funnel-lua bench/kpi_funnel.lua --trust --data LEADS_DIR --param out=FILE
local P = funnel.params
local from, to = P.from or "2026-07-01", P.to or "2026-10-01"
local d, col, count = funnel.data, funnel.col, funnel.count

local function in_quarter(name)
  return col(name):ge(from) & col(name):lt(to)
end

local t0 = funnel.clock()
local leads, deals, spend = d.leads, d.deals, d.spend
local t1 = funnel.clock()

local by_channel = leads:where(in_quarter "created_at"):group_by("channel"):agg {
  leads = count(),
  customers = funnel.count_if(col "stage":eq "customer"),
}
local closed = deals:where(col "status":isin { "won", "lost" } & in_quarter "closed_at")
  :select("lead_id", "status", "amount")
  :join(leads:select("lead_id", "channel"), "lead_id")
local closed_by = closed:group_by("channel"):agg {
  closed = count(),
  won = funnel.count_if(col "status":eq "won"),
}
local won_by = closed:where(col "status":eq "won"):group_by("channel"):agg {
  won_amount = funnel.sum "amount",
}
local spend_by = spend:where(in_quarter "date"):group_by("channel"):agg {
  spend = funnel.sum "amount",
}
local kpis = by_channel
  :join(closed_by, "channel", { how = "left" })
  :join(won_by, "channel", { how = "left" })
  :join(spend_by, "channel", { how = "left" })
  :with {
    conversion = col "customers" / col "leads",
    win_rate = col "won" / col "closed",
    cost_per_lead = col "spend" / col "leads",
  }
  :sort { "channel" }
  :select("channel", "leads", "customers", "conversion", "closed", "won",
          "won_amount", "win_rate", "spend", "cost_per_lead")
local t2 = funnel.clock()

print(string.format("TIME funnel kpi_load %.6f", t1 - t0))
print(string.format("TIME funnel kpi_queries %.6f", t2 - t1))
if P.out then kpis:write_csv(P.out) else kpis:print() end
