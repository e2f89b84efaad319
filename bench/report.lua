-- Turns the measurements of one `make bench` run into the results table,
-- and checks the answers: funnel-lua's against DuckDB's for q1..q10, and the
-- three KPI answers (funnel-lua, SQLite, plain Lua) against each other.
--
-- Input lines (from each tool, gathered by bench/run.sh; others ignored):
--   TIME <tool> <task> <seconds | n/a>     one per timed run
--   PEAK <tool> <scope> <kilobytes>        process peak resident set
-- Times are reduced to their median. Ratios are funnel-lua's time divided by
-- the other tool's (below 1: funnel-lua is faster). Numbers in answers are
-- equal when |a - b| <= 1e-9 * max(|a|, |b|) + 1e-12; everything else must
-- match exactly.
--
-- usage: lua5.4 bench/report.lua RESULTS_FILE ANSWERS_DIR
-- Prints a Markdown table, then a line per failed check with its reason.
local results_path, answers = arg[1], arg[2]
assert(results_path and answers, "usage: lua5.4 report.lua RESULTS_FILE ANSWERS_DIR")

local times, peaks = {}, {} -- times[tool][task] = { samples } or "n/a"
for line in io.lines(results_path) do
  local tool, task, v = line:match "^TIME (%S+) (%S+) (%S+)$"
  if tool then
    times[tool] = times[tool] or {}
    if v == "n/a" then
      times[tool][task] = "n/a"
    elseif tonumber(v) and times[tool][task] ~= "n/a" then
      local s = times[tool][task] or {}
      s[#s + 1] = tonumber(v)
      times[tool][task] = s
    end
  end
  local ptool, scope, kb = line:match "^PEAK (%S+) (%S+) (%d+)$"
  if ptool then
    peaks[ptool] = peaks[ptool] or {}
    peaks[ptool][scope] = math.max(peaks[ptool][scope] or 0, tonumber(kb))
  end
end

local function median(s)
  table.sort(s)
  local n = #s
  if n % 2 == 1 then return s[(n + 1) // 2] end
  return (s[n // 2] + s[n // 2 + 1]) / 2
end

-- A tool's value for a task: a number, "n/a" (cannot do it) or nil (not run).
local function value(tool, task)
  local s = times[tool] and times[tool][task]
  if s == "n/a" or s == nil then return s end
  return median(s)
end

local function fmt_num(x)
  if x == nil then return "-" end
  if x == "n/a" then return "n/a" end
  if x >= 100 then return string.format("%.0f", x) end
  if x >= 10 then return string.format("%.1f", x) end
  if x >= 1 then return string.format("%.2f", x) end
  if x >= 0.01 then return string.format("%.3f", x) end
  return string.format("%.4f", x)
end

local function fmt_ratio(a, b)
  if type(a) ~= "number" or type(b) ~= "number" or b <= 0 then return "" end
  local r = a / b
  if r >= 10 then return string.format("%.0f×", r) end
  if r >= 0.1 then return string.format("%.2f×", r) end
  return string.format("%.3f×", r)
end

-- ---- answer checks ---------------------------------------------------------

local function split(line)
  local fields, pos, n, len = {}, 1, 0, #line
  while true do
    n = n + 1
    if line:sub(pos, pos) == '"' then
      local parts, i = {}, pos + 1
      while true do
        local q = line:find('"', i, true)
        if not q then
          parts[#parts + 1] = line:sub(i)
          pos = len + 1
          break
        end
        if line:sub(q + 1, q + 1) == '"' then
          parts[#parts + 1] = line:sub(i, q)
          i = q + 2
        else
          parts[#parts + 1] = line:sub(i, q - 1)
          pos = q + 1
          break
        end
      end
      fields[n] = table.concat(parts)
    else
      local c = line:find(",", pos, true)
      if not c then
        fields[n] = line:sub(pos)
        return fields
      end
      fields[n] = line:sub(pos, c - 1)
      pos = c
    end
    if pos > len then return fields end
    pos = pos + 1
  end
end

local function same_field(a, b)
  if a == b then return true end
  local x, y = tonumber(a), tonumber(b)
  if not x or not y then return false end
  return math.abs(x - y) <= 1e-9 * math.max(math.abs(x), math.abs(y)) + 1e-12
end

-- nil, reason when the files differ; true when they match; nil, nil when
-- one of them is missing.
local function compare(path_a, path_b)
  local fa, fb = io.open(path_a), io.open(path_b)
  if not fa or not fb then
    if fa then fa:close() end
    if fb then fb:close() end
    return nil, nil
  end
  local line = 0
  while true do
    local a, b = fa:read "l", fb:read "l"
    line = line + 1
    if a == nil or b == nil then
      fa:close()
      fb:close()
      if a == b then return true end
      return nil, string.format("line %d: %s ends first", line, a == nil and path_a or path_b)
    end
    a, b = a:gsub("\r$", ""), b:gsub("\r$", "")
    if a ~= b then
      local x, y = split(a), split(b)
      local ok = #x == #y
      for i = 1, #x do
        if not ok then break end
        ok = same_field(x[i], y[i])
      end
      if not ok then
        fa:close()
        fb:close()
        return nil, string.format("line %d: '%s' vs '%s'", line, a, b)
      end
    end
  end
end

local failures = {}
local function check(label, a, b)
  local ok, why = compare(answers .. "/" .. a, answers .. "/" .. b)
  if ok then return "PASS" end
  if why then
    failures[#failures + 1] = string.format("%s: %s vs %s: %s", label, a, b, why)
    return "FAIL"
  end
  return nil
end

-- ---- the table ---------------------------------------------------------------

local tools = { "funnel", "duckdb", "sqlite", "plain", "floor" }
local rows = {
  { "load", "load G1 CSV" },
  { "q1", "q1 sum v1 by id1" },
  { "q2", "q2 sum v1 by id1:id2" },
  { "q3", "q3 sum v1 mean v3 by id3" },
  { "q4", "q4 mean v1:v3 by id4" },
  { "q5", "q5 sum v1:v3 by id6" },
  { "q6", "q6 median v3 sd v3 by id4 id5" },
  { "q7", "q7 max v1 - min v2 by id3" },
  { "q8", "q8 largest two v3 by id6" },
  { "q9", "q9 regression v1 v2 by id2 id4" },
  { "q10", "q10 sum v3 count by id1:id6" },
  { "kpi_total", "KPI workload, end to end" },
  { "kpi_total_cached", "KPI workload, end to end, 2nd run (cache)" },
  { "kpi_queries", "KPI workload, data loaded" },
}

local out = {}
local function emit(cells) out[#out + 1] = "| " .. table.concat(cells, " | ") .. " |" end
emit { "task (median s)", "funnel-lua", "DuckDB", "SQLite", "plain Lua", "C floor",
  "vs DuckDB", "vs SQLite", "vs plain Lua", "vs floor", "answers" }
emit { "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---" }
for _, r in ipairs(rows) do
  local task, label = r[1], r[2]
  local v = {}
  local any = false
  for _, t in ipairs(tools) do
    v[t] = value(t, task)
    any = any or v[t] ~= nil
  end
  if task == "kpi_total_cached" then -- against the others' only run
    v.sqlite, v.plain = value("sqlite", "kpi_total"), value("plain", "kpi_total")
    any = v.funnel ~= nil
  end
  if any then
    local verdict
    if task:match "^q%d+$" then
      verdict = check(task, "funnel_" .. task .. ".csv", "duckdb_" .. task .. ".csv") or "-"
    elseif task == "kpi_total" then
      -- funnel-lua's answer is the reference; without it, SQLite's.
      local names = { funnel = "funnel-lua", sqlite = "SQLite", plain = "plain Lua" }
      local present = {}
      for _, t in ipairs { "funnel", "sqlite", "plain" } do
        local f = io.open(answers .. "/kpi_" .. t .. ".csv")
        if f then
          f:close()
          present[#present + 1] = t
        end
      end
      verdict = "-"
      if #present >= 2 then
        local ref, agree = present[1], { names[present[1]] }
        for i = 2, #present do
          local c = check("kpi", "kpi_" .. ref .. ".csv", "kpi_" .. present[i] .. ".csv")
          if c == "FAIL" then verdict = "FAIL" end
          agree[#agree + 1] = names[present[i]]
        end
        if verdict ~= "FAIL" then verdict = "PASS (" .. table.concat(agree, " = ") .. ")" end
      end
    elseif task == "kpi_total_cached" then
      verdict = check("kpi cached", "kpi_funnel.csv", "kpi_funnel_cached.csv") or "-"
      if verdict == "PASS" then verdict = "PASS (= 1st run)" end
    else
      verdict = ""
    end
    local f = v.funnel
    emit { label, fmt_num(v.funnel), fmt_num(v.duckdb), fmt_num(v.sqlite), fmt_num(v.plain),
      fmt_num(v.floor), fmt_ratio(f, v.duckdb), fmt_ratio(f, v.sqlite), fmt_ratio(f, v.plain),
      fmt_ratio(f, v.floor), verdict }
  end
end

local function mb(tool, scope)
  local kb = peaks[tool] and peaks[tool][scope]
  return kb and kb / 1024 or nil
end
for _, scope in ipairs { { "g1", "peak memory MB, G1 run" }, { "kpi", "peak memory MB, KPI run" } } do
  local m = {}
  local any = false
  for _, t in ipairs(tools) do
    m[t] = mb(t, scope[1])
    any = any or m[t] ~= nil
  end
  if any then
    local f = m.funnel
    emit { scope[2], fmt_num(m.funnel), fmt_num(m.duckdb), fmt_num(m.sqlite), fmt_num(m.plain), "",
      fmt_ratio(f, m.duckdb), fmt_ratio(f, m.sqlite), fmt_ratio(f, m.plain), "", "" }
  end
end
-- The columnar cache: the loads that read it against the parsing load
-- (the issue's target: <= 0.1x); the first load also writes it.
local cold, written, cached = value("funnel", "load"), value("funnel", "load_cache_write"),
  value("funnel", "load_cached")
if written then
  emit { "1st load, writing the cache", fmt_num(written), "", "", "", "", "", "", "", "", "" }
end
if cached then
  emit { "2nd load, columnar cache", fmt_num(cached), "", "", "", "", "", "", "", "",
    cold and (fmt_ratio(cached, cold) .. " of the parsing load") or "" }
else
  emit { "2nd load, columnar cache", "n/a", "", "", "", "", "", "", "", "", "" }
end

print(table.concat(out, "\n"))
for _, f in ipairs(failures) do print("\nFAIL " .. f) end
