-- The run's current folder is run/; ../x.csv would land next to it.
-- expect: write_csv: '../x.csv' is outside the allowed folders
-- absent: x.csv
funnel.data.leads:write_csv("../x.csv")
