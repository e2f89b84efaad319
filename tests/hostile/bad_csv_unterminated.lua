-- expect: unterminated.csv:2: unterminated quote in field 2
local _ = funnel.data.unterminated
