-- The Lua API over a small CRM export, with every expected value worked out
-- by hand from tests/lua/data/deals.csv and reps.csv (see the comments).
-- deals.csv: ';'-delimited, CRLF, a blank line, "Zoé" once composed (NFC)
-- and once decomposed (NFD), quoted fields with a delimiter, a CRLF and
-- doubled quotes, empty fields.
-- Run: funnel-lua tests/lua/engine_api_test.lua --data tests/lua/data
local col = funnel.col
local function eq(got, want, what)
  if got ~= want then
    error(string.format("%s: expected %s, got %s", what, tostring(want), tostring(got)), 2)
  end
end

local deals = funnel.read_csv("deals.csv")
eq(#deals, 5, "rows (blank line skipped)")
local types = deals:types()
eq(types.deal_id, "int", "deal_id type")
eq(types.amount, "float", "amount type")
eq(types.created_at, "date", "created_at type")
eq(types.closed_at, "date", "closed_at type")
eq(types.owner, "string", "owner type")
eq(deals:row(1).note, "big, fast", "quoted delimiter")
eq(deals:row(3).note, "multi\r\nline", "quoted CRLF kept")
eq(deals:row(4).note, 'say "hi"', "doubled quotes")
eq(deals:row(3).amount, nil, "empty field is null")
eq(deals:row(5).owner, nil, "empty string field is null")
eq(deals:row(2).owner, "Zo\u{e9}", "NFD name normalized to NFC")

-- group by owner: Zoé = rows 1, 2 (1200.5 + 800); José: row 3 (amount null);
-- Ana: row 4 (300); null: row 5 (50). Sorted by code point, null last.
local by = deals:group_by("owner"):agg{ n = funnel.count(), amount = funnel.sum("amount") }
eq(#by, 4, "owner groups")
local want = { {"Ana", 1, 300.0}, {"Jos\u{e9}", 1, nil}, {"Zo\u{e9}", 2, 2000.5}, {nil, 1, 50.0} }
for i, w in ipairs(want) do
  local r = by:row(i)
  eq(r.owner, w[1], "group " .. i .. " key")
  eq(r.n, w[2], "group " .. i .. " count")
  eq(r.amount, w[3], "group " .. i .. " sum")
end
eq(table.concat(by:names(), ","), "owner,amount,n", "key first, aggregates by name")

-- filters: won = rows 1, 4, 5 -> 1200.5 + 300 + 50
local won = deals:where(col"status":eq"won")
eq(#won, 3, "won deals")
eq(won:agg{ s = funnel.sum("amount") }.s, 1550.5, "won amount")
-- created in Q3 2026: rows 1-4 (row 5 is 2026-06-30)
eq(#deals:where(col"created_at":between("2026-07-01", "2026-09-30")), 4, "between dates")
-- null is false in where, and ~is_null
eq(#deals:where(col"amount":gt(100)), 3, "amount > 100 (null row excluded)")
eq(#deals:where(~col"closed_at":is_null()), 4, "closed deals")
eq(#deals:where(col"status":isin{ "won", "lost" } & col"owner":eq"Zoé"), 2, "isin and NFC literal")

-- days from created to closed: 29, 20, null, 2, 1 -> median of 1, 2, 20, 29 = 11
local cycle = deals:with{ days = col"closed_at" - col"created_at" }
eq(cycle:column("days"):median(), 11.0, "median cycle days")
eq(cycle:column("days"):sum(), 52, "sum of days (int)")
eq(cycle:column("days"):count(), 4, "non-null days")

-- month buckets: 2026-06 (row 5), 07 (rows 1, 2), 08 (row 3), 09 (row 4)
local m = deals:group_by{ month = funnel.month"created_at" }:agg{ n = funnel.count() }
eq(#m, 4, "months")
eq(m:row(1).month, "2026-06-01", "first month")
eq(m:row(2).n, 2, "July deals")

-- joins: reps has Zoé once, José once, Ana twice; deal 5 has no owner
local reps = funnel.read_csv("reps.csv")
local j = deals:join(reps, "owner")
eq(#j, 5, "inner join rows (Ana's deal matches twice, null owner never)")
local lj = deals:join(reps, "owner", { how = "left" })
eq(#lj, 6, "left join rows")
eq(lj:row(6).team, nil, "unmatched left row has null team")
eq(lj:row(4).team, "emea", "Ana's first match in right order")
eq(lj:row(5).team, "latam", "Ana's second match")

-- sort: stable, nulls last, desc
local s = deals:sort("amount", "desc")
eq(s:row(1).deal_id, 1, "largest amount first")
eq(s:row(5).deal_id, 3, "null amount last")

-- values crossing into Lua
eq(math.type(deals:row(1).deal_id), "integer", "int is a Lua integer")
eq(deals:column("amount")[1], 1200.5, "column index")
eq(deals:column("amount")[3], nil, "null index")
eq(deals:column("amount"):to_lua()[3], funnel.null, "to_lua null sentinel")
print("ok engine_api_test")
