/*
 * fl_lua_stats.c -- funnel.stats: the distributions of fl_stats.h for Lua.
 * An invalid parameter (NaN from the engine) is a Lua error naming the call.
 * Layer: Lua binding.
 */
#include <math.h>

#include "fl_lua.h"
#include "fl_stats.h"

static int result(lua_State *L, const char *name, double r)
{
    if (isnan(r))
        return luaL_error(L, "stats.%s: invalid parameters", name);
    lua_pushnumber(L, r);
    return 1;
}

#define F1(fn, cfn)                                                            \
    static int fn(lua_State *L)                                                \
    {                                                                          \
        return result(L, #fn, cfn(luaL_checknumber(L, 1)));                    \
    }
#define F2(fn, cfn)                                                            \
    static int fn(lua_State *L)                                                \
    {                                                                          \
        return result(L, #fn,                                                  \
                      cfn(luaL_checknumber(L, 1), luaL_checknumber(L, 2)));    \
    }
#define F3(fn, cfn)                                                            \
    static int fn(lua_State *L)                                                \
    {                                                                          \
        return result(L, #fn,                                                  \
                      cfn(luaL_checknumber(L, 1), luaL_checknumber(L, 2),      \
                          luaL_checknumber(L, 3)));                            \
    }

F1(normal_cdf, fl_normal_cdf)
F1(normal_quantile, fl_normal_quantile)
F2(t_cdf, fl_t_cdf)
F2(t_quantile, fl_t_quantile)
F2(chi2_cdf, fl_chi2_cdf)
F2(chi2_quantile, fl_chi2_quantile)
F3(beta_cdf, fl_beta_cdf)
F3(beta_quantile, fl_beta_quantile)

/* stats.beta_prob_greater(a1, b1, a2, b2) = P(X > Y), X ~ Beta(a1, b1),
 * Y ~ Beta(a2, b2), exact. */
static int beta_prob_greater(lua_State *L)
{
    return result(
        L, "beta_prob_greater",
        fl_beta_prob_greater(luaL_checknumber(L, 1), luaL_checknumber(L, 2),
                             luaL_checknumber(L, 3), luaL_checknumber(L, 4)));
}

static const luaL_Reg funcs[] = {{"normal_cdf", normal_cdf},
                                 {"normal_quantile", normal_quantile},
                                 {"t_cdf", t_cdf},
                                 {"t_quantile", t_quantile},
                                 {"chi2_cdf", chi2_cdf},
                                 {"chi2_quantile", chi2_quantile},
                                 {"beta_cdf", beta_cdf},
                                 {"beta_quantile", beta_quantile},
                                 {"beta_prob_greater", beta_prob_greater},
                                 {NULL, NULL}};

void fl_lua_open_stats(lua_State *L)
{
    luaL_newlib(L, funcs);
}
