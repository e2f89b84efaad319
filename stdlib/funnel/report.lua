--- funnel.report: a report in the run's --format (table, md, csv, json, html).
--
--   local report = require "funnel.report"
--   local r = report.new{ title = "Funnel dashboard", subtitle = "2026-Q3" }
--   r:heading("Top of the funnel")
--   r:figures{
--     { label = "Leads acquired", value = 2412, previous = 2105, change = 0.146, unit = "count" },
--   }
--   r:table(funnel.data.leads:group_by("channel"):agg{ leads = funnel.count() },
--           { columns = { { "channel", "Channel" }, { "leads", "Leads", "count" } } })
--   r:finish()                     -- writes everything through funnel.write
--
--   r:funnel(funnel.funnel{ ... }, { title = "Lead to won", by = "channel" })
--   r:trend(rows, { title = "Leads by month", x = "month", y = "leads", previous = "year_before" })
--
-- A report is a list of blocks (headings, text, key figures, tables, OKR
-- reviews, experiment evaluations, charts: funnel, cohorts, trend, bars)
-- rendered at r:finish(), so that JSON can be one document. Formats:
--   table  for the terminal: underlined headings, aligned columns (display
--          widths, so accented, CJK and emoji text lines up), numbers
--          formatted for people: 12,345 · €12,345 · 12.3 % · +4.2 %
--   md     GitHub Markdown: # headings, pipe tables, numbers as for table
--   csv    each figures or table block as a CSV table (header first) whose
--          first column `section` is the heading it sits under; blocks are
--          separated by one empty line; numbers raw (0.123, not 12.3 %)
--   json   one document { "title", "subtitle", "blocks": [...] } with raw
--          numbers, null for missing values, keys sorted, two-space indent
--   html   body markup for the page the engine wraps around the run's
--          output (it writes the head, with the stylesheet these class
--          names refer to, before the first output and the tail at a
--          successful exit, so t:print() tables and reports share one
--          document); charts as inline SVG; every data text escaped
-- Charts in table format are Unicode bars and sparklines next to the
-- numbers, in md plain tables, in csv/json their data (numbers raw).
--
-- Units, for formatting: "count" (integers with thousands separators),
-- "currency" (report.currency, default "€"; no decimals from 100 up),
-- "percent" (a fraction shown as 12.3 %), "change" (a signed fraction,
-- +4.2 %), "points" (a signed difference of two rates, +1.5 pp), "ratio"
-- (two decimals), "days" (one decimal, "days"), "p_value" (four decimals,
-- "< 0.0001" below that), "chance" (a probability, 97.3 %, never rounded
-- to 100 %: "> 99.9 %"), "text",
-- and nil (numbers: integers as count, others with two decimals).
-- A missing number is shown as "–" in table and md (missing text as
-- nothing), empty in csv, null in json.
local funnel = require "funnel"

local M = {}

M.currency = "€"
M.MISSING = "–"

-- ==== numbers ===========================================================

-- Inserts thousands separators into the integer digits of a number text.
local function group_digits(s)
  local sign, int, rest = s:match("^([-+]?)(%d+)(.*)$")
  if not int then return s end
  int = int:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "")
  return sign .. int .. rest
end

-- string.format, without a negative zero ("-0.0" becomes "0.0").
local function fmt(spec, x)
  local s = string.format(spec, x)
  if s:match("^%-[0.]+$") then s = s:sub(2) end
  return s
end

--- Formats a number with thousands separators and `decimals` decimals.
function M.number(x, decimals)
  return group_digits(fmt("%." .. (decimals or 0) .. "f", x))
end

--- Text of value v for people, by unit (see the file comment).
function M.format_value(v, unit)
  if v == nil or v == funnel.null then return M.MISSING end
  if type(v) ~= "number" then return tostring(v) end
  if v ~= v or v == math.huge or v == -math.huge then return M.MISSING end
  if unit == "count" then
    if v == math.floor(v) then return M.number(v, 0) end
    return M.number(v, 1)
  elseif unit == "currency" then
    local s = M.number(math.abs(v), math.abs(v) >= 100 and 0 or 2)
    if s:match("^[0.,]+$") then return M.currency .. s end
    return (v < 0 and "-" or "") .. M.currency .. s
  elseif unit == "percent" then
    return fmt("%.1f", 100 * v) .. " %"
  elseif unit == "change" then
    local s = fmt("%.1f", 100 * v)
    if s:sub(1, 1) ~= "-" then s = "+" .. s end
    return s .. " %"
  elseif unit == "ratio" then
    return M.number(v, 2)
  elseif unit == "days" then
    return M.number(v, 1) .. " days"
  elseif unit == "points" then
    local t = fmt("%.1f", 100 * v)
    if t:sub(1, 1) ~= "-" then t = "+" .. t end
    return t .. " pp"
  elseif unit == "chance" then
    if v > 0.999 then return "> 99.9 %" end
    if v < 0.001 then return "< 0.1 %" end
    return fmt("%.1f", 100 * v) .. " %"
  elseif unit == "p_value" then
    if v < 0.0001 then return "< 0.0001" end
    return fmt("%.4f", v)
  end
  if math.type(v) == "integer" or v == math.floor(v) and math.abs(v) < 1e15 then return M.number(v, 0) end
  return M.number(v, 2)
end

--- A signed relative change: "+4.2 %" ("–" for nil).
function M.format_change(x)
  return M.format_value(x, "change")
end

-- Shortest text that reads back as the same number (for csv and json).
local function exact_number(x)
  if math.type(x) == "integer" then return tostring(x) end
  if x ~= x or x == math.huge or x == -math.huge then return nil end
  if x == math.floor(x) and math.abs(x) < 1e15 then return string.format("%.1f", x) end
  for prec = 15, 17 do
    local s = string.format("%." .. prec .. "g", x)
    if tonumber(s) == x then return s end
  end
  return string.format("%.17g", x)
end

-- ==== display width =====================================================

-- Code point ranges shown in two terminal cells (East Asian wide and
-- full-width, emoji), and ranges shown in none (combining marks, joiners,
-- variation selectors). A table for the common cases; funnel.display_width
-- (utf8proc, in C) is used instead when the binding provides it.
local WIDE = {
  { 0x1100, 0x115F }, { 0x231A, 0x231B }, { 0x2329, 0x232A }, { 0x23E9, 0x23EC }, { 0x23F0, 0x23F0 },
  { 0x23F3, 0x23F3 }, { 0x25FD, 0x25FE }, { 0x2614, 0x2615 }, { 0x2648, 0x2653 }, { 0x267F, 0x267F },
  { 0x2693, 0x2693 }, { 0x26A1, 0x26A1 }, { 0x26AA, 0x26AB }, { 0x26BD, 0x26BE }, { 0x26C4, 0x26C5 },
  { 0x26CE, 0x26CE }, { 0x26D4, 0x26D4 }, { 0x26EA, 0x26EA }, { 0x26F2, 0x26F3 }, { 0x26F5, 0x26F5 },
  { 0x26FA, 0x26FA }, { 0x26FD, 0x26FD }, { 0x2705, 0x2705 }, { 0x270A, 0x270B }, { 0x2728, 0x2728 },
  { 0x274C, 0x274C }, { 0x274E, 0x274E }, { 0x2753, 0x2755 }, { 0x2757, 0x2757 }, { 0x2795, 0x2797 },
  { 0x27B0, 0x27B0 }, { 0x27BF, 0x27BF }, { 0x2B1B, 0x2B1C }, { 0x2B50, 0x2B50 }, { 0x2B55, 0x2B55 },
  { 0x2E80, 0x303E }, { 0x3041, 0x33FF }, { 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF }, { 0xA000, 0xA4CF },
  { 0xA960, 0xA97F }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFE10, 0xFE19 }, { 0xFE30, 0xFE6F },
  { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x16FE0, 0x18AFF }, { 0x1B000, 0x1B2FF }, { 0x1F004, 0x1F004 },
  { 0x1F0CF, 0x1F0CF }, { 0x1F18E, 0x1F18E }, { 0x1F191, 0x1F19A }, { 0x1F200, 0x1F251 },
  { 0x1F300, 0x1F64F }, { 0x1F680, 0x1F6FF }, { 0x1F7E0, 0x1F7EB }, { 0x1F90C, 0x1F9FF },
  { 0x1FA70, 0x1FAFF }, { 0x20000, 0x3FFFD },
}
local ZERO = {
  { 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD }, { 0x0610, 0x061A }, { 0x064B, 0x065F },
  { 0x1AB0, 0x1AFF }, { 0x1DC0, 0x1DFF }, { 0x200B, 0x200F }, { 0x20D0, 0x20FF }, { 0xFE00, 0xFE0F },
  { 0xFE20, 0xFE2F }, { 0x1F3FB, 0x1F3FF }, { 0xE0100, 0xE01EF },
}

local function in_ranges(ranges, cp)
  local lo, hi = 1, #ranges
  while lo <= hi do
    local mid = (lo + hi) // 2
    local r = ranges[mid]
    if cp < r[1] then hi = mid - 1
    elseif cp > r[2] then lo = mid + 1
    else return true end
  end
  return false
end

--- Width of text s in terminal cells.
function M.width(s)
  if funnel.display_width then return funnel.display_width(s) end
  if not utf8.len(s) then return #s end -- invalid UTF-8: one cell per byte
  local w = 0
  for _, cp in utf8.codes(s) do
    if in_ranges(ZERO, cp) then
      -- no cell
    elseif in_ranges(WIDE, cp) then
      w = w + 2
    else
      w = w + 1
    end
  end
  return w
end

-- ==== JSON ==============================================================

local ARRAY = {} -- metatable marking a Lua table as a JSON array

--- Marks t as a JSON array (so that an empty one is [] and not {}).
function M.array(t)
  return setmetatable(t or {}, ARRAY)
end

local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    local named = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
    return named[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function is_array(t)
  if getmetatable(t) == ARRAY then return true end
  return next(t) ~= nil and #t > 0 and next(t, #t) == nil
end

local function encode(v, indent, out)
  local tv = type(v)
  if v == nil or v == funnel.null then
    out[#out + 1] = "null"
  elseif tv == "boolean" then
    out[#out + 1] = tostring(v)
  elseif tv == "number" then
    out[#out + 1] = exact_number(v) or "null"
  elseif tv == "string" then
    out[#out + 1] = json_string(v)
  elseif tv == "table" then
    local inner = indent .. "  "
    if is_array(v) then
      if #v == 0 then out[#out + 1] = "[]" return end
      out[#out + 1] = "[\n"
      for i = 1, #v do
        out[#out + 1] = inner
        encode(v[i], inner, out)
        out[#out + 1] = i < #v and ",\n" or "\n"
      end
      out[#out + 1] = indent .. "]"
    else
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = tostring(k) end
      table.sort(keys)
      if #keys == 0 then out[#out + 1] = "{}" return end
      out[#out + 1] = "{\n"
      for i, k in ipairs(keys) do
        local val = v[k]
        if val == nil then val = v[tonumber(k)] end
        out[#out + 1] = inner .. json_string(k) .. ": "
        encode(val, inner, out)
        out[#out + 1] = i < #keys and ",\n" or "\n"
      end
      out[#out + 1] = indent .. "}"
    end
  else
    error("report: cannot write a " .. tv .. " as JSON", 0)
  end
end

--- JSON text of a Lua value: objects with sorted keys, arrays (tables 1..n,
-- or marked with report.array), null for nil and funnel.null.
function M.json(v)
  local out = {}
  encode(v, "", out)
  return table.concat(out)
end

-- ==== table blocks ======================================================

local NUMERIC = {
  count = true, currency = true, percent = true, change = true, ratio = true, days = true, number = true, p_value = true,
  points = true, chance = true,
}

-- Normalizes a column spec: "key", { "key", "Title", "unit" } or
-- { key =, title =, unit = }.
local function column_spec(c)
  if type(c) == "string" then return { key = c, title = c } end
  return { key = c.key or c[1], title = c.title or c[2] or c.key or c[1], unit = c.unit or c[3], unit_from = c.unit_from }
end

local function is_funnel_table(t)
  return type(t) == "userdata" and tostring(t):match("^funnel%.Table") ~= nil
end

-- Rows (Lua tables) and column specs of a table block's data.
local function rows_and_columns(data, opts)
  local rows, columns = {}, {}
  if is_funnel_table(data) then
    for row in data:rows() do rows[#rows + 1] = row end
    local types = data:types()
    for _, name in ipairs(data:names()) do
      local unit
      if types[name] == "int" then unit = "count" elseif types[name] == "float" then unit = "number" end
      columns[#columns + 1] = { key = name, title = name, unit = unit }
    end
  elseif type(data) == "table" then
    rows = data
  else
    error("report: a table block needs a funnel Table or a list of rows, got " .. type(data), 3)
  end
  if opts.columns then
    columns = {}
    for i, c in ipairs(opts.columns) do columns[i] = column_spec(c) end
  elseif #columns == 0 then
    if #rows == 0 then error("report: give columns for a list of rows", 3) end
    local keys = {}
    for k in pairs(rows[1]) do keys[#keys + 1] = k end
    table.sort(keys)
    for i, k in ipairs(keys) do columns[i] = { key = k, title = k } end
  end
  if opts.limit and #rows > opts.limit then
    local cut = {}
    for i = 1, opts.limit do cut[i] = rows[i] end
    rows = cut
  end
  return rows, columns
end

-- A cell for people: a missing number shows as "–", missing text as nothing.
local function cell_text(v, unit)
  if v == nil or v == funnel.null then return NUMERIC[unit] and M.MISSING or "" end
  if unit == "number" then unit = nil end
  local s = M.format_value(v, unit)
  return (s:gsub("[\r\n\t]", " "))
end

local function right_aligned(col, rows)
  if col.unit_from then return true end
  if col.unit then return NUMERIC[col.unit] or false end
  for _, r in ipairs(rows) do
    local v = r[col.key]
    if v ~= nil then return type(v) == "number" end
  end
  return false
end

local function pad(s, width, right)
  local fill = string.rep(" ", width - M.width(s))
  return right and fill .. s or s .. fill
end

-- Terminal or Markdown lines of a table block.
local function render_grid(rows, columns, md, out)
  local cells, widths, right = {}, {}, {}
  for c, col in ipairs(columns) do
    widths[c] = math.max(M.width(col.title), md and 3 or 0)
    right[c] = right_aligned(col, rows)
  end
  for r, row in ipairs(rows) do
    cells[r] = {}
    for c, col in ipairs(columns) do
      local s = cell_text(row[col.key], col.unit_from and row[col.unit_from] or col.unit)
      if md then s = s:gsub("|", "\\|") end
      cells[r][c] = s
      widths[c] = math.max(widths[c], M.width(s))
    end
  end
  local function line(texts, last_pad)
    local parts = {}
    for c, s in ipairs(texts) do
      if md or c < #texts or right[c] or last_pad then
        parts[c] = pad(s, widths[c], right[c])
      else
        parts[c] = s
      end
    end
    if md then return "| " .. table.concat(parts, " | ") .. " |" end
    return (table.concat(parts, "  "):gsub(" +$", ""))
  end
  local titles, rule = {}, {}
  for c, col in ipairs(columns) do
    titles[c] = md and col.title:gsub("|", "\\|") or col.title
    if md then
      rule[c] = right[c] and string.rep("-", widths[c] - 1) .. ":" or string.rep("-", widths[c])
    else
      rule[c] = string.rep("─", widths[c])
    end
  end
  out[#out + 1] = line(titles)
  out[#out + 1] = md and "| " .. table.concat(rule, " | ") .. " |" or table.concat(rule, "  ")
  for _, row in ipairs(cells) do out[#out + 1] = line(row) end
end

local function csv_field(v)
  local s
  if v == nil or v == funnel.null then
    s = ""
  elseif type(v) == "number" then
    s = exact_number(v) or ""
  else
    s = tostring(v)
  end
  if s:find('[,"\r\n]') or s:match("^ ") or s:match(" $") then
    s = '"' .. s:gsub('"', '""') .. '"'
  end
  return s
end

local function render_csv(rows, columns, section, out)
  local head = { "section" }
  for _, col in ipairs(columns) do head[#head + 1] = csv_field(col.key) end
  out[#out + 1] = table.concat(head, ",")
  for _, row in ipairs(rows) do
    local f = { csv_field(section) }
    for _, col in ipairs(columns) do f[#f + 1] = csv_field(row[col.key]) end
    out[#out + 1] = table.concat(f, ",")
  end
end

-- ==== the report object =================================================

local Report = {}
Report.__index = Report

--- A new report. opts: { title, subtitle, format (default funnel.format) }.
function M.new(opts)
  opts = opts or {}
  local format = opts.format or funnel.format or "table"
  if format ~= "table" and format ~= "md" and format ~= "csv" and format ~= "json" and format ~= "html" then
    error("report: unknown format '" .. tostring(format) .. "' (table, md, csv, json, html)", 2)
  end
  -- the page's <title>, when the engine has not written the head yet
  if format == "html" and opts.title and funnel._html_title then funnel._html_title(opts.title) end
  return setmetatable({ title = opts.title, subtitle = opts.subtitle, format = format, blocks = {} }, Report)
end

--- A heading; level 1 (the report's sections, default) or 2, 3.
function Report:heading(text, level)
  self.blocks[#self.blocks + 1] = { type = "heading", text = tostring(text), level = level or 1 }
  return self
end

--- A paragraph of text.
function Report:text(text)
  self.blocks[#self.blocks + 1] = { type = "text", text = tostring(text) }
  return self
end

--- Key figures: a list of { label, value, unit, previous, change, status,
-- note } (all but label optional). A KPI comparison can be given instead:
-- { compare = kpi.compare("win_rate", q3) } takes the KPI's label, unit,
-- value, previous value and change, and as status "better" or "worse"
-- according to the KPI's direction.
function Report:figures(items, opts)
  local list = {}
  for i, it in ipairs(items) do
    local c = it.compare or {}
    list[i] = {
      label = it.label or c.label or c.name, unit = it.unit or c.unit,
      value = it.value == nil and c.value or it.value,
      previous = it.previous == nil and c.previous or it.previous,
      change = it.change == nil and c.change or it.change,
      status = it.status or (c.improved == true and "better") or (c.improved == false and "worse") or nil,
      note = it.note,
    }
  end
  self.blocks[#self.blocks + 1] = { type = "figures", items = list, title = opts and opts.title }
  return self
end

--- A table: data is a funnel Table or a list of row tables. opts:
-- { title, columns = { { key, title, unit }, ... } (default: every column),
--   limit = n rows }. A column spec may say unit_from = "field" to take
-- each row's unit from that field of the row (a column of mixed units).
function Report:table(data, opts)
  opts = opts or {}
  local rows, columns = rows_and_columns(data, opts)
  self.blocks[#self.blocks + 1] = { type = "table", rows = rows, columns = columns, title = opts.title }
  return self
end

-- The figures block as a table block (same rendering machinery).
local function figures_as_table(b)
  local has = {}
  local rows = {}
  for i, it in ipairs(b.items) do
    for _, k in ipairs({ "previous", "change", "status", "note" }) do
      if it[k] ~= nil then has[k] = true end
    end
    rows[i] = {
      label = it.label, value = cell_text(it.value, it.unit),
      previous = it.previous ~= nil and cell_text(it.previous, it.unit) or nil,
      change = it.change, status = it.status, note = it.note,
    }
  end
  local columns = { { key = "label", title = "" }, { key = "value", title = "Value", unit = "count" } }
  if has.previous then columns[#columns + 1] = { key = "previous", title = "Previous", unit = "count" } end
  if has.change then columns[#columns + 1] = { key = "change", title = "Change", unit = "change" } end
  if has.status then columns[#columns + 1] = { key = "status", title = "Status" } end
  if has.note then columns[#columns + 1] = { key = "note", title = "Note" } end
  return rows, columns
end

-- ==== OKR and experiment blocks =========================================

--- The target of an OKR key result (okr.review) as text: "≥ 1,200",
-- "€9,000 – €12,000", "done".
function M.target_text(kr)
  local u = kr.unit
  if kr.kind == "milestone" then return "done" end
  if kr.kind == "within" then
    return cell_text(kr.target[1], u) .. " – " .. cell_text(kr.target[2], u)
  end
  local sign = ({ increase_to = "≥ ", decrease_to = "≤ ", stay_above = "≥ ", stay_below = "≤ " })[kr.kind] or ""
  return sign .. cell_text(kr.target, u)
end

--- An OKR review (okr.review's result): a summary of the objectives, then
-- each objective's key results.
function Report:okr_review(review)
  self.blocks[#self.blocks + 1] = { type = "okr", review = review }
  return self
end

--- An experiment evaluation (experiment.evaluate's result).
function Report:experiment(ev)
  self.blocks[#self.blocks + 1] = { type = "experiment", evaluation = ev }
  return self
end

-- ==== charts ============================================================
--
-- Chart blocks keep their data as plain rows (raw_rows, raw_keys) for csv
-- and json, plus what the pictures need. In table format they draw Unicode
-- bars and sparklines next to the numbers, in md they are tables, in html
-- inline SVG (see "html" below).

local EIGHTHS = { "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█" }
local SPARKS = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" }

-- v when it is a finite number, else nil.
local function finite(v)
  if type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge then return v end
  return nil
end

--- A horizontal bar of at most `width` terminal cells for v out of max,
-- in eighths of a cell ("" for a missing value or max <= 0).
function M.bar(v, max, width)
  v, max = finite(v), finite(max)
  if not v or not max or max <= 0 then return "" end
  local eighths = math.floor(math.max(0, math.min(v / max, 1)) * width * 8 + 0.5)
  local s = string.rep("█", eighths // 8)
  if eighths % 8 > 0 then s = s .. EIGHTHS[eighths % 8] end
  return s
end

--- A progress bar of `width` cells for a fraction (0..1) with a marker "│"
-- between cells where `expected` falls: "██████▌   │     " reads "65 %
-- done, 70 % expected by now". Without a progress, only the marker.
function M.progress_bar(progress, expected, width)
  local bar = M.bar(finite(progress) or 0, 1, width)
  local cells = {}
  for _, c in utf8.codes(bar) do cells[#cells + 1] = utf8.char(c) end
  for i = #cells + 1, width do cells[i] = " " end
  expected = finite(expected)
  if expected then
    local at = math.floor(math.max(0, math.min(expected, 1)) * width + 0.5)
    table.insert(cells, at + 1, "│")
  end
  return table.concat(cells)
end

--- An interval against zero in `width` cells: "├──●──┤" from lo to hi with
-- the estimate ●, and zero "│" (or "┼" inside the interval) on a scale
-- symmetric around zero, so an interval that excludes zero is visibly on
-- one side. "" when a bound is missing.
function M.interval_line(lo, est, hi, width)
  lo, est, hi = finite(lo), finite(est), finite(hi)
  if not lo or not hi then return "" end
  local scale = math.max(math.abs(lo), math.abs(hi))
  local function cell(x)
    if scale == 0 then return (width + 1) // 2 end
    return math.floor((x + scale) / (2 * scale) * (width - 1) + 0.5) + 1
  end
  local cells = {}
  for i = 1, width do cells[i] = " " end
  local a, z, b = cell(lo), cell(0), cell(hi)
  for i = a, b do cells[i] = "─" end
  cells[a], cells[b] = "├", "┤"
  cells[z] = (z > a and z < b) and "┼" or (z == a or z == b) and cells[z] or "│"
  if est then cells[cell(est)] = "●" end
  return table.concat(cells)
end

--- A sparkline of values[1..n] (n defaults to #values), from the smallest
-- (▁) to the largest (█); a missing value is a space.
function M.sparkline(values, n)
  local lo, hi
  n = n or #values
  for i = 1, n do
    local v = finite(values[i])
    if v then lo, hi = math.min(lo or v, v), math.max(hi or v, v) end
  end
  local out = {}
  for i = 1, n do
    local v = finite(values[i])
    if not v then
      out[i] = " "
    elseif hi == lo then
      out[i] = SPARKS[4]
    else
      out[i] = SPARKS[math.floor((v - lo) / (hi - lo) * 7 + 0.5) + 1]
    end
  end
  return table.concat(out)
end

-- Rows of a chart's data (a funnel Table or a list of row tables), and the
-- column names (in order) when it is a Table.
local function data_rows(data, what)
  if is_funnel_table(data) then
    local rows = {}
    for row in data:rows() do rows[#rows + 1] = row end
    return rows, data:names()
  elseif type(data) == "table" then
    return data, nil
  end
  error("report: " .. what .. " needs a funnel Table or a list of rows, got " .. type(data), 3)
end

local function need_keys(rows, keys, what)
  local row = rows[1]
  if not row then return end
  for _, k in ipairs(keys) do
    if row[k] == nil and k ~= "median_days" and k ~= "p90_days" and k ~= "step_conversion" then
      error(string.format("report: %s needs a column '%s'", what, k), 3)
    end
  end
end

-- A date "YYYY-MM-01" (the start of a month bucket) as "YYYY-MM".
local function x_label(v)
  if v == nil or v == funnel.null then return "" end
  local s = tostring(v)
  return s:match("^(%d%d%d%d%-%d%d)%-01$") or s
end

--- A funnel: tbl is funnel.funnel's result (step, name, count, conversion,
-- step_conversion, median_days, p90_days, and the breakdown column).
-- opts: { title, by = the breakdown column when funnel.funnel had `by` }.
-- Drawn as bars per stage with the conversion from the previous stage; with
-- `by`, one small funnel per breakdown value.
function Report:funnel(tbl, opts)
  opts = opts or {}
  local rows = data_rows(tbl, "r:funnel")
  need_keys(rows, { "step", "name", "count", "conversion" }, "r:funnel")
  local by, groups, index = opts.by, {}, {}
  if by then need_keys(rows, { by }, "r:funnel (by)") end
  for _, row in ipairs(rows) do
    local key = by and (row[by] == nil and "(none)" or tostring(row[by])) or ""
    if not index[key] then
      index[key] = { key = by and key or nil, steps = {} }
      groups[#groups + 1] = index[key]
    end
    local g = index[key].steps
    g[#g + 1] = row
  end
  local keys = { "step", "name", "count", "conversion", "step_conversion", "median_days", "p90_days" }
  if by then table.insert(keys, 1, by) end
  self.blocks[#self.blocks + 1] = { type = "funnel", title = opts.title, by = by, groups = groups,
    raw_rows = rows, raw_keys = keys }
  return self
end

-- Start of period p after the cohort's start (for the triangle's cut-off).
local function period_start(cohort, p, period)
  local dates = require "funnel.dates"
  if period == "week" then return dates.add_days(cohort, 7 * p) end
  if period == "day" then return dates.add_days(cohort, p) end
  if period == "quarter" then return dates.add_months(cohort, 3 * p) end
  if period == "year" then return dates.add_months(cohort, 12 * p) end
  return dates.add_months(cohort, p)
end

--- A cohort triangle: tbl is funnel.cohorts' result (cohort, size, period,
-- active, rate). opts: { title, as_of = "YYYY-MM-DD", period = "month" (the
-- bucket funnel.cohorts used: day, week, month, quarter, year) }. With
-- as_of, periods starting after it are left blank (they have not happened
-- yet) instead of showing 0 %.
function Report:cohorts(tbl, opts)
  opts = opts or {}
  local rows = data_rows(tbl, "r:cohorts")
  need_keys(rows, { "cohort", "size", "period", "active", "rate" }, "r:cohorts")
  local cohorts, index, periods = {}, {}, 0
  local kept = {}
  for _, row in ipairs(rows) do
    local c = tostring(row.cohort)
    local future = opts.as_of and c:match("^%d%d%d%d%-%d%d%-%d%d$")
      and period_start(c, row.period, opts.period) > opts.as_of
    if not future then
      if not index[c] then
        index[c] = { cohort = c, size = row.size, rate = {}, active = {} }
        cohorts[#cohorts + 1] = index[c]
      end
      index[c].rate[row.period] = row.rate
      index[c].active[row.period] = row.active
      periods = math.max(periods, row.period)
      kept[#kept + 1] = row
    end
  end
  self.blocks[#self.blocks + 1] = { type = "cohorts", title = opts.title, cohorts = cohorts, periods = periods,
    raw_rows = kept, raw_keys = { "cohort", "size", "period", "active", "rate" } }
  return self
end

--- A trend line: data is a Table or a list of rows, one per point in order.
-- opts: { title, x = the column of the labels (e.g. a month), y = the
-- column of the values, previous = the column of the previous period's
-- value at the same point (optional), unit, label = the name of the line
-- (default y), previous_label (default "previous period") }.
function Report:trend(data, opts)
  opts = opts or {}
  local rows = data_rows(data, "r:trend")
  if not opts.x or not opts.y then error("report: r:trend needs opts.x and opts.y (column names)", 2) end
  local points = {}
  for i, row in ipairs(rows) do
    points[i] = { x = x_label(row[opts.x]), value = finite(row[opts.y]),
      previous = opts.previous and finite(row[opts.previous]) or nil }
  end
  local keys = { opts.x, opts.y }
  if opts.previous then keys[3] = opts.previous end
  self.blocks[#self.blocks + 1] = { type = "trend", title = opts.title, points = points, unit = opts.unit,
    label = opts.label or opts.y, previous_label = opts.previous and (opts.previous_label or "previous period"),
    x_title = opts.x_title or opts.x, raw_rows = rows, raw_keys = keys }
  return self
end

--- Grouped bars: one group per row (a category such as a channel), one bar
-- per series. opts: { title, x = the category column, y = a column name or
-- a list of { key, title } (one per series), unit (shared by the series),
-- x_title }.
function Report:bars(data, opts)
  opts = opts or {}
  local rows = data_rows(data, "r:bars")
  if not opts.x or not opts.y then error("report: r:bars needs opts.x and opts.y (column names)", 2) end
  local series = {}
  for i, s in ipairs(type(opts.y) == "table" and opts.y or { opts.y }) do
    local spec = column_spec(s)
    series[i] = { key = spec.key, title = spec.title }
  end
  local keys = { opts.x }
  for _, s in ipairs(series) do keys[#keys + 1] = s.key end
  self.blocks[#self.blocks + 1] = { type = "bars", title = opts.title, x = opts.x, x_title = opts.x_title or opts.x,
    series = series, unit = opts.unit, rows = rows, raw_rows = rows, raw_keys = keys }
  return self
end

local BAR_WIDTH = 24 -- terminal cells of the longest bar
local PROGRESS_WIDTH = 16 -- cells of an OKR progress bar (plus its marker)
local INTERVAL_WIDTH = 21 -- cells of an experiment's interval line

-- Chart blocks as table blocks for the text formats; `md` leaves the
-- Unicode bars out (Markdown gets plain tables).
local function expand_chart(b, md)
  local out = {}
  if b.type == "funnel" then
    local rows = {}
    for _, g in ipairs(b.groups) do
      local top = 0
      for _, s in ipairs(g.steps) do top = math.max(top, finite(s.count) or 0) end
      for i, s in ipairs(g.steps) do
        rows[#rows + 1] = { group = i == 1 and g.key or nil, stage = s.name, count = s.count,
          bar = M.bar(s.count, top, BAR_WIDTH), conversion = s.conversion,
          step = i > 1 and s.step_conversion or nil, median = s.median_days }
      end
    end
    local cols = {}
    if b.by then cols[#cols + 1] = { key = "group", title = b.by } end
    cols[#cols + 1] = { key = "stage", title = "Stage" }
    cols[#cols + 1] = { key = "count", title = "Count", unit = "count" }
    if not md then cols[#cols + 1] = { key = "bar", title = "" } end
    cols[#cols + 1] = { key = "conversion", title = "Of first", unit = "percent" }
    cols[#cols + 1] = { key = "step", title = "Of previous", unit = "percent" }
    cols[#cols + 1] = { key = "median", title = "Median days", unit = "ratio" }
    out[1] = { type = "table", title = b.title, rows = rows, columns = cols }
  elseif b.type == "cohorts" then
    local rows, cols = {}, { { key = "cohort", title = "Cohort" }, { key = "size", title = "Size", unit = "count" } }
    for p = 0, b.periods do cols[#cols + 1] = { key = p, title = "+" .. p, unit = "percent" } end
    for i, c in ipairs(b.cohorts) do
      rows[i] = { cohort = x_label(c.cohort), size = c.size }
      for p = 0, b.periods do rows[i][p] = c.rate[p] end
    end
    out[1] = { type = "table", title = b.title, rows = rows, columns = cols }
  elseif b.type == "trend" then
    local rows, values = {}, {}
    for i, p in ipairs(b.points) do
      values[i] = p.value
      local change = p.value and p.previous and p.previous ~= 0 and (p.value - p.previous) / math.abs(p.previous) or nil
      rows[i] = { x = p.x, value = p.value, previous = p.previous, change = change }
    end
    local title = b.title
    if not md and #values > 0 then
      local spark = b.label .. "  " .. M.sparkline(values, #b.points)
      title = title and title .. "\n" .. spark or spark
    end
    local cols = { { key = "x", title = b.x_title }, { key = "value", title = b.label, unit = b.unit or "number" } }
    if b.previous_label then
      cols[#cols + 1] = { key = "previous", title = b.previous_label, unit = b.unit or "number" }
      cols[#cols + 1] = { key = "change", title = "Change", unit = "change" }
    end
    out[1] = { type = "table", title = title, rows = rows, columns = cols }
  elseif b.type == "bars" then
    local top = 0
    for _, row in ipairs(b.rows) do
      for _, s in ipairs(b.series) do top = math.max(top, finite(row[s.key]) or 0) end
    end
    local rows, cols = {}, { { key = "x", title = b.x_title } }
    for i, row in ipairs(b.rows) do
      rows[i] = { x = row[b.x] == nil and "" or tostring(row[b.x]) }
      for k, s in ipairs(b.series) do
        rows[i]["v" .. k] = row[s.key]
        rows[i]["b" .. k] = M.bar(row[s.key], top, #b.series > 1 and 12 or BAR_WIDTH)
      end
    end
    for k, s in ipairs(b.series) do
      cols[#cols + 1] = { key = "v" .. k, title = s.title, unit = b.unit or "number" }
      if not md then cols[#cols + 1] = { key = "b" .. k, title = "" } end
    end
    out[1] = { type = "table", title = b.title, rows = rows, columns = cols }
  end
  return out
end

-- Chart blocks as one raw table for csv (and json): the data as given.
local function raw_chart(b)
  local cols = {}
  for i, k in ipairs(b.raw_keys) do cols[i] = { key = k } end
  return { type = "table", title = b.title, rows = b.raw_rows, columns = cols }
end

-- Expands OKR and experiment blocks into headings, text and tables for the
-- text formats.
local function expand(b, md)
  if b.type == "okr" then
    local rv, out = b.review, {}
    local summary = {}
    for i, o in ipairs(rv.objectives) do
      summary[i] = { objective = o.title, owner = o.owner, progress = o.progress, expected = o.expected,
        status = o.status, bar = M.progress_bar(o.progress, o.expected, PROGRESS_WIDTH) }
    end
    local summary_columns = {
      { key = "objective", title = "Objective" }, { key = "owner", title = "Owner" },
      { key = "progress", title = "Progress", unit = "percent" } }
    if not md then summary_columns[#summary_columns + 1] = { key = "bar", title = "" } end
    summary_columns[#summary_columns + 1] = { key = "expected", title = "Expected", unit = "percent" }
    summary_columns[#summary_columns + 1] = { key = "status", title = "Status" }
    out[#out + 1] = { type = "table", rows = summary, columns = summary_columns }
    for _, o in ipairs(rv.objectives) do
      out[#out + 1] = { type = "heading", level = 2, text = o.title }
      out[#out + 1] = { type = "text", text = string.format("%s · progress %s of an expected %s · %s",
        o.owner and "Owner: " .. o.owner or "No owner", M.format_value(o.progress, "percent"),
        M.format_value(o.expected, "percent"), o.status) }
      local rows, notes = {}, false
      for i, kr in ipairs(o.key_results) do
        notes = notes or kr.note ~= nil
        local baseline = kr.kind == "milestone" and "" or cell_text(kr.baseline, kr.unit)
        rows[i] = {
          kr = kr.title, baseline = baseline, target = M.target_text(kr),
          current = kr.kind == "milestone" and (kr.done and "done" or "open") or cell_text(kr.current, kr.unit),
          progress = kr.progress, status = kr.status, note = kr.note,
          bar = M.progress_bar(kr.progress, kr.expected or o.expected, PROGRESS_WIDTH),
        }
      end
      local columns = {
        { key = "kr", title = "Key result" }, { key = "baseline", title = "Baseline", unit = "count" },
        { key = "target", title = "Target", unit = "count" }, { key = "current", title = "Current", unit = "count" },
        { key = "progress", title = "Progress", unit = "percent" } }
      if not md then columns[#columns + 1] = { key = "bar", title = "" } end
      columns[#columns + 1] = { key = "status", title = "Status" }
      if notes then columns[#columns + 1] = { key = "note", title = "Note" } end
      out[#out + 1] = { type = "table", rows = rows, columns = columns }
    end
    return out
  elseif b.type == "experiment" then
    local ev, out = b.evaluation, {}
    out[#out + 1] = { type = "heading", level = 2, text = ev.name or "Experiment" }
    local arms = {}
    for i, a in ipairs(ev.arms) do
      arms[i] = { variant = a.variant, users = a.users, conversions = a.conversions, rate = a.rate,
        mean = a.mean, sd = a.sd }
    end
    local cols = { { key = "variant", title = "Variant" }, { key = "users", title = "Users", unit = "count" } }
    if ev.kind == "conversion" then
      cols[#cols + 1] = { key = "conversions", title = "Conversions", unit = "count" }
      cols[#cols + 1] = { key = "rate", title = "Rate", unit = "percent" }
    else
      cols[#cols + 1] = { key = "mean", title = "Mean", unit = "ratio" }
      cols[#cols + 1] = { key = "sd", title = "SD", unit = "ratio" }
    end
    out[#out + 1] = { type = "table", rows = arms, columns = cols }
    local rows = {}
    for i, c in ipairs(ev.comparisons or {}) do
      local r = c.result
      local ci = r.diff_ci
      local unit = ev.kind == "conversion" and "points" or "ratio"
      rows[i] = {
        variant = c.variant, diff = r.diff,
        ci = ci and cell_text(ci[1], unit) .. " … " .. cell_text(ci[2], unit) or M.MISSING,
        lift = r.lift, p = r.adjusted_p_value or r.p_value, chance = r.chance_to_win,
        needed = c.needed, decision = c.decision,
        line = ci and M.interval_line(ci[1], r.diff, ci[2], INTERVAL_WIDTH) or "",
      }
    end
    local diff_unit = ev.kind == "conversion" and "points" or "ratio"
    cols = { { key = "variant", title = "vs control" },
      { key = "diff", title = "Difference", unit = diff_unit },
      { key = "ci", title = "95 % interval", unit = "count" } }
    if not md then cols[#cols + 1] = { key = "line", title = "against 0" } end
    for _, c in ipairs { { key = "lift", title = "Lift", unit = "change" },
      { key = "p", title = "p-value", unit = "p_value" } } do cols[#cols + 1] = c end
    if ev.kind == "conversion" then cols[#cols + 1] = { key = "chance", title = "Chance to win", unit = "chance" } end
    cols[#cols + 1] = { key = "needed", title = "Users needed", unit = "count" }
    cols[#cols + 1] = { key = "decision", title = "Decision" }
    out[#out + 1] = { type = "table", rows = rows, columns = cols }
    local srm = ev.srm
    local lines = {}
    if srm and srm.p_value then
      local ptext = srm.p_value < 0.0001 and "p < 0.0001" or "p = " .. M.format_value(srm.p_value, "p_value")
      lines[#lines + 1] = string.format("Sample ratio check: %s%s.", ptext,
        srm.flagged and " — MISMATCH, the split is broken" or ", the split is as designed")
    end
    lines[#lines + 1] = string.format("Decision: %s — %s.", ev.decision, ev.reason)
    out[#out + 1] = { type = "text", text = table.concat(lines, "\n") }
    return out
  elseif b.type == "funnel" or b.type == "cohorts" or b.type == "trend" or b.type == "bars" then
    return expand_chart(b, md)
  end
  return { b }
end

-- ==== rendering =========================================================

local function render_text(self, md)
  local out = {}
  local function blank()
    if #out > 0 and out[#out] ~= "" then out[#out + 1] = "" end
  end
  if self.title then
    if md then
      out[#out + 1] = "# " .. self.title
    else
      out[#out + 1] = self.title
      out[#out + 1] = string.rep("═", M.width(self.title))
    end
    if self.subtitle then
      blank()
      out[#out + 1] = md and "*" .. self.subtitle .. "*" or self.subtitle
    end
  end
  local shift = self.title and 1 or 0 -- headings sit below the title
  for _, block in ipairs(self.blocks) do
    for _, b in ipairs(expand(block, md)) do
      blank()
      if b.type == "heading" then
        local level = math.min(b.level + shift, 6)
        if md then
          out[#out + 1] = string.rep("#", level) .. " " .. b.text
        elseif level <= 2 then
          out[#out + 1] = b.text
          out[#out + 1] = string.rep(level == 1 and "═" or "─", M.width(b.text))
        else
          out[#out + 1] = b.text
        end
      elseif b.type == "text" then
        for line in (b.text .. "\n"):gmatch("(.-)\n") do out[#out + 1] = line end
      else
        if b.title then out[#out + 1] = md and "**" .. b.title .. "**" or b.title end
        local rows, columns = b.rows, b.columns
        if b.type == "figures" then rows, columns = figures_as_table(b) end
        if #rows == 0 then
          out[#out + 1] = "(no rows)"
        else
          render_grid(rows, columns, md, out)
        end
      end
    end
  end
  return table.concat(out, "\n") .. "\n"
end

local function raw_figures(b)
  local rows = {}
  for i, it in ipairs(b.items) do
    rows[i] = { label = it.label, unit = it.unit, value = it.value, previous = it.previous, change = it.change,
      status = it.status, note = it.note }
  end
  return rows, {
    { key = "label" }, { key = "unit" }, { key = "value" }, { key = "previous" }, { key = "change" },
    { key = "status" }, { key = "note" },
  }
end

-- OKR and experiment blocks as raw tables for CSV (numbers unformatted).
local function raw_tables(block)
  if block.type == "okr" then
    local objectives, krs = {}, {}
    for _, o in ipairs(block.review.objectives) do
      objectives[#objectives + 1] = { objective = o.title, owner = o.owner, from = o.period.from, to = o.period.to,
        as_of = o.as_of, progress = o.progress, expected = o.expected, status = o.status }
      for _, kr in ipairs(o.key_results) do
        local within = type(kr.target) == "table"
        krs[#krs + 1] = { objective = o.title, key_result = kr.title, kind = kr.kind, kpi = kr.kpi, unit = kr.unit,
          baseline = kr.baseline, target = within and kr.target[1] or kr.target,
          target_high = within and kr.target[2] or nil, current = kr.current, done = kr.done,
          progress = kr.progress, expected = kr.expected, status = kr.status, note = kr.note }
      end
    end
    return {
      { type = "heading", text = "Objectives" },
      { type = "table", rows = objectives, columns = { { key = "objective" }, { key = "owner" }, { key = "from" },
        { key = "to" }, { key = "as_of" }, { key = "progress" }, { key = "expected" }, { key = "status" } } },
      { type = "heading", text = "Key results" },
      { type = "table", rows = krs, columns = { { key = "objective" }, { key = "key_result" }, { key = "kind" },
        { key = "kpi" }, { key = "unit" }, { key = "baseline" }, { key = "target" }, { key = "target_high" },
        { key = "current" }, { key = "done" }, { key = "progress" }, { key = "expected" }, { key = "status" },
        { key = "note" } } },
    }
  elseif block.type == "experiment" then
    local ev = block.evaluation
    local arms, comps = {}, {}
    for i, a in ipairs(ev.arms) do
      arms[i] = { variant = a.variant, users = a.users, conversions = a.conversions, rate = a.rate, n = a.n,
        mean = a.mean, sd = a.sd }
    end
    for i, c in ipairs(ev.comparisons or {}) do
      local r = c.result
      comps[i] = { variant = c.variant, diff = r.diff, diff_lo = r.diff_ci and r.diff_ci[1],
        diff_hi = r.diff_ci and r.diff_ci[2], lift = r.lift, p_value = r.p_value,
        adjusted_p_value = r.adjusted_p_value, chance_to_win = r.chance_to_win, users_needed = c.needed,
        srm_p_value = ev.srm and ev.srm.p_value, decision = c.decision, reason = c.reason }
    end
    local armcols = { { key = "variant" }, { key = "users" } }
    for _, k in ipairs(ev.kind == "conversion" and { "conversions", "rate" } or { "n", "mean", "sd" }) do
      armcols[#armcols + 1] = { key = k }
    end
    return {
      { type = "heading", text = ev.name or "Experiment" },
      { type = "table", rows = arms, columns = armcols },
      { type = "table", rows = comps, columns = { { key = "variant" }, { key = "diff" }, { key = "diff_lo" },
        { key = "diff_hi" }, { key = "lift" }, { key = "p_value" }, { key = "adjusted_p_value" },
        { key = "chance_to_win" }, { key = "users_needed" }, { key = "srm_p_value" }, { key = "decision" },
        { key = "reason" } } },
    }
  elseif block.raw_keys then
    return { raw_chart(block) }
  end
  return { block }
end

local function render_csv_report(self)
  local out, section = {}, self.title or ""
  for _, block in ipairs(self.blocks) do
    for _, b in ipairs(raw_tables(block)) do
      if b.type == "heading" then
        section = b.text
      elseif b.type == "figures" or b.type == "table" then
        if #out > 0 then out[#out + 1] = "" end
        local rows, columns = b.rows, b.columns
        if b.type == "figures" then rows, columns = raw_figures(b) end
        render_csv(rows, columns, b.title and section .. " / " .. b.title or section, out)
      end
    end
  end
  return table.concat(out, "\n") .. "\n"
end

-- Plain data for JSON: OKR and experiment blocks keep their structure
-- (numbers raw), tables become arrays of row objects.
local function json_block(b)
  if b.type == "heading" then return { type = "heading", level = b.level, text = b.text } end
  if b.type == "text" then return { type = "text", text = b.text } end
  if b.type == "figures" then
    local items = M.array()
    for i, it in ipairs(b.items) do items[i] = it end
    return { type = "figures", title = b.title, items = items }
  end
  if b.type == "table" then
    local cols, rows = M.array(), M.array()
    for i, c in ipairs(b.columns) do cols[i] = { key = c.key, title = c.title, unit = c.unit } end
    for i, r in ipairs(b.rows) do
      local o = {}
      for _, c in ipairs(b.columns) do
        local v = r[c.key]
        if v == nil or v == funnel.null then v = funnel.null end
        o[c.key] = v
      end
      rows[i] = o
    end
    return { type = "table", title = b.title, columns = cols, rows = rows }
  end
  if b.type == "okr" then
    local objs = M.array()
    for i, o in ipairs(b.review.objectives) do
      local krs = M.array()
      for k, kr in ipairs(o.key_results) do
        krs[k] = { title = kr.title, kind = kr.kind, kpi = kr.kpi, unit = kr.unit, baseline = kr.baseline,
          target = kr.target, current = kr.current, done = kr.done, progress = kr.progress,
          expected = kr.expected, status = kr.status, note = kr.note }
      end
      objs[i] = { title = o.title, owner = o.owner, period = o.period, as_of = o.as_of, progress = o.progress,
        expected = o.expected, status = o.status, key_results = krs }
    end
    return { type = "okr_review", as_of = b.review.as_of, status = b.review.status,
      counts = b.review.counts, objectives = objs }
  end
  if b.type == "experiment" then
    local ev = b.evaluation
    local comps = M.array()
    for i, c in ipairs(ev.comparisons or {}) do
      local r = c.result
      comps[i] = { variant = c.variant, diff = r.diff, diff_ci = r.diff_ci, p_value = r.p_value,
        adjusted_p_value = r.adjusted_p_value, lift = r.lift, lift_ci = r.lift_ci,
        chance_to_win = r.chance_to_win, t = r.t, df = r.df, reasons = r.reasons,
        users_needed = c.needed, decision = c.decision, reason = c.reason }
    end
    local arms = M.array()
    for i, a in ipairs(ev.arms) do arms[i] = a end
    return { type = "experiment", name = ev.name, kind = ev.kind, alpha = ev.alpha, arms = arms,
      srm = ev.srm and { chi2 = ev.srm.chi2, df = ev.srm.df, p_value = ev.srm.p_value, flagged = ev.srm.flagged },
      comparisons = comps, decision = ev.decision, reason = ev.reason }
  end
  if b.raw_keys then -- charts: their data, rows as objects
    local t = json_block(raw_chart(b))
    t.type, t.by, t.columns = b.type, b.by, nil
    t.unit = b.unit
    return t
  end
  error("report: unknown block " .. tostring(b.type))
end

-- ==== html ==============================================================
--
-- In html format the report is body markup: the engine writes the
-- document's head (with the stylesheet these class names refer to, see
-- engine/fl_format.c) before the run's first output and its tail when the
-- run succeeds, so t:print() tables and reports share one page. Every text
-- that comes from data goes through esc(); charts are inline SVG (no xmlns
-- needed inside HTML, so the page names no URL at all).

local HTML_ESC = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

--- Text made safe for HTML element content and quoted attribute values.
function M.escape_html(s)
  return (tostring(s):gsub("[&<>\"']", HTML_ESC))
end
local esc = M.escape_html

local COLOR = { good = "#1a7f37", warn = "#d69e2e", bad = "#c62828", neutral = "#9aa5b1", accent = "#2f6fde",
  ink = "#1f2933", muted = "#616e7c", grid = "#e4e7eb", track = "#eef2f6" }
local SERIES = { "#2f6fde", "#f08c2e", "#2bb3a3", "#8e5bd6", "#d6455d", "#7a8b99" }
local TONE = { better = "good", achieved = "good", ["on track"] = "good", ship = "good", worse = "bad",
  ["off track"] = "bad", ["at risk"] = "warn", ["keep running"] = "warn" }

local function tone(status) return TONE[status] or "neutral" end

-- A coordinate with one decimal ("12.5"; "12" when whole).
local function n1(x)
  local s = string.format("%.1f", x)
  return (s:gsub("%.0$", ""))
end

-- s cut to at most n characters (UTF-8 aware), with "…" when cut.
local function clip(s, n)
  s = tostring(s)
  local len = utf8.len(s)
  if not len or len <= n then return s end
  return s:sub(1, utf8.offset(s, n) - 1) .. "…"
end

local function svg_text(out, x, y, s, attrs)
  out[#out + 1] = string.format('<text x="%s" y="%s"%s>%s</text>', n1(x), n1(y), attrs or "", esc(s))
end

-- A chart: <figure> with an optional caption around an SVG of w × h.
local function svg_open(out, w, h, label, caption)
  out[#out + 1] = '<figure class="fl-chart">'
  if caption then out[#out + 1] = "<figcaption>" .. esc(caption) .. "</figcaption>" end
  out[#out + 1] = string.format('<svg viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" '
    .. 'font-size="12" fill="%s">', w, h, w, h, esc(label or caption or "chart"), COLOR.ink)
end
local function svg_close(out)
  out[#out + 1] = "</svg></figure>"
end

-- The smallest "nice" number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) >= v.
local function nice_max(v)
  if not v or v <= 0 then return 1 end
  local e = 10 ^ math.floor(math.log(v, 10))
  for _, m in ipairs({ 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 }) do
    if v <= m * e * (1 + 1e-9) then return m * e end
  end
  return 10 * e
end

local function html_text(s)
  local t = esc(s):gsub("`([^`]+)`", "<code>%1</code>"):gsub("\n", "<br>")
  return "<p>" .. t .. "</p>"
end

local function pill(s)
  return string.format('<span class="fl-pill fl-%s">%s</span>', tone(s), esc(s))
end

local function html_table(out, rows, columns, title)
  if #rows == 0 then
    out[#out + 1] = '<p class="fl-note">(no rows)</p>'
    return
  end
  out[#out + 1] = '<div class="fl-scroll"><table class="fl-table">'
  if title then out[#out + 1] = "<caption>" .. esc(title) .. "</caption>" end
  local head, right = {}, {}
  for c, col in ipairs(columns) do
    right[c] = right_aligned(col, rows)
    head[c] = (right[c] and '<th class="num">' or "<th>") .. esc(col.title) .. "</th>"
  end
  out[#out + 1] = "<thead><tr>" .. table.concat(head) .. "</tr></thead><tbody>"
  for _, row in ipairs(rows) do
    local cells = {}
    for c, col in ipairs(columns) do
      local v = row[col.key]
      local s = cell_text(v, col.unit_from and row[col.unit_from] or col.unit)
      if (col.key == "status" or col.key == "decision") and type(v) == "string" and v ~= "" then
        s = pill(v)
      else
        s = esc(s)
      end
      cells[c] = (right[c] and '<td class="num">' or "<td>") .. s .. "</td>"
    end
    out[#out + 1] = "<tr>" .. table.concat(cells) .. "</tr>"
  end
  out[#out + 1] = "</tbody></table></div>"
end

local function html_figures(out, b)
  if b.title then out[#out + 1] = "<h4>" .. esc(b.title) .. "</h4>" end
  out[#out + 1] = '<div class="fl-figures">'
  for _, it in ipairs(b.items) do
    local t = it.status and tone(it.status) or "neutral"
    local parts = { string.format('<div class="fl-fig fl-%s"><div class="fl-label">%s</div>', t, esc(it.label or "")),
      '<div class="fl-value">' .. esc(cell_text(it.value, it.unit)) .. "</div>" }
    local prev = {}
    if it.previous ~= nil then prev[#prev + 1] = "previous " .. esc(cell_text(it.previous, it.unit)) end
    local ch = finite(it.change)
    if ch then
      local arrow = ch > 0 and "▲ " or ch < 0 and "▼ " or ""
      prev[#prev + 1] = string.format('<span class="fl-chg fl-%s">%s%s</span>', t, arrow,
        esc(M.format_value(ch, "change")))
    end
    if #prev > 0 then parts[#parts + 1] = '<div class="fl-prev">' .. table.concat(prev, " · ") .. "</div>" end
    if it.note then parts[#parts + 1] = '<div class="fl-note">' .. esc(it.note) .. "</div>" end
    out[#out + 1] = table.concat(parts) .. "</div>"
  end
  out[#out + 1] = "</div>"
end

-- One funnel: a bar per stage (width by count), the count after the bar,
-- the share of the first stage on the right, and between two stages the
-- conversion from the previous one with the median time.
local function funnel_svg(out, steps, caption, compact)
  local W = compact and 360 or 720
  local LW, RW = compact and 80 or 140, compact and 60 or 120
  local BH, GAP, TOP = compact and 22 or 30, compact and 18 or 22, 4
  local x0, maxw = LW + 10, W - LW - 10 - RW - (compact and 44 or 60)
  local top = 0
  for _, s in ipairs(steps) do top = math.max(top, finite(s.count) or 0) end
  local H = TOP + #steps * BH + math.max(#steps - 1, 0) * GAP + 4
  svg_open(out, W, H, "Funnel" .. (caption and ": " .. caption or ""), caption)
  for i, s in ipairs(steps) do
    local y = TOP + (i - 1) * (BH + GAP)
    local w = top > 0 and (finite(s.count) or 0) / top * maxw or 0
    svg_text(out, LW, y + BH / 2 + 4, clip(s.name, compact and 11 or 20), ' text-anchor="end"')
    out[#out + 1] = string.format('<rect class="fl-bar" x="%d" y="%s" width="%s" height="%d" rx="3" fill="%s"/>',
      x0, n1(y), n1(math.max(w, 1)), BH, COLOR.accent)
    svg_text(out, x0 + w + 6, y + BH / 2 + 4, M.format_value(s.count, "count"), ' font-weight="600"')
    svg_text(out, W - 2, y + BH / 2 + 4, cell_text(s.conversion, "percent"),
      string.format(' text-anchor="end" fill="%s"', COLOR.muted))
    if i > 1 then
      local note = "↓ " .. cell_text(s.step_conversion, "percent") .. " of previous"
      if finite(s.median_days) and not compact then
        note = note .. " · median " .. M.format_value(s.median_days, "days")
      end
      svg_text(out, x0, y - GAP / 2 + 4, note, string.format(' font-size="11" fill="%s"', COLOR.muted))
    end
  end
  svg_close(out)
end

local function html_funnel(out, b)
  if not b.by then
    funnel_svg(out, b.groups[1] and b.groups[1].steps or {}, b.title, false)
    return
  end
  if b.title then out[#out + 1] = "<h4>" .. esc(b.title) .. "</h4>" end
  out[#out + 1] = '<div class="fl-grid">'
  for _, g in ipairs(b.groups) do funnel_svg(out, g.steps, g.key, true) end
  out[#out + 1] = "</div>"
end

-- A cohort triangle: a row per cohort, a cell per period, shaded by rate
-- (scaled to the highest rate after period 0, which is 100 % by design).
local function html_cohorts(out, b)
  local CW, CH, LW, SW, TOP = 56, 24, 84, 56, 22
  local W = LW + SW + (b.periods + 1) * CW
  local H = TOP + #b.cohorts * CH + 2
  local top = 0
  for _, c in ipairs(b.cohorts) do
    for p = 1, b.periods do top = math.max(top, finite(c.rate[p]) or 0) end
  end
  svg_open(out, W, H, "Cohorts" .. (b.title and ": " .. b.title or ""), b.title)
  svg_text(out, 0, 15, "Cohort", string.format(' fill="%s"', COLOR.muted))
  svg_text(out, LW + SW - 8, 15, "Size", string.format(' text-anchor="end" fill="%s"', COLOR.muted))
  for p = 0, b.periods do
    svg_text(out, LW + SW + p * CW + CW / 2, 15, "+" .. p, string.format(' text-anchor="middle" fill="%s"', COLOR.muted))
  end
  for i, c in ipairs(b.cohorts) do
    local y = TOP + (i - 1) * CH
    svg_text(out, 0, y + 16, x_label(c.cohort))
    svg_text(out, LW + SW - 8, y + 16, M.format_value(c.size, "count"), ' text-anchor="end"')
    for p = 0, b.periods do
      local r = finite(c.rate[p])
      if r then
        local x = LW + SW + p * CW
        local op = p == 0 and 0 or (top > 0 and 0.08 + 0.92 * math.min(r / top, 1) or 0.08)
        local fill = p == 0 and COLOR.grid or COLOR.accent
        out[#out + 1] = string.format('<rect class="fl-cell" x="%d" y="%d" width="%d" height="%d" fill="%s" '
          .. 'fill-opacity="%s"/>', x + 1, y + 1, CW - 2, CH - 2, fill, p == 0 and "1" or string.format("%.2f", op))
        local label = r >= 0.1 and string.format("%.0f %%", 100 * r) or string.format("%.1f %%", 100 * r)
        svg_text(out, x + CW / 2, y + 16, label, string.format(' text-anchor="middle" font-size="11"%s',
          op > 0.55 and ' fill="#fff"' or ""))
      end
    end
  end
  svg_close(out)
end

-- Axes shared by the trend and the bars: horizontal grid lines with labels.
local function y_grid(out, ml, mt, pw, ph, ymax, unit)
  for k = 0, 4 do
    local v = ymax * k / 4
    local y = mt + ph - ph * k / 4
    out[#out + 1] = string.format('<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="%s"/>', ml, n1(y), ml + pw, n1(y),
      COLOR.grid)
    svg_text(out, ml - 6, y + 4, M.format_value(v, unit ~= "number" and unit or nil),
      string.format(' text-anchor="end" font-size="11" fill="%s"', COLOR.muted))
  end
end

local function legend(out, x, y, items)
  for _, it in ipairs(items) do
    out[#out + 1] = string.format('<rect x="%s" y="%s" width="14" height="%s" fill="%s"/>', n1(x), n1(y - 8),
      it.dashed and "2" or "10", it.color)
    svg_text(out, x + 19, y + 1, it.label)
    x = x + 32 + 7 * (utf8.len(it.label) or #it.label)
  end
end

local function html_trend(out, b)
  local W, H, ML, MR, MT, MB = 720, 260, 64, 36, 30, 30
  local pw, ph = W - ML - MR, H - MT - MB
  local n, top = #b.points, 0
  for _, p in ipairs(b.points) do top = math.max(top, p.value or 0, p.previous or 0) end
  local ymax = nice_max(top)
  local function X(i) return n > 1 and ML + (i - 1) * pw / (n - 1) or ML + pw / 2 end
  local function Y(v) return MT + ph - v / ymax * ph end
  svg_open(out, W, H, "Trend" .. (b.title and ": " .. b.title or ""), b.title)
  y_grid(out, ML, MT, pw, ph, ymax, b.unit)
  local items = { { label = b.label, color = COLOR.accent } }
  if b.previous_label then items[2] = { label = b.previous_label, color = COLOR.neutral, dashed = true } end
  legend(out, ML, 14, items)
  local step = math.max(1, math.ceil(n / 12))
  for i, p in ipairs(b.points) do
    if (i - 1) % step == 0 or i == n then
      svg_text(out, X(i), H - 10, p.x, string.format(' text-anchor="middle" font-size="11" fill="%s"', COLOR.muted))
    end
  end
  local function line(key, color, dashed)
    local pts = {}
    for i, p in ipairs(b.points) do
      if p[key] then pts[#pts + 1] = n1(X(i)) .. "," .. n1(Y(p[key])) end
    end
    if #pts == 0 then return end
    out[#out + 1] = string.format('<polyline class="fl-line" points="%s" fill="none" stroke="%s" stroke-width="%s"%s/>',
      table.concat(pts, " "), color, dashed and "2" or "2.5", dashed and ' stroke-dasharray="6 4"' or "")
  end
  if b.previous_label then line("previous", COLOR.neutral, true) end
  line("value", COLOR.accent, false)
  local last
  for i, p in ipairs(b.points) do
    if p.value then
      out[#out + 1] = string.format('<circle cx="%s" cy="%s" r="3.5" fill="%s"/>', n1(X(i)), n1(Y(p.value)),
        COLOR.accent)
      last = i
    end
  end
  if last then
    svg_text(out, X(last) - 6, Y(b.points[last].value) - 8, M.format_value(b.points[last].value,
      b.unit ~= "number" and b.unit or nil), ' text-anchor="end" font-weight="600"')
  end
  svg_close(out)
end

local function html_bars(out, b)
  local W, H, ML, MR, MT, MB = 720, 280, 64, 12, 30, 34
  local pw, ph = W - ML - MR, H - MT - MB
  local n, m, top = #b.rows, #b.series, 0
  for _, row in ipairs(b.rows) do
    for _, s in ipairs(b.series) do top = math.max(top, finite(row[s.key]) or 0) end
  end
  local ymax = nice_max(top)
  local unit = b.unit ~= "number" and b.unit or nil
  svg_open(out, W, H, "Bars" .. (b.title and ": " .. b.title or ""), b.title)
  y_grid(out, ML, MT, pw, ph, ymax, b.unit)
  if m > 1 then
    local items = {}
    for k, s in ipairs(b.series) do items[k] = { label = s.title, color = SERIES[(k - 1) % #SERIES + 1] } end
    legend(out, ML, 14, items)
  end
  local gw = n > 0 and pw / n or pw
  local bw = math.min(34, gw * 0.8 / m)
  for i, row in ipairs(b.rows) do
    local gx = ML + (i - 1) * gw + (gw - bw * m) / 2
    for k, s in ipairs(b.series) do
      local v = finite(row[s.key])
      if v then
        local h = math.max(v, 0) / ymax * ph
        out[#out + 1] = string.format('<rect class="fl-bar" x="%s" y="%s" width="%s" height="%s" fill="%s"/>',
          n1(gx + (k - 1) * bw), n1(MT + ph - h), n1(bw - 2), n1(h), SERIES[(k - 1) % #SERIES + 1])
        if n * m <= 24 then
          svg_text(out, gx + (k - 0.5) * bw - 1, MT + ph - h - 4, M.format_value(v, unit),
            string.format(' text-anchor="middle" font-size="10" fill="%s"', COLOR.muted))
        end
      end
    end
    svg_text(out, ML + (i - 0.5) * gw, H - 12, clip(row[b.x] == nil and "(none)" or row[b.x],
      math.max(4, math.floor(gw / 7))), ' text-anchor="middle" font-size="11"')
  end
  svg_close(out)
end

-- Progress bars: items { label, progress, expected, status }, each a track
-- filled to its progress in its status colour, with a dark tick where the
-- progress should be by now.
local function progress_svg(out, items, label)
  local W, RH, LW, TW = 760, 30, 290, 290
  local x0 = LW + 10
  local H = #items * RH + 22
  svg_open(out, W, H, label)
  for i, it in ipairs(items) do
    local y = (i - 1) * RH + 6
    svg_text(out, 0, y + 12, clip(it.label, 44))
    out[#out + 1] = string.format('<rect x="%d" y="%d" width="%d" height="14" rx="7" fill="%s"/>', x0, y + 1, TW,
      COLOR.track)
    local p = finite(it.progress)
    if p and p > 0 then
      out[#out + 1] = string.format('<rect class="fl-progress" x="%d" y="%d" width="%s" height="14" rx="7" fill="%s"/>',
        x0, y + 1, n1(math.max(math.min(p, 1) * TW, 6)), COLOR[tone(it.status)])
    end
    local e = finite(it.expected)
    if e then
      local ex = x0 + math.max(0, math.min(e, 1)) * TW
      out[#out + 1] = string.format('<line class="fl-expected" x1="%s" y1="%d" x2="%s" y2="%d" stroke="%s" '
        .. 'stroke-width="2"/>', n1(ex), y - 3, n1(ex), y + 19, COLOR.ink)
    end
    svg_text(out, x0 + TW + 12, y + 12, cell_text(it.progress, "percent"), ' font-weight="600"')
    svg_text(out, x0 + TW + 70, y + 12, it.status or "", string.format(' fill="%s"', COLOR[tone(it.status)]))
  end
  local ly = #items * RH + 14
  out[#out + 1] = string.format('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"/>', x0, ly - 9,
    x0, ly + 3, COLOR.ink)
  svg_text(out, x0 + 6, ly + 1, "expected progress by now", string.format(' font-size="11" fill="%s"', COLOR.muted))
  svg_close(out)
end

local function html_okr(out, b, level)
  local objs = {}
  for i, o in ipairs(b.review.objectives) do
    objs[i] = { label = o.title, progress = o.progress, expected = o.expected, status = o.status }
  end
  progress_svg(out, objs, "Objectives: progress against the time elapsed")
  local blocks = expand(b, false)
  local k = 2
  for _, o in ipairs(b.review.objectives) do
    out[#out + 1] = '<section class="fl-okr">'
    out[#out + 1] = string.format("<h%d>%s</h%d>", level, esc(o.title), level)
    out[#out + 1] = string.format('<p class="fl-sub">%s · progress %s of an expected %s · %s</p>',
      esc(o.owner and "Owner: " .. o.owner or "No owner"), esc(M.format_value(o.progress, "percent")),
      esc(M.format_value(o.expected, "percent")), pill(o.status))
    local krs = {}
    for i, kr in ipairs(o.key_results) do
      krs[i] = { label = kr.title, progress = kr.progress, expected = kr.expected, status = kr.status }
    end
    progress_svg(out, krs, "Key results of " .. o.title)
    local t = blocks[k + 2]
    html_table(out, t.rows, t.columns)
    out[#out + 1] = "</section>"
    k = k + 3
  end
end

-- An experiment's comparisons: each difference with its 95 % interval on
-- an axis centred on zero, green when the interval is above zero, red
-- below, grey when it straddles it.
local function interval_svg(out, ev)
  local comps = {}
  for _, c in ipairs(ev.comparisons or {}) do
    local ci = c.result.diff_ci
    if ci and finite(ci[1]) and finite(ci[2]) then comps[#comps + 1] = c end
  end
  if #comps == 0 then return end
  local unit = ev.kind == "conversion" and "points" or "ratio"
  local W, LW, RH, TOP = 720, 150, 36, 8
  local x0, x1 = LW + 60, W - 60
  local mid, half = (x0 + x1) / 2, (x1 - x0) / 2
  local R = 0
  for _, c in ipairs(comps) do
    local ci = c.result.diff_ci
    R = math.max(R, math.abs(ci[1]), math.abs(ci[2]), math.abs(finite(c.result.diff) or 0))
  end
  R = R > 0 and R * 1.1 or 1
  local function X(v) return mid + v / R * half end
  local H = TOP + #comps * RH + 30
  svg_open(out, W, H, "Difference against control with its 95 % interval")
  out[#out + 1] = string.format('<line class="fl-zero" x1="%s" y1="0" x2="%s" y2="%d" stroke="%s" '
    .. 'stroke-dasharray="4 3"/>', n1(mid), n1(mid), H - 22, COLOR.muted)
  for i, c in ipairs(comps) do
    local y = TOP + (i - 1) * RH + RH / 2
    local lo, hi, d = c.result.diff_ci[1], c.result.diff_ci[2], finite(c.result.diff)
    local color = lo > 0 and COLOR.good or hi < 0 and COLOR.bad or COLOR.neutral
    svg_text(out, 0, y + 4, clip("vs " .. tostring(c.variant), 22))
    out[#out + 1] = string.format('<line class="fl-interval" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" '
      .. 'stroke-width="8" stroke-linecap="round"/>', n1(X(lo)), n1(y), n1(X(hi)), n1(y), color)
    if d then
      out[#out + 1] = string.format('<circle cx="%s" cy="%s" r="6" fill="#fff" stroke="%s" stroke-width="2.5"/>',
        n1(X(d)), n1(y), COLOR.ink)
    end
    svg_text(out, X(lo) - 8, y + 4, M.format_value(lo, unit), ' text-anchor="end" font-size="11"')
    svg_text(out, X(hi) + 8, y + 4, M.format_value(hi, unit), ' font-size="11"')
  end
  svg_text(out, mid, H - 8, "0", ' text-anchor="middle" font-size="11"')
  svg_text(out, mid - 14, H - 8, "← worse than control", string.format(' text-anchor="end" font-size="11" fill="%s"',
    COLOR.muted))
  svg_text(out, mid + 14, H - 8, "better than control →", string.format(' font-size="11" fill="%s"', COLOR.muted))
  svg_close(out)
end

local function html_experiment(out, b, level)
  local parts = expand(b, false)
  out[#out + 1] = string.format("<h%d>%s</h%d>", level, esc(parts[1].text), level)
  interval_svg(out, b.evaluation)
  html_table(out, parts[2].rows, parts[2].columns)
  html_table(out, parts[3].rows, parts[3].columns)
  out[#out + 1] = html_text(parts[4].text)
end

local function render_html(self)
  local out = { '<article class="fl-report">' }
  if self.title then
    out[#out + 1] = "<header><h1>" .. esc(self.title) .. "</h1>"
    if self.subtitle then out[#out + 1] = '<p class="fl-sub">' .. esc(self.subtitle) .. "</p>" end
    out[#out + 1] = "</header>"
  end
  local shift = self.title and 1 or 0
  local level = 1 + shift -- the level of the last heading, for blocks' own
  for _, b in ipairs(self.blocks) do
    if b.type == "heading" then
      level = math.min(b.level + shift, 6)
      out[#out + 1] = string.format("<h%d>%s</h%d>", level, esc(b.text), level)
    elseif b.type == "text" then
      out[#out + 1] = html_text(b.text)
    elseif b.type == "figures" then
      html_figures(out, b)
    elseif b.type == "table" then
      html_table(out, b.rows, b.columns, b.title)
    elseif b.type == "funnel" then
      html_funnel(out, b)
    elseif b.type == "cohorts" then
      html_cohorts(out, b)
    elseif b.type == "trend" then
      html_trend(out, b)
    elseif b.type == "bars" then
      html_bars(out, b)
    elseif b.type == "okr" then
      html_okr(out, b, math.min(level + 1, 6))
    elseif b.type == "experiment" then
      html_experiment(out, b, math.min(level + 1, 6))
    end
  end
  out[#out + 1] = "</article>"
  return table.concat(out, "\n") .. "\n"
end

--- The report as text in its format.
function Report:render()
  if self.format == "json" then
    local blocks = M.array()
    for i, b in ipairs(self.blocks) do blocks[i] = json_block(b) end
    return M.json({ title = self.title, subtitle = self.subtitle, blocks = blocks }) .. "\n"
  elseif self.format == "csv" then
    return render_csv_report(self)
  elseif self.format == "html" then
    return render_html(self)
  end
  return render_text(self, self.format == "md")
end

--- Writes the report through funnel.write (standard output or --out).
function Report:finish()
  funnel.write(self:render())
end

return M
