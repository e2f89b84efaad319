--- funnel.testing: the test cases behind `funnel-lua test`.
--
-- A test file registers cases with `funnel.test(name, fn)`; a case fails
-- when it raises an error. `funnel.expect(v)` gives readable failures:
--
--   funnel.test("win rate counts only closed deals", function()
--     funnel.expect(kpi.value("win_rate", q3)):to_be_near(0.25, 1e-9)
--     funnel.expect(#funnel.data.deals):to_equal(12)
--   end)
--
-- `funnel-lua test DIR` loads each *_test.lua in its own sandboxed run, then
-- calls M.run, which runs the cases in order and prints each failure with
-- its file and line and the expected and actual values.
local M = {}

local cases = {}

--- Registers a test case.
function M.test(name, fn)
  assert(type(name) == "string", "funnel.test: the first argument is the case's name")
  assert(type(fn) == "function", "funnel.test: the second argument is a function")
  cases[#cases + 1] = { name = name, fn = fn }
end

-- A readable, deterministic text for a value: tables with sorted keys.
local function show(v, depth)
  depth = depth or 0
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) ~= "table" or depth > 3 then return tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) == type(b) and (type(a) == "number" or type(a) == "string") then return a < b end
    return type(a) < type(b)
  end)
  local parts = {}
  for _, k in ipairs(keys) do
    local key = type(k) == "string" and k or "[" .. tostring(k) .. "]"
    parts[#parts + 1] = key .. " = " .. show(v[k], depth + 1)
  end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

local function deep_equal(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do
    if not deep_equal(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

-- The places where tables a (expected) and b (actual) differ, as lines
-- "  path: expected x, actual y", at most `limit` of them, keys sorted.
local function differences(a, b, path, out, limit)
  if #out >= limit then return out end
  if type(a) == "table" and type(b) == "table" then
    local keys, seen = {}, {}
    for k in pairs(a) do keys[#keys + 1] = k; seen[k] = true end
    for k in pairs(b) do if not seen[k] then keys[#keys + 1] = k end end
    table.sort(keys, function(x, y)
      if type(x) == type(y) and (type(x) == "number" or type(x) == "string") then return x < y end
      return type(x) < type(y)
    end)
    for _, k in ipairs(keys) do
      local sub = type(k) == "number" and string.format("%s[%d]", path, k)
        or (path == "" and tostring(k) or path .. "." .. tostring(k))
      differences(a[k], b[k], sub, out, limit)
    end
  elseif not deep_equal(a, b) and #out < limit then
    out[#out + 1] = string.format("    %s: expected %s, actual %s",
      path == "" and "value" or path, show(a), show(b))
  end
  return out
end

local function fail(what, expected, actual)
  local text = string.format("%s\n    expected: %s\n    actual:   %s", what, show(expected), show(actual))
  if type(expected) == "table" and type(actual) == "table" then
    local lines = differences(expected, actual, "", {}, 10)
    text = text .. "\n  differences:\n" .. table.concat(lines, "\n")
  end
  error(text, 3)
end

local Expect = {}
Expect.__index = Expect

--- Passes when the value equals x (tables are compared by content).
function Expect:to_equal(x)
  if not deep_equal(self.value, x) then fail("values differ", x, self.value) end
  return self
end

--- Passes when the value is a number within tolerance of x (absolute).
function Expect:to_be_near(x, tolerance)
  tolerance = tolerance or 1e-9
  local v = self.value
  if type(v) ~= "number" or math.abs(v - x) > tolerance then
    fail(string.format("not within %g", tolerance), x, v)
  end
  return self
end

--- Passes when the value is nil (a missing KPI value, a null cell).
function Expect:to_be_nil()
  if self.value ~= nil then fail("not nil", nil, self.value) end
  return self
end

--- Passes when the value is truthy.
function Expect:to_be_truthy()
  if not self.value then fail("not truthy", true, self.value) end
  return self
end

--- Passes when calling the value raises an error whose message contains s.
function Expect:to_fail_with(s)
  local ok, err = pcall(self.value)
  if ok then fail("no error raised", s, "no error") end
  if not tostring(err):find(s, 1, true) then fail("another error", s, tostring(err)) end
  return self
end

--- Wraps a value for the checks above.
function M.expect(v)
  return setmetatable({ value = v }, Expect)
end

--- Runs the registered cases; prints failures; returns passed, failed.
function M.run(file)
  local passed, failed = 0, 0
  for _, case in ipairs(cases) do
    local ok, err = xpcall(case.fn, function(e) return tostring(e) end)
    if ok then
      passed = passed + 1
    else
      failed = failed + 1
      funnel.write(string.format("FAIL %s: %s\n  %s\n", file, case.name, err))
    end
  end
  cases = {}
  return passed, failed
end

return M
