-- Golden test of the text the contract promises (lua-api.md "Tables"):
-- t:print() in the run's format and t:write_csv(path) ("RFC 4180 CSV, header
-- first, nulls as empty fields"), read back with funnel.read_csv.
-- tests/run_lua_tests.sh runs it with --trust (to read the written file
-- with io and remove it) and --format csv / json; the expected output,
-- worked out by hand from the fixture below, is
-- tests/lua/golden/contract_print.{csv,json}.out.
--
-- The fixture (written here, so the script needs no data folder):
--   row 1: 09:30+02:00 is 07:30Z; the note has doubled quotes
--   row 2: empty fields are null; the note has a delimiter and a line break
--   row 3: amount -2 in a float column; "Zoe" + U+0301 is stored as NFC "Zoé"
-- Then a one-column table with an empty string and a null: the empty string
-- is written "" and the null as an empty field (as DuckDB writes them); the
-- reader takes both as null (an empty field is null, lua-api.md).
-- Floats keep a decimal point ("-2.0") so they read back as float.
assert(io, "run with --trust: the script reads back the file it writes")

-- a name of our own in the current folder, so runs at the same time do
-- not share it
local name = string.format("contract_print.%d.tmp.csv", math.random(1, 1e9))
local here = assert(os.getenv("PWD"), "PWD is not set")
local function read_text(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

local ok, err = pcall(function()
  local f = assert(io.open(name, "wb"))
  f:write("id,amount,flag,day,at,note\n",
    '1,10.5,true,2026-07-14,2026-07-14T09:30:00+02:00,"say ""hi"""\n',
    '2,,false,,2026-07-15 00:00:00,"a,b\nc"\n',
    "3,-2,,2024-02-29,,Zoe\u{301}\n")
  f:close()
  local t = funnel.read_csv(here .. "/" .. name)
  funnel.write("--- t:print()\n")
  t:print()

  t:write_csv(name)
  funnel.write("--- t:write_csv(path): the file\n", read_text(name))
  local back = funnel.read_csv(here .. "/" .. name)
  local types = back:types()
  funnel.write("--- read back: ")
  for i, n in ipairs(back:names()) do
    funnel.write(i > 1 and ", " or "", n, " ", types[n])
  end
  funnel.write("\n")
  back:print()

  local e = funnel.from_rows({ { id = 1, s = "" }, { id = 2 }, { id = 3, s = "x" } }, { "id", "s" })
  e:write_csv(name)
  funnel.write("--- an empty string and a null: the file\n", read_text(name))
  local s = {}
  for r in funnel.read_csv(here .. "/" .. name):rows() do s[#s + 1] = tostring(r.s) end
  funnel.write("--- read back, s: ", table.concat(s, ", "), "\n")

  -- A float column of whole numbers is written "2.0", "3.0" (as DuckDB
  -- writes doubles), so it reads back as float.
  local w = funnel.from_rows({ { x = 2.0 }, { x = 3.0 } }, { "x" })
  w:write_csv(name)
  funnel.write("--- whole floats: x ", funnel.read_csv(here .. "/" .. name):types().x, "\n")
end)
os.remove(name)
if not ok then error(err, 0) end
