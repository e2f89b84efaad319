-- expect: ragged.csv:3: row has 1 field, the header has 2
funnel.read_csv("ragged.csv")
