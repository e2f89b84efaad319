--- funnel.cli: the `funnel-lua kpis` and `funnel-lua new` commands.
--
-- Both run inside funnel-lua, which gives this module two helpers that
-- scripts do not get: funnel._files(dir, suffix) lists files below a folder,
-- and funnel._lib_dirs holds the --lib folders then FUNNEL_LUA_PATH's.
local funnel = require "funnel"
local kpi = require "funnel.kpi"

local M = {}

-- "marketing/kpis.lua" below root -> "marketing.kpis"; init.lua names its folder.
local function module_name(root, file)
  local rel = file:sub(#root + 2):gsub("%.lua$", ""):gsub("/init$", "")
  return (rel:gsub("/", "."))
end


-- Words of text in lines of at most width characters, each after indent.
local function wrap(text, width, indent)
  local lines, line = {}, nil
  for word in text:gmatch("%S+") do
    if line and utf8.len(line) + 1 + utf8.len(word) > width then
      lines[#lines + 1] = indent .. line
      line = word
    else
      line = line and line .. " " .. word or word
    end
  end
  if line then lines[#lines + 1] = indent .. line end
  return table.concat(lines, "\n")
end

-- The terminal view of the catalogue: one entry per KPI, its description
-- wrapped under it, so the formulas stay readable in 80 columns.
local function print_entries(rows)
  for i, r in ipairs(rows) do
    funnel.write(string.format("%s%s  (%s · %s · %s)  %s\n", i > 1 and "\n" or "", r.name,
      r.owner or "no owner", r.unit or "no unit", r.direction or "-", r.source))
    funnel.write(wrap(r.description or "", 74, "    "), "\n")
  end
end

--- funnel-lua kpis [--lib DIR ...] [DIR ...]: loads the standard catalogue and
-- every library module in the library folders, then prints each KPI with
-- its owner, unit, direction, description and source, and each library's
-- manifest (name, version, owner, requires) where it has one. In table
-- format each KPI is an entry with its description wrapped; md, csv and json
-- give one row per KPI (csv and json: the KPIs only, for machines).
function M.kpis(...)
  require "funnel.kpis"
  local dirs = {}
  for _, d in ipairs(funnel._lib_dirs) do dirs[#dirs + 1] = d end
  for _, d in ipairs({ ... }) do dirs[#dirs + 1] = d end
  local libraries = {}
  for _, dir in ipairs(dirs) do
    for _, file in ipairs(funnel._files(dir, ".lua")) do
      local name = module_name(dir, file)
      if file:match("_test%.lua$") then
        -- tests are not libraries
      elseif file:match("/manifest%.lua$") or file:match("^manifest%.lua$") then
        local m = require(name)
        if type(m) == "table" then
          libraries[#libraries + 1] = {
            library = m.name or name, version = m.version, owner = m.owner,
            requires = type(m.requires) == "table" and table.concat(m.requires, ", ") or nil,
            folder = file:gsub("/manifest%.lua$", ""),
          }
        end
      else
        require(name)
      end
    end
  end
  local rows = {}
  for _, k in ipairs(kpi.list()) do
    rows[#rows + 1] = {
      name = k.name, owner = k.owner, unit = k.unit, direction = k.direction,
      description = k.description, source = k.source .. ":" .. k.line,
    }
  end
  if funnel.format == "table" then
    print_entries(rows)
  else
    funnel.from_rows(rows, { "name", "owner", "unit", "direction", "description", "source" }):print(#rows)
  end
  if #libraries > 0 and (funnel.format == "table" or funnel.format == "md") then
    funnel.write("\n")
    funnel.from_rows(libraries, { "library", "version", "owner", "requires", "folder" }):print()
  end
end

local templates = {}

templates["manifest.lua"] = [[
-- The library's manifest: shown by `funnel-lua kpis`.
return {
  name = "$NAME",
  version = "0.1.0",
  owner = "$NAME",            -- the team that answers questions about it
  requires = { "funnel.kpi" },
}
]]

templates["kpis.lua"] = [[
--- $NAME.kpis: the KPIs the $NAME team owns.
-- Use them from any script with:  require "$NAME.kpis"
-- (run the script with --lib pointing at the folder that holds $NAME/).
local kpi = require "funnel.kpi"

kpi.define{
  name = "$NAME_webinar_leads", owner = "$NAME", unit = "count", direction = "up",
  description = "Leads created in the period whose channel is Webinar: "
    .. "count of leads with created_at in [from, to] and channel = 'Webinar'.",
  compute = function(d, p)
    local webinar = p:where(d.leads, "created_at"):where(funnel.col"channel":eq"Webinar")
    return p:total(webinar, funnel.count(), "created_at")
  end,
}
]]

templates["kpis_test.lua"] = [[
-- Tests of $NAME.kpis, run with:  funnel-lua test $NAME
-- The fixture leads.csv next to this file is the data (four leads, two of
-- them webinars in July 2026, one webinar in June), so each expected value
-- can be counted by hand.
local kpi = require "funnel.kpi"
require "$NAME.kpis"

funnel.test("webinar leads in July 2026", function()
  funnel.expect(kpi.value("$NAME_webinar_leads", { from = "2026-07-01", to = "2026-07-31" })):to_equal(2)
end)

funnel.test("webinar leads in June 2026", function()
  funnel.expect(kpi.value("$NAME_webinar_leads", { from = "2026-06-01", to = "2026-06-30" })):to_equal(1)
end)
]]

templates["leads.csv"] = [[
lead_id,created_at,channel
1,2026-06-20T10:00:00Z,Webinar
2,2026-07-02T09:00:00Z,Webinar
3,2026-07-15T16:30:00Z,SEO
4,2026-07-31T23:59:00Z,Webinar
]]

templates["README.md"] = [[
# $NAME

KPI definitions owned by the $NAME team, for funnel-lua.

- `kpis.lua` defines the KPIs (`funnel-lua kpis --lib .` lists them with
  their owner, unit and formula).
- `kpis_test.lua` checks them on `leads.csv`, a fixture small enough to count
  by hand: `funnel-lua test $NAME`.
- `manifest.lua` says who owns the library and what it needs.

Use it from another team's script:

```lua
local kpi = require "funnel.kpi"
require "$NAME.kpis"
print(kpi.value("$NAME_webinar_leads", { from = "2026-07-01", to = "2026-09-30" }))
```

```
funnel-lua their_script.lua --lib path/to/folder/holding/$NAME --data exports/
```
]]

--- funnel-lua new NAME: a library folder that passes its own test.
function M.new(name)
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    error("funnel-lua new: give a library name made of letters, digits and _ (e.g. marketing)", 0)
  end
  if io.open(name .. "/manifest.lua", "r") or io.open(name .. "/kpis.lua", "r") then
    error("funnel-lua new: " .. name .. "/ already holds a library; choose another name", 0)
  end
  os.execute("mkdir -p '" .. name .. "'")
  local order = { "manifest.lua", "kpis.lua", "kpis_test.lua", "leads.csv", "README.md" }
  for _, file in ipairs(order) do
    local path = name .. "/" .. file
    local f = assert(io.open(path, "w"))
    f:write((templates[file]:gsub("%$NAME", name)))
    f:close()
    print("created " .. path)
  end
  print(string.format("\nNext: funnel-lua test %s    (runs %s/kpis_test.lua)", name, name))
end

return M
