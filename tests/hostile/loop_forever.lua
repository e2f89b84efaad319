-- args: --timeout 2
-- expect: time limit of 2 s exceeded in
while true do end
