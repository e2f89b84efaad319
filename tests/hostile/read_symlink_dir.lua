-- data/up is a symbolic link to the folder above the data folder.
-- expect: read_csv: 'up/secret.csv' is outside the allowed folders
funnel.read_csv("up/secret.csv")
