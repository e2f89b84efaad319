-- args: --timeout 2
-- expect: time limit of 2 s exceeded in
while true do
  pcall(function() while true do end end)
end
