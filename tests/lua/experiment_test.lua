-- funnel.experiment against reference values.
-- Run: funnel-lua test tests/lua/experiment_test.lua
--
-- The reference values were computed independently with Python's mpmath at
-- 30 significant digits from the textbook formulas (normal quantile by root
-- finding on mpmath.ncdf, Student t through the regularized incomplete beta,
-- chi-square survival through the regularized upper incomplete gamma, chance
-- to win by numerical integration of Beta densities: the integral of
-- pdf_t(x) * cdf_c(x) over [0, 1]); the acceptance values of issue 3
-- (p = 0.0354885, interval (0.0020679, 0.0579321), chance to win 0.9821651,
-- SRM p = 0.0455003, 3839 users) agree with them.
-- ex.evaluate runs on tests/lua/fixtures/crm/experiments.csv (8 users).
-- test-data: tests/lua/fixtures/crm
local ex = require "funnel.experiment"
local test, expect = funnel.test, funnel.expect

local ab = {
  control = { users = 1000, conversions = 100 },
  treatment = { users = 1000, conversions = 130 },
}

test("proportions: pooled two-sided p-value (issue 3 acceptance value)", function()
  local r = ex.proportions(ab)
  expect(r.p_value):to_be_near(0.0354884504664746922694693659868, 1e-12)
  expect(r.z):to_be_near(2.10274060562211429557387826476, 1e-10)
  expect(r.significant):to_equal(true)
end)

test("proportions: difference and unpooled Wald interval", function()
  local r = ex.proportions(ab)
  expect(r.diff):to_be_near(0.03, 1e-15)
  expect(r.diff_ci[1]):to_be_near(0.00206793443937636426371744435722, 1e-12)
  expect(r.diff_ci[2]):to_be_near(0.0579320655606236357362825556428, 1e-12)
end)

test("proportions: lift and delta-method interval", function()
  local r = ex.proportions(ab)
  expect(r.lift):to_be_near(0.3, 1e-14)
  expect(r.lift_ci[1]):to_be_near(-0.0191793977135871161924294007659, 1e-11)
  expect(r.lift_ci[2]):to_be_near(0.619179397713587116192429400766, 1e-11)
end)

test("proportions: exact chance to win", function()
  local r = ex.proportions(ab)
  expect(r.chance_to_win):to_be_near(0.982165066116350521849066203437, 1e-10)
end)

test("proportions: identical arms give p = 1 and chance to win 1/2", function()
  local r = ex.proportions{ control = { users = 500, conversions = 50 }, treatment = { users = 500, conversions = 50 } }
  expect(r.p_value):to_be_near(1, 1e-12)
  expect(r.chance_to_win):to_be_near(0.5, 1e-10)
end)

test("proportions: zero conversions everywhere is a reason, not NaN", function()
  local r = ex.proportions{ control = { users = 200, conversions = 0 }, treatment = { users = 300, conversions = 0 } }
  expect(r.diff):to_equal(0.0)
  expect(r.p_value):to_equal(nil)
  expect(r.diff_ci):to_equal(nil)
  expect(r.lift):to_equal(nil)
  expect(r.reasons.p_value):to_equal("no variation: both arms convert at 0 %, nothing to test")
  expect(r.reasons.lift:find("zero baseline", 1, true) ~= nil):to_equal(true)
  expect(r.significant):to_equal(false)
  -- Beta(1, 301) vs Beta(1, 201): P(X > Y) = 201 / (201 + 301) (two exponential-like
  -- minima: P(Xt > Xc) = bc / (bc + bt) for a = 1).
  expect(r.chance_to_win):to_be_near(201 / 502, 1e-10)
end)

test("proportions: 100 % conversion in both arms", function()
  local r = ex.proportions{ control = { users = 40, conversions = 40 }, treatment = { users = 40, conversions = 40 } }
  expect(r.p_value):to_equal(nil)
  expect(r.reasons.p_value):to_equal("no variation: both arms convert at 100 %, nothing to test")
  expect(r.lift):to_equal(0.0)
  expect(r.lift_ci):to_equal(nil)
end)

test("proportions: zero baseline only, the rest is defined", function()
  local r = ex.proportions{ control = { users = 500, conversions = 0 }, treatment = { users = 500, conversions = 10 } }
  expect(r.lift):to_equal(nil)
  expect(r.diff):to_be_near(0.02, 1e-15)
  -- pooled p = 10/1000, se0 = sqrt(0.01 * 0.99 * (2/500)), z = 0.02 / se0
  local z = 0.02 / math.sqrt(0.01 * 0.99 * 2 / 500)
  expect(r.z):to_be_near(z, 1e-12)
  expect(r.diff_ci[1]):to_be_near(0.02 - 1.95996398454005423552 * math.sqrt(0.02 * 0.98 / 500), 1e-12)
end)

test("proportions: bad input is an error naming the argument", function()
  expect(function() ex.proportions{ control = { users = 10, conversions = 11 }, treatment = { users = 10, conversions = 1 } } end)
    :to_fail_with("control.conversions must be a whole number between 0 and users")
  expect(function() ex.proportions{ control = { users = 0, conversions = 0 }, treatment = { users = 10, conversions = 1 } } end)
    :to_fail_with("control.users must be a positive whole number")
  expect(function() ex.proportions{ control = { users = 10, conversions = 1 }, treatment = { users = 10, conversions = 1 }, alpha = 2 } end)
    :to_fail_with("alpha must be a number between 0 and 1")
end)

test("means: Welch t-test", function()
  local r = ex.means{ control = { n = 50, mean = 10, sd = 2 }, treatment = { n = 60, mean = 11, sd = 3 } }
  expect(r.t):to_be_near(2.08514414057074762678149481051, 1e-11)
  expect(r.df):to_be_near(103.326734680089183163299777042, 1e-9)
  expect(r.p_value):to_be_near(0.0395205284919506352982162376721, 1e-10)
  expect(r.diff_ci[1]):to_be_near(0.0488956738788162568541271972444, 1e-9)
  expect(r.diff_ci[2]):to_be_near(1.95110432612118374314587280276, 1e-9)
  expect(r.lift):to_be_near(0.1, 1e-15)
end)

test("means: constant arms and a zero control mean", function()
  local r = ex.means{ control = { 5, 0, 0 }, treatment = { 5, 0, 0 } }
  expect(r.p_value):to_equal(nil)
  expect(r.reasons.p_value):to_equal("no variation: both arms have a standard deviation of 0")
  expect(r.lift):to_equal(nil)
end)

test("srm: 5100 vs 4900 at 50/50 (issue 3 acceptance value)", function()
  local r = ex.srm{ observed = { 5100, 4900 } }
  expect(r.chi2):to_be_near(4, 1e-12)
  expect(r.p_value):to_be_near(0.0455002638963584144005652743331, 1e-12)
  expect(r.flagged):to_equal(false)
end)

test("srm: three arms, flagged", function()
  -- chi2 = (0 + 100^2 + 100^2) / 1000 = 20 on 2 df: p = exp(-10)
  local r = ex.srm{ observed = { 1000, 1100, 900 } }
  expect(r.chi2):to_be_near(20, 1e-12)
  expect(r.p_value):to_be_near(math.exp(-10), 1e-15)
  expect(r.flagged):to_equal(true)
end)

test("srm: weighted 2:1 split, named arms", function()
  -- expected 6666.67 and 3333.33: chi2 = 0.5
  local r = ex.srm{ observed = { a = 6700, b = 3300 }, weights = { a = 2, b = 1 } }
  expect(r.chi2):to_be_near(0.5, 1e-12)
  expect(r.p_value):to_be_near(0.479500122186953462317253346108, 1e-12)
end)

test("sample_size: 10 % -> 12 % at alpha 0.05, power 0.8 (issue 3 acceptance value)", function()
  expect(ex.sample_size{ baseline = 0.10, target = 0.12, alpha = 0.05, power = 0.8 }):to_equal(3839)
  -- mpmath: 3838.102...
end)

test("sample_size: other cases", function()
  expect(ex.sample_size{ baseline = 0.05, target = 0.06 }):to_equal(8155)                       -- 8154.986
  expect(ex.sample_size{ baseline = 0.20, target = 0.25, alpha = 0.01, power = 0.9 }):to_equal(2069) -- 2068.235
  expect(ex.sample_size{ baseline = 0.10, lift = 0.2 }):to_equal(3839)
  local n, why = ex.sample_size{ baseline = 0.1, target = 0.1 }
  expect(n):to_equal(nil)
  expect(why):to_equal("the target equals the baseline: there is no difference to detect")
  n, why = ex.sample_size{ baseline = 0, lift = 0.5 }
  expect(n):to_equal(nil)
  expect(why:find("zero baseline", 1, true) ~= nil):to_equal(true)
end)

test("adjust: Holm and Benjamini-Hochberg, in input order", function()
  -- worked by hand: sorted p = .005 (4th), .01 (1st), .03 (3rd), .04 (2nd), m = 4
  -- Holm: 4*.005 = .02, 3*.01 = .03, 2*.03 = .06, max(.06, 1*.04) = .06
  -- BH: .005*4/1 = .02, .01*4/2 = .02, .03*4/3 = .04, .04*4/4 = .04, running min from the top
  local p = { 0.01, 0.04, 0.03, 0.005 }
  local holm = ex.adjust(p, "holm")
  local bh = ex.adjust(p, "bh")
  local want_holm, want_bh = { 0.03, 0.06, 0.06, 0.02 }, { 0.02, 0.04, 0.04, 0.02 }
  for i = 1, 4 do
    expect(holm[i]):to_be_near(want_holm[i], 1e-15)
    expect(bh[i]):to_be_near(want_bh[i], 1e-15)
  end
  expect(ex.adjust({ 0.5, 0.9 }, "holm")[2]):to_equal(1.0)
  expect(function() ex.adjust({ 0.1 }, "bonferroni") end):to_fail_with("method must be \"holm\" or \"bh\"")
end)

-- experiments.csv: control = users 1, 2, 3, 4, 8 (user 1 converted; revenue
-- 10, 0, 0, 0, null); treatment = users 5, 6, 7 (5 and 6 converted; revenue
-- 12, 8, 0).
test("evaluate: conversion arms counted from the data", function()
  local ev = ex.evaluate(funnel.read_csv("experiments.csv"), { metric = "converted", name = "fixture" })
  expect(ev.kind):to_equal("conversion")
  expect(ev.arms[1]):to_equal({ variant = "control", users = 5, conversions = 1, rate = 0.2 })
  expect(ev.arms[2]):to_equal({ variant = "treatment", users = 3, conversions = 2, rate = 2 / 3 })
  -- SRM: expected 4 and 4, chi2 = (1 + 1) / 4 = 0.5
  expect(ev.srm.chi2):to_be_near(0.5, 1e-15)
  expect(ev.srm.flagged):to_equal(false)
  -- pooled 3/8: se0 = sqrt(3/8 * 5/8 * (1/5 + 1/3)) = sqrt(1/8)
  local c = ev.comparisons[1]
  expect(c.result.z):to_be_near((2 / 3 - 0.2) / math.sqrt(1 / 8), 1e-12)
  expect(c.needed):to_equal(ex.sample_size{ baseline = 0.2, target = 0.22 })
  expect(ev.decision):to_equal("keep running")
  expect(ev.reason:find("^not significant yet %(p = 0%.18") ~= nil):to_be_truthy()
end)

test("evaluate: a numeric metric is a mean per user (nulls skipped)", function()
  local ev = ex.evaluate(funnel.read_csv("experiments.csv"), { metric = funnel.col"revenue" })
  expect(ev.kind):to_equal("mean")
  -- control 10, 0, 0, 0: mean 2.5, sd sqrt((7.5^2 + 3 x 2.5^2) / 3) = 5
  expect(ev.arms[1].n):to_equal(4)
  expect(ev.arms[1].mean):to_be_near(2.5, 1e-15)
  expect(ev.arms[1].sd):to_be_near(5, 1e-14)
  expect(ev.arms[2].mean):to_be_near(20 / 3, 1e-14)
end)

test("evaluate: a broken split stops the experiment", function()
  -- planned 1:10, observed 5:3: expected 8/11 and 80/11, chi2 = 27.6
  local ev = ex.evaluate(funnel.read_csv("experiments.csv"),
    { metric = "converted", weights = { control = 1, treatment = 10 } })
  expect(ev.srm.chi2):to_be_near((5 - 8 / 11) ^ 2 / (8 / 11) + (3 - 80 / 11) ^ 2 / (80 / 11), 1e-12)
  expect(ev.srm.flagged):to_equal(true)
  expect(ev.decision):to_equal("stop")
  expect(ev.reason:find("^sample ratio mismatch") ~= nil):to_be_truthy()
end)

test("evaluate: no control arm", function()
  local ev = ex.evaluate(funnel.read_csv("experiments.csv"), { metric = "converted", control = "baseline" })
  expect(ev.decision):to_equal("stop")
  expect(ev.reason):to_equal("no control arm: no row has variant = 'baseline'")
end)
