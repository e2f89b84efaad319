--- funnel.dates: calendar arithmetic on "YYYY-MM-DD" texts, and periods.
--
-- The engine hands dates to Lua as ISO texts ("2026-07-14"); KPIs, OKRs and
-- reports need to move such dates around: the day before, the same period a
-- quarter earlier, how much of a quarter has elapsed. This module does that
-- in plain Lua, with day numbers counted from 1970-01-01 in the proleptic
-- Gregorian calendar (the engine's convention), so it never depends on the
-- machine's time zone the way os.time does.
--
--   local dates = require "funnel.dates"
--   dates.add_days("2026-03-01", -1)         --> "2026-02-28"
--   dates.quarter("2026-Q3")                 --> { from = "2026-07-01", to = "2026-09-30" }
--   dates.previous{ from = "2026-07-01", to = "2026-09-30" }
--                                            --> { from = "2026-04-01", to = "2026-06-30" }
--
-- A period is a table { from = "YYYY-MM-DD", to = "YYYY-MM-DD" }, both days
-- included.
local M = {}

-- Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

-- The civil date of a day number (inverse of days_from_civil).
local function civil_from_days(z)
  z = z + 719468
  local era = (z >= 0 and z or z - 146096) // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local function is_leap(y)
  return y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)
end

--- Number of days in month m of year y.
function M.days_in_month(y, m)
  local days = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  if m == 2 and is_leap(y) then return 29 end
  return days[m]
end

--- Parses "YYYY-MM-DD" (a timestamp's date part is accepted too) into
-- year, month, day. Returns nil and a message when the text is not a date.
function M.parse(s)
  if type(s) ~= "string" then
    return nil, string.format("expected a date \"YYYY-MM-DD\", got %s", type(s))
  end
  local y, m, d = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)")
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if not y or m < 1 or m > 12 or d < 1 or d > M.days_in_month(y, m) then
    return nil, string.format("'%s' is not a date (expected YYYY-MM-DD)", s)
  end
  return y, m, d
end

-- Like parse, but raises an error naming `what` at the caller's caller.
local function check(s, what)
  local y, m, d = M.parse(s)
  if not y then error((what and what .. ": " or "") .. m, 3) end
  return y, m, d
end

--- Formats year, month, day as "YYYY-MM-DD".
function M.format(y, m, d)
  return string.format("%04d-%02d-%02d", y, m, d)
end

--- Day number (days since 1970-01-01) of a date text.
function M.to_days(s)
  return days_from_civil(check(s, "to_days"))
end

--- Date text of a day number.
function M.from_days(n)
  return M.format(civil_from_days(n))
end

--- The date n days after s (n may be negative).
function M.add_days(s, n)
  return M.from_days(days_from_civil(check(s, "add_days")) + n)
end

--- The date n months after s; the day is clamped to the end of the month
-- ("2026-03-31" plus -1 month is "2026-02-28").
function M.add_months(s, n)
  local y, m, d = check(s, "add_months")
  local k = y * 12 + (m - 1) + n
  y, m = k // 12, k % 12 + 1
  return M.format(y, m, math.min(d, M.days_in_month(y, m)))
end

--- Days from a to b (b - a; 0 when equal).
function M.diff(a, b)
  return days_from_civil(check(b, "diff")) - days_from_civil(check(a, "diff"))
end

--- The smaller and the larger of two dates.
function M.min(a, b) return a <= b and a or b end
function M.max(a, b) return a >= b and a or b end

--- Checks a period { from =, to = } and returns it; raises a clear error
-- when a bound is not a date or from is after to.
function M.check_period(p, what)
  what = what or "period"
  if type(p) ~= "table" then
    error(string.format("%s must be a table { from = \"YYYY-MM-DD\", to = \"YYYY-MM-DD\" }, got %s",
      what, type(p)), 2)
  end
  local ok, msg = M.parse(p.from)
  if not ok then error(what .. ".from: " .. msg, 2) end
  ok, msg = M.parse(p.to)
  if not ok then error(what .. ".to: " .. msg, 2) end
  if p.from > p.to then
    error(string.format("%s: from (%s) is after to (%s)", what, p.from, p.to), 2)
  end
  return p
end

--- Number of days in a period, both ends included.
function M.length(p)
  return M.diff(p.from, p.to) + 1
end

--- Number of whole months when the period starts on the first day of a
-- month and ends on the last day of a month; nil otherwise.
function M.whole_months(p)
  local y1, m1, d1 = check(p.from, "whole_months")
  local y2, m2, d2 = check(p.to, "whole_months")
  if d1 ~= 1 or d2 ~= M.days_in_month(y2, m2) then return nil end
  return (y2 * 12 + m2) - (y1 * 12 + m1) + 1
end

--- The period of the same length just before p: the previous k months when
-- p is k whole months (a quarter gives the previous quarter, whatever the
-- months' lengths), else the same number of days immediately before.
function M.previous(p)
  M.check_period(p)
  local months = M.whole_months(p)
  if months then
    local from = M.add_months(p.from, -months)
    return { from = from, to = M.add_days(p.from, -1) }
  end
  local n = M.length(p)
  return { from = M.add_days(p.from, -n), to = M.add_days(p.from, -1) }
end

--- The month holding date s: { from = first day, to = last day }.
function M.month_of(s)
  local y, m = check(s, "month_of")
  return { from = M.format(y, m, 1), to = M.format(y, m, M.days_in_month(y, m)) }
end

--- A quarter from "2026-Q3" (or from year, quarter number).
function M.quarter(q, n)
  local y = q
  if type(q) == "string" then
    y, n = q:match("^(%d%d%d%d)%-?[Qq]([1-4])$")
    y, n = tonumber(y), tonumber(n)
    if not y then error(string.format("quarter: '%s' is not like \"2026-Q3\"", q), 2) end
  end
  local m = (n - 1) * 3 + 1
  return { from = M.format(y, m, 1), to = M.format(y, m + 2, M.days_in_month(y, m + 2)) }
end

--- A short name for a period: "2026-Q3", "2026-07", "2026" when it is
-- exactly one, else "2026-07-01..2026-08-15".
function M.label(p)
  local y1, m1, d1 = M.parse(p.from)
  local y2, m2 = M.parse(p.to)
  local months = M.whole_months(p)
  if months == 1 then return string.format("%04d-%02d", y1, m1) end
  if months == 3 and y1 == y2 and m1 % 3 == 1 then
    return string.format("%04d-Q%d", y1, (m1 - 1) // 3 + 1)
  end
  if months == 12 and m1 == 1 and d1 == 1 and m2 == 12 then return string.format("%04d", y1) end
  return p.from .. ".." .. p.to
end

--- Today's date in UTC (for defaults only: scripts that must be
-- reproducible pass their "as of" date explicitly).
function M.today()
  return os.date("!%Y-%m-%d")
end

return M
