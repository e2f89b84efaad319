/*
 * fl_lua_funnel.c -- funnel.funnel{...} and funnel.cohorts{...} (lua-api.md
 * "Funnels and cohorts"): argument checking only; the work is fl_funnel.c.
 * Layer: Lua binding.
 */
#include <string.h>

#include "fl_funnel.h"
#include "fl_lua.h"

/* Reads the step table at idx ({ name =, <Table>, time = }) into s. The
 * strings stay referenced by the argument table. */
static void read_step(lua_State *L, int idx, int i, const char *what,
                      fl_funnel_step *s)
{
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L,
                   "%s %d must be a table like { name = \"demo\", "
                   "<table>, time = \"at\" }",
                   what, i);
    lua_getfield(L, idx, "name");
    s->name = lua_tostring(L, -1);
    if (!s->name) {
        s->name = lua_pushfstring(L, "step %d", i);
    }
    lua_geti(L, idx, 1);
    if (!luaL_testudata(L, -1, FL_TABLE_MT))
        luaL_error(L,
                   "%s %d ('%s'): its first element must be a table of events "
                   "(e.g. funnel.data.leads)",
                   what, i, s->name);
    s->table = fl_lua_checktable(L, -1);
    lua_getfield(L, idx, "time");
    s->time = lua_tostring(L, -1);
    if (!s->time)
        luaL_error(L, "%s %d ('%s'): time = \"column\" is missing", what, i,
                   s->name);
}

static int f_funnel(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "key");
    const char *key = lua_tostring(L, -1);
    if (!key)
        return luaL_error(L, "funnel: key = \"column\" is missing");
    int64_t window = -1;
    if (lua_getfield(L, 1, "window") != LUA_TNIL) {
        const char *w = lua_tostring(L, -1);
        window = w ? fl_parse_duration(w) : -1;
        if (window < 0)
            return luaL_error(L,
                              "funnel: window '%s' is not a duration like "
                              "\"30d\", \"12h\" or \"2w\"",
                              w ? w : luaL_typename(L, -1));
    }
    int any = 0;
    if (lua_getfield(L, 1, "order") != LUA_TNIL) {
        const char *o = luaL_checkstring(L, -1);
        if (strcmp(o, "any") == 0)
            any = 1;
        else if (strcmp(o, "ordered") != 0)
            return luaL_error(
                L, "funnel: order must be \"ordered\" or \"any\", got '%s'", o);
    }
    lua_getfield(L, 1, "by");
    const char *by = lua_tostring(L, -1);
    if (lua_getfield(L, 1, "steps") != LUA_TTABLE)
        return luaL_error(L, "funnel: steps = { ... } is missing");
    int steps_idx = lua_gettop(L);
    int n = (int)luaL_len(L, steps_idx);
    if (n < 1)
        return luaL_error(L, "funnel: give at least one step");
    luaL_checkstack(L, 4 * n + 8, "too many steps");
    fl_funnel_step *steps = lua_newuserdatauv(L, sizeof *steps * (size_t)n, 0);
    for (int i = 1; i <= n; i++) {
        lua_geti(L, steps_idx, i);
        read_step(L, -1, i, "step", &steps[i - 1]);
    }
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    if (fl_funnel(steps, n, key, window, any, by, slot, &err) != FL_OK)
        return fl_lua_fail(L, &err);
    return 1;
}

static int f_cohorts(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "key");
    const char *key = lua_tostring(L, -1);
    if (!key)
        return luaL_error(L, "cohorts: key = \"column\" is missing");
    static const char *const periods_names[] = {"day",     "week", "month",
                                                "quarter", "year", NULL};
    static const fl_bucket buckets[] = {FL_DAY, FL_WEEK, FL_MONTH, FL_QUARTER,
                                        FL_YEAR};
    lua_getfield(L, 1, "period");
    const char *p = luaL_optstring(L, -1, "month");
    int which = -1;
    for (int i = 0; periods_names[i]; i++)
        if (strcmp(p, periods_names[i]) == 0)
            which = i;
    if (which < 0)
        return luaL_error(L,
                          "cohorts: period must be day, week, month, quarter "
                          "or year, got '%s'",
                          p);
    lua_getfield(L, 1, "periods");
    lua_Integer periods = luaL_optinteger(L, -1, 6);
    if (periods < 0 || periods > 63)
        return luaL_error(L, "cohorts: periods must be between 0 and 63");
    fl_funnel_step first, again;
    lua_getfield(L, 1, "first");
    read_step(L, -1, 1, "cohorts: first", &first);
    first.name = "first";
    lua_getfield(L, 1, "again");
    if (lua_isnil(L, -1)) {
        again = first;
    } else {
        read_step(L, -1, 2, "cohorts: again", &again);
        again.name = "again";
    }
    fl_table **slot = fl_lua_newtable(L);
    fl_error err;
    if (fl_cohorts(&first, &again, key, buckets[which], (int)periods, slot,
                   &err) != FL_OK)
        return fl_lua_fail(L, &err);
    return 1;
}

void fl_lua_open_funnel(lua_State *L)
{
    lua_pushcfunction(L, f_funnel);
    lua_setfield(L, -2, "funnel");
    lua_pushcfunction(L, f_cohorts);
    lua_setfield(L, -2, "cohorts");
}
