-- data/link.csv is a symbolic link to ../secret.csv, out of the data folder.
-- expect: read_csv: 'link.csv' is outside the allowed folders
funnel.read_csv("link.csv")
