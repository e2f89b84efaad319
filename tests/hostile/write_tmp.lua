-- expect: write_csv: '/tmp/funnel_hostile_x.csv' is outside the allowed folders
-- absent: /tmp/funnel_hostile_x.csv
funnel.data.leads:write_csv("/tmp/funnel_hostile_x.csv")
