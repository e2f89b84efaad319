-- funnel-lua side of `make bench`: loads the G1 file and answers
-- db-benchmark's groupby questions q1..q10 with the public Lua API, the way
-- a user would write them. Each step is timed with funnel.clock() over
-- `runs` runs; a question's time covers building its answer table, like
-- DuckDB's `CREATE TABLE ans AS SELECT ...`.
--
-- Prints "TIME funnel <task> <seconds>" per run. Writes each answer, its
-- columns named and ordered as in the DuckDB solution and its rows sorted by
-- all of them, to <answers>/funnel_qN.csv for the equality check (outside
-- the timing).
--
-- usage: funnel-lua bench/funnel_bench.lua --trust --data DIR
--          --param g1=G1_1e7_1e2_0_0.csv --param answers=/abs/dir
--          [--param runs=3] [--param only=q1,q3]
local P = funnel.params
local file = P.g1 or "G1_1e7_1e2_0_0.csv"
local answers = P.answers
local runs = tonumber(P.runs or "3")
local only = P.only and {} or nil
for q in (P.only or ""):gmatch "[^,]+" do only[q] = true end
local col, sum, mean = funnel.col, funnel.sum, funnel.mean

local function emit(task, seconds)
  print(string.format("TIME funnel %s %.6f", task, seconds))
  io.stdout:flush()
end

-- Load `runs` times; keep the last. Earlier tables are dropped and
-- collected first, so the peak memory is that of one loaded table.
local x
for _ = 1, runs do
  x = nil
  collectgarbage()
  collectgarbage()
  local t0 = funnel.clock()
  x = funnel.read_csv(file)
  emit("load", funnel.clock() - t0)
end
print(string.format("# funnel loaded %d rows; types %s", #x, (function()
  local ty, out = x:types(), {}
  for _, n in ipairs(x:names()) do out[#out + 1] = n .. ":" .. ty[n] end
  return table.concat(out, " ")
end)()))

-- Each question: the work (timed), then how its answer is laid out for the
-- comparison with DuckDB (untimed): column order and sort order.
local questions = {
  { "q1", function()
      return x:group_by("id1"):agg { v1 = sum "v1" }
    end, { "id1", "v1" } },
  { "q2", function()
      return x:group_by("id1", "id2"):agg { v1 = sum "v1" }
    end, { "id1", "id2", "v1" } },
  { "q3", function()
      return x:group_by("id3"):agg { v1 = sum "v1", v3 = mean "v3" }
    end, { "id3", "v1", "v3" } },
  { "q4", function()
      return x:group_by("id4"):agg { v1 = mean "v1", v2 = mean "v2", v3 = mean "v3" }
    end, { "id4", "v1", "v2", "v3" } },
  { "q5", function()
      return x:group_by("id6"):agg { v1 = sum "v1", v2 = sum "v2", v3 = sum "v3" }
    end, { "id6", "v1", "v2", "v3" } },
  { "q6", function()
      return x:group_by("id4", "id5"):agg {
        median_v3 = funnel.median "v3", sd_v3 = funnel.stddev "v3" }
    end, { "id4", "id5", "median_v3", "sd_v3" } },
  { "q7", function()
      return x:group_by("id3"):agg { max_v1 = funnel.max "v1", min_v2 = funnel.min "v2" }
        :with { range_v1_v2 = col "max_v1" - col "min_v2" }
    end, { "id3", "range_v1_v2" } },
  { "q8", function()
      return x:group_by("id6"):top(2, "v3")
    end, { "id6", "v3" }, { largest2_v3 = "v3" }, { "id6", { "largest2_v3", "desc" } } },
  { "q9", function()
      return x:group_by("id2", "id4"):agg { r = funnel.corr("v1", "v2") }
        :with { r2 = col "r" * col "r" }
    end, { "id2", "id4", "r2" } },
  { "q10", function()
      return x:group_by("id1", "id2", "id3", "id4", "id5", "id6")
        :agg { v3 = sum "v3", count = funnel.count() }
    end, { "id1", "id2", "id3", "id4", "id5", "id6", "v3", "count" } },
}

for _, q in ipairs(questions) do
  local name, work, columns, renames, order = q[1], q[2], q[3], q[4], q[5]
  if not only or only[name] then
    local ans
    for _ = 1, runs do
      ans = nil
      collectgarbage()
      local t0 = funnel.clock()
      ans = work()
      emit(name, funnel.clock() - t0)
    end
    if answers then
      local out = ans:select(columns)
      if renames then
        local to = {}
        for new, old in pairs(renames) do to[old] = new end
        out = out:rename(to)
      end
      if order then out = out:sort(order) end
      out:write_csv(answers .. "/funnel_" .. name .. ".csv")
    end
    ans = nil
  end
end
