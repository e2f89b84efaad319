-- funnel.report: number formatting, display widths, and one small report in
-- each format, written out by hand below.
local report = require "funnel.report"
local test, expect = funnel.test, funnel.expect
local f = report.format_value

test("numbers for people", function()
  expect(f(1234567, "count")):to_equal("1,234,567")
  expect(f(999, "count")):to_equal("999")
  expect(f(-1234, "count")):to_equal("-1,234")
  expect(f(12345.4, "currency")):to_equal("€12,345")
  expect(f(87.456, "currency")):to_equal("€87.46")
  expect(f(-2500, "currency")):to_equal("-€2,500")
  expect(f(0.123, "percent")):to_equal("12.3 %")
  expect(f(0.042, "change")):to_equal("+4.2 %")
  expect(f(-0.0304, "change")):to_equal("-3.0 %")
  expect(f(-0.0001, "change")):to_equal("+0.0 %") -- no negative zero
  expect(f(0, "change")):to_equal("+0.0 %")
  expect(f(3.14159, "ratio")):to_equal("3.14")
  expect(f(21.5, "days")):to_equal("21.5 days")
  expect(f(0.00001, "p_value")):to_equal("< 0.0001")
  expect(f(0.0354885, "p_value")):to_equal("0.0355")
  expect(f(nil, "count")):to_equal("–")
  expect(f(0 / 0, "count")):to_equal("–")
  expect(f(1234.5)):to_equal("1,234.50")
  expect(f(1234)):to_equal("1,234")
  expect(f("Zoé")):to_equal("Zoé")
end)

test("display widths: accents, decomposed accents, CJK, emoji", function()
  expect(report.width("abc")):to_equal(3)
  expect(report.width("Zoé")):to_equal(3)
  expect(report.width("Zoe\u{301}")):to_equal(3) -- e + combining acute
  expect(report.width("東京")):to_equal(4)
  expect(report.width("🚀 go")):to_equal(5)
end)

test("JSON: sorted keys, arrays, null, exact numbers, escapes", function()
  expect(report.json({ b = 1, a = { 1, 2.5 }, c = funnel.null, d = report.array(), e = "q\"\n" }))
    :to_equal('{\n  "a": [\n    1,\n    2.5\n  ],\n  "b": 1,\n  "c": null,\n  "d": [],\n  "e": "q\\"\\n"\n}')
  expect(report.json(0.1)):to_equal("0.1")
  expect(report.json(1 / 3)):to_equal("0.3333333333333333")
  expect(report.json(2.0)):to_equal("2.0")
  expect(report.json(0 / 0)):to_equal("null")
end)

local function sample(format)
  local r = report.new{ title = "Pipeline", subtitle = "2026-Q3", format = format }
  r:heading("Key figures")
  r:figures{
    { label = "Leads", value = 1234, previous = 1000, change = 0.234, unit = "count" },
    { label = "Win rate", value = 0.25, unit = "percent", status = "on track" },
  }
  r:table({ { rep = "Zoé", deals = 3, amount = 12499.7 }, { rep = "東京", deals = 12, amount = nil } }, {
    columns = { { "rep", "Rep" }, { "deals", "Deals", "count" }, { "amount", "Amount", "currency" } },
  })
  return r:render()
end

test("terminal table format", function()
  expect(sample("table")):to_equal(table.concat({
    "Pipeline",
    "════════",
    "",
    "2026-Q3",
    "",
    "Key figures",
    "───────────",
    "",
    "           Value  Previous   Change  Status",
    "────────  ──────  ────────  ───────  ────────",
    "Leads      1,234     1,000  +23.4 %",
    "Win rate  25.0 %         –        –  on track",
    "",
    "Rep   Deals   Amount",
    "────  ─────  ───────",
    "Zoé       3  €12,500",
    "東京     12        –",
    "",
  }, "\n"))
end)

test("markdown format", function()
  expect(sample("md")):to_equal(table.concat({
    "# Pipeline",
    "",
    "*2026-Q3*",
    "",
    "## Key figures",
    "",
    "|          |  Value | Previous |  Change | Status   |",
    "| -------- | -----: | -------: | ------: | -------- |",
    "| Leads    |  1,234 |    1,000 | +23.4 % |          |",
    "| Win rate | 25.0 % |        – |       – | on track |",
    "",
    "| Rep  | Deals |  Amount |",
    "| ---- | ----: | ------: |",
    "| Zoé  |     3 | €12,500 |",
    "| 東京 |    12 |       – |",
    "",
  }, "\n"))
end)

test("csv format: raw numbers, the heading as section", function()
  expect(sample("csv")):to_equal(table.concat({
    "section,label,unit,value,previous,change,status,note",
    "Key figures,Leads,count,1234,1000,0.234,,",
    "Key figures,Win rate,percent,0.25,,,on track,",
    "",
    "section,rep,deals,amount",
    "Key figures,Zoé,3,12499.7",
    "Key figures,東京,12,",
    "",
  }, "\n"))
end)

funnel.test("progress bars mark the expected progress between cells", function()
  local report = require "funnel.report"
  -- half of 8 cells filled, the marker after cell round(0.75 * 8) = 6
  funnel.expect(report.progress_bar(0.5, 0.75, 8)):to_equal("████  │  ")
  -- nothing done yet: only the marker, at the start
  funnel.expect(report.progress_bar(nil, 0, 4)):to_equal("│    ")
  -- done, expected at the end: marker after the last cell
  funnel.expect(report.progress_bar(1, 1, 4)):to_equal("████│")
end)

funnel.test("an interval line shows where zero is", function()
  local report = require "funnel.report"
  -- scale ±2 over 9 cells: cell(x) = floor((x + 2) / 4 * 8 + 0.5) + 1, so
  -- -1 -> 3, 0 -> 5, 0.5 -> 6, 2 -> 9; zero inside the interval is ┼
  funnel.expect(report.interval_line(-1, 0.5, 2, 9)):to_equal("  ├─┼●──┤")
  -- scale ±3 over 7 cells: cell(x) = floor(x + 3.5) + 1: 0 -> 4, 1 -> 5,
  -- 2 -> 6, 3 -> 7; zero outside the interval is │
  funnel.expect(report.interval_line(1, 2, 3, 7)):to_equal("   │├●┤")
  funnel.expect(report.interval_line(nil, 1, 2, 7)):to_equal("")
end)
