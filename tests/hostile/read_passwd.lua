-- expect: read_csv: '/etc/passwd' is outside the allowed folders
funnel.read_csv("/etc/passwd", { delimiter = ":" })
