-- Each join of the leads with themselves on channel multiplies the rows.
-- args: --max-memory 256M
-- expect: memory limit of 256 MiB exceeded
local t = funnel.data.leads
while true do
  t = t:join(funnel.data.leads, "channel")
end
