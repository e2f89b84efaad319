-- expect: attempt to call a nil value (field 'execute')
-- absent: pwned
os.execute("touch ../pwned")
