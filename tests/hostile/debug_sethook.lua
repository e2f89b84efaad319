-- Without debug a script cannot remove the time limit's hook.
-- expect: attempt to index a nil value (global 'debug')
debug.sethook()
while true do end
