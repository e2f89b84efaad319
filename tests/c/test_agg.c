/*
 * Tests of fl_agg: group ids, every aggregate, top-n per group. Each test
 * builds a small table, runs one call and checks values worked out by hand
 * (the arithmetic is in the comments).
 */
#include <math.h>

#include "fl_agg.h"
#include "test_util.h"

/* ---- helpers -------------------------------------------------------------*/

static fl_column *bool_col(const int *v, const int *isnull, int n)
{
    fl_column *c = fl_column_new(FL_BOOL, n, NULL);
    for (int i = 0; i < n; i++)
        cr_assert_eq(isnull && isnull[i] ? fl_column_append_null(c, NULL)
                                         : fl_column_append_bool(c, v[i], NULL),
                     FL_OK);
    return c;
}

static fl_column *date_col(const int32_t *v, const int *isnull, int n)
{
    fl_column *c = fl_column_new(FL_DATE, n, NULL);
    for (int i = 0; i < n; i++)
        cr_assert_eq(isnull && isnull[i] ? fl_column_append_null(c, NULL)
                                         : fl_column_append_date(c, v[i], NULL),
                     FL_OK);
    return c;
}

/* A table of ncols columns (taken) named names[]. */
static fl_table *table(int ncols, const char *const *names, fl_column **cols)
{
    fl_table *t;
    fl_error err;
    fl_status st = fl_table_new(ncols, names, cols, cols[0]->length, &t, &err);
    cr_assert_eq(st, FL_OK, "%s", err.msg);
    return t;
}

static fl_column *col(const fl_table *t, const char *name)
{
    int i = fl_table_find(t, name);
    cr_assert(i >= 0, "no column %s", name);
    return t->cols[i];
}

static int is_null(const fl_table *t, const char *name, int64_t row)
{
    return !fl_column_valid(col(t, name), row);
}

static int64_t int_at(const fl_table *t, const char *name, int64_t row)
{
    fl_column *c = col(t, name);
    cr_assert(fl_column_valid(c, row), "%s[%lld] is null", name,
              (long long)row);
    return c->type == FL_DATE ? FL_I32(c)[row] : FL_I64(c)[row];
}

static double float_at(const fl_table *t, const char *name, int64_t row)
{
    fl_column *c = col(t, name);
    cr_assert_eq(c->type, FL_FLOAT, "%s is not float", name);
    cr_assert(fl_column_valid(c, row), "%s[%lld] is null", name,
              (long long)row);
    return FL_F64(c)[row];
}

static const char *str_at(const fl_table *t, const char *name, int64_t row)
{
    return tu_str_at(col(t, name), row);
}

#define NEAR(a, b) cr_assert(fabs((a) - (b)) < 1e-9, "%.17g != %.17g", (a), (b))

/* Group by columns named in keys[] (output key names = column names). */
static fl_status group(const fl_table *t, const char *const *keys, int nkeys,
                       const fl_agg_spec *aggs, int naggs, fl_table **out,
                       fl_error *err)
{
    fl_expr *k[8] = {0};
    for (int i = 0; i < nkeys; i++)
        k[i] = fl_expr_col(keys[i]);
    fl_status st = fl_group_agg(t, k, keys, nkeys, aggs, naggs, out, err);
    for (int i = 0; i < nkeys; i++)
        fl_expr_unref(k[i]);
    return st;
}

static fl_table *group_ok(const fl_table *t, const char *const *keys, int nkeys,
                          const fl_agg_spec *aggs, int naggs)
{
    fl_table *out = NULL;
    fl_error err;
    fl_status st = group(t, keys, nkeys, aggs, naggs, &out, &err);
    cr_assert_eq(st, FL_OK, "%s", err.msg);
    return out;
}

/* ---- the sample table ----------------------------------------------------
 *  r  src  amt   x     won    day   who
 *  0  web  10    1.0   true   100   bob
 *  1  ads  null  2.0   false  50    amy
 *  2  web  30    null  true   null  null
 *  3  ads  5     4.0   null   70    cat
 *  4  web  20    3.0   false  90    amy
 *  5  ads  5     8.0   true   60    amy
 *  6  web  null  5.0   true   120   dan
 */
static fl_table *sample(void)
{
    const char *src[] = {"web", "ads", "web", "ads", "web", "ads", "web"};
    int64_t amt[] = {10, 0, 30, 5, 20, 5, 0};
    int amt_null[] = {0, 1, 0, 0, 0, 0, 1};
    double x[] = {1, 2, 0, 4, 3, 8, 5};
    int x_null[] = {0, 0, 1, 0, 0, 0, 0};
    int won[] = {1, 0, 1, 0, 0, 1, 1};
    int won_null[] = {0, 0, 0, 1, 0, 0, 0};
    int32_t day[] = {100, 50, 0, 70, 90, 60, 120};
    int day_null[] = {0, 0, 1, 0, 0, 0, 0};
    const char *who[] = {"bob", "amy", NULL, "cat", "amy", "amy", "dan"};
    const char *names[] = {"src", "amt", "x", "won", "day", "who"};
    fl_column *cols[] = {
        tu_str_col(src, 7),         tu_int_col(amt, amt_null, 7),
        tu_float_col(x, x_null, 7), bool_col(won, won_null, 7),
        date_col(day, day_null, 7), tu_str_col(who, 7)};
    return table(6, names, cols);
}

/* ---- every aggregate ---------------------------------------------------- */

Test(agg, every_aggregate_with_nulls)
{
    fl_table *t = sample();
    fl_expr *amt = fl_expr_col("amt"), *x = fl_expr_col("x"),
            *won = fl_expr_col("won"), *day = fl_expr_col("day"),
            *who = fl_expr_col("who");
    fl_agg_spec a[] = {
        {"n", FL_AGG_COUNT_ALL, NULL, NULL, 0},
        {"n_amt", FL_AGG_COUNT, amt, NULL, 0},
        {"n_won", FL_AGG_COUNT_IF, won, NULL, 0},
        {"sum_amt", FL_AGG_SUM, amt, NULL, 0},
        {"sum_x", FL_AGG_SUM, x, NULL, 0},
        {"mean_amt", FL_AGG_MEAN, amt, NULL, 0},
        {"mean_x", FL_AGG_MEAN, x, NULL, 0},
        {"min_amt", FL_AGG_MIN, amt, NULL, 0},
        {"max_amt", FL_AGG_MAX, amt, NULL, 0},
        {"min_day", FL_AGG_MIN, day, NULL, 0},
        {"max_day", FL_AGG_MAX, day, NULL, 0},
        {"min_who", FL_AGG_MIN, who, NULL, 0},
        {"max_who", FL_AGG_MAX, who, NULL, 0},
        {"min_won", FL_AGG_MIN, won, NULL, 0},
        {"max_won", FL_AGG_MAX, won, NULL, 0},
        {"nd_amt", FL_AGG_COUNT_DISTINCT, amt, NULL, 0},
        {"nd_who", FL_AGG_COUNT_DISTINCT, who, NULL, 0},
        {"med_x", FL_AGG_MEDIAN, x, NULL, 0},
        {"q25_x", FL_AGG_QUANTILE, x, NULL, 0.25},
        {"sd_x", FL_AGG_STDDEV, x, NULL, 0},
        {"corr", FL_AGG_CORR, amt, x, 0},
        {"first_amt", FL_AGG_FIRST, amt, NULL, 0},
        {"last_amt", FL_AGG_LAST, amt, NULL, 0},
        {"first_who", FL_AGG_FIRST, who, NULL, 0},
        {"last_who", FL_AGG_LAST, who, NULL, 0},
        {"last_day", FL_AGG_LAST, day, NULL, 0},
    };
    const char *keys[] = {"src"};
    fl_table *o = group_ok(t, keys, 1, a, sizeof a / sizeof a[0]);
    cr_assert_eq(o->nrows, 2);
    cr_assert_eq(o->ncols, 1 + (int)(sizeof a / sizeof a[0]));
    cr_assert_str_eq(o->names[0], "src");
    cr_assert_str_eq(o->names[1], "n");
    /* row 0: ads = rows 1, 3, 5; row 1: web = rows 0, 2, 4, 6 */
    cr_assert_str_eq(str_at(o, "src", 0), "ads");
    cr_assert_str_eq(str_at(o, "src", 1), "web");
    cr_assert_eq(int_at(o, "n", 0), 3);
    cr_assert_eq(int_at(o, "n", 1), 4);
    cr_assert_eq(int_at(o, "n_amt", 0), 2); /* 5, 5 */
    cr_assert_eq(int_at(o, "n_amt", 1), 3); /* 10, 30, 20 */
    cr_assert_eq(int_at(o, "n_won", 0), 1); /* r5 (r3 null, r1 false) */
    cr_assert_eq(int_at(o, "n_won", 1), 3); /* r0, r2, r6 */
    cr_assert_eq(col(o, "sum_amt")->type, FL_INT);
    cr_assert_eq(int_at(o, "sum_amt", 0), 10);
    cr_assert_eq(int_at(o, "sum_amt", 1), 60);
    cr_assert_eq(float_at(o, "sum_x", 0), 14.0); /* 2 + 4 + 8 */
    cr_assert_eq(float_at(o, "sum_x", 1), 9.0);  /* 1 + 3 + 5 */
    cr_assert_eq(float_at(o, "mean_amt", 0), 5.0);
    cr_assert_eq(float_at(o, "mean_amt", 1), 20.0);
    NEAR(float_at(o, "mean_x", 0), 14.0 / 3);
    cr_assert_eq(float_at(o, "mean_x", 1), 3.0);
    cr_assert_eq(int_at(o, "min_amt", 0), 5);
    cr_assert_eq(int_at(o, "max_amt", 0), 5);
    cr_assert_eq(int_at(o, "min_amt", 1), 10);
    cr_assert_eq(int_at(o, "max_amt", 1), 30);
    cr_assert_eq(col(o, "min_day")->type, FL_DATE);
    cr_assert_eq(int_at(o, "min_day", 0), 50);
    cr_assert_eq(int_at(o, "max_day", 0), 70);
    cr_assert_eq(int_at(o, "min_day", 1), 90);
    cr_assert_eq(int_at(o, "max_day", 1), 120);
    cr_assert_str_eq(str_at(o, "min_who", 0), "amy"); /* amy, cat, amy */
    cr_assert_str_eq(str_at(o, "max_who", 0), "cat");
    cr_assert_str_eq(str_at(o, "min_who", 1), "amy"); /* bob, amy, dan */
    cr_assert_str_eq(str_at(o, "max_who", 1), "dan");
    cr_assert_eq(col(o, "min_won")->type, FL_BOOL);
    cr_assert_eq(FL_U8(col(o, "min_won"))[0], 0); /* false, true */
    cr_assert_eq(FL_U8(col(o, "max_won"))[0], 1);
    cr_assert_eq(FL_U8(col(o, "min_won"))[1], 0); /* true, true, false, true */
    cr_assert_eq(FL_U8(col(o, "max_won"))[1], 1);
    cr_assert_eq(int_at(o, "nd_amt", 0), 1);    /* {5} */
    cr_assert_eq(int_at(o, "nd_amt", 1), 3);    /* {10, 30, 20} */
    cr_assert_eq(int_at(o, "nd_who", 0), 2);    /* {amy, cat} */
    cr_assert_eq(int_at(o, "nd_who", 1), 3);    /* {bob, amy, dan} */
    cr_assert_eq(float_at(o, "med_x", 0), 4.0); /* 2 4 8 */
    cr_assert_eq(float_at(o, "med_x", 1), 3.0); /* 1 3 5 */
    /* q = .25 over 3 values: h = 0.5, halfway between the first two */
    cr_assert_eq(float_at(o, "q25_x", 0), 3.0);
    cr_assert_eq(float_at(o, "q25_x", 1), 2.0);
    /* ads: mean 14/3, sum of squares 84 - 3 (14/3)^2 = 56/3, var 28/3 */
    NEAR(float_at(o, "sd_x", 0), sqrt(28.0 / 3));
    /* web: mean 3, squares 4 + 0 + 4 = 8, var 4 */
    NEAR(float_at(o, "sd_x", 1), 2.0);
    /* ads pairs (5,4), (5,8): amt has no variance -> null.
     * web pairs (10,1), (20,3): two points are a perfect line -> 1 */
    cr_assert(is_null(o, "corr", 0));
    NEAR(float_at(o, "corr", 1), 1.0);
    cr_assert_eq(int_at(o, "first_amt", 0), 5); /* r1 is null */
    cr_assert_eq(int_at(o, "last_amt", 0), 5);
    cr_assert_eq(int_at(o, "first_amt", 1), 10);
    cr_assert_eq(int_at(o, "last_amt", 1), 20); /* r6 is null */
    cr_assert_str_eq(str_at(o, "first_who", 0), "amy");
    cr_assert_str_eq(str_at(o, "last_who", 0), "amy");
    cr_assert_str_eq(str_at(o, "first_who", 1), "bob");
    cr_assert_str_eq(str_at(o, "last_who", 1), "dan");
    cr_assert_eq(int_at(o, "last_day", 1), 120);
    fl_table_unref(o);

    /* no keys: one row over the whole table */
    o = group_ok(t, NULL, 0, a, sizeof a / sizeof a[0]);
    cr_assert_eq(o->nrows, 1);
    cr_assert_eq(int_at(o, "n", 0), 7);
    cr_assert_eq(int_at(o, "sum_amt", 0), 70);
    cr_assert_eq(float_at(o, "mean_amt", 0), 14.0); /* 70 / 5 */
    cr_assert_eq(float_at(o, "med_x", 0), 3.5);     /* 1 2 3 4 5 8 */
    cr_assert_eq(int_at(o, "nd_who", 0), 4);        /* bob amy cat dan */
    cr_assert_str_eq(str_at(o, "first_who", 0), "bob");
    cr_assert_str_eq(str_at(o, "last_who", 0), "dan");
    fl_table_unref(o);

    fl_expr_unref(amt);
    fl_expr_unref(x);
    fl_expr_unref(won);
    fl_expr_unref(day);
    fl_expr_unref(who);
    fl_table_unref(t);
}

Test(agg, all_null_group)
{
    /* k: a a b; v: 1 2 null -> group b has no value */
    const char *k[] = {"a", "a", "b"};
    int64_t v[] = {1, 2, 0};
    int vn[] = {0, 0, 1};
    const char *names[] = {"k", "v"};
    fl_column *cols[] = {tu_str_col(k, 3), tu_int_col(v, vn, 3)};
    fl_table *t = table(2, names, cols);
    fl_expr *e = fl_expr_col("v");
    fl_agg_spec a[] = {
        {"n", FL_AGG_COUNT_ALL, NULL, NULL, 0},
        {"cnt", FL_AGG_COUNT, e, NULL, 0},
        {"sum", FL_AGG_SUM, e, NULL, 0},
        {"mean", FL_AGG_MEAN, e, NULL, 0},
        {"min", FL_AGG_MIN, e, NULL, 0},
        {"max", FL_AGG_MAX, e, NULL, 0},
        {"nd", FL_AGG_COUNT_DISTINCT, e, NULL, 0},
        {"med", FL_AGG_MEDIAN, e, NULL, 0},
        {"sd", FL_AGG_STDDEV, e, NULL, 0},
        {"corr", FL_AGG_CORR, e, e, 0},
        {"first", FL_AGG_FIRST, e, NULL, 0},
        {"last", FL_AGG_LAST, e, NULL, 0},
    };
    const char *keys[] = {"k"};
    fl_table *o = group_ok(t, keys, 1, a, sizeof a / sizeof a[0]);
    cr_assert_eq(o->nrows, 2);
    /* a: 1, 2 */
    cr_assert_eq(int_at(o, "sum", 0), 3);
    cr_assert_eq(float_at(o, "mean", 0), 1.5);
    cr_assert_eq(float_at(o, "med", 0), 1.5);
    NEAR(float_at(o, "sd", 0), sqrt(0.5)); /* (.25 + .25) / 1 */
    NEAR(float_at(o, "corr", 0), 1.0);
    /* b: nothing but a null */
    cr_assert_eq(int_at(o, "n", 1), 1);
    cr_assert_eq(int_at(o, "cnt", 1), 0);
    cr_assert_eq(int_at(o, "nd", 1), 0);
    const char *nulls[] = {"sum", "mean", "min",   "max", "med",
                           "sd",  "corr", "first", "last"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        cr_assert(is_null(o, nulls[i], 1), "%s of b should be null", nulls[i]);
    fl_table_unref(o);
    fl_expr_unref(e);
    fl_table_unref(t);
}

Test(agg, empty_table)
{
    const char *names[] = {"k", "v"};
    fl_column *cols[] = {tu_str_col(NULL, 0), tu_int_col(NULL, NULL, 0)};
    fl_table *t = table(2, names, cols);
    fl_expr *e = fl_expr_col("v");
    fl_agg_spec a[] = {
        {"n", FL_AGG_COUNT_ALL, NULL, NULL, 0},
        {"cnt", FL_AGG_COUNT, e, NULL, 0},
        {"nd", FL_AGG_COUNT_DISTINCT, e, NULL, 0},
        {"sum", FL_AGG_SUM, e, NULL, 0},
        {"mean", FL_AGG_MEAN, e, NULL, 0},
        {"min", FL_AGG_MIN, e, NULL, 0},
        {"med", FL_AGG_MEDIAN, e, NULL, 0},
        {"first", FL_AGG_FIRST, e, NULL, 0},
    };
    /* without keys: exactly one row, counts 0, the rest null */
    fl_table *o = group_ok(t, NULL, 0, a, 8);
    cr_assert_eq(o->nrows, 1);
    cr_assert_eq(o->ncols, 8);
    cr_assert_eq(int_at(o, "n", 0), 0);
    cr_assert_eq(int_at(o, "cnt", 0), 0);
    cr_assert_eq(int_at(o, "nd", 0), 0);
    cr_assert(is_null(o, "sum", 0));
    cr_assert(is_null(o, "mean", 0));
    cr_assert(is_null(o, "min", 0));
    cr_assert(is_null(o, "med", 0));
    cr_assert(is_null(o, "first", 0));
    fl_table_unref(o);
    /* with a key: no groups, but the columns are there */
    const char *keys[] = {"k"};
    o = group_ok(t, keys, 1, a, 8);
    cr_assert_eq(o->nrows, 0);
    cr_assert_eq(o->ncols, 9);
    cr_assert_eq(col(o, "k")->type, FL_STRING);
    cr_assert_eq(col(o, "sum")->type, FL_INT);
    fl_table_unref(o);
    /* and with an int key (dense path) and two keys (hash path) */
    const char *keys2[] = {"v", "k"};
    o = group_ok(t, keys2, 1, a, 8);
    cr_assert_eq(o->nrows, 0);
    fl_table_unref(o);
    o = group_ok(t, keys2, 2, a, 8);
    cr_assert_eq(o->nrows, 0);
    fl_table_unref(o);
    fl_expr_unref(e);
    fl_table_unref(t);
}

/* ---- keys ----------------------------------------------------------------*/

Test(agg, two_keys_nulls_last)
{
    /*  s     i     v
     *  b     2     1
     *  null  1     2
     *  a     null  4
     *  b     1     8
     *  a     3     16
     *  b     2     32
     *  null  null  64
     *  a     null  128 */
    const char *s[] = {"b", NULL, "a", "b", "a", "b", NULL, "a"};
    int64_t i[] = {2, 1, 0, 1, 3, 2, 0, 0};
    int in[] = {0, 0, 1, 0, 0, 0, 1, 1};
    int64_t v[] = {1, 2, 4, 8, 16, 32, 64, 128};
    const char *names[] = {"s", "i", "v"};
    fl_column *cols[] = {tu_str_col(s, 8), tu_int_col(i, in, 8),
                         tu_int_col(v, NULL, 8)};
    fl_table *t = table(3, names, cols);
    fl_expr *e = fl_expr_col("v");
    fl_agg_spec a[] = {{"sum", FL_AGG_SUM, e, NULL, 0},
                       {"n", FL_AGG_COUNT_ALL, NULL, NULL, 0}};
    const char *keys[] = {"s", "i"};
    fl_table *o = group_ok(t, keys, 2, a, 2);
    /* sorted by s (nulls last), then i (nulls last) */
    const char *es[] = {"a", "a", "b", "b", NULL, NULL};
    int64_t ei[] = {3, -1, 1, 2, 1, -1}; /* -1: null */
    int64_t esum[] = {16, 4 + 128, 8, 1 + 32, 2, 64};
    int64_t en[] = {1, 2, 1, 2, 1, 1};
    cr_assert_eq(o->nrows, 6);
    for (int r = 0; r < 6; r++) {
        if (es[r])
            cr_assert_str_eq(str_at(o, "s", r), es[r], "row %d", r);
        else
            cr_assert(is_null(o, "s", r), "row %d", r);
        if (ei[r] >= 0)
            cr_assert_eq(int_at(o, "i", r), ei[r], "row %d", r);
        else
            cr_assert(is_null(o, "i", r), "row %d", r);
        cr_assert_eq(int_at(o, "sum", r), esum[r], "row %d", r);
        cr_assert_eq(int_at(o, "n", r), en[r], "row %d", r);
    }
    fl_table_unref(o);
    fl_expr_unref(e);
    fl_table_unref(t);
}

Test(agg, string_keys_by_code_point)
{
    /* dictionary order b, a, é, B; code point order B < a < b < é */
    const char *s[] = {"b", "a", "\xc3\xa9", "B", "a"};
    int64_t one[] = {1, 1, 1, 1, 1};
    const char *names[] = {"s", "one"};
    fl_column *cols[] = {tu_str_col(s, 5), tu_int_col(one, NULL, 5)};
    fl_table *t = table(2, names, cols);
    fl_agg_spec a[] = {{"n", FL_AGG_COUNT_ALL, NULL, NULL, 0}};
    const char *want[] = {"B", "a", "b", "\xc3\xa9"};
    int64_t wn[] = {1, 2, 1, 1};
    /* one key (dictionary codes) and two keys (hash path) */
    const char *keys[] = {"s", "one"};
    for (int nk = 1; nk <= 2; nk++) {
        fl_table *o = group_ok(t, keys, nk, a, 1);
        cr_assert_eq(o->nrows, 4);
        for (int r = 0; r < 4; r++) {
            cr_assert_str_eq(str_at(o, "s", r), want[r], "nkeys %d", nk);
            cr_assert_eq(int_at(o, "n", r), wn[r]);
        }
        fl_table_unref(o);
    }
    fl_table_unref(t);
}

Test(agg, dense_and_hash_int_keys_agree)
{
    /* the same grouping with keys 1,2,3 (dense: value - min) and with the
     * monotone relabelling 1 -> -5, 2 -> 1, 3 -> 10^12 (too wide for the
     * dense path: 4 groups of 8 rows are many, the sorted path) */
    int64_t small[] = {2, 1, 3, 2, 0, 1, 3, 0};
    int64_t sparse[] = {1, -5, 1000000000000, 1, 0, -5, 1000000000000, 0};
    int kn[] = {0, 0, 0, 0, 1, 0, 0, 1};
    int64_t v[] = {1, 2, 4, 8, 16, 32, 64, 128};
    const char *names[] = {"small", "sparse", "v"};
    fl_column *cols[] = {tu_int_col(small, kn, 8), tu_int_col(sparse, kn, 8),
                         tu_int_col(v, NULL, 8)};
    fl_table *t = table(3, names, cols);
    fl_expr *e = fl_expr_col("v");
    fl_agg_spec a[] = {{"sum", FL_AGG_SUM, e, NULL, 0},
                       {"n", FL_AGG_COUNT_ALL, NULL, NULL, 0}};
    /* key 1: rows 1, 5 -> 34; key 2: rows 0, 3 -> 9; key 3: rows 2, 6 -> 68;
     * null: rows 4, 7 -> 144 */
    int64_t esum[] = {34, 9, 68, 144};
    int64_t esmall[] = {1, 2, 3}, esparse[] = {-5, 1, 1000000000000};
    const char *k1[] = {"small"}, *k2[] = {"sparse"};
    fl_table *o1 = group_ok(t, k1, 1, a, 2);
    fl_table *o2 = group_ok(t, k2, 1, a, 2);
    cr_assert_eq(o1->nrows, 4);
    cr_assert_eq(o2->nrows, 4);
    for (int r = 0; r < 4; r++) {
        cr_assert_eq(int_at(o1, "sum", r), esum[r]);
        cr_assert_eq(int_at(o2, "sum", r), esum[r]);
        cr_assert_eq(int_at(o1, "n", r), 2);
        cr_assert_eq(int_at(o2, "n", r), 2);
        if (r < 3) {
            cr_assert_eq(int_at(o1, "small", r), esmall[r]);
            cr_assert_eq(int_at(o2, "sparse", r), esparse[r]);
        }
    }
    cr_assert(is_null(o1, "small", 3));
    cr_assert(is_null(o2, "sparse", 3));
    fl_table_unref(o1);
    fl_table_unref(o2);
    fl_expr_unref(e);
    fl_table_unref(t);
}

Test(agg, many_groups_hash_and_dense)
{
    /* 20000 rows; sparse key ((r % 5000) - 2500) * 10^9 (sorted path, with
     * negative keys), dense key r % 5000. Group k (sorted) holds rows
     * k, k+5000, k+10000, k+15000: sum of r = 4k + 30000. */
    enum { N = 20000, G = 5000 };
    int64_t *sp = malloc(N * sizeof *sp), *de = malloc(N * sizeof *de),
            *r = malloc(N * sizeof *r);
    for (int i = 0; i < N; i++) {
        sp[i] = (int64_t)(i % G - 2500) * 1000000000;
        de[i] = i % G;
        r[i] = i;
    }
    const char *names[] = {"sp", "de", "r"};
    fl_column *cols[] = {tu_int_col(sp, NULL, N), tu_int_col(de, NULL, N),
                         tu_int_col(r, NULL, N)};
    free(sp);
    free(de);
    free(r);
    fl_table *t = table(3, names, cols);
    fl_expr *e = fl_expr_col("r");
    fl_agg_spec a[] = {{"sum", FL_AGG_SUM, e, NULL, 0},
                       {"nd", FL_AGG_COUNT_DISTINCT, e, NULL, 0}};
    const char *keys[] = {"sp", "de"};
    for (int which = 0; which < 2; which++) {
        fl_table *o = group_ok(t, keys + which, 1, a, 2);
        cr_assert_eq(o->nrows, G);
        for (int k = 0; k < G; k++) {
            cr_assert_eq(int_at(o, keys[which], k),
                         which ? k : (int64_t)(k - 2500) * 1000000000);
            cr_assert_eq(int_at(o, "sum", k), 4 * k + 30000);
            cr_assert_eq(int_at(o, "nd", k), 4);
        }
        fl_table_unref(o);
    }
    /* two keys: (sp, de) pairs are the same 5000 groups */
    fl_table *o = group_ok(t, keys, 2, a, 1);
    cr_assert_eq(o->nrows, G);
    cr_assert_eq(int_at(o, "sum", 4999), 4 * 4999 + 30000);
    fl_table_unref(o);
    fl_expr_unref(e);
    fl_table_unref(t);
}

Test(agg, float_and_bool_keys)
{
    /* float keys: -0.0 and 0.0 are one group, NaNs are one group sorted
     * after the numbers, null last */
    double f[] = {0.5, -0.0, 0.0, NAN, -1.5, NAN, 0};
    int fn[] = {0, 0, 0, 0, 0, 0, 1};
    int b[] = {1, 0, 0, 1, 1, 0, 1};
    int bn[] = {0, 0, 1, 0, 0, 0, 0};
    const char *names[] = {"f", "b"};
    fl_column *cols[] = {tu_float_col(f, fn, 7), bool_col(b, bn, 7)};
    fl_table *t = table(2, names, cols);
    fl_agg_spec a[] = {{"n", FL_AGG_COUNT_ALL, NULL, NULL, 0}};
    const char *kf[] = {"f"}, *kb[] = {"b"};
    fl_table *o = group_ok(t, kf, 1, a, 1);
    cr_assert_eq(o->nrows, 5);
    cr_assert_eq(float_at(o, "f", 0), -1.5);
    cr_assert_eq(float_at(o, "f", 1), 0.0);
    cr_assert_eq(int_at(o, "n", 1), 2);
    cr_assert_eq(float_at(o, "f", 2), 0.5);
    cr_assert(isnan(float_at(o, "f", 3)));
    cr_assert_eq(int_at(o, "n", 3), 2);
    cr_assert(is_null(o, "f", 4));
    fl_table_unref(o);
    /* bool: false (rows 1, 5), true (0, 3, 4, 6), null (2) */
    o = group_ok(t, kb, 1, a, 1);
    cr_assert_eq(o->nrows, 3);
    cr_assert_eq(FL_U8(col(o, "b"))[0], 0);
    cr_assert_eq(FL_U8(col(o, "b"))[1], 1);
    cr_assert(is_null(o, "b", 2));
    cr_assert_eq(int_at(o, "n", 0), 2);
    cr_assert_eq(int_at(o, "n", 1), 4);
    cr_assert_eq(int_at(o, "n", 2), 1);
    fl_table_unref(o);
    fl_table_unref(t);
}

Test(agg, group_ids_direct)
{
    /* keys c a b a c -> groups a=0, b=1, c=2 */
    const char *s[] = {"c", "a", "b", "a", "c"};
    const char *names[] = {"s"};
    fl_column *cols[] = {tu_str_col(s, 5)};
    fl_table *t = table(1, names, cols);
    fl_expr *k = fl_expr_col("s");
    int32_t *gid;
    int64_t ng;
    fl_column *kc[1];
    fl_error err;
    cr_assert_eq(fl_group_ids(t, &k, 1, &gid, &ng, kc, &err), FL_OK);
    cr_assert_eq(ng, 3);
    int32_t want[] = {2, 0, 1, 0, 2};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(gid[i], want[i]);
    cr_assert_eq(kc[0]->length, 3);
    cr_assert_str_eq(tu_str_at(kc[0], 0), "a");
    cr_assert_str_eq(tu_str_at(kc[0], 2), "c");
    fl_free(gid);
    fl_column_unref(kc[0]);
    fl_expr_unref(k);
    fl_table_unref(t);
}

Test(agg, month_bucket_key)
{
    /* 2026-01-01 is day 20454 (56 years, 14 of them leap: 56*365 + 14).
     * days: 2026-01-15 (20468), 2026-02-01 (20485), 2025-12-31 (20453),
     * 2026-01-31 (20484), null. Month starts: 2025-12-01 = 20453 - 30 =
     * 20423, 2026-01-01 = 20454, 2026-02-01 = 20485. */
    int32_t d[] = {20468, 20485, 20453, 20484, 0};
    int dn[] = {0, 0, 0, 0, 1};
    int64_t v[] = {1, 2, 4, 8, 16};
    const char *names[] = {"d", "v"};
    fl_column *cols[] = {date_col(d, dn, 5), tu_int_col(v, NULL, 5)};
    fl_table *t = table(2, names, cols);
    fl_expr *dc = fl_expr_col("d");
    fl_expr *m = fl_expr_bucket(FL_MONTH, dc);
    fl_expr *e = fl_expr_col("v");
    fl_agg_spec a[] = {{"sum", FL_AGG_SUM, e, NULL, 0}};
    const char *kn[] = {"month"};
    fl_table *o;
    fl_error err;
    cr_assert_eq(fl_group_agg(t, &m, kn, 1, a, 1, &o, &err), FL_OK, "%s",
                 err.msg);
    cr_assert_eq(o->nrows, 4);
    cr_assert_eq(col(o, "month")->type, FL_DATE);
    cr_assert_eq(int_at(o, "month", 0), 20423);
    cr_assert_eq(int_at(o, "sum", 0), 4);
    cr_assert_eq(int_at(o, "month", 1), 20454);
    cr_assert_eq(int_at(o, "sum", 1), 1 + 8);
    cr_assert_eq(int_at(o, "month", 2), 20485);
    cr_assert_eq(int_at(o, "sum", 2), 2);
    cr_assert(is_null(o, "month", 3));
    cr_assert_eq(int_at(o, "sum", 3), 16);
    fl_table_unref(o);
    fl_expr_unref(m);
    fl_expr_unref(dc);
    fl_expr_unref(e);
    fl_table_unref(t);
}

/* ---- quantiles, stddev, corr, overflow --------------------------------- */

Test(agg, quantiles_even_and_odd)
{
    /* odd: 7 1 3 9 5 -> sorted 1 3 5 7 9 (n = 5, h = 4q)
     * even: 10 40 20 30 -> sorted 10 20 30 40 (n = 4, h = 3q) */
    const char *k[] = {"odd",  "odd", "even", "odd", "even",
                       "even", "odd", "odd",  "even"};
    double v[] = {7, 1, 10, 3, 40, 20, 9, 5, 30};
    const char *names[] = {"k", "v"};
    fl_column *cols[] = {tu_str_col(k, 9), tu_float_col(v, NULL, 9)};
    fl_table *t = table(2, names, cols);
    fl_expr *e = fl_expr_col("v");
    fl_agg_spec a[] = {
        {"q0", FL_AGG_QUANTILE, e, NULL, 0},
        {"q25", FL_AGG_QUANTILE, e, NULL, 0.25},
        {"q50", FL_AGG_QUANTILE, e, NULL, 0.5},
        {"q100", FL_AGG_QUANTILE, e, NULL, 1},
        {"q10", FL_AGG_QUANTILE, e, NULL, 0.1},
        {"med", FL_AGG_MEDIAN, e, NULL, 0},
    };
    const char *keys[] = {"k"};
    fl_table *o = group_ok(t, keys, 1, a, 6);
    /* row 0 = "even", row 1 = "odd" */
    cr_assert_eq(float_at(o, "q0", 0), 10.0);
    cr_assert_eq(float_at(o, "q25", 0), 17.5); /* h .75: 10 + .75*10 */
    cr_assert_eq(float_at(o, "q50", 0), 25.0); /* h 1.5 */
    cr_assert_eq(float_at(o, "q100", 0), 40.0);
    NEAR(float_at(o, "q10", 0), 13.0); /* h .3: 10 + .3*10 */
    cr_assert_eq(float_at(o, "med", 0), 25.0);
    cr_assert_eq(float_at(o, "q0", 1), 1.0);
    cr_assert_eq(float_at(o, "q25", 1), 3.0); /* h 1 */
    cr_assert_eq(float_at(o, "q50", 1), 5.0); /* h 2 */
    cr_assert_eq(float_at(o, "q100", 1), 9.0);
    NEAR(float_at(o, "q10", 1), 1.8); /* h .4: 1 + .4*2 */
    cr_assert_eq(float_at(o, "med", 1), 5.0);
    fl_table_unref(o);
    fl_expr_unref(e);
    fl_table_unref(t);
}

Test(agg, quantile_large_group)
{
    /* 0..99 in a scrambled order (37 is coprime with 100), plus duplicates
     * handled by quickselect: h = 99q over sorted 0..99 gives 99q itself */
    enum { N = 100 };
    int64_t v[N];
    for (int i = 0; i < N; i++)
        v[i] = (i * 37) % N;
    const char *names[] = {"v"};
    fl_column *cols[] = {tu_int_col(v, NULL, N)};
    fl_table *t = table(1, names, cols);
    fl_expr *e = fl_expr_col("v");
    fl_agg_spec a[] = {
        {"med", FL_AGG_MEDIAN, e, NULL, 0},
        {"q25", FL_AGG_QUANTILE, e, NULL, 0.25},
        {"q90", FL_AGG_QUANTILE, e, NULL, 0.9},
        {"q0", FL_AGG_QUANTILE, e, NULL, 0},
        {"q1", FL_AGG_QUANTILE, e, NULL, 1},
    };
    fl_table *o = group_ok(t, NULL, 0, a, 5);
    NEAR(float_at(o, "med", 0), 49.5);
    NEAR(float_at(o, "q25", 0), 24.75);
    NEAR(float_at(o, "q90", 0), 89.1);
    cr_assert_eq(float_at(o, "q0", 0), 0.0);
    cr_assert_eq(float_at(o, "q1", 0), 99.0);
    fl_table_unref(o);
    fl_expr_unref(e);
    fl_table_unref(t);
}

Test(agg, stddev_and_corr)
{
    /* group a: x 1 2 3 4, y = 2x + 1 = 3 5 7 9, z = -3x
     *   corr(x, y) = 1: dx -1.5 -.5 .5 1.5, dy = 2 dx; sxy 10, sxx 5, syy 20
     *   corr(x, z) = -1; stddev(x) = sqrt(5/3)
     * group b: one row -> stddev null, corr null
     * group c: x 2 2 -> stddev 0, corr null (no variance) */
    const char *k[] = {"a", "a", "a", "a", "b", "c", "c"};
    int64_t x[] = {1, 2, 3, 4, 7, 2, 2};
    double y[] = {3, 5, 7, 9, 1, 1, 2};
    double z[] = {-3, -6, -9, -12, 0, 5, 6};
    const char *names[] = {"k", "x", "y", "z"};
    fl_column *cols[] = {tu_str_col(k, 7), tu_int_col(x, NULL, 7),
                         tu_float_col(y, NULL, 7), tu_float_col(z, NULL, 7)};
    fl_table *t = table(4, names, cols);
    fl_expr *ex = fl_expr_col("x"), *ey = fl_expr_col("y"),
            *ez = fl_expr_col("z");
    fl_agg_spec a[] = {
        {"sd", FL_AGG_STDDEV, ex, NULL, 0},
        {"rxy", FL_AGG_CORR, ex, ey, 0},
        {"rxz", FL_AGG_CORR, ex, ez, 0},
    };
    const char *keys[] = {"k"};
    fl_table *o = group_ok(t, keys, 1, a, 3);
    NEAR(float_at(o, "sd", 0), sqrt(5.0 / 3));
    cr_assert_eq(float_at(o, "rxy", 0), 1.0);
    cr_assert_eq(float_at(o, "rxz", 0), -1.0);
    cr_assert(is_null(o, "sd", 1));
    cr_assert(is_null(o, "rxy", 1));
    cr_assert_eq(float_at(o, "sd", 2), 0.0);
    cr_assert(is_null(o, "rxy", 2));
    fl_table_unref(o);
    fl_expr_unref(ex);
    fl_expr_unref(ey);
    fl_expr_unref(ez);
    fl_table_unref(t);
}

Test(agg, int_sum_overflow)
{
    /* group a: INT64_MAX + 1 does not fit -> error naming the aggregate.
     * group b: INT64_MAX + 1 - 1 = INT64_MAX fits, even though a running
     * sum would pass the limit on the way. */
    const char *k[] = {"a", "a", "b", "b", "b"};
    int64_t v[] = {INT64_MAX, 1, INT64_MAX, 1, -1};
    const char *names[] = {"k", "v"};
    fl_column *cols[] = {tu_str_col(k, 5), tu_int_col(v, NULL, 5)};
    fl_table *t = table(2, names, cols);
    fl_expr *e = fl_expr_col("v");
    fl_agg_spec sum = {"total", FL_AGG_SUM, e, NULL, 0};
    fl_agg_spec mean = {"avg", FL_AGG_MEAN, e, NULL, 0};
    const char *keys[] = {"k"};
    fl_table *o = NULL;
    fl_error err;
    cr_assert_eq(group(t, keys, 1, &sum, 1, &o, &err), FL_EINVAL);
    cr_assert_null(o);
    cr_assert(strstr(err.msg, "total"), "%s", err.msg);
    cr_assert(strstr(err.msg, "overflow"), "%s", err.msg);
    /* mean is exact: (2^63 - 1 + 1) / 2 = 2^62 */
    o = group_ok(t, keys, 1, &mean, 1);
    cr_assert_eq(float_at(o, "avg", 0), 4611686018427387904.0);
    /* (2^63 - 1) / 3, relative error of a double */
    NEAR(float_at(o, "avg", 1) / (9223372036854775807.0 / 3), 1.0);
    fl_table_unref(o);
    /* only group b: fits */
    fl_table *tb = NULL;
    int32_t rows[] = {2, 3, 4};
    cr_assert_eq(fl_table_take(t, rows, 3, &tb, &err), FL_OK);
    o = group_ok(tb, keys, 1, &sum, 1);
    cr_assert_eq(int_at(o, "total", 0), INT64_MAX);
    fl_table_unref(o);
    /* negative overflow */
    int64_t w[] = {INT64_MIN, -1};
    const char *n2[] = {"v"};
    fl_column *c2[] = {tu_int_col(w, NULL, 2)};
    fl_table *t2 = table(1, n2, c2);
    cr_assert_eq(group(t2, NULL, 0, &sum, 1, &o, &err), FL_EINVAL);
    fl_table_unref(t2);
    fl_table_unref(tb);
    fl_expr_unref(e);
    fl_table_unref(t);
}

Test(agg, argument_errors)
{
    fl_table *t = sample();
    fl_expr *who = fl_expr_col("who"), *amt = fl_expr_col("amt"),
            *nope = fl_expr_col("nope");
    fl_table *o = NULL;
    fl_error err;
    fl_agg_spec s1 = {"total", FL_AGG_SUM, who, NULL, 0};
    cr_assert_eq(group(t, NULL, 0, &s1, 1, &o, &err), FL_EINVAL);
    cr_assert(strstr(err.msg, "sum(who)"), "%s", err.msg);
    cr_assert(strstr(err.msg, "string"), "%s", err.msg);
    fl_agg_spec s2 = {"m", FL_AGG_MEAN, who, NULL, 0};
    cr_assert_eq(group(t, NULL, 0, &s2, 1, &o, &err), FL_EINVAL);
    fl_agg_spec s3 = {"c", FL_AGG_COUNT_IF, amt, NULL, 0};
    cr_assert_eq(group(t, NULL, 0, &s3, 1, &o, &err), FL_EINVAL);
    cr_assert(strstr(err.msg, "bool"), "%s", err.msg);
    fl_agg_spec s4 = {"q", FL_AGG_QUANTILE, amt, NULL, 1.5};
    cr_assert_eq(group(t, NULL, 0, &s4, 1, &o, &err), FL_EINVAL);
    cr_assert(strstr(err.msg, "quantile"), "%s", err.msg);
    fl_agg_spec s5 = {"s", FL_AGG_SUM, nope, NULL, 0};
    cr_assert_eq(group(t, NULL, 0, &s5, 1, &o, &err), FL_EINVAL);
    fl_agg_spec s6 = {"s", FL_AGG_SUM, NULL, NULL, 0};
    cr_assert_eq(group(t, NULL, 0, &s6, 1, &o, &err), FL_EINVAL);
    fl_agg_spec s7 = {"r", FL_AGG_CORR, amt, NULL, 0};
    cr_assert_eq(group(t, NULL, 0, &s7, 1, &o, &err), FL_EINVAL);
    const char *badkey[] = {"nope"};
    fl_agg_spec ok = {"n", FL_AGG_COUNT_ALL, NULL, NULL, 0};
    cr_assert_eq(group(t, badkey, 1, &ok, 1, &o, &err), FL_EINVAL);
    cr_assert_null(o);
    fl_expr_unref(who);
    fl_expr_unref(amt);
    fl_expr_unref(nope);
    fl_table_unref(t);
}

/* ---- top -----------------------------------------------------------------*/

/* ids of the rows of a top() result, in order, as a string "2 5 6 1" */
static void top_ids(const fl_table *o, char *buf, size_t cap)
{
    fl_column *ids;
    cr_assert_eq(fl_table_column(o, fl_table_find(o, "id"), &ids, NULL), FL_OK);
    buf[0] = 0;
    for (int64_t r = 0; r < o->nrows; r++) {
        size_t len = strlen(buf);
        snprintf(buf + len, cap - len, r ? " %lld" : "%lld",
                 (long long)FL_I64(ids)[r]);
    }
    fl_column_unref(ids);
}

Test(agg, top_with_ties)
{
    /*  id  g  v
     *  0   a  5
     *  1   b  1
     *  2   a  7
     *  3   a  5
     *  4   b  null
     *  5   a  7
     *  6   b  3
     *  7   a  null */
    const char *g[] = {"a", "b", "a", "a", "b", "a", "b", "a"};
    int64_t v[] = {5, 1, 7, 5, 0, 7, 3, 0};
    int vn[] = {0, 0, 0, 0, 1, 0, 0, 1};
    int64_t id[] = {0, 1, 2, 3, 4, 5, 6, 7};
    const char *names[] = {"id", "g", "v"};
    fl_column *cols[] = {tu_int_col(id, NULL, 8), tu_str_col(g, 8),
                         tu_int_col(v, vn, 8)};
    fl_table *t = table(3, names, cols);
    fl_expr *k = fl_expr_col("g");
    const char *kn[] = {"g"};
    struct {
        int64_t n;
        int asc;
        const char *want;
    } cases[] = {
        /* largest 2: a: 7 (2), 7 (5); b: 3 (6), 1 (1) */
        {2, 0, "2 5 6 1"},
        /* largest 3: ties of 5 in row order; b's null comes last */
        {3, 0, "2 5 0 6 1 4"},
        /* smallest 2: a: 5 (0), 5 (3); b: 1 (1), 3 (6) */
        {2, 1, "0 3 1 6"},
        /* more than any group (whole sort): nulls last */
        {100, 0, "2 5 0 3 7 6 1 4"},
        {100, 1, "0 3 2 5 7 1 6 4"},
        {0, 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fl_table *o;
        fl_error err;
        cr_assert_eq(
            fl_group_top(t, &k, kn, 1, cases[i].n, "v", cases[i].asc, &o, &err),
            FL_OK, "%s", err.msg);
        cr_assert_eq(o->ncols, 3);
        char buf[128];
        top_ids(o, buf, sizeof buf);
        cr_assert_str_eq(buf, cases[i].want, "case %zu", i);
        fl_table_unref(o);
    }
    /* no keys: the 3 largest of the table */
    fl_table *o;
    fl_error err;
    cr_assert_eq(fl_group_top(t, NULL, NULL, 0, 3, "v", 0, &o, &err), FL_OK);
    char buf[128];
    top_ids(o, buf, sizeof buf);
    cr_assert_str_eq(buf, "2 5 0");
    fl_table_unref(o);
    /* errors */
    cr_assert_eq(fl_group_top(t, &k, kn, 1, 2, "nope", 0, &o, &err), FL_EINVAL);
    cr_assert(strstr(err.msg, "nope"), "%s", err.msg);
    cr_assert_eq(fl_group_top(t, &k, kn, 1, -1, "v", 0, &o, &err), FL_EINVAL);
    fl_expr_unref(k);
    fl_table_unref(t);
}

Test(agg, top_on_filtered_table)
{
    /* a table with a selection: rows 1, 2, 3 of the one above */
    const char *g[] = {"a", "b", "a", "a"};
    int64_t v[] = {5, 1, 7, 6};
    int64_t id[] = {0, 1, 2, 3};
    const char *names[] = {"id", "g", "v"};
    fl_column *cols[] = {tu_int_col(id, NULL, 4), tu_str_col(g, 4),
                         tu_int_col(v, NULL, 4)};
    fl_table *t = table(3, names, cols), *f;
    int32_t rows[] = {1, 2, 3};
    cr_assert_eq(fl_table_take(t, rows, 3, &f, NULL), FL_OK);
    fl_expr *k = fl_expr_col("g");
    const char *kn[] = {"g"};
    fl_table *o;
    cr_assert_eq(fl_group_top(f, &k, kn, 1, 1, "v", 1, &o, NULL), FL_OK);
    char buf[64];
    top_ids(o, buf, sizeof buf); /* a: 6 (id 3) < 7; b: 1 (id 1) */
    cr_assert_str_eq(buf, "3 1");
    fl_table_unref(o);
    fl_expr_unref(k);
    fl_table_unref(f);
    fl_table_unref(t);
}

/* ---- allocation failures -------------------------------------------------*/

Test(agg, allocation_failures)
{
    fl_table *t = sample();
    fl_expr *src = fl_expr_col("src"), *amt = fl_expr_col("amt"),
            *x = fl_expr_col("x"), *who = fl_expr_col("who");
    fl_expr *keys[] = {src, amt}; /* two keys: the hash path */
    const char *kn[] = {"src", "amt"};
    fl_agg_spec a[] = {
        {"n", FL_AGG_COUNT_ALL, NULL, NULL, 0},
        {"s", FL_AGG_SUM, amt, NULL, 0},
        {"m", FL_AGG_MEAN, x, NULL, 0},
        {"lo", FL_AGG_MIN, who, NULL, 0},
        {"nd", FL_AGG_COUNT_DISTINCT, who, NULL, 0},
        {"med", FL_AGG_QUANTILE, x, NULL, 0.3},
        {"sd", FL_AGG_STDDEV, amt, NULL, 0},
        {"r", FL_AGG_CORR, amt, x, 0},
        {"f", FL_AGG_FIRST, who, NULL, 0},
    };
    int na = sizeof a / sizeof a[0];
    fl_table *o;
    fl_error err;
    /* warm up: dictionaries build their code point ranks once */
    for (int nk = 1; nk <= 2; nk++) {
        cr_assert_eq(fl_group_agg(t, keys, kn, nk, a, na, &o, &err), FL_OK,
                     "%s", err.msg);
        fl_table_unref(o);
        cr_assert_eq(fl_group_top(t, keys, kn, nk, 2, "who", 0, &o, &err),
                     FL_OK);
        fl_table_unref(o);
    }
    for (int which = 0; which < 4; which++) {
        int nk = which % 2 ? 2 : 1; /* dense string path, then hash path */
        int top = which >= 2;
        fl_alloc_fail_after(0);
        fl_status st =
            top ? fl_group_top(t, keys, kn, nk, 2, "who", 0, &o, &err)
                : fl_group_agg(t, keys, kn, nk, a, na, &o, &err);
        long total = fl_alloc_fail_after(0);
        cr_assert_eq(st, FL_OK);
        cr_assert_gt(total, 5);
        fl_table_unref(o);
        size_t before = fl_alloc_bytes();
        for (long k = 1; k <= total; k++) {
            o = NULL;
            fl_alloc_fail_after(k);
            st = top ? fl_group_top(t, keys, kn, nk, 2, "who", 0, &o, &err)
                     : fl_group_agg(t, keys, kn, nk, a, na, &o, &err);
            fl_alloc_fail_after(0);
            cr_assert_eq(st, FL_ENOMEM, "case %d, allocation %ld of %ld", which,
                         k, total);
            cr_assert_null(o);
            cr_assert_eq(fl_alloc_bytes(), before,
                         "leak: case %d, allocation %ld", which, k);
        }
        /* and it works again afterwards */
        st = top ? fl_group_top(t, keys, kn, nk, 2, "who", 0, &o, &err)
                 : fl_group_agg(t, keys, kn, nk, a, na, &o, &err);
        cr_assert_eq(st, FL_OK);
        fl_table_unref(o);
    }
    fl_expr_unref(src);
    fl_expr_unref(amt);
    fl_expr_unref(x);
    fl_expr_unref(who);
    fl_table_unref(t);
}

/* ==== the composed dense path and chunked corr ===========================
 * Several small-range keys take the composed dense path (fl_agg.c,
 * plan_slots, ids_dense); a key with a wide range sends the same grouping
 * through the sorted path (6 rows, 4 groups). Both must give the groups in the
 * same order (each key's values ascending, its nulls after them) with the same
 * sums. */
Test(agg, two_keys_dense_and_hash_agree)
{
    /* s: b a b a b null; d (dense) 2 1 null 1 2 2; w (wide): the monotone
     * relabelling 1 -> -7, 2 -> 10^12 of d; v 1 2 4 8 16 32.
     * Groups in key order: (a,1) rows 1,3 -> 10; (b,2) rows 0,4 -> 17;
     * (b,null) row 2 -> 4; (null,2) row 5 -> 32. */
    const char *s[] = {"b", "a", "b", "a", "b", NULL};
    int64_t d[] = {2, 1, 0, 1, 2, 2};
    int64_t w[] = {1000000000000, -7, 0, -7, 1000000000000, 1000000000000};
    int dn[] = {0, 0, 1, 0, 0, 0};
    int64_t v[] = {1, 2, 4, 8, 16, 32};
    const char *names[] = {"s", "d", "w", "v"};
    fl_column *cols[] = {tu_str_col(s, 6), tu_int_col(d, dn, 6),
                         tu_int_col(w, dn, 6), tu_int_col(v, NULL, 6)};
    fl_table *t = table(4, names, cols);
    fl_expr *e = fl_expr_col("v");
    fl_agg_spec a[] = {{"sum", FL_AGG_SUM, e, NULL, 0}};
    const char *kd[] = {"s", "d"}, *kw[] = {"s", "w"};
    fl_table *od = group_ok(t, kd, 2, a, 1), *ow = group_ok(t, kw, 2, a, 1);
    const char *es[] = {"a", "b", "b", NULL};
    int64_t ed[] = {1, 2, -1, 2},
            ew[] = {-7, 1000000000000, -1, 1000000000000}; /* -1: null */
    int64_t esum[] = {10, 17, 4, 32};
    cr_assert_eq(od->nrows, 4);
    cr_assert_eq(ow->nrows, 4);
    for (int r = 0; r < 4; r++) {
        if (es[r]) {
            cr_assert_str_eq(str_at(od, "s", r), es[r], "row %d", r);
            cr_assert_str_eq(str_at(ow, "s", r), es[r], "row %d", r);
        } else {
            cr_assert(is_null(od, "s", r) && is_null(ow, "s", r));
        }
        if (ed[r] >= 0) {
            cr_assert_eq(int_at(od, "d", r), ed[r], "row %d", r);
            cr_assert_eq(int_at(ow, "w", r), ew[r], "row %d", r);
        } else {
            cr_assert(is_null(od, "d", r) && is_null(ow, "w", r));
        }
        cr_assert_eq(int_at(od, "sum", r), esum[r], "row %d", r);
        cr_assert_eq(int_at(ow, "sum", r), esum[r], "row %d", r);
    }
    fl_table_unref(od);
    fl_table_unref(ow);
    fl_expr_unref(e);
    fl_table_unref(t);
}

/* corr over more rows than one conversion chunk (1024), with nulls in both
 * arguments: group 0 has y = 3x + 2 (r = 1), group 1 y = 5 - 2x (r = -1)
 * on the rows where both are non-null; the rows made null hold values far
 * off the line, so a null counted by mistake would show. */
Test(agg, corr_across_chunks_with_nulls)
{
    enum { N = 3000 };
    static int64_t k[N], x[N];
    static double y[N];
    for (int i = 0; i < N; i++) {
        k[i] = i % 2;
        x[i] = i / 2 % 97;
        y[i] = k[i] == 0 ? 3.0 * (double)x[i] + 2 : 5 - 2.0 * (double)x[i];
        if (i % 7 == 3 || i % 11 == 5) { /* nulls below: values off the line */
            x[i] = 5000;
            y[i] = -1e6;
        }
    }
    fl_column *cx = tu_int_col(x, NULL, N), *cy = tu_float_col(y, NULL, N);
    for (int i = 0; i < N; i++) {
        if (i % 7 == 3)
            cr_assert_eq(fl_column_set_null(cx, i, NULL), FL_OK);
        if (i % 11 == 5)
            cr_assert_eq(fl_column_set_null(cy, i, NULL), FL_OK);
    }
    const char *names[] = {"k", "x", "y"};
    fl_column *cols[] = {tu_int_col(k, NULL, N), cx, cy};
    fl_table *t = table(3, names, cols);
    fl_expr *ex = fl_expr_col("x"), *ey = fl_expr_col("y");
    fl_agg_spec a[] = {{"r", FL_AGG_CORR, ex, ey, 0}};
    const char *keys[] = {"k"};
    fl_table *o = group_ok(t, keys, 1, a, 1);
    cr_assert_eq(o->nrows, 2);
    NEAR(float_at(o, "r", 0), 1.0);
    NEAR(float_at(o, "r", 1), -1.0);
    fl_table_unref(o);
    fl_expr_unref(ex);
    fl_expr_unref(ey);
    fl_table_unref(t);
}

/* ---- two threads -----------------------------------------------------------
 * fl_agg_par_min_rows is lowered so that a 40000-row table takes the
 * two-thread paths; each result is compared with the same call on one
 * thread (the threshold above the rows), whose paths the tests above check
 * by hand, and the int sums and counts also with a plain loop here. */

enum { PN = 40000, PK = 60 };

/* k: even values 0..2*(PK-1) (so odd slots are empty groups of the dense
 * range), null every 13th row; s: 3 strings; v: int, null every 11th row and
 * always in group k = 6; f, w: floats with nulls; t: i % 3, all ties. */
static fl_table *par_table(void)
{
    static int64_t k[PN], v[PN], t[PN];
    static double f[PN], w[PN];
    static int kn[PN], vn[PN], fn[PN], wn[PN];
    static const char *s[PN];
    const char *sv[] = {"x", "yy", "a"};
    for (int i = 0; i < PN; i++) {
        k[i] = (int64_t)(i * 7 % PK) * 2;
        kn[i] = i % 13 == 4;
        v[i] = (int64_t)(i % 1000) * 1000003 - 400000000;
        vn[i] = i % 11 == 2 || (!kn[i] && k[i] == 6);
        f[i] = (double)(i % 997) * 0.37 - 100.0 / (1 + i % 7);
        fn[i] = i % 17 == 1;
        w[i] = 0.5 * f[i] + (double)(i % 31);
        wn[i] = i % 19 == 3;
        s[i] = sv[i / 7 % 3];
        t[i] = i % 3;
    }
    const char *names[] = {"k", "s", "v", "f", "w", "t"};
    fl_column *cols[] = {tu_int_col(k, kn, PN),   tu_str_col(s, PN),
                         tu_int_col(v, vn, PN),   tu_float_col(f, fn, PN),
                         tu_float_col(w, wn, PN), tu_int_col(t, NULL, PN)};
    return table(6, names, cols);
}

/* a and b equal column by column: ints, strings and nulls exactly, floats
 * to 1e-12 relative (a float sum's additions are grouped differently). */
static void same_tables(const fl_table *a, const fl_table *b)
{
    cr_assert_eq(a->nrows, b->nrows);
    cr_assert_eq(a->ncols, b->ncols);
    for (int j = 0; j < a->ncols; j++) {
        const fl_column *x = a->cols[j], *y = b->cols[j];
        cr_assert_eq(x->type, y->type);
        for (int64_t r = 0; r < a->nrows; r++) {
            /* top() gives a selection of t's rows: compare what is selected */
            int64_t p = fl_table_row(a, r), q = fl_table_row(b, r);
            cr_assert_eq(fl_column_valid(x, p), fl_column_valid(y, q),
                         "column %d row %lld", j, (long long)r);
            if (!fl_column_valid(x, p))
                continue;
            if (x->type == FL_FLOAT) {
                double u = FL_F64(x)[p], w = FL_F64(y)[q];
                cr_assert(fabs(u - w) <= 1e-12 * fmax(fabs(u), fabs(w)),
                          "column %d row %lld: %.17g vs %.17g", j, (long long)r,
                          u, w);
            } else if (x->type == FL_STRING) {
                cr_assert_str_eq(tu_str_at(x, p), tu_str_at(y, q));
            } else {
                cr_assert_eq(FL_I64(x)[p], FL_I64(y)[q], "column %d row %lld",
                             j, (long long)r);
            }
        }
    }
}

Test(agg, two_threads_equal_one_thread)
{
    fl_table *t = par_table();
    fl_expr *v = fl_expr_col("v"), *f = fl_expr_col("f"), *w = fl_expr_col("w");
    fl_agg_spec a[] = {
        {"n", FL_AGG_COUNT_ALL, NULL, NULL, 0},
        {"nv", FL_AGG_COUNT, v, NULL, 0},
        {"sv", FL_AGG_SUM, v, NULL, 0},
        {"mv", FL_AGG_MEAN, v, NULL, 0},
        {"sf", FL_AGG_SUM, f, NULL, 0},
        {"mf", FL_AGG_MEAN, f, NULL, 0},
        {"lo", FL_AGG_MIN, v, NULL, 0},
        {"hi", FL_AGG_MAX, f, NULL, 0},
        {"r", FL_AGG_CORR, f, w, 0},
    };
    const char *one[] = {"k"}, *two[] = {"s", "k"}, *str[] = {"s"};
    struct {
        const char *const *keys;
        int nkeys;
        int64_t groups;
    } cases[] = {{one, 1, PK + 1}, {two, 2, 3 * (PK + 1)}, {str, 1, 3}};
    int saved = fl_agg_par_min_rows;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        fl_agg_par_min_rows = PN + 1;
        fl_table *o1 = group_ok(t, cases[c].keys, cases[c].nkeys, a, 9);
        fl_agg_par_min_rows = 1000;
        fl_table *o2 = group_ok(t, cases[c].keys, cases[c].nkeys, a, 9);
        fl_agg_par_min_rows = saved;
        cr_assert_eq(o2->nrows, cases[c].groups);
        same_tables(o1, o2);
        fl_table_unref(o1);
        fl_table_unref(o2);
    }

    /* by k alone, the int sums and counts against a plain loop: group g is
     * k = 2g for g < PK, then the null key; k = 6 (g = 3) has no v */
    static int64_t sum[PK + 1], cnt[PK + 1], rows[PK + 1];
    const fl_column *ck = col(t, "k"), *cv = col(t, "v");
    for (int64_t r = 0; r < PN; r++) {
        int g = fl_column_valid(ck, r) ? (int)(FL_I64(ck)[r] / 2) : PK;
        rows[g]++;
        if (fl_column_valid(cv, r)) {
            sum[g] += FL_I64(cv)[r];
            cnt[g]++;
        }
    }
    fl_agg_par_min_rows = 1000;
    fl_table *o = group_ok(t, one, 1, a, 9);
    fl_agg_par_min_rows = saved;
    for (int g = 0; g <= PK; g++) {
        cr_assert_eq(int_at(o, "n", g), rows[g]);
        cr_assert_eq(int_at(o, "nv", g), cnt[g]);
        if (g == 3) {
            cr_assert(is_null(o, "sv", g) && is_null(o, "mv", g));
            cr_assert(is_null(o, "lo", g));
        } else {
            cr_assert_eq(int_at(o, "sv", g), sum[g]);
        }
    }
    cr_assert(is_null(o, "k", PK));
    fl_table_unref(o);
    fl_expr_unref(v);
    fl_expr_unref(f);
    fl_expr_unref(w);
    fl_table_unref(t);
}

/* top(n) on two threads takes the same rows in the same order as on one:
 * ties (t; the first of the tied rows is in the first half) are broken by
 * row across the halves, nulls come last, both directions, float, int and
 * string columns. */
Test(agg, two_threads_top_equals_one_thread)
{
    fl_table *t = par_table();
    fl_expr *k = fl_expr_col("k"), *s = fl_expr_col("s");
    fl_expr *keys[] = {k, s};
    const char *kn[] = {"k", "s"};
    const char *cols[] = {"f", "v", "s", "t"};
    int saved = fl_agg_par_min_rows;
    for (int c = 0; c < 4; c++)
        for (int asc = 0; asc <= 1; asc++)
            for (int64_t n = 1; n <= 4; n += 3) {
                fl_table *o1 = NULL, *o2 = NULL;
                fl_error err;
                fl_agg_par_min_rows = PN + 1;
                cr_assert_eq(
                    fl_group_top(t, keys, kn, 2, n, cols[c], asc, &o1, &err),
                    FL_OK, "%s", err.msg);
                fl_agg_par_min_rows = 1000;
                cr_assert_eq(
                    fl_group_top(t, keys, kn, 2, n, cols[c], asc, &o2, &err),
                    FL_OK, "%s", err.msg);
                fl_agg_par_min_rows = saved;
                same_tables(o1, o2);
                fl_table_unref(o1);
                fl_table_unref(o2);
            }
    fl_expr_unref(k);
    fl_expr_unref(s);
    fl_table_unref(t);
}

/* Every allocation of the two-thread paths (and of the packed-key path, keys
 * s and v: v's range is too wide for the dense path) failing in turn gives
 * FL_ENOMEM, no output and no leak. */
Test(agg, two_threads_allocation_failures)
{
    fl_table *t = par_table();
    fl_expr *k = fl_expr_col("k"), *s = fl_expr_col("s"), *v = fl_expr_col("v"),
            *f = fl_expr_col("f"), *w = fl_expr_col("w");
    fl_expr *k1[] = {k}, *k2[] = {s, v};
    const char *n1[] = {"k"}, *n2[] = {"s", "v"};
    fl_agg_spec a[] = {
        {"sv", FL_AGG_SUM, v, NULL, 0},
        {"mv", FL_AGG_MEAN, v, NULL, 0},
        {"sf", FL_AGG_SUM, f, NULL, 0},
        {"r", FL_AGG_CORR, f, w, 0},
    };
    int saved = fl_agg_par_min_rows;
    fl_agg_par_min_rows = 1000;
    for (int which = 0; which < 3; which++) {
        fl_expr **keys = which == 1 ? k2 : k1;
        const char **kn = which == 1 ? n2 : n1;
        int nk = which == 1 ? 2 : 1;
        fl_table *o = NULL;
        fl_error err;
        fl_status st;
#define RUN()                                                                  \
    (which == 2 ? fl_group_top(t, keys, kn, nk, 2, "f", 0, &o, &err)           \
                : fl_group_agg(t, keys, kn, nk, a, 4, &o, &err))
        /* warm up: the dictionary builds its code point ranks once */
        cr_assert_eq(RUN(), FL_OK, "%s", err.msg);
        fl_table_unref(o);
        fl_alloc_fail_after(0);
        st = RUN();
        long total = fl_alloc_fail_after(0);
        cr_assert_eq(st, FL_OK, "%s", err.msg);
        cr_assert_gt(total, 5);
        fl_table_unref(o);
        size_t before = fl_alloc_bytes();
        for (long i = 1; i <= total; i++) {
            o = NULL;
            fl_alloc_fail_after(i);
            st = RUN();
            fl_alloc_fail_after(0);
            cr_assert_eq(st, FL_ENOMEM, "case %d, allocation %ld of %ld: %s",
                         which, i, total, st == FL_OK ? "ok" : err.msg);
            cr_assert_null(o);
            cr_assert_eq(fl_alloc_bytes(), before,
                         "leak: case %d, allocation %ld", which, i);
        }
#undef RUN
    }
    fl_agg_par_min_rows = saved;
    fl_expr_unref(k);
    fl_expr_unref(s);
    fl_expr_unref(v);
    fl_expr_unref(f);
    fl_expr_unref(w);
    fl_table_unref(t);
}

/* Every allocation of fl_group_agg(t, keys...) failing in turn gives
 * FL_ENOMEM, no output and no leak (after a warm-up call, as dictionaries
 * build their code point ranks once). */
static void agg_alloc_failures(const fl_table *t, const char *const *keys,
                               int nkeys, const fl_agg_spec *a, int na)
{
    fl_table *o = NULL;
    fl_error err;
    cr_assert_eq(group(t, keys, nkeys, a, na, &o, &err), FL_OK, "%s", err.msg);
    fl_table_unref(o);
    fl_alloc_fail_after(0);
    fl_status st = group(t, keys, nkeys, a, na, &o, &err);
    long total = fl_alloc_fail_after(0);
    cr_assert_eq(st, FL_OK, "%s", err.msg);
    cr_assert_gt(total, 3);
    fl_table_unref(o);
    size_t before = fl_alloc_bytes();
    for (long i = 1; i <= total; i++) {
        o = NULL;
        fl_alloc_fail_after(i);
        st = group(t, keys, nkeys, a, na, &o, &err);
        fl_alloc_fail_after(0);
        cr_assert_eq(st, FL_ENOMEM, "allocation %ld of %ld", i, total);
        cr_assert_null(o);
        cr_assert_eq(fl_alloc_bytes(), before, "leak: allocation %ld", i);
    }
}

/* ==== the direct path ========================================================
 * One key with few slots and only count(), sum and mean (fl_agg.c,
 * agg_direct) aggregate without group ids when the slots are at most
 * rows / 16 + 1. The table: 64 rows r = 0..63,
 *   k = (r % 4) - 2 (-2..1: 5 slots with the null one), null when r % 8 = 7
 *   v = r (int), null when r % 16 = 0 (rows 0, 16, 32, 48: all k = -2)
 *   f = r / 2 (float), null when r % 16 = 1 (rows 1, 17, 33, 49: k = -1)
 *   w = 1 (int), null when r % 4 = 2 (every row of k = 0)
 * With 64 rows, 5 slots <= 64/16 + 1: the direct path; with the first 63
 * rows, 5 > 63/16 + 1: the group-id path. The answers, by hand:
 *   k = -2: rows 0, 4, .., 60 (16): sum r = 4 (0 + .. + 15) = 480; v skips
 *           0 + 16 + 32 + 48 = 96: sum 384 over 12, mean 32; f 240, mean 15
 *   k = -1: rows 1, 5, .., 61 (16): sum r = 480 + 16 = 496 = sum v, mean 31;
 *           f skips 1 + 17 + 33 + 49 = 100: (496 - 100) / 2 = 198 over 12,
 *           mean 16.5
 *   k =  0: rows 2, 6, .., 62 (16): sum r = 512, mean 32; f 256, mean 16;
 *           w all null: sum and mean null
 *   k =  1: rows 3, 11, .., 59 (8, r % 8 = 3): 8 * 3 + 8 (0 + .. + 7) = 248,
 *           mean 31; f 124, mean 15.5
 *   null:   rows 7, 15, .., 63 (8): 8 * 7 + 224 = 280, mean 35; f 140, mean
 *           17.5; without row 63: 7 rows, 217, mean 31; f 108.5, mean 15.5 */
static fl_table *direct_table(int n)
{
    int64_t k[64], v[64], w[64];
    double f[64];
    int kn[64], vn[64], fn[64], wn[64];
    for (int r = 0; r < n; r++) {
        k[r] = r % 4 - 2;
        kn[r] = r % 8 == 7;
        v[r] = r;
        vn[r] = r % 16 == 0;
        f[r] = r / 2.0;
        fn[r] = r % 16 == 1;
        w[r] = 1;
        wn[r] = r % 4 == 2;
    }
    const char *names[] = {"k", "v", "f", "w"};
    fl_column *cols[] = {tu_int_col(k, kn, n), tu_int_col(v, vn, n),
                         tu_float_col(f, fn, n), tu_int_col(w, wn, n)};
    return table(4, names, cols);
}

Test(agg, direct_path_nulls_negative_keys_boundary)
{
    fl_expr *v = fl_expr_col("v"), *f = fl_expr_col("f"), *w = fl_expr_col("w");
    fl_agg_spec a[] = {
        {"n", FL_AGG_COUNT_ALL, NULL, NULL, 0}, {"sv", FL_AGG_SUM, v, NULL, 0},
        {"mv", FL_AGG_MEAN, v, NULL, 0},        {"sf", FL_AGG_SUM, f, NULL, 0},
        {"mf", FL_AGG_MEAN, f, NULL, 0},        {"sw", FL_AGG_SUM, w, NULL, 0},
        {"mw", FL_AGG_MEAN, w, NULL, 0},
    };
    const char *keys[] = {"k"};
    for (int n = 64; n >= 63; n--) { /* direct path, then group-id path */
        fl_table *t = direct_table(n);
        fl_table *o = group_ok(t, keys, 1, a, 7);
        int last = n == 64; /* row 63 is in the null group */
        int64_t ek[] = {-2, -1, 0, 1};
        int64_t en[] = {16, 16, 16, 8, last ? 8 : 7};
        int64_t esv[] = {384, 496, 512, 248, last ? 280 : 217};
        double emv[] = {32, 31, 32, 31, last ? 35 : 31};
        double esf[] = {240, 198, 256, 124, last ? 140 : 108.5};
        double emf[] = {15, 16.5, 16, 15.5, last ? 17.5 : 15.5};
        int64_t esw[] = {16, 16, 0, 8, last ? 8 : 7};
        cr_assert_eq(o->nrows, 5, "n = %d", n);
        for (int g = 0; g < 5; g++) {
            if (g < 4)
                cr_assert_eq(int_at(o, "k", g), ek[g], "n = %d, group %d", n,
                             g);
            else
                cr_assert(is_null(o, "k", g));
            cr_assert_eq(int_at(o, "n", g), en[g], "n = %d, group %d", n, g);
            cr_assert_eq(int_at(o, "sv", g), esv[g], "n = %d, group %d", n, g);
            cr_assert_eq(float_at(o, "mv", g), emv[g]);
            cr_assert_eq(float_at(o, "sf", g), esf[g]);
            cr_assert_eq(float_at(o, "mf", g), emf[g]);
            if (g == 2) {
                cr_assert(is_null(o, "sw", g) && is_null(o, "mw", g));
            } else {
                cr_assert_eq(int_at(o, "sw", g), esw[g]);
                cr_assert_eq(float_at(o, "mw", g), 1.0);
            }
        }
        fl_table_unref(o);
        agg_alloc_failures(t, keys, 1, a, 7);
        fl_table_unref(t);
    }
    fl_expr_unref(v);
    fl_expr_unref(f);
    fl_expr_unref(w);
}

/* A running int sum that wraps on the direct path: it declines and the
 * group-id path counts the wrap-arounds. 32 rows, k = r % 2; k = 0 has
 * INT64_MAX, 1, -1 and zeros: the exact sum INT64_MAX fits; k = 1 has 1 in
 * each of its 16 rows; 3 slots <= 32/16 + 1. */
Test(agg, direct_path_int_sum_wraps)
{
    int64_t k[32], v[32] = {0};
    for (int r = 0; r < 32; r++) {
        k[r] = r % 2;
        v[r] = r % 2;
    }
    v[0] = INT64_MAX;
    v[2] = 1;
    v[4] = -1;
    const char *names[] = {"k", "v"};
    fl_column *cols[] = {tu_int_col(k, NULL, 32), tu_int_col(v, NULL, 32)};
    fl_table *t = table(2, names, cols);
    fl_expr *e = fl_expr_col("v");
    fl_agg_spec a[] = {{"s", FL_AGG_SUM, e, NULL, 0},
                       {"m", FL_AGG_MEAN, e, NULL, 0}};
    const char *keys[] = {"k"};
    fl_table *o = group_ok(t, keys, 1, a, 2);
    cr_assert_eq(o->nrows, 2);
    cr_assert_eq(int_at(o, "s", 0), INT64_MAX);
    cr_assert_eq(int_at(o, "s", 1), 16);
    /* (2^63 - 1) / 16 as doubles: 2^63 / 2^4 = 2^59 */
    cr_assert_eq(float_at(o, "m", 0), 576460752303423488.0);
    cr_assert_eq(float_at(o, "m", 1), 1.0);
    fl_table_unref(o);
    fl_expr_unref(e);
    fl_table_unref(t);
}

/* On two threads the direct path gives the group-id path's results to the
 * last bit (same halves, same merge), also with empty slots (k's odd values)
 * and the null key. The group-id path is forced by adding count(v), which
 * the direct path does not do. */
Test(agg, direct_path_equals_group_ids)
{
    fl_table *t = par_table();
    fl_expr *v = fl_expr_col("v"), *f = fl_expr_col("f");
    fl_agg_spec a[] = {
        {"n", FL_AGG_COUNT_ALL, NULL, NULL, 0},
        {"sv", FL_AGG_SUM, v, NULL, 0},
        {"mv", FL_AGG_MEAN, v, NULL, 0},
        {"sf", FL_AGG_SUM, f, NULL, 0},
        {"mf", FL_AGG_MEAN, f, NULL, 0},
        {"nv", FL_AGG_COUNT, v, NULL, 0},
    };
    const char *keys[][1] = {{"k"}, {"s"}};
    int saved = fl_agg_par_min_rows;
    for (int kk = 0; kk < 2; kk++)
        for (int par = 0; par <= 1; par++) {
            fl_agg_par_min_rows = par ? 1000 : PN + 1;
            fl_table *od = group_ok(t, keys[kk], 1, a, 5);
            fl_table *og = group_ok(t, keys[kk], 1, a, 6);
            fl_agg_par_min_rows = saved;
            cr_assert_eq(od->nrows, kk ? 3 : PK + 1);
            cr_assert_eq(od->nrows, og->nrows);
            for (int j = 0; j < 6; j++) {
                const fl_column *x = od->cols[j], *y = og->cols[j];
                cr_assert_eq(x->type, y->type);
                for (int64_t g = 0; g < od->nrows; g++) {
                    cr_assert_eq(fl_column_valid(x, g), fl_column_valid(y, g));
                    if (!fl_column_valid(x, g))
                        continue;
                    if (x->type == FL_STRING)
                        cr_assert_str_eq(tu_str_at(x, g), tu_str_at(y, g));
                    else if (x->type == FL_FLOAT)
                        cr_assert(FL_F64(x)[g] == FL_F64(y)[g],
                                  "column %d group %lld: %.17g vs %.17g", j,
                                  (long long)g, FL_F64(x)[g], FL_F64(y)[g]);
                    else
                        cr_assert_eq(FL_I64(x)[g], FL_I64(y)[g]);
                }
            }
            fl_table_unref(od);
            fl_table_unref(og);
        }
    fl_expr_unref(v);
    fl_expr_unref(f);
    fl_table_unref(t);
}

/* ==== the packed keys ========================================================
 * Keys too wide for the dense path whose slots fit in 63 bits (fl_agg.c,
 * plan_fields) are grouped by sorting their composed numbers when the
 * groups are many (more than rows / 16), else by the hash table on those
 * numbers; the key columns of the sorted path are decoded from the numbers.
 * The 8 rows below (s string, b bool, d date, i int from -10^12 to 5 10^11)
 * form 7 groups: sorted path. Repeated 16 times (128 rows, 7 < 128/16
 * groups): hash path, every count and sum 16 times as large; the same for
 * the key i alone (4 groups). Groups in key order (each key ascending,
 * false before true, nulls after values):
 *   a F 40100 -10^12 rows 1, 3: 2 + 8 = 10
 *   a F 40100 5 10^11 row 7: 128
 *   a F null  -10^12 row 5: 32
 *   a null 100 0      row 4: 16
 *   b T 100   5 10^11 row 0: 1
 *   b T 100   null    row 6: 64
 *   null T 100 5 10^11 row 2: 4 */
Test(agg, packed_keys_sorted_and_hashed)
{
    const char *s8[] = {"b", "a", NULL, "a", "a", "a", "b", "a"};
    int b8[] = {1, 0, 1, 0, 0, 0, 1, 0}, bn8[] = {0, 0, 0, 0, 1, 0, 0, 0};
    int32_t d8[] = {100, 40100, 100, 40100, 100, 0, 100, 40100};
    int dn8[] = {0, 0, 0, 0, 0, 1, 0, 0};
    int64_t i8[] = {500000000000,
                    -1000000000000,
                    500000000000,
                    -1000000000000,
                    0,
                    -1000000000000,
                    0,
                    500000000000};
    int in8[] = {0, 0, 0, 0, 0, 0, 1, 0};
    const char *es[] = {"a", "a", "a", "a", "b", "b", NULL};
    int eb[] = {0, 0, 0, -1, 1, 1, 1}; /* -1: null */
    int32_t ed[] = {40100, 40100, -1, 100, 100, 100, 100};
    int64_t ei[] = {-1000000000000, 500000000000, -1000000000000, 0,
                    500000000000,   -1,           500000000000};
    int64_t en[] = {2, 1, 1, 1, 1, 1, 1}, esum[] = {10, 128, 32, 16, 1, 64, 4};
    fl_expr *v = fl_expr_col("v");
    fl_agg_spec a[] = {{"n", FL_AGG_COUNT_ALL, NULL, NULL, 0},
                       {"sum", FL_AGG_SUM, v, NULL, 0}};
    const char *keys[] = {"s", "b", "d", "i"};
    for (int m = 1; m <= 16; m += 15) {
        int n = 8 * m;
        const char *sv[128];
        int bv[128], bn[128], dn[128], in[128];
        int32_t dv[128];
        int64_t iv[128], vv[128];
        for (int r = 0; r < n; r++) {
            sv[r] = s8[r % 8];
            bv[r] = b8[r % 8];
            bn[r] = bn8[r % 8];
            dv[r] = d8[r % 8];
            dn[r] = dn8[r % 8];
            iv[r] = i8[r % 8];
            in[r] = in8[r % 8];
            vv[r] = (int64_t)1 << (r % 8);
        }
        const char *names[] = {"s", "b", "d", "i", "v"};
        fl_column *cols[] = {tu_str_col(sv, n), bool_col(bv, bn, n),
                             date_col(dv, dn, n), tu_int_col(iv, in, n),
                             tu_int_col(vv, NULL, n)};
        fl_table *t = table(5, names, cols);
        fl_table *o = group_ok(t, keys, 4, a, 2);
        cr_assert_eq(o->nrows, 7, "m = %d", m);
        for (int g = 0; g < 7; g++) {
            if (es[g])
                cr_assert_str_eq(str_at(o, "s", g), es[g], "m %d g %d", m, g);
            else
                cr_assert(is_null(o, "s", g));
            if (eb[g] < 0)
                cr_assert(is_null(o, "b", g));
            else
                cr_assert_eq(FL_U8(col(o, "b"))[g], eb[g], "m %d g %d", m, g);
            if (ed[g] < 0)
                cr_assert(is_null(o, "d", g));
            else
                cr_assert_eq(int_at(o, "d", g), ed[g], "m %d g %d", m, g);
            if (ei[g] == -1)
                cr_assert(is_null(o, "i", g));
            else
                cr_assert_eq(int_at(o, "i", g), ei[g], "m %d g %d", m, g);
            cr_assert_eq(int_at(o, "n", g), m * en[g], "m %d g %d", m, g);
            cr_assert_eq(int_at(o, "sum", g), m * esum[g], "m %d g %d", m, g);
        }
        fl_table_unref(o);
        agg_alloc_failures(t, keys, 4, a, 2);
        /* i alone (one wide key, the same two paths): -10^12 rows 1, 3, 5:
         * 2 + 8 + 32 = 42; 0 row 4: 16; 5 10^11 rows 0, 2, 7: 1 + 4 + 128 =
         * 133; null row 6: 64 */
        int64_t ki[] = {-1000000000000, 0, 500000000000};
        int64_t kn[] = {3, 1, 3, 1}, ks[] = {42, 16, 133, 64};
        o = group_ok(t, keys + 3, 1, a, 2);
        cr_assert_eq(o->nrows, 4, "m = %d", m);
        for (int g = 0; g < 4; g++) {
            if (g < 3)
                cr_assert_eq(int_at(o, "i", g), ki[g], "m %d g %d", m, g);
            else
                cr_assert(is_null(o, "i", g));
            cr_assert_eq(int_at(o, "n", g), m * kn[g], "m %d g %d", m, g);
            cr_assert_eq(int_at(o, "sum", g), m * ks[g], "m %d g %d", m, g);
        }
        fl_table_unref(o);
        fl_table_unref(t);
    }
    fl_expr_unref(v);
}

/* Keys that cannot be packed (a float) go through the hash table on the
 * keys themselves, several of them with nulls in each:
 *   r  f     s     v
 *   0  1.5   b     1
 *   1  -2    a     2
 *   2  1.5   b     4
 *   3  null  a     8
 *   4  1.5   null  16
 *   5  -2    a     32
 * Groups in key order: (-2, a) rows 1, 5: 34; (1.5, b) rows 0, 2: 5;
 * (1.5, null) row 4: 16; (null, a) row 3: 8. */
Test(agg, float_and_string_keys_hash_path)
{
    double f[] = {1.5, -2, 1.5, 0, 1.5, -2};
    int fn[] = {0, 0, 0, 1, 0, 0};
    const char *sv[] = {"b", "a", "b", "a", NULL, "a"};
    int64_t v[] = {1, 2, 4, 8, 16, 32};
    const char *names[] = {"f", "s", "v"};
    fl_column *cols[] = {tu_float_col(f, fn, 6), tu_str_col(sv, 6),
                         tu_int_col(v, NULL, 6)};
    fl_table *t = table(3, names, cols);
    fl_expr *e = fl_expr_col("v");
    fl_agg_spec a[] = {{"n", FL_AGG_COUNT_ALL, NULL, NULL, 0},
                       {"sum", FL_AGG_SUM, e, NULL, 0}};
    const char *keys[] = {"f", "s"};
    fl_table *o = group_ok(t, keys, 2, a, 2);
    double ef[] = {-2, 1.5, 1.5};
    const char *es[] = {"a", "b", NULL, "a"};
    int64_t en[] = {2, 2, 1, 1}, esum[] = {34, 5, 16, 8};
    cr_assert_eq(o->nrows, 4);
    for (int g = 0; g < 4; g++) {
        if (g < 3)
            cr_assert_eq(float_at(o, "f", g), ef[g], "group %d", g);
        else
            cr_assert(is_null(o, "f", g));
        if (es[g])
            cr_assert_str_eq(str_at(o, "s", g), es[g], "group %d", g);
        else
            cr_assert(is_null(o, "s", g));
        cr_assert_eq(int_at(o, "n", g), en[g], "group %d", g);
        cr_assert_eq(int_at(o, "sum", g), esum[g], "group %d", g);
    }
    fl_table_unref(o);
    agg_alloc_failures(t, keys, 2, a, 2);
    fl_expr_unref(e);
    fl_table_unref(t);
}
