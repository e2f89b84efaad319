-- funnel.expect itself: each matcher passes on a right value and fails, with
-- the message a user reads, on a wrong one.
funnel.test("to_equal compares tables by content", function()
  funnel.expect({ a = 1, b = { 2, 3 } }):to_equal({ b = { 2, 3 }, a = 1 })
end)

funnel.test("to_equal lists where tables differ", function()
  local ok, err = pcall(function()
    funnel.expect({ { channel = "SEO", n = 3 } }):to_equal({ { channel = "SEO", n = 4 }, { n = 0 } })
  end)
  funnel.expect(ok):to_equal(false)
  funnel.expect(err:find("[1].n: expected 4, actual 3", 1, true) ~= nil):to_be_truthy()
  funnel.expect(err:find("[2]: expected { n = 0 }, actual nil", 1, true) ~= nil):to_be_truthy()
end)

funnel.test("to_be_near uses an absolute tolerance", function()
  funnel.expect(0.1 + 0.2):to_be_near(0.3, 1e-12)
  funnel.expect(function() funnel.expect(1.0):to_be_near(1.1, 0.05) end):to_fail_with("not within 0.05")
end)

funnel.test("to_be_nil and to_be_truthy", function()
  funnel.expect(nil):to_be_nil()
  funnel.expect(function() funnel.expect(0):to_be_nil() end):to_fail_with("not nil")
  funnel.expect(0):to_be_truthy()
  funnel.expect(function() funnel.expect(false):to_be_truthy() end):to_fail_with("not truthy")
end)

funnel.test("to_fail_with needs an error with that text", function()
  funnel.expect(function() error("no column 'amout'") end):to_fail_with("no column")
  funnel.expect(function() funnel.expect(function() end):to_fail_with("x") end):to_fail_with("no error raised")
end)
