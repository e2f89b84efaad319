-- expect: bad_utf8.csv:2, column 'b' (field 2): invalid UTF-8
funnel.read_csv("bad_utf8.csv")
