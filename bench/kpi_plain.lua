-- The KPI workload of `make bench` (see bench/kpi_funnel.lua for the
-- definitions), written the naive way in plain Lua 5.4: every CSV line is
-- split into a row table keyed by the header's names, and the KPIs are
-- accumulated in Lua tables.
--
-- It streams the rows instead of keeping all of them: the 1e7 leads as row
-- tables would take about 10 GB. Only the lead -> channel map stays in
-- memory, for attributing deals to channels. So this is the naive way at its
-- most economical.
--
-- usage: lua5.4 bench/kpi_plain.lua LEADS_DIR OUT_FILE [FROM TO]
-- Writes the answer as CSV; bench/run.sh times the whole process.
local dir, out_path = arg[1], arg[2]
local from, to = arg[3] or "2026-07-01", arg[4] or "2026-10-01"
assert(dir and out_path, "usage: lua5.4 kpi_plain.lua LEADS_DIR OUT_FILE [FROM TO]")

-- Splits one CSV line: fields separated by commas, a field may be quoted
-- with doubled quotes inside (the exports have no newlines in these files).
local function split(line)
  local fields, pos, n, len = {}, 1, 0, #line
  while true do
    n = n + 1
    if line:sub(pos, pos) == '"' then
      local parts, i = {}, pos + 1
      while true do
        local q = assert(line:find('"', i, true), "unterminated quote")
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

-- Iterates over the rows of a CSV file as tables {column = text}.
local function rows(path)
  local f = assert(io.open(path, "r"))
  local names = split((f:read("l"):gsub("\r$", "")))
  return function()
    local line = f:read("l")
    if not line then
      f:close()
      return nil
    end
    local fields = split((line:gsub("\r$", "")))
    local row = {}
    for i, name in ipairs(names) do row[name] = fields[i] end
    return row
  end
end

local function in_quarter(s) return s >= from and s < to end

-- channel -> { leads, customers, closed, won, won_amount, spend }; as in
-- SQL, a figure over no rows is empty (nil), not zero: closed and won when
-- the channel closed no deal, won_amount when it won none, spend when it
-- spent nothing.
local kpi = {}
local function of(channel)
  local k = kpi[channel]
  if not k then
    k = { leads = 0, customers = 0 }
    kpi[channel] = k
  end
  return k
end

local channel_of = {}
for r in rows(dir .. "/leads.csv") do
  channel_of[tonumber(r.lead_id)] = r.channel
  if in_quarter(r.created_at) then
    local k = of(r.channel)
    k.leads = k.leads + 1
    if r.stage == "customer" then k.customers = k.customers + 1 end
  end
end
for r in rows(dir .. "/deals.csv") do
  if (r.status == "won" or r.status == "lost") and r.closed_at ~= "" and in_quarter(r.closed_at) then
    local k = of(channel_of[tonumber(r.lead_id)])
    k.closed = (k.closed or 0) + 1
    k.won = k.won or 0
    if r.status == "won" then
      k.won = k.won + 1
      k.won_amount = (k.won_amount or 0.0) + tonumber(r.amount)
    end
  end
end
for r in rows(dir .. "/spend.csv") do
  if in_quarter(r.date) then
    local k = of(r.channel)
    k.spend = (k.spend or 0.0) + tonumber(r.amount)
  end
end

local channels = {}
for c, k in pairs(kpi) do
  if k.leads > 0 then channels[#channels + 1] = c end
end
table.sort(channels)
local out = assert(io.open(out_path, "w"))
out:write("channel,leads,customers,conversion,closed,won,won_amount,win_rate,spend,cost_per_lead\n")
local function num(x)
  if x == nil then return "" end
  if math.type(x) == "integer" then return tostring(x) end
  return string.format("%.17g", x)
end
local function ratio(a, b)
  if a == nil or b == nil or b == 0 then return nil end
  return a / b
end
for _, c in ipairs(channels) do
  local k = kpi[c]
  out:write(table.concat({ c, num(k.leads), num(k.customers), num(ratio(k.customers, k.leads)),
    num(k.closed), num(k.won), num(k.won_amount), num(ratio(k.won, k.closed)),
    num(k.spend), num(ratio(k.spend, k.leads)) }, ","), "\n")
end
out:close()
