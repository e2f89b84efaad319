--- funnel.experiment: sprint experiments (A/B tests), evaluated the way a
-- statistician would and explained in plain words.
--
--   local ex = require "funnel.experiment"
--   local r = ex.proportions{ control   = { users = 1000, conversions = 100 },
--                             treatment = { users = 1000, conversions = 130 } }
--   r.p_value, r.diff_ci[1], r.diff_ci[2], r.chance_to_win
--
--   ex.evaluate(funnel.data.experiments:where(...), {
--     variant = "variant", control = "control",
--     metric = funnel.col"converted",          -- boolean: a conversion rate
--   })                                        -- numeric: a mean (Welch)
--
-- Conventions (docs/lua-api.md, "funnel.experiment conventions"):
--   proportions  diff, diff_ci   absolute difference pt - pc, Wald interval
--                                with the unpooled standard error
--                p_value         two-sided pooled two-proportion z-test
--                                (= 2x2 chi-square without continuity correction)
--                lift, lift_ci   (pt - pc) / pc, delta-method interval with
--                                variance p(1-p)/n per arm, normal quantiles
--                chance_to_win   P(pt > pc) under independent
--                                Beta(1 + conversions, 1 + users - conversions)
--                                posteriors, exact (funnel.stats.beta_prob_greater)
--   means        Welch's t-test, Welch-Satterthwaite degrees of freedom
--   srm          chi-square goodness of fit; flagged when p < 0.001
--   sample_size  users per arm, two-sided, unpooled variances, rounded up
--   adjust       Holm or Benjamini-Hochberg adjusted p-values, input order
--
-- Degenerate inputs never give NaN. A statistic that is undefined is nil,
-- and r.reasons[field] says why, in words:
--   * both arms at 0 % (or both at 100 %): no variation, so diff_ci and
--     p_value are nil (the difference itself is 0 and is reported);
--   * a control rate of 0 (zero baseline): lift and lift_ci are nil, since a
--     relative change from zero is undefined;
--   * a standard error of 0 in means (both arms constant): p_value, diff_ci nil.
-- chance_to_win is always defined (the Beta posteriors are proper).
-- Invalid input (negative counts, conversions above users, alpha outside
-- (0, 1)) is an error naming the argument.
local funnel = require "funnel"

local M = {}

local stats = funnel.stats
local sqrt, abs = math.sqrt, math.abs

-- Two-sided normal quantile for a confidence level 1 - alpha.
local function z_two_sided(alpha)
  return stats.normal_quantile(1 - alpha / 2)
end

-- Two-sided p-value of a standard normal statistic, computed from the
-- lower tail so that tiny p-values keep their precision.
local function p_two_sided_normal(z)
  return 2 * stats.normal_cdf(-abs(z))
end

local function check_alpha(alpha, fname)
  alpha = alpha or 0.05
  if type(alpha) ~= "number" or not (alpha > 0 and alpha < 1) then
    error(string.format("%s: alpha must be a number between 0 and 1, got %s", fname, tostring(alpha)), 3)
  end
  return alpha
end

local function is_count(x)
  return type(x) == "number" and x >= 0 and x == math.floor(x)
end

-- Reads one arm { users =, conversions = } of proportions().
local function check_arm(arm, name)
  if type(arm) ~= "table" then
    error(string.format("proportions: %s must be a table { users =, conversions = }", name), 3)
  end
  local n, c = arm.users, arm.conversions
  if not is_count(n) or n == 0 then
    error(string.format("proportions: %s.users must be a positive whole number, got %s", name, tostring(n)), 3)
  end
  if not is_count(c) or c > n then
    error(string.format("proportions: %s.conversions must be a whole number between 0 and users (%s), got %s",
      name, tostring(n), tostring(c)), 3)
  end
  return n, c
end

--- Compares two conversion rates.
-- args: { control = { users, conversions }, treatment = { users, conversions },
--         alpha = 0.05 }
-- Returns { control_rate, treatment_rate, diff, diff_ci = {lo, hi}, z,
-- p_value, lift, lift_ci = {lo, hi}, chance_to_win, alpha, significant,
-- reasons = { field = why it is nil } } (see the file comment).
function M.proportions(args)
  local alpha = check_alpha(args.alpha, "proportions")
  local nc, cc = check_arm(args.control, "control")
  local nt, ct = check_arm(args.treatment, "treatment")
  local pc, pt = cc / nc, ct / nt
  local z = z_two_sided(alpha)
  local r = { control_rate = pc, treatment_rate = pt, diff = pt - pc, alpha = alpha, reasons = {} }

  local se = sqrt(pc * (1 - pc) / nc + pt * (1 - pt) / nt)
  if se > 0 then
    r.diff_ci = { r.diff - z * se, r.diff + z * se }
  else
    r.reasons.diff_ci = "no variation: every arm converts at 0 % or 100 %, so the Wald interval is undefined"
  end

  local pool = (cc + ct) / (nc + nt)
  local se0 = sqrt(pool * (1 - pool) * (1 / nc + 1 / nt))
  if se0 > 0 then
    r.z = r.diff / se0
    r.p_value = p_two_sided_normal(r.z)
    r.significant = r.p_value < alpha
  else
    r.reasons.p_value = string.format("no variation: both arms convert at %s, nothing to test",
      pool == 0 and "0 %" or "100 %")
    r.significant = false
  end

  if pc > 0 then
    r.lift = r.diff / pc
    -- Delta method for the ratio pt/pc: Var ~ Var(pt)/pc^2 + pt^2 Var(pc)/pc^4.
    local var = (pt * (1 - pt) / nt) / pc ^ 2 + pt ^ 2 * (pc * (1 - pc) / nc) / pc ^ 4
    local se_lift = sqrt(var)
    if se_lift > 0 then
      r.lift_ci = { r.lift - z * se_lift, r.lift + z * se_lift }
    else
      r.reasons.lift_ci = "no variation in either arm, so the lift interval is undefined"
    end
  else
    r.reasons.lift = "zero baseline: the control arm has no conversion, so a relative lift is undefined"
    r.reasons.lift_ci = r.reasons.lift
  end

  r.chance_to_win = stats.beta_prob_greater(1 + ct, 1 + nt - ct, 1 + cc, 1 + nc - cc)
  return r
end

local function check_sample(arm, name)
  if type(arm) ~= "table" then
    error(string.format("means: %s must be a table { n =, mean =, sd = }", name), 3)
  end
  local n, mean, sd = arm.n or arm[1], arm.mean or arm[2], arm.sd or arm[3]
  if not is_count(n) or n < 2 then
    error(string.format("means: %s.n must be a whole number of at least 2, got %s", name, tostring(n)), 3)
  end
  if type(mean) ~= "number" or mean ~= mean then
    error(string.format("means: %s.mean must be a number, got %s", name, tostring(mean)), 3)
  end
  if type(sd) ~= "number" or not (sd >= 0) then
    error(string.format("means: %s.sd must be a number >= 0, got %s", name, tostring(sd)), 3)
  end
  return n, mean, sd
end

--- Compares two means with Welch's t-test.
-- args: { control = { n =, mean =, sd = }, treatment = {...}, alpha = 0.05 }
-- (sd is the sample standard deviation; { n, mean, sd } positionally works
-- too). Returns { control_mean, treatment_mean, diff, diff_ci, t, df,
-- p_value, lift, alpha, significant, reasons }.
function M.means(args)
  local alpha = check_alpha(args.alpha, "means")
  local n1, m1, s1 = check_sample(args.control, "control")
  local n2, m2, s2 = check_sample(args.treatment, "treatment")
  local r = { control_mean = m1, treatment_mean = m2, diff = m2 - m1, alpha = alpha, reasons = {} }
  local v1, v2 = s1 ^ 2 / n1, s2 ^ 2 / n2
  local se = sqrt(v1 + v2)
  if se > 0 then
    r.df = (v1 + v2) ^ 2 / (v1 ^ 2 / (n1 - 1) + v2 ^ 2 / (n2 - 1))
    r.t = r.diff / se
    r.p_value = 2 * stats.t_cdf(-abs(r.t), r.df)
    local q = stats.t_quantile(1 - alpha / 2, r.df)
    r.diff_ci = { r.diff - q * se, r.diff + q * se }
    r.significant = r.p_value < alpha
  else
    r.reasons.p_value = "no variation: both arms have a standard deviation of 0"
    r.reasons.diff_ci = r.reasons.p_value
    r.significant = false
  end
  if m1 ~= 0 then
    r.lift = r.diff / m1
  else
    r.reasons.lift = "zero baseline: the control mean is 0, so a relative lift is undefined"
  end
  return r
end

-- Keys of a table in a stable order: 1..n for arrays, else sorted.
local function ordered_keys(t)
  local keys = {}
  if #t > 0 then
    for i = 1, #t do keys[i] = i end
    return keys
  end
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  return keys
end

--- Sample ratio mismatch: does the traffic split match the design?
-- args: { observed = { 5100, 4900 } (or { control = 5100, treatment = 4900 }),
--         weights = { 1, 1 } (same shape; default: equal), threshold = 0.001 }
-- Returns { chi2, df, p_value, expected = {...}, flagged } where flagged is
-- true when p_value < threshold: the assignment is probably broken and the
-- experiment's results should not be trusted.
function M.srm(args)
  local observed = args.observed
  if type(observed) ~= "table" then error("srm: observed must be a table of counts per arm", 2) end
  local keys = ordered_keys(observed)
  if #keys < 2 then error("srm: observed needs at least two arms", 2) end
  local weights = args.weights
  local total, wsum = 0, 0
  for _, k in ipairs(keys) do
    local o = observed[k]
    if not is_count(o) then
      error(string.format("srm: observed[%s] must be a whole number >= 0, got %s", tostring(k), tostring(o)), 2)
    end
    local w = weights and weights[k] or 1
    if type(w) ~= "number" or not (w > 0) then
      error(string.format("srm: weights[%s] must be a positive number, got %s", tostring(k), tostring(w)), 2)
    end
    total, wsum = total + o, wsum + w
  end
  local threshold = args.threshold or 0.001
  local r = { df = #keys - 1, expected = {}, threshold = threshold, reasons = {} }
  if total == 0 then
    r.reasons.p_value = "no users in any arm"
    r.flagged = false
    return r
  end
  local chi2 = 0
  for _, k in ipairs(keys) do
    local e = total * (weights and weights[k] or 1) / wsum
    r.expected[k] = e
    chi2 = chi2 + (observed[k] - e) ^ 2 / e
  end
  r.chi2 = chi2
  r.p_value = 1 - stats.chi2_cdf(chi2, r.df)
  r.flagged = r.p_value < threshold
  return r
end

--- Users per arm needed to detect a change of a conversion rate.
-- args: { baseline = 0.10, target = 0.12 (or lift = 0.2, relative),
--         alpha = 0.05, power = 0.8 }
-- n = (z_{1-alpha/2} + z_{power})^2 (p1(1-p1) + p2(1-p2)) / (p2 - p1)^2,
-- rounded up. Returns nil and a reason when the target equals the baseline
-- (nothing to detect) or a relative lift is asked of a zero baseline.
function M.sample_size(args)
  local alpha = check_alpha(args.alpha, "sample_size")
  local power = args.power or 0.8
  if type(power) ~= "number" or not (power > 0 and power < 1) then
    error("sample_size: power must be a number between 0 and 1", 2)
  end
  local p1 = args.baseline
  if type(p1) ~= "number" or p1 < 0 or p1 > 1 then
    error("sample_size: baseline must be a rate between 0 and 1", 2)
  end
  local p2 = args.target
  if p2 == nil and args.lift ~= nil then
    if p1 == 0 then return nil, "zero baseline: a relative lift of 0 is still 0; give target instead" end
    p2 = p1 * (1 + args.lift)
  end
  if type(p2) ~= "number" or p2 < 0 or p2 > 1 then
    error("sample_size: target must be a rate between 0 and 1 (or give lift)", 2)
  end
  if p2 == p1 then return nil, "the target equals the baseline: there is no difference to detect" end
  local z = z_two_sided(alpha) + stats.normal_quantile(power)
  local n = z ^ 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p2 - p1) ^ 2
  -- The tolerance keeps an exact integer from being pushed up by rounding.
  return math.ceil(n - 1e-9)
end

--- Users per arm to detect a difference `delta` of means with standard
-- deviation sd in each arm (same formula with variances sd^2 + sd^2).
-- Returns nil and a reason when delta is 0.
function M.sample_size_means(args)
  local alpha = check_alpha(args.alpha, "sample_size_means")
  local power = args.power or 0.8
  local sd, delta = args.sd, args.delta
  if type(sd) ~= "number" or sd < 0 then error("sample_size_means: sd must be a number >= 0", 2) end
  if type(delta) ~= "number" then error("sample_size_means: delta must be a number", 2) end
  if delta == 0 then return nil, "a difference of 0 cannot be detected" end
  local z = z_two_sided(alpha) + stats.normal_quantile(power)
  return math.ceil(z ^ 2 * 2 * sd ^ 2 / delta ^ 2 - 1e-9)
end

--- Adjusts p-values for multiple comparisons.
-- method "holm" (family-wise error, Holm-Bonferroni step-down) or "bh"
-- (false discovery rate, Benjamini-Hochberg step-up). Returns the adjusted
-- p-values in the order of the input, each capped at 1.
function M.adjust(p, method)
  method = method or "holm"
  if type(p) ~= "table" then error("adjust: expected a list of p-values", 2) end
  local m = #p
  local order = {}
  for i = 1, m do
    if type(p[i]) ~= "number" or p[i] < 0 or p[i] > 1 then
      error(string.format("adjust: p[%d] must be a number between 0 and 1, got %s", i, tostring(p[i])), 2)
    end
    order[i] = i
  end
  -- Ascending p, ties broken by position so that the result is stable.
  table.sort(order, function(a, b)
    if p[a] ~= p[b] then return p[a] < p[b] end
    return a < b
  end)
  local out = {}
  if method == "holm" then
    local running = 0
    for rank, i in ipairs(order) do
      running = math.max(running, math.min(1, (m - rank + 1) * p[i]))
      out[i] = running
    end
  elseif method == "bh" then
    local running = 1
    for rank = m, 1, -1 do
      local i = order[rank]
      running = math.min(running, m / rank * p[i])
      out[i] = running
    end
  else
    error(string.format("adjust: method must be \"holm\" or \"bh\", got '%s'", tostring(method)), 2)
  end
  return out
end

-- ==== evaluating an experiment from data ================================

local function pct(x, digits)
  return string.format("%." .. (digits or 1) .. "f %%", 100 * x)
end

local function signed_pct(x)
  local s = string.format("%+.1f %%", 100 * x)
  return (s:gsub("^%-0%.0 ", "+0.0 "))
end

-- "p = 0.0123", or "p < 0.0001" for tiny p-values.
local function fmt_p(p)
  if p == nil then return "p n/a" end
  if p < 0.0001 then return "p < 0.0001" end
  return string.format("p = %.4f", p)
end

-- A probability as a percentage, without rounding 0.99996 up to 100 %.
local function chance(x)
  if x > 0.999 then return "> 99.9 %" end
  if x < 0.001 then return "< 0.1 %" end
  return pct(x)
end

-- The decision for one treatment arm against control, in plain words.
-- Returns decision ("ship" | "keep running" | "stop"), reason.
local function decide(arm, result, needed, opts, srm)
  if srm and srm.flagged then
    return "stop", string.format(
      "sample ratio mismatch (%s): the arms do not have the sizes the design asked for, "
        .. "so the assignment is broken and no result can be trusted; fix the split and restart",
      fmt_p(srm.p_value))
  end
  local better = opts.direction == "down" and -1 or 1
  local p = result.adjusted_p_value or result.p_value
  if p == nil then
    if needed and arm.users < needed then
      return "keep running", string.format("no difference to test yet (%s); %d of the %d users per arm needed",
        result.reasons.p_value or "no data", arm.users, needed)
    end
    return "stop", "no difference at all between the arms (" .. (result.reasons.p_value or "") .. ")"
  end
  local effect = result.lift and signed_pct(result.lift) .. " relative"
    or string.format("%+.4g absolute", result.diff)
  if p < opts.alpha then
    if result.diff * better > 0 then
      return "ship", string.format("%s is better: %s (%s%s)", arm.variant, effect, fmt_p(p),
        result.chance_to_win and ", chance to win " .. chance(result.chance_to_win) or "")
    end
    return "stop", string.format("%s is worse: %s (%s); keep %s", arm.variant, effect, fmt_p(p), opts.control)
  end
  if needed and arm.users < needed then
    return "keep running", string.format(
      "not significant yet (%s, %s); %d of the %d users per arm needed to detect a %s change",
      fmt_p(p), effect, arm.users, needed, signed_pct(opts.mde))
  end
  return "stop", string.format(
    "no detectable effect: with %d users per arm a %s change would have shown; observed %s (%s)",
    arm.users, signed_pct(opts.mde), effect, fmt_p(p))
end

local function type_of(tbl, expr)
  return tbl:head(0):with{ __metric = expr }:types().__metric
end

--- Evaluates an experiment from a table with one row per user.
-- opts:
--   variant   column holding the arm name (default "variant")
--   control   name of the control arm (default "control")
--   metric    expression or column name: boolean -> conversion rate per
--             user (null counts as not converted); numeric -> mean per user
--             (Welch; nulls skipped)
--   alpha     significance level (default 0.05)
--   mde       smallest relative change worth detecting (default 0.10): with
--             power 0.8 it sets the users per arm the test needs
--   power     (default 0.8)
--   weights   planned split { control = 1, treatment = 1 } (default equal)
--   direction "up" (default) when bigger is better, "down" otherwise
--   name      the experiment's name, for the report
-- Returns { name, kind = "conversion" | "mean", arms = { {variant, users,
-- conversions?, rate? | mean?, sd?} ... } (control first, then by name),
-- srm, comparisons = { {variant, result, needed, decision, reason} ... },
-- decision, reason }. With several treatment arms the p-values are Holm-
-- adjusted (result.adjusted_p_value) and the overall decision is "ship"
-- for the best significant winner, else the most cautious of the others.
-- Decisions, in order: SRM flagged -> stop; significant and better -> ship;
-- significant and worse -> stop; not significant with fewer users than
-- needed -> keep running; not significant with enough users -> stop (no
-- detectable effect).
function M.evaluate(tbl, opts)
  opts = opts or {}
  local variant = opts.variant or "variant"
  local control = opts.control or "control"
  local alpha = check_alpha(opts.alpha, "evaluate")
  if opts.metric == nil then error("evaluate: give metric (a boolean or numeric expression)", 2) end
  local metric = type(opts.metric) == "string" and funnel.col(opts.metric) or opts.metric
  local settings = {
    alpha = alpha, control = control, mde = opts.mde or 0.10, power = opts.power or 0.8,
    direction = opts.direction or "up",
  }

  local mtype = type_of(tbl, metric)
  local kind
  if mtype == "bool" then
    kind = "conversion"
  elseif mtype == "int" or mtype == "float" then
    kind = "mean"
  else
    error(string.format("evaluate: metric must be boolean (conversion) or numeric (mean), got %s", mtype), 2)
  end

  local aggs = { users = funnel.count() }
  if kind == "conversion" then
    aggs.conversions = funnel.count_if(metric)
  else
    aggs.n = funnel.count(metric)
    aggs.mean = funnel.mean(metric)
    aggs.sd = funnel.stddev(metric)
  end
  local grouped = tbl:group_by{ variant = funnel.col(variant) }:agg(aggs)

  local arms, by_name = {}, {}
  for row in grouped:rows() do
    local name = row.variant == nil and "(none)" or tostring(row.variant)
    local arm = { variant = name, users = row.users }
    if kind == "conversion" then
      arm.conversions = row.conversions
      arm.rate = row.users > 0 and row.conversions / row.users or nil
    else
      arm.n, arm.mean, arm.sd = row.n, row.mean, row.sd
    end
    by_name[name] = arm
    if name ~= control then arms[#arms + 1] = arm end
  end
  local ctrl = by_name[control]
  local out = { name = opts.name, kind = kind, metric = tostring(metric), alpha = alpha, arms = { ctrl } }
  if not ctrl then
    out.arms = arms
    out.decision = "stop"
    out.reason = string.format("no control arm: no row has %s = '%s'", variant, control)
    out.comparisons = {}
    return out
  end
  for _, a in ipairs(arms) do out.arms[#out.arms + 1] = a end
  if #arms == 0 then
    out.decision, out.reason, out.comparisons = "keep running", "only the control arm has users so far", {}
    return out
  end

  local observed, weights = {}, {}
  for i, a in ipairs(out.arms) do
    observed[i] = a.users
    weights[i] = opts.weights and opts.weights[a.variant] or 1
  end
  out.srm = M.srm{ observed = observed, weights = weights }

  out.comparisons = {}
  for _, a in ipairs(arms) do
    local result, needed
    if kind == "conversion" then
      result = M.proportions{
        control = { users = ctrl.users, conversions = ctrl.conversions },
        treatment = { users = a.users, conversions = a.conversions }, alpha = alpha,
      }
      if ctrl.rate > 0 then
        needed = M.sample_size{ baseline = ctrl.rate, target = math.min(1, ctrl.rate * (1 + settings.mde)),
          alpha = alpha, power = settings.power }
      end
    else
      if (ctrl.n or 0) >= 2 and (a.n or 0) >= 2 then
        result = M.means{ control = { n = ctrl.n, mean = ctrl.mean, sd = ctrl.sd },
          treatment = { n = a.n, mean = a.mean, sd = a.sd }, alpha = alpha }
        if ctrl.mean ~= 0 then
          needed = M.sample_size_means{ sd = ctrl.sd, delta = settings.mde * ctrl.mean,
            alpha = alpha, power = settings.power }
        end
      else
        result = { reasons = { p_value = "fewer than 2 values in an arm" } }
      end
    end
    out.comparisons[#out.comparisons + 1] = { variant = a.variant, result = result, needed = needed }
  end
  if #arms > 1 then
    local ps, idx = {}, {}
    for i, c in ipairs(out.comparisons) do
      if c.result.p_value then ps[#ps + 1], idx[#idx + 1] = c.result.p_value, i end
    end
    for k, adj in ipairs(M.adjust(ps, "holm")) do
      out.comparisons[idx[k]].result.adjusted_p_value = adj
    end
  end
  local rank = { ship = 3, ["keep running"] = 2, stop = 1 }
  for i, c in ipairs(out.comparisons) do
    c.decision, c.reason = decide(arms[i], c.result, c.needed, settings, out.srm)
  end
  -- Overall: ship the significant winner with the largest effect; else the
  -- most cautious answer among the arms ("keep running" over "stop").
  local best
  for _, c in ipairs(out.comparisons) do
    if c.decision == "ship" and (not best or best.decision ~= "ship" or c.result.diff > best.result.diff) then
      best = c
    elseif not best or (best.decision ~= "ship" and rank[c.decision] > rank[best.decision]) then
      best = c
    end
  end
  out.decision = best.decision
  out.reason = #arms > 1 and best.variant .. ": " .. best.reason or best.reason
  return out
end

return M
