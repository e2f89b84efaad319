-- funnel.data.NAME goes through the same check as read_csv.
-- expect: is outside the allowed folders
local _ = funnel.data["../secret"]
