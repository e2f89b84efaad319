--- funnel.okr: objectives and key results, scored against the calendar.
--
--   local okr = require "funnel.okr"
--   require "funnel.kpis"
--   local review = okr.review({
--     okr.objective{
--       title = "Fill the pipeline with leads sales wants", owner = "marketing",
--       period = "2026-Q3",
--       key_results = {
--         { current = "leads_acquired", kind = "increase_to", target = 2400 },
--         { current = "cost_per_lead", kind = "decrease_to", baseline = 95, target = 80 },
--         { title = "Persona-fit rate above 60 %", current = "persona_fit_rate",
--           kind = "stay_above", target = 0.60 },
--         { title = "New white paper published", kind = "milestone", done = true },
--       },
--     },
--   }, { as_of = funnel.params.as_of })
--
-- ## Key results
--
--   title     what is measured (default: the KPI's label)
--   current   a number, a KPI name (evaluated from the period's first day to
--             the review date), or a function(period_to_date) returning one
--   baseline  where the KR started; for a KPI, default: the KPI's value over
--             the whole previous period (kpi.compare's previous period)
--   target    a number; for "within", a range { lo, hi }
--   kind      "increase_to" | "decrease_to" | "stay_above" | "stay_below" |
--             "within" | "milestone" (with done = true / false, optional due
--             date, default the period's last day)
--   unit      for display (default: the KPI's unit, else "count")
--   cumulative  true when current adds up over the period from 0 (a count
--             of leads, deals, ...); default: the KPI's `cumulative` (true
--             for KPIs of unit "count"), false for numbers and functions
--
-- ## Progress (0..1, clamped)
--
--   increase_to  (current - baseline) / (target - baseline); for a cumulative
--                KR, current / target: a count starts each period at 0, so
--                it is a burn-up towards the target (the baseline, the
--                previous period's total, is shown for context only)
--   decrease_to  (baseline - current) / (baseline - target)
--   stay_above, stay_below, within
--                1 while the condition holds, 0 when it does not (a level to
--                keep, not a distance to cover)
--   milestone    1 when done, else 0
--
-- ## Expected progress and status
--
-- expected = days elapsed / days in the period, counting the review date
-- (as_of) as elapsed; as_of defaults to today's date (UTC) and is clamped
-- to the period. Scripts that must give the same output every time pass it
-- explicitly (--param as_of=2026-09-30).
--
--   increase_to, decrease_to
--     achieved   progress = 1 (the target is reached)
--     on track   progress >= on_track x expected     (default on_track = 0.9)
--     at risk    progress >= at_risk x expected      (default at_risk = 0.7)
--     off track  below that, or no current value
--   stay_above, stay_below, within
--     achieved   the condition holds and the period is over
--     on track   the condition holds
--     at risk    it does not, but misses by at most `tolerance` of the
--                threshold (relative; default 0.05)
--     off track  it misses by more
--   milestone
--     achieved   done
--     on track   not done, less than milestone_at_risk (default 0.8) of the
--                time to its due date elapsed
--     at risk    not done, later than that, up to the due date
--     off track  not done after its due date
--
-- Thresholds can be overridden for a whole review (opts.thresholds), an
-- objective or a key result (their `thresholds` field).
--
-- An objective's progress is the mean of its key results' progress; its
-- status is its weakest key result's (off track < at risk < on track <
-- achieved). Under --check (funnel.check), okr.review makes the run exit
-- with status 3 when any key result is off track.
local funnel = require "funnel"
local kpi = require "funnel.kpi"
local dates = require "funnel.dates"

local M = {}

M.defaults = { on_track = 0.9, at_risk = 0.7, tolerance = 0.05, milestone_at_risk = 0.8 }

M.STATUSES = { "off track", "at risk", "on track", "achieved" }
local RANK = { ["off track"] = 1, ["at risk"] = 2, ["on track"] = 3, achieved = 4 }

local KINDS = {
  increase_to = true, decrease_to = true, stay_above = true, stay_below = true, within = true, milestone = true,
}

local function clamp01(x)
  if x < 0 then return 0 end
  if x > 1 then return 1 end
  return x
end

local function to_period(p, what)
  if type(p) == "string" then return dates.quarter(p) end
  return dates.check_period(p, what)
end

-- Merged thresholds: defaults < review < objective < key result.
local function thresholds(...)
  local t = {}
  for k, v in pairs(M.defaults) do t[k] = v end
  for i = 1, select("#", ...) do
    local o = select(i, ...)
    if o then for k, v in pairs(o) do t[k] = v end end
  end
  return t
end

--- Declares an objective: { title, owner, period (a period table or
-- "2026-Q3"; default: the review's), key_results = { ... }, thresholds }.
-- Checks the fields now, so that a typo is reported where it is made.
function M.objective(o)
  if type(o) ~= "table" then error("okr.objective: expected a table { title =, key_results = { ... } }", 2) end
  if type(o.title) ~= "string" then error("okr.objective: title must be a text", 2) end
  if type(o.key_results) ~= "table" or #o.key_results == 0 then
    error(string.format("okr.objective '%s': key_results must be a non-empty list", o.title), 2)
  end
  for i, kr in ipairs(o.key_results) do
    local where = string.format("okr.objective '%s', key result %d", o.title, i)
    if type(kr) ~= "table" then error(where .. ": expected a table", 2) end
    if not KINDS[kr.kind] then
      error(string.format("%s: kind must be increase_to, decrease_to, stay_above, stay_below, within or "
        .. "milestone, got %s", where, tostring(kr.kind)), 2)
    end
    if kr.kind == "milestone" then
      if type(kr.done) ~= "boolean" then error(where .. ": a milestone needs done = true or false", 2) end
    elseif kr.kind == "within" then
      if type(kr.target) ~= "table" or type(kr.target[1]) ~= "number" or type(kr.target[2]) ~= "number"
        or kr.target[1] > kr.target[2] then
        error(where .. ": within needs target = { lo, hi } with lo <= hi", 2)
      end
    elseif type(kr.target) ~= "number" then
      error(where .. ": target must be a number", 2)
    end
    if kr.kind ~= "milestone" and kr.current == nil then
      error(where .. ": current must be a number, a KPI name or a function", 2)
    end
    if type(kr.current) == "string" then kpi.get(kr.current) end -- unknown KPI: fail now
  end
  if o.period then o.period = to_period(o.period, "okr.objective period") end
  return o
end

-- The current value of a KR over the period to date, and its unit.
local function current_value(kr, to_date)
  local c = kr.current
  if type(c) == "number" then return c, kr.unit end
  if type(c) == "string" then return kpi.value(c, to_date), kr.unit or kpi.get(c).unit end
  if type(c) == "function" then return c(to_date), kr.unit end
  return nil, kr.unit
end

-- Does the KR's current value add up from 0 over the period?
local function is_cumulative(kr)
  if kr.cumulative ~= nil then return kr.cumulative end
  if type(kr.current) == "string" then return kpi.get(kr.current).cumulative end
  return false
end

local function evaluate_kr(kr, period, as_of, expected, th)
  local to_date = { from = period.from, to = as_of }
  local r = {
    title = kr.title or (type(kr.current) == "string" and kpi.get(kr.current).label) or "key result",
    kind = kr.kind, kpi = type(kr.current) == "string" and kr.current or nil,
    target = kr.target, expected = expected,
  }
  if kr.kind == "milestone" then
    r.unit = "milestone"
    r.done = kr.done
    r.progress = kr.done and 1 or 0
    local due = kr.due or period.to
    r.due = due
    if kr.done then
      r.status = "achieved"
    elseif as_of > due then
      r.status, r.note = "off track", "past its due date " .. due
    else
      local span = dates.diff(period.from, due) + 1
      local elapsed = (dates.diff(period.from, as_of) + 1) / span
      r.status = elapsed >= th.milestone_at_risk and "at risk" or "on track"
      r.note = "due " .. due
    end
    return r
  end

  local current, unit = current_value(kr, to_date)
  r.current, r.unit = current, unit or "count"
  local baseline = kr.baseline
  if baseline == nil and r.kpi and (kr.kind == "increase_to" or kr.kind == "decrease_to") then
    baseline = kpi.value(r.kpi, dates.previous(period))
    r.baseline_from = "previous period"
  end
  r.baseline = baseline
  if current == nil then
    r.progress, r.status, r.note = 0, "off track", "no value for the period so far"
    return r
  end

  if kr.kind == "increase_to" or kr.kind == "decrease_to" then
    if baseline == nil and not (kr.kind == "increase_to" and is_cumulative(kr)) then
      r.progress, r.status, r.note = 0, "off track", "no baseline (give baseline =)"
      return r
    end
    local cumulative = kr.kind == "increase_to" and is_cumulative(kr)
    local from = cumulative and 0 or baseline -- where progress is counted from
    r.cumulative = cumulative or nil
    local span = kr.kind == "increase_to" and kr.target - from or from - kr.target
    if span <= 0 then
      local reached
      if kr.kind == "increase_to" then reached = current >= kr.target else reached = current <= kr.target end
      r.progress = reached and 1 or 0
      r.note = "the target is not beyond the baseline"
    else
      local moved = kr.kind == "increase_to" and current - from or from - current
      r.progress = clamp01(moved / span)
    end
    if r.progress >= 1 then
      r.status = "achieved"
    elseif r.progress >= th.on_track * expected then
      r.status = "on track"
    elseif r.progress >= th.at_risk * expected then
      r.status = "at risk"
    else
      r.status = "off track"
    end
    return r
  end

  -- stay_above, stay_below, within: a level to hold.
  local lo, hi
  if kr.kind == "stay_above" then lo = kr.target
  elseif kr.kind == "stay_below" then hi = kr.target
  else lo, hi = kr.target[1], kr.target[2] end
  local miss = 0 -- relative distance outside the allowed range
  if lo and current < lo then miss = (lo - current) / math.max(math.abs(lo), 1e-12) end
  if hi and current > hi then miss = (current - hi) / math.max(math.abs(hi), 1e-12) end
  if miss == 0 then
    r.progress = 1
    r.status = as_of >= period.to and "achieved" or "on track"
  else
    r.progress = 0
    r.status = miss <= th.tolerance and "at risk" or "off track"
  end
  return r
end

--- Scores objectives as of a date.
-- opts: { as_of = "YYYY-MM-DD" (default today, clamped to each period),
--         period = default period for objectives without one,
--         thresholds = { on_track =, at_risk =, tolerance =, milestone_at_risk = } }
-- Returns { as_of, objectives = { { title, owner, period, as_of, expected,
-- progress, status, key_results = { { title, kind, kpi, unit, baseline,
-- target, current, progress, expected, status, note } } } }, counts =
-- { [status] = key results }, off_track = n, status = the weakest }.
function M.review(objectives, opts)
  opts = opts or {}
  if type(objectives) ~= "table" then error("okr.review: expected a list of objectives", 2) end
  local default_period = opts.period and to_period(opts.period, "okr.review period")
  local as_of = opts.as_of or dates.today()
  if not dates.parse(as_of) then error(string.format("okr.review: as_of '%s' is not a date", tostring(as_of)), 2) end
  local out = { as_of = as_of, objectives = {}, counts = {}, off_track = 0 }
  for _, s in ipairs(M.STATUSES) do out.counts[s] = 0 end
  local weakest
  for i, o in ipairs(objectives) do
    local period = o.period or default_period
    if not period then error(string.format("okr.review: objective %d ('%s') has no period", i, o.title), 2) end
    local day = dates.min(dates.max(as_of, period.from), period.to)
    local expected = (dates.diff(period.from, day) + 1) / dates.length(period)
    local ro = {
      title = o.title, owner = o.owner, period = period, as_of = day, expected = expected, key_results = {},
    }
    local sum = 0
    for _, kr in ipairs(o.key_results) do
      local th = thresholds(opts.thresholds, o.thresholds, kr.thresholds)
      local r = evaluate_kr(kr, period, day, expected, th)
      ro.key_results[#ro.key_results + 1] = r
      sum = sum + r.progress
      out.counts[r.status] = out.counts[r.status] + 1
      if r.status == "off track" then out.off_track = out.off_track + 1 end
      if not ro.status or RANK[r.status] < RANK[ro.status] then ro.status = r.status end
    end
    ro.progress = sum / #o.key_results
    if not weakest or RANK[ro.status] < RANK[weakest] then weakest = ro.status end
    out.objectives[#out.objectives + 1] = ro
  end
  out.status = weakest
  if funnel.check and out.off_track > 0 then funnel.exit_code(3) end
  return out
end

return M
