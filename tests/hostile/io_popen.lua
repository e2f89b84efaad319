-- expect: attempt to index a nil value (global 'io')
-- absent: pwned
io.popen("touch ../pwned")
