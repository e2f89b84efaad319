-- os keeps only time, date and clock: no remove, rename, getenv, exit, tmpname.
-- expect: attempt to call a nil value (field 'remove')
-- present: secret.csv
assert(os.rename == nil and os.getenv == nil and os.exit == nil and os.tmpname == nil)
assert(os.time() and os.date("%Y") and os.clock())
os.remove("../secret.csv")
