-- expect: binary.csv:1: contains a NUL byte
funnel.read_csv("binary.csv")
