-- funnel.report charts and the html format: Unicode bars and sparklines
-- worked out by hand, chart blocks in each text format, and a report full
-- of hostile strings rendered as html, in which every one must be text.
local report = require "funnel.report"
local test, expect = funnel.test, funnel.expect

test("bars in eighths of a cell, sparklines from lowest to highest", function()
  -- 695 of 5000 over 24 cells: 26.688 eighths, rounded to 27 = 3 full + 3/8
  expect(report.bar(695, 5000, 24)):to_equal("███▍")
  expect(report.bar(5000, 5000, 4)):to_equal("████")
  expect(report.bar(9000, 5000, 4)):to_equal("████") -- clipped at max
  expect(report.bar(0, 5000, 4)):to_equal("")
  expect(report.bar(nil, 5000, 4)):to_equal("")
  -- 1, 2, 3: levels 0, 3.5 -> 4, 7 of 0..7
  expect(report.sparkline({ 1, 2, 3 })):to_equal("▁▅█")
  expect(report.sparkline({ 5, nil, 5 }, 3)):to_equal("▄ ▄")
end)

local function steps()
  return {
    { step = 1, name = "lead", count = 200, conversion = 1, step_conversion = 1 },
    { step = 2, name = "demo", count = 50, conversion = 0.25, step_conversion = 0.25, median_days = 3.5 },
    { step = 3, name = "won", count = 10, conversion = 0.05, step_conversion = 0.2, median_days = 20 },
  }
end

test("a funnel in the terminal: bars scaled to the first stage", function()
  local r = report.new{ format = "table" }
  r:funnel(steps(), { title = "Leads to deals" })
  -- bars over 24 cells: 200 -> 24, 50 -> 6, 10 -> 1.2 cells = 9.6 -> 10 eighths
  expect(r:render()):to_equal(table.concat({
    "Leads to deals",
    "Stage  Count                            Of first  Of previous  Median days",
    "─────  ─────  ────────────────────────  ────────  ───────────  ───────────",
    "lead     200  ████████████████████████   100.0 %            –            –",
    "demo      50  ██████                      25.0 %       25.0 %         3.50",
    "won       10  █▎                           5.0 %       20.0 %        20.00",
  }, "\n") .. "\n")
end)

test("a cohort triangle in markdown leaves periods after as_of blank", function()
  local rows = {
    { cohort = "2026-08-01", size = 4, period = 0, active = 4, rate = 1 },
    { cohort = "2026-08-01", size = 4, period = 1, active = 1, rate = 0.25 },
    { cohort = "2026-09-01", size = 2, period = 0, active = 2, rate = 1 },
    { cohort = "2026-09-01", size = 2, period = 1, active = 0, rate = 0 }, -- October: not yet
  }
  local r = report.new{ format = "md" }
  r:cohorts(rows, { as_of = "2026-09-30", period = "month" })
  expect(r:render()):to_equal(table.concat({
    "| Cohort  | Size |      +0 |     +1 |",
    "| ------- | ---: | ------: | -----: |",
    "| 2026-08 |    4 | 100.0 % | 25.0 % |",
    "| 2026-09 |    2 | 100.0 % |      – |",
  }, "\n") .. "\n")
end)

test("charts in csv and json keep the raw numbers", function()
  local r = report.new{ format = "csv" }
  r:trend({ { m = "2026-07-01", n = 3, p = 2 }, { m = "2026-08-01", n = 4.5 } }, { x = "m", y = "n", previous = "p" })
  expect(r:render()):to_equal("section,m,n,p\n,2026-07-01,3,2\n,2026-08-01,4.5,\n")
  r = report.new{ format = "json" }
  r:bars({ { ch = "SEO", a = 1 } }, { x = "ch", y = { { "a", "A" } }, unit = "count" })
  expect(r:render()):to_equal('{\n  "blocks": [\n    {\n      "rows": [\n        {\n          "a": 1,\n'
    .. '          "ch": "SEO"\n        }\n      ],\n      "type": "bars",\n      "unit": "count"\n    }\n  ]\n}\n')
end)

local EVIL = "<script>alert(1)</script>"
local QUOTE = '" onload="alert(2)'

local function hostile_report()
  local r = report.new{ format = "html", title = EVIL, subtitle = QUOTE }
  r:heading(EVIL)
  r:text(EVIL .. " `" .. EVIL .. "`")
  r:figures{ { label = EVIL, value = 3, previous = 2, change = 0.5, status = "better", note = QUOTE } }
  r:table({ { lead = EVIL, n = 1, status = EVIL } }, { title = QUOTE, columns = { { "lead", EVIL }, { "n", "N", "count" },
    { "status", "Status" } } })
  local f = steps()
  f[2].name = EVIL
  for _, s in ipairs(f) do s.channel = QUOTE end
  r:funnel(f, { title = EVIL })
  r:funnel(f, { title = EVIL, by = "channel" })
  r:cohorts({ { cohort = EVIL, size = 1, period = 0, active = 1, rate = 1 } }, { title = QUOTE })
  r:trend({ { m = EVIL, n = 1, p = 2 }, { m = QUOTE, n = 2, p = 1 } },
    { title = EVIL, x = "m", y = "n", previous = "p", label = EVIL, previous_label = QUOTE })
  r:bars({ { ch = EVIL, a = 1, b = 2 } }, { title = QUOTE, x = "ch", y = { { "a", EVIL }, { "b", QUOTE } } })
  r:okr_review{ as_of = "2026-09-30", status = "at risk", counts = {}, objectives = { {
    title = EVIL, owner = QUOTE, progress = 0.5, expected = 0.6, status = "at risk", period = {},
    key_results = { { title = EVIL, kind = "increase_to", unit = "count", baseline = 1, target = 3, current = 2,
      progress = 0.5, expected = 0.6, status = "at risk", note = QUOTE } } } } }
  r:experiment{ name = EVIL, kind = "conversion", decision = "keep running", reason = EVIL,
    arms = { { variant = EVIL, users = 10, conversions = 1, rate = 0.1 } },
    comparisons = { { variant = QUOTE, needed = 100, decision = "keep running",
      result = { diff = 0.01, diff_ci = { -0.02, 0.04 }, lift = 0.1, p_value = 0.5 } } } }
  return r:render()
end

test("html: every data value is text, in elements and in attributes", function()
  local html = hostile_report()
  expect(html:find("<script", 1, true)):to_equal(nil)
  expect(html:find('onload="', 1, true)):to_equal(nil)
  expect(html:find("&lt;script&gt;alert(1)&lt;/script&gt;", 1, true) ~= nil):to_be_truthy()
  expect(html:find("&quot; onload=&quot;alert(2)", 1, true) ~= nil):to_be_truthy()
  -- every tag in the output is one the renderer writes (a tag that came
  -- from data would show here)
  local allowed = {}
  for _, t in ipairs({ "article", "header", "h1", "h2", "h3", "h4", "p", "br", "code", "div", "span", "table",
    "caption", "thead", "tbody", "tr", "th", "td", "figure", "figcaption", "svg", "text", "rect", "line",
    "polyline", "circle", "section" }) do allowed[t] = true end
  for tag in html:gmatch("</?([%w]+)") do
    if not allowed[tag] then error("unexpected tag <" .. tag .. "> in the html", 0) end
  end
end)

test("html: the charts are there as SVG", function()
  local html = hostile_report()
  local function count(s) return select(2, html:gsub(s, "")) end
  -- funnel 1, funnel by channel 1 (one group), cohorts 1, trend 1, bars 1,
  -- okr 2 (objectives, then the objective's key results), experiment 1
  expect(count("<svg ")):to_equal(8)
  expect(count('class="fl%-bar"')):to_equal(3 + 3 + 2) -- funnel stages twice, two bars
  expect(count('class="fl%-progress"')):to_equal(2)
  expect(count('class="fl%-expected"')):to_equal(2)
  expect(count('class="fl%-interval"')):to_equal(1)
  expect(count('class="fl%-line"')):to_equal(2) -- the trend and its previous period
  expect(count('class="fl%-cell"')):to_equal(1)
  expect(html:find("http", 1, true)):to_equal(nil) -- nothing to fetch
end)

test("report.escape_html", function()
  expect(report.escape_html([[<a href="x">'&'</a>]])):to_equal("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
end)
