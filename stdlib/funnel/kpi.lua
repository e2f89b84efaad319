--- funnel.kpi: define a KPI once, evaluate it anywhere.
--
--   local kpi = require "funnel.kpi"
--   local col = funnel.col
--   kpi.define{
--     name = "leads_acquired", owner = "marketing", unit = "count", direction = "up",
--     label = "Leads acquired",                 -- optional: the name shown in reports
--     cumulative = true,  -- optional: the value adds up over the period from 0
--                         -- (default: true for unit "count"); OKRs track it as a burn-up
--     description = "New leads created in the period: count of leads.created_at in [from, to].",
--     dimensions = { "channel", "campaign", "owner", "month" },
--     compute = function(d, p)
--       return p:total(p:where(d.leads, "created_at"), funnel.count(), "created_at")
--     end,
--   }
--   kpi.value("leads_acquired", { from = "2026-07-01", to = "2026-09-30" })    --> 1234
--   kpi.compare("leads_acquired", q3)      --> { value, previous, change, ... }
--   kpi.breakdown("leads_acquired", q3, "channel")  --> { {key = "Event", value = 80}, ... }
--
-- The standard catalogue is a separate module: `require "funnel.kpis"`.
--
-- ## How a compute function is written
--
-- compute(d, p) receives d = funnel.data (the tables of the data folder) and
-- p, the evaluation context:
--   p.from, p.to   the period, "YYYY-MM-DD", both days included
--   p.by           nil for a single value, or the dimension of a breakdown
--                  ("channel", "campaign", "owner", "month", or any column)
--   p:within(c)    expression: column c (date or timestamp) falls in the
--                  period (compares the day of c, so a timestamp late on the
--                  last day counts)
--   p:where(t, c)  t restricted to rows whose time column c is in the period,
--                  with the breakdown column attached when t lacks it (joined
--                  from d.leads on lead_id)
--   p:total(t, aggregate [, c])
--                  the aggregate over t: a number when p.by is nil, else a map
--                  { [key] = number } per value of the dimension; c is the
--                  time column that "month" buckets
--   p:dims(t)      t with the breakdown column attached (as p:where does)
--   p:during(q)    the same context for another period q = { from =, to = }
--                  (for KPIs that compare sub-periods, e.g. month on month)
-- and returns what p:total returns: a number (or nil) for the whole period,
-- or a map per key under p.by. kpi.ratio and kpi.combine combine numbers and
-- maps alike, so one compute function serves both: this is how a breakdown
-- is supported without writing the KPI twice. Only aggregates run over the
-- data (in the engine); Lua only touches one value per group.
--
-- A definition may list the dimensions it supports (`dimensions = {...}`);
-- kpi.breakdown refuses others with a clear message (spend, for example, has
-- no owner). Without the list every dimension is attempted.
--
-- ## Where a KPI comes from
--
-- kpi.define records the file and line of its caller (found by raising and
-- catching an error at increasing stack levels, since scripts have no debug
-- library). Defining a name again from another place is an error naming both
-- places; defining it again from the same place (the same file loaded twice)
-- replaces the definition silently.
local funnel = require "funnel"
local dates = require "funnel.dates"

local M = {}

local registry = {} -- name -> definition

M.units = { count = true, currency = true, percent = true, ratio = true, days = true }

-- ==== source locations ==================================================

local function position(level)
  local _, msg = pcall(error, "", level)
  return type(msg) == "string" and msg or ""
end

-- This file's own chunk name, to skip our own frames.
local SELF = (function()
  local function here() error("", 1) end
  local _, msg = pcall(here)
  return (tostring(msg):match("^(.-):%d+: $"))
end)()

-- File and line of the first Lua frame outside this file, looking up from
-- our caller. Returns "?" and 0 when none is found (e.g. a C caller).
local function caller_location()
  for level = 2, 20 do
    local file, line = position(level):match("^(.-):(%d+): $")
    if file and file ~= SELF then return file, tonumber(line) end
  end
  return "?", 0
end

-- ==== values and maps ===================================================

-- The key for a null group in a breakdown map (a Lua table cannot have nil
-- keys); kpi.breakdown turns it back into key = nil.
M.NULL_KEY = funnel.null

local function is_map(v)
  return type(v) == "table"
end

--- Applies fn to numbers or, when any argument is a map, key by key over the
-- union of the maps' keys (a number argument is used for every key). fn
-- receives nil for a key missing from a map. Returns a number or a map.
function M.combine(fn, ...)
  local args = table.pack(...)
  local keys, any_map = {}, false
  for i = 1, args.n do
    if is_map(args[i]) then
      any_map = true
      for k in pairs(args[i]) do keys[k] = true end
    end
  end
  if not any_map then return fn(...) end
  local out = {}
  for k in pairs(keys) do
    local vals = {}
    for i = 1, args.n do
      local a = args[i]
      if is_map(a) then vals[i] = a[k] else vals[i] = a end
    end
    out[k] = fn(table.unpack(vals, 1, args.n))
  end
  return out
end

--- a / b for counts and sums, as numbers or maps: nil when b is nil or 0; a
-- missing a counts as 0 (a group with nothing in the numerator).
function M.ratio(a, b)
  return M.combine(function(x, y)
    if y == nil or y == 0 then return nil end
    return (x or 0) / y
  end, a, b)
end

-- ==== the evaluation context ============================================

local Context = {}
Context.__index = Context

-- The methods below are documented in the file comment ("How a compute
-- function is written").

function Context:within(c)
  return funnel.day(funnel.col(c)):between(self.from, self.to)
end

function Context:dims(t)
  local by = self.by
  if by == nil or by == "month" then return t end
  local names = {}
  for _, name in ipairs(t:names()) do names[name] = true end
  if names[by] then return t end
  if not names.lead_id then
    error(string.format("cannot break down by '%s': the table has neither that column nor lead_id", by), 2)
  end
  return t:join(self.data.leads:select("lead_id", by), "lead_id", { how = "left" })
end

function Context:where(t, c)
  return self:dims(t:where(self:within(c)))
end

function Context:during(period)
  dates.check_period(period, "p:during")
  return setmetatable({ from = period.from, to = period.to, by = self.by, data = self.data }, Context)
end

function Context:total(t, aggregate, c)
  if self.by == nil then
    return t:agg{ { "v", aggregate } }.v
  end
  local key
  if self.by == "month" then
    if not c then error("a breakdown by month needs the time column: p:total(t, aggregate, column)", 2) end
    key = funnel.month(funnel.col(c))
  else
    key = funnel.col(self.by)
  end
  local out = {}
  for row in t:group_by{ key = key }:agg{ { "v", aggregate } }:rows() do
    local k = row.key
    if k == nil then k = M.NULL_KEY end
    out[k] = row.v
  end
  return out
end

local function context(period, by)
  return setmetatable({ from = period.from, to = period.to, by = by, data = funnel.data }, Context)
end

-- ==== definitions =======================================================

local function check_definition(def)
  if type(def) ~= "table" then error("kpi.define: expected a table { name =, ... }", 3) end
  local function need(field, ok, what)
    if not ok then
      error(string.format("kpi.define%s: %s must be %s, got %s",
        type(def.name) == "string" and " '" .. def.name .. "'" or "", field, what, tostring(def[field])), 4)
    end
  end
  need("name", type(def.name) == "string" and def.name:match("^[%a_][%w_%.]*$"), "a name like \"win_rate\"")
  need("owner", type(def.owner) == "string" and def.owner ~= "", "a team name")
  need("unit", M.units[def.unit], "one of count, currency, percent, ratio, days")
  need("direction", def.direction == "up" or def.direction == "down", "\"up\" or \"down\"")
  need("description", type(def.description) == "string" and def.description ~= "",
    "a text that says what is counted and how (the formula)")
  need("compute", type(def.compute) == "function", "a function(d, p)")
  need("dimensions", def.dimensions == nil or type(def.dimensions) == "table", "a list of dimension names")
  need("label", def.label == nil or type(def.label) == "string", "a text")
  need("cumulative", def.cumulative == nil or type(def.cumulative) == "boolean", "true or false")
end

-- "win_rate" -> "Win rate": the label of a KPI defined without one.
local function default_label(name)
  local s = name:gsub("_", " ")
  return s:sub(1, 1):upper() .. s:sub(2)
end

--- Defines a KPI (see the file comment for the fields and compute). Returns
-- the stored definition. Raises an error naming both places when the name is
-- already defined elsewhere.
function M.define(def)
  check_definition(def)
  local file, line = caller_location()
  local old = registry[def.name]
  if old and (old.source ~= file or old.line ~= line) then
    error(string.format("KPI '%s' is defined twice: at %s:%d and at %s:%d (rename one of them)",
      def.name, old.source, old.line, file, line), 2)
  end
  local stored = {
    name = def.name, label = def.label or default_label(def.name), owner = def.owner, unit = def.unit,
    direction = def.direction, description = def.description, compute = def.compute, source = file, line = line,
    cumulative = def.cumulative,
  }
  if stored.cumulative == nil then stored.cumulative = def.unit == "count" end
  if def.dimensions then
    stored.dimensions = {}
    for i, d in ipairs(def.dimensions) do stored.dimensions[i] = d end
  end
  registry[def.name] = stored
  return stored
end

--- The definition of a KPI by name; an error listing the known names when
-- there is none.
function M.get(name)
  local def = registry[name]
  if def then return def end
  local names = {}
  for k in pairs(registry) do names[#names + 1] = k end
  table.sort(names)
  error(string.format("unknown KPI '%s' (defined: %s)%s", tostring(name),
    #names > 0 and table.concat(names, ", ") or "none",
    registry.leads_acquired and "" or "; the standard catalogue is require \"funnel.kpis\""), 2)
end

--- Every definition, sorted by name: a list of { name, label, owner, unit,
-- direction, cumulative, description, dimensions, source, line } (copies: changing them
-- changes nothing).
function M.list()
  local out = {}
  for _, def in pairs(registry) do
    out[#out + 1] = {
      name = def.name, label = def.label, owner = def.owner, unit = def.unit, direction = def.direction,
      cumulative = def.cumulative, description = def.description, dimensions = def.dimensions,
      source = def.source, line = def.line,
    }
  end
  table.sort(out, function(a, b) return a.name < b.name end)
  return out
end

local function evaluate(name, period, by, level)
  local def = M.get(name)
  dates.check_period(period, "period")
  local v = def.compute(funnel.data, context(period, by))
  if by == nil and type(v) ~= "number" and v ~= nil then
    error(string.format("KPI '%s' (%s:%d): compute returned a %s, expected a number or nil",
      name, def.source, def.line, type(v)), level)
  end
  if by ~= nil and type(v) ~= "table" then
    error(string.format("KPI '%s' (%s:%d): compute returned a %s for a breakdown by %s; "
      .. "use p:total so that it returns one value per key", name, def.source, def.line, type(v), by), level)
  end
  if type(v) == "number" and v ~= v then v = nil end -- never hand NaN to a report
  return v
end

--- The KPI's value over period { from =, to = }: a number, or nil when it is
-- undefined (a rate over no rows, say).
function M.value(name, period)
  return evaluate(name, period, nil, 3)
end

--- The value over period and over the period of the same length just before
-- it (the previous k months when period is k whole months, else the same
-- number of days): { name, label, unit, direction, value, previous, delta = value -
-- previous, change = delta / |previous| (nil when previous is nil or 0),
-- improved (true when the change goes the KPI's direction, nil when
-- unknown), period, previous_period }.
function M.compare(name, period)
  local def = M.get(name)
  dates.check_period(period, "period")
  local prev = dates.previous(period)
  local r = {
    name = name, label = def.label, unit = def.unit, direction = def.direction,
    value = evaluate(name, period, nil, 3), previous = evaluate(name, prev, nil, 3),
    period = { from = period.from, to = period.to }, previous_period = prev,
  }
  if r.value and r.previous then
    r.delta = r.value - r.previous
    if r.previous ~= 0 then r.change = r.delta / math.abs(r.previous) end
    if r.delta ~= 0 then r.improved = (r.delta > 0) == (def.direction == "up") end
  end
  return r
end

local function key_less(a, b)
  if a.key == nil then return false end
  if b.key == nil then return true end
  if type(a.key) == type(b.key) then return a.key < b.key end
  return type(a.key) < type(b.key)
end

--- The KPI over period, one value per value of dimension ("channel",
-- "campaign", "owner", "month" or another column the KPI's tables have):
-- a list of { key, value } sorted by key (a null key, shown as key = nil,
-- comes last). Months are keyed by their first day ("2026-07-01").
function M.breakdown(name, period, dimension)
  local def = M.get(name)
  if type(dimension) ~= "string" then error("kpi.breakdown: dimension must be a column name or \"month\"", 2) end
  if def.dimensions then
    local ok = false
    for _, d in ipairs(def.dimensions) do ok = ok or d == dimension end
    if not ok then
      error(string.format("KPI '%s' has no breakdown by %s (it supports: %s)", name, dimension,
        #def.dimensions > 0 and table.concat(def.dimensions, ", ") or "none"), 2)
    end
  end
  local map = evaluate(name, period, dimension, 3)
  local out = {}
  for k, v in pairs(map) do
    if v ~= v then v = nil end
    out[#out + 1] = { key = k ~= M.NULL_KEY and k or nil, value = v }
  end
  table.sort(out, key_less)
  return out
end

--- Removes every definition (for tests).
function M.reset()
  registry = {}
end

return M
