-- secret.csv exists one folder above the data folder.
-- expect: read_csv: '../secret.csv' is outside the allowed folders
funnel.read_csv("../secret.csv")
