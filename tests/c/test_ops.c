/*
 * Tests of fl_ops: select, rename, head, with, sort, join, distinct and
 * write_csv. Each test builds a small table, runs one call and compares with
 * values worked out by hand (the reasoning is in the comments). Columns are
 * compared as text: vals(t, "x") lists the values of column x in row order,
 * separated by '|', with "null" for a null.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "fl_ops.h"
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

static fl_column *date_col(const int32_t *v, int n)
{
    fl_column *c = fl_column_new(FL_DATE, n, NULL);
    for (int i = 0; i < n; i++)
        cr_assert_eq(fl_column_append_date(c, v[i], NULL), FL_OK);
    return c;
}

/* Timestamps (microseconds); isnull may be NULL. */
static fl_column *ts_col(const int64_t *v, const int *isnull, int n)
{
    fl_column *c = fl_column_new(FL_TIMESTAMP, n, NULL);
    for (int i = 0; i < n; i++) {
        if (isnull && isnull[i])
            cr_assert_eq(fl_column_append_null(c, NULL), FL_OK);
        else {
            cr_assert_eq(fl_column_resize(c, i + 1, NULL), FL_OK);
            FL_I64(c)[i] = v[i];
        }
    }
    return c;
}

/* 0, 1, ..., n-1 */
static fl_column *id_col(int n)
{
    fl_column *c = fl_column_new(FL_INT, n, NULL);
    for (int i = 0; i < n; i++)
        cr_assert_eq(fl_column_append_int(c, i, NULL), FL_OK);
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

/* The values of column `name` of t as text (see the file comment). Four
 * rotating buffers, so that one assertion may call it twice. */
static const char *vals(const fl_table *t, const char *name)
{
    static char bufs[4][2048];
    static int which;
    char *buf = bufs[which++ % 4];
    size_t len = 0;
    int c = fl_table_find(t, name);
    cr_assert_geq(c, 0, "no column %s", name);
    buf[0] = 0;
    for (int64_t r = 0; r < t->nrows; r++) {
        fl_value v;
        char one[64];
        const char *s = one;
        fl_column_get(t->cols[c], fl_table_row(t, r), &v);
        if (v.is_null)
            s = "null";
        else if (v.type == FL_INT)
            snprintf(one, sizeof one, "%" PRId64, v.u.i);
        else if (v.type == FL_FLOAT)
            snprintf(one, sizeof one, "%g", v.u.f);
        else if (v.type == FL_BOOL)
            s = v.u.b ? "true" : "false";
        else if (v.type == FL_DATE)
            fl_format_date(v.u.d, one);
        else if (v.type == FL_TIMESTAMP)
            fl_format_timestamp(v.u.i, one);
        else
            s = v.u.str.s;
        len += (size_t)snprintf(buf + len, sizeof bufs[0] - len, "%s%s",
                                r ? "|" : "", s);
    }
    return buf;
}

/* Column names of t joined by ','. */
static const char *names_of(const fl_table *t)
{
    static char buf[512];
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < t->ncols; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
                                i ? "," : "", t->names[i]);
    return buf;
}

/* t restricted to rows sel[0..n) (a table with a selection vector). */
static fl_table *take(const fl_table *t, const int32_t *sel, int n)
{
    fl_table *o;
    fl_error err;
    cr_assert_eq(fl_table_take(t, sel, n, &o, &err), FL_OK, "%s", err.msg);
    return o;
}

/* sort by one column */
static fl_table *sort1(const fl_table *t, const char *col, int desc)
{
    fl_table *o = NULL;
    fl_error err;
    fl_status st = fl_table_sort(t, &col, &desc, 1, &o, &err);
    cr_assert_eq(st, FL_OK, "%s", err.msg);
    return o;
}

/* ---- select, rename, head ------------------------------------------------*/

/* a = 1 2 3, b = x y z, c = 0.5 1.5 2.5 */
static fl_table *abc(void)
{
    int64_t a[] = {1, 2, 3};
    const char *b[] = {"x", "y", "z"};
    double c[] = {0.5, 1.5, 2.5};
    const char *names[] = {"a", "b", "c"};
    fl_column *cols[] = {tu_int_col(a, NULL, 3), tu_str_col(b, 3),
                         tu_float_col(c, NULL, 3)};
    return table(3, names, cols);
}

Test(ops, select_shares_columns_in_the_given_order)
{
    fl_table *t = abc(), *o;
    fl_error err;
    const char *want[] = {"c", "a"};
    cr_assert_eq(fl_table_select(t, want, 2, &o, &err), FL_OK, "%s", err.msg);
    cr_assert_str_eq(names_of(o), "c,a");
    cr_assert_eq(o->nrows, 3);
    cr_assert_eq(o->cols[0], t->cols[2]); /* shared, not copied */
    cr_assert_eq(o->cols[1], t->cols[0]);
    cr_assert_str_eq(vals(o, "c"), "0.5|1.5|2.5");
    fl_table_unref(o);
    fl_table_unref(t);
}

Test(ops, select_keeps_the_selection)
{
    fl_table *t = abc(), *o;
    fl_error err;
    int32_t rows[] = {2, 0};
    fl_table *s = take(t, rows, 2);
    const char *want[] = {"b"};
    cr_assert_eq(fl_table_select(s, want, 1, &o, &err), FL_OK, "%s", err.msg);
    cr_assert_str_eq(vals(o, "b"), "z|x");
    fl_table_unref(o);
    fl_table_unref(s);
    fl_table_unref(t);
}

Test(ops, select_errors)
{
    fl_table *t = abc(), *o = NULL;
    fl_error err;
    const char *unknown[] = {"a", "nope"};
    cr_assert_eq(fl_table_select(t, unknown, 2, &o, &err), FL_EINVAL);
    cr_assert(strstr(err.msg, "no column 'nope'"), "%s", err.msg);
    cr_assert(strstr(err.msg, "a, b, c"), "lists the columns: %s", err.msg);
    const char *twice[] = {"a", "b", "a"};
    cr_assert_eq(fl_table_select(t, twice, 3, &o, &err), FL_EINVAL);
    cr_assert(strstr(err.msg, "'a'"), "%s", err.msg);
    cr_assert_eq(fl_table_select(t, NULL, 0, &o, &err), FL_EINVAL);
    cr_assert_null(o);
    fl_table_unref(t);
}

Test(ops, rename_and_swap)
{
    fl_table *t = abc(), *o;
    fl_error err;
    const char *old1[] = {"a"}, *new1[] = {"x"};
    cr_assert_eq(fl_table_rename(t, old1, new1, 1, &o, &err), FL_OK, "%s",
                 err.msg);
    cr_assert_str_eq(names_of(o), "x,b,c");
    cr_assert_eq(o->cols[0], t->cols[0]);
    fl_table_unref(o);
    /* a <-> b at once is fine: only the result must have distinct names */
    const char *old2[] = {"a", "b"}, *new2[] = {"b", "a"};
    cr_assert_eq(fl_table_rename(t, old2, new2, 2, &o, &err), FL_OK, "%s",
                 err.msg);
    cr_assert_str_eq(names_of(o), "b,a,c");
    cr_assert_str_eq(vals(o, "b"), "1|2|3");
    fl_table_unref(o);
    fl_table_unref(t);
}

Test(ops, rename_errors)
{
    fl_table *t = abc(), *o = NULL;
    fl_error err;
    const char *old1[] = {"zz"}, *new1[] = {"x"};
    cr_assert_eq(fl_table_rename(t, old1, new1, 1, &o, &err), FL_EINVAL);
    cr_assert(strstr(err.msg, "no column 'zz'"), "%s", err.msg);
    /* a -> b while b stays: two columns named b */
    const char *old2[] = {"a"}, *new2[] = {"b"};
    cr_assert_eq(fl_table_rename(t, old2, new2, 1, &o, &err), FL_EINVAL);
    cr_assert(strstr(err.msg, "'b'"), "%s", err.msg);
    const char *old3[] = {"a"}, *new3[] = {""};
    cr_assert_eq(fl_table_rename(t, old3, new3, 1, &o, &err), FL_EINVAL);
    cr_assert_null(o);
    fl_table_unref(t);
}

Test(ops, head)
{
    int64_t v[] = {10, 20, 30, 40, 50};
    const char *names[] = {"v"};
    fl_column *cols[] = {tu_int_col(v, NULL, 5)};
    fl_table *t = table(1, names, cols), *o;
    fl_error err;
    cr_assert_eq(fl_table_head(t, 2, &o, &err), FL_OK);
    cr_assert_eq(o->nrows, 2);
    cr_assert_eq(o->cols[0], t->cols[0]); /* a selection, no copy */
    cr_assert_str_eq(vals(o, "v"), "10|20");
    fl_table_unref(o);
    cr_assert_eq(fl_table_head(t, 99, &o, &err), FL_OK);
    cr_assert_str_eq(vals(o, "v"), "10|20|30|40|50");
    fl_table_unref(o);
    cr_assert_eq(fl_table_head(t, 0, &o, &err), FL_OK);
    cr_assert_eq(o->nrows, 0);
    fl_table_unref(o);
    cr_assert_eq(fl_table_head(t, -3, &o, &err), FL_OK);
    cr_assert_eq(o->nrows, 0);
    fl_table_unref(o);
    /* over a selection: rows 4, 2, 0 are 50, 30, 10; the first two */
    int32_t rows[] = {4, 2, 0};
    fl_table *s = take(t, rows, 3);
    cr_assert_eq(fl_table_head(s, 2, &o, &err), FL_OK);
    cr_assert_str_eq(vals(o, "v"), "50|30");
    cr_assert_eq(o->sel[0], 4);
    cr_assert_eq(o->sel[1], 2);
    fl_table_unref(o);
    fl_table_unref(s);
    fl_table_unref(t);
}

/* ---- with ----------------------------------------------------------------*/

Test(ops, with_replaces_in_place_and_appends)
{
    int64_t a[] = {1, 2, 3};
    const char *names[] = {"a"};
    fl_column *cols[] = {tu_int_col(a, NULL, 3)};
    fl_table *t = table(1, names, cols);
    int32_t rows[] = {2, 0}; /* a = 3, 1 */
    fl_table *s = take(t, rows, 2), *o;
    fl_value ten = {.type = FL_INT, .u.i = 10},
             one = {.type = FL_INT, .u.i = 1};
    fl_expr *ca = fl_expr_col("a"), *l10 = fl_expr_lit(&ten),
            *l1 = fl_expr_lit(&one);
    fl_expr *times = fl_expr_binary(FL_E_MUL, ca, l10);
    fl_expr *plus = fl_expr_binary(FL_E_ADD, ca, l1);
    /* b = a * 10 and a = a + 1: both see the input a (3, 1) */
    const char *wn[] = {"b", "a"};
    fl_expr *we[] = {times, plus};
    fl_error err;
    cr_assert_eq(fl_table_with(s, wn, we, 2, &o, &err), FL_OK, "%s", err.msg);
    cr_assert_str_eq(names_of(o), "a,b");
    cr_assert_null(o->sel); /* materialized */
    cr_assert_str_eq(vals(o, "a"), "4|2");
    cr_assert_str_eq(vals(o, "b"), "30|10");
    fl_table_unref(o);
    /* an expression error comes through; a name computed twice is refused */
    fl_expr *bad = fl_expr_col("nope");
    fl_expr *we2[] = {bad};
    cr_assert_eq(fl_table_with(s, wn, we2, 1, &o, &err), FL_EINVAL);
    cr_assert(strstr(err.msg, "nope"), "%s", err.msg);
    const char *twice[] = {"b", "b"};
    cr_assert_eq(fl_table_with(s, twice, we, 2, &o, &err), FL_EINVAL);
    fl_expr_unref(bad);
    fl_expr_unref(times);
    fl_expr_unref(plus);
    fl_expr_unref(ca);
    fl_expr_unref(l10);
    fl_expr_unref(l1);
    fl_table_unref(s);
    fl_table_unref(t);
}

/* ---- sort ----------------------------------------------------------------*/

Test(ops, sort_is_stable_with_ties)
{
    /* k = 3 1 3 2 1, id = 0..4.
     * asc:  k=1 (ids 1, 4), k=2 (id 3), k=3 (ids 0, 2) -> 1 4 3 0 2
     * desc: k=3 (0, 2), k=2 (3), k=1 (1, 4)             -> 0 2 3 1 4 */
    int64_t k[] = {3, 1, 3, 2, 1};
    const char *names[] = {"k", "id"};
    fl_column *cols[] = {tu_int_col(k, NULL, 5), id_col(5)};
    fl_table *t = table(2, names, cols);
    fl_table *o = sort1(t, "k", 0);
    cr_assert_str_eq(vals(o, "id"), "1|4|3|0|2");
    cr_assert_eq(o->cols[0], t->cols[0]); /* a permutation, no copy */
    fl_table_unref(o);
    o = sort1(t, "k", 1);
    cr_assert_str_eq(vals(o, "id"), "0|2|3|1|4");
    fl_table_unref(o);
    fl_table_unref(t);
}

Test(ops, sort_nulls_last_both_directions)
{
    /* k = 2 null 5 null 1, id = 0..4.
     * asc:  1 (4), 2 (0), 5 (2), null (1), null (3) -> 4 0 2 1 3
     * desc: 5 (2), 2 (0), 1 (4), null (1), null (3) -> 2 0 4 1 3 */
    int64_t k[] = {2, 0, 5, 0, 1};
    int kn[] = {0, 1, 0, 1, 0};
    const char *names[] = {"k", "id"};
    fl_column *cols[] = {tu_int_col(k, kn, 5), id_col(5)};
    fl_table *t = table(2, names, cols);
    fl_table *o = sort1(t, "k", 0);
    cr_assert_str_eq(vals(o, "id"), "4|0|2|1|3");
    fl_table_unref(o);
    o = sort1(t, "k", 1);
    cr_assert_str_eq(vals(o, "id"), "2|0|4|1|3");
    fl_table_unref(o);
    fl_table_unref(t);
}

Test(ops, sort_int_extremes_and_dates_before_1970)
{
    /* signed order: INT64_MIN < -5 < 0 < INT64_MAX */
    int64_t k[] = {-5, INT64_MAX, INT64_MIN, 0};
    int32_t d[] = {-1, 0, -365, 10}; /* 1969-12-31 1970-01-01 1969-01-01 .. */
    const char *names[] = {"k", "d", "id"};
    fl_column *cols[] = {tu_int_col(k, NULL, 4), date_col(d, 4), id_col(4)};
    fl_table *t = table(3, names, cols);
    fl_table *o = sort1(t, "k", 0);
    cr_assert_str_eq(vals(o, "id"), "2|0|3|1");
    fl_table_unref(o);
    o = sort1(t, "d", 0);
    cr_assert_str_eq(vals(o, "d"),
                     "1969-01-01|1969-12-31|1970-01-01|1970-01-11");
    fl_table_unref(o);
    fl_table_unref(t);
}

Test(ops, sort_floats_nan_and_signed_zero)
{
    /* f = 1.5 NaN -0.0 null -inf 0.0 2, id = 0..6.
     * -0.0 and 0.0 are equal (a tie keeps row order: 2 before 5); NaN is
     * above every number but before nulls.
     * asc:  -inf(4) -0(2) 0(5) 1.5(0) 2(6) NaN(1) null(3)
     * desc: NaN(1) 2(6) 1.5(0) -0(2) 0(5) -inf(4) null(3) */
    double f[] = {1.5, NAN, -0.0, 0, -INFINITY, 0.0, 2};
    int fn[] = {0, 0, 0, 1, 0, 0, 0};
    const char *names[] = {"f", "id"};
    fl_column *cols[] = {tu_float_col(f, fn, 7), id_col(7)};
    fl_table *t = table(2, names, cols);
    fl_table *o = sort1(t, "f", 0);
    cr_assert_str_eq(vals(o, "id"), "4|2|5|0|6|1|3");
    fl_table_unref(o);
    o = sort1(t, "f", 1);
    cr_assert_str_eq(vals(o, "id"), "1|6|0|2|5|4|3");
    fl_table_unref(o);
    fl_table_unref(t);
}

Test(ops, sort_bools_false_first)
{
    /* b = true false null true false -> false(1) false(4) true(0) true(3)
     * null(2) */
    int b[] = {1, 0, 0, 1, 0};
    int bn[] = {0, 0, 1, 0, 0};
    const char *names[] = {"b", "id"};
    fl_column *cols[] = {bool_col(b, bn, 5), id_col(5)};
    fl_table *t = table(2, names, cols);
    fl_table *o = sort1(t, "b", 0);
    cr_assert_str_eq(vals(o, "id"), "1|4|0|3|2");
    fl_table_unref(o);
    fl_table_unref(t);
}

Test(ops, sort_strings_by_code_point)
{
    /* Code points: "Ann" (A = U+41) < "Zoe" (Z = U+5A) < "Zoë" (ë = U+EB >
     * e = U+65) < "zoe" (z = U+7A) < "Émile" (É = U+C9), then null. The
     * dictionary codes follow insertion order (Zoë 0, Zoe 1, ...), so a sort
     * by code would be wrong. */
    const char *s[] = {"Zoë", "Zoe", NULL, "zoe", "Émile", "Ann"};
    const char *names[] = {"s"};
    fl_column *cols[] = {tu_str_col(s, 6)};
    fl_table *t = table(1, names, cols);
    fl_table *o = sort1(t, "s", 0);
    cr_assert_str_eq(vals(o, "s"), "Ann|Zoe|Zoë|zoe|Émile|null");
    fl_table_unref(o);
    o = sort1(t, "s", 1);
    cr_assert_str_eq(vals(o, "s"), "Émile|zoe|Zoë|Zoe|Ann|null");
    fl_table_unref(o);
    fl_table_unref(t);
}

Test(ops, sort_multi_key)
{
    /* g = b a b a c a, v = 1 2 3 null 0 2, id = 0..5; sort g asc, v desc.
     * a: ids 1 (v 2), 3 (null), 5 (v 2) -> 1 5 3 (tie 1, 5 in row order)
     * b: ids 0 (1), 2 (3)                -> 2 0
     * c: id 4                            -> 4 */
    const char *g[] = {"b", "a", "b", "a", "c", "a"};
    int64_t v[] = {1, 2, 3, 0, 0, 2};
    int vn[] = {0, 0, 0, 1, 0, 0};
    const char *names[] = {"g", "v", "id"};
    fl_column *cols[] = {tu_str_col(g, 6), tu_int_col(v, vn, 6), id_col(6)};
    fl_table *t = table(3, names, cols), *o;
    const char *keys[] = {"g", "v"};
    int desc[] = {0, 1};
    fl_error err;
    cr_assert_eq(fl_table_sort(t, keys, desc, 2, &o, &err), FL_OK, "%s",
                 err.msg);
    cr_assert_str_eq(vals(o, "id"), "1|5|3|2|0|4");
    fl_table_unref(o);
    /* v asc then g asc: v 0 (4), 1 (0), 2 (1, 5 both "a"), 3 (2), null (3) */
    const char *keys2[] = {"v", "g"};
    cr_assert_eq(fl_table_sort(t, keys2, NULL, 2, &o, &err), FL_OK, "%s",
                 err.msg);
    cr_assert_str_eq(vals(o, "id"), "4|0|1|5|2|3");
    fl_table_unref(o);
    fl_table_unref(t);
}

Test(ops, sort_of_a_selection)
{
    /* v = 5 3 9 1 7; the selection rows 4 0 2 1 holds 7 5 9 3; sorted:
     * 3 5 7 9, which are column rows 1 0 4 2 */
    int64_t v[] = {5, 3, 9, 1, 7};
    const char *names[] = {"v"};
    fl_column *cols[] = {tu_int_col(v, NULL, 5)};
    fl_table *t = table(1, names, cols);
    int32_t rows[] = {4, 0, 2, 1};
    fl_table *s = take(t, rows, 4);
    fl_table *o = sort1(s, "v", 0);
    cr_assert_str_eq(vals(o, "v"), "3|5|7|9");
    cr_assert_eq(o->cols[0], t->cols[0]);
    int32_t want[] = {1, 0, 4, 2};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(o->sel[i], want[i]);
    fl_table_unref(o);
    fl_table_unref(s);
    fl_table_unref(t);
}

Test(ops, sort_errors_and_empty)
{
    fl_table *t = abc(), *o = NULL;
    fl_error err;
    const char *bad[] = {"a", "zz"};
    cr_assert_eq(fl_table_sort(t, bad, NULL, 2, &o, &err), FL_EINVAL);
    cr_assert(strstr(err.msg, "no column 'zz'"), "%s", err.msg);
    cr_assert_eq(fl_table_sort(t, bad, NULL, 0, &o, &err), FL_EINVAL);
    cr_assert_null(o);
    fl_table *e;
    cr_assert_eq(fl_table_head(t, 0, &e, &err), FL_OK);
    o = sort1(e, "b", 1);
    cr_assert_eq(o->nrows, 0);
    fl_table_unref(o);
    fl_table_unref(e);
    fl_table_unref(t);
}

/* ---- join ----------------------------------------------------------------*/

/* left:  id = 1 2 2 3 null 4, lv = a b c d e f
 * right: id = 2 1 2 5 null 1, rv = 10 20 30 40 50 60 */
static void join_tables(fl_table **l, fl_table **r)
{
    int64_t lid[] = {1, 2, 2, 3, 0, 4};
    int lnull[] = {0, 0, 0, 0, 1, 0};
    const char *lv[] = {"a", "b", "c", "d", "e", "f"};
    int64_t rid[] = {2, 1, 2, 5, 0, 1};
    int rnull[] = {0, 0, 0, 0, 1, 0};
    int64_t rv[] = {10, 20, 30, 40, 50, 60};
    const char *ln[] = {"id", "lv"}, *rn[] = {"id", "rv"};
    fl_column *lc[] = {tu_int_col(lid, lnull, 6), tu_str_col(lv, 6)};
    fl_column *rc[] = {tu_int_col(rid, rnull, 6), tu_int_col(rv, NULL, 6)};
    *l = table(2, ln, lc);
    *r = table(2, rn, rc);
}

Test(ops, join_inner_duplicates_both_sides)
{
    /* left 1 -> right rows 1 (20), 5 (60); left 2 (b) -> rows 0 (10), 2 (30);
     * left 2 (c) -> the same; 3, 4 and null find nothing. The right key
     * has the left key's name, so it appears once. */
    fl_table *l, *r, *o;
    join_tables(&l, &r);
    fl_error err;
    cr_assert_eq(
        fl_table_join(l, r, "id", "id", FL_JOIN_INNER, "_right", &o, &err),
        FL_OK, "%s", err.msg);
    cr_assert_str_eq(names_of(o), "id,lv,rv");
    cr_assert_str_eq(vals(o, "id"), "1|1|2|2|2|2");
    cr_assert_str_eq(vals(o, "lv"), "a|a|b|b|c|c");
    cr_assert_str_eq(vals(o, "rv"), "20|60|10|30|10|30");
    fl_table_unref(o);
    fl_table_unref(l);
    fl_table_unref(r);
}

Test(ops, join_left_keeps_unmatched_and_null_keys)
{
    /* as the inner join, plus d (3), e (null key) and f (4) in their place
     * with a null rv */
    fl_table *l, *r, *o;
    join_tables(&l, &r);
    fl_error err;
    cr_assert_eq(
        fl_table_join(l, r, "id", "id", FL_JOIN_LEFT, "_right", &o, &err),
        FL_OK, "%s", err.msg);
    cr_assert_str_eq(vals(o, "id"), "1|1|2|2|2|2|3|null|4");
    cr_assert_str_eq(vals(o, "lv"), "a|a|b|b|c|c|d|e|f");
    cr_assert_str_eq(vals(o, "rv"), "20|60|10|30|10|30|null|null|null");
    fl_table_unref(o);
    fl_table_unref(l);
    fl_table_unref(r);
}

Test(ops, join_over_selections)
{
    /* left rows 5 3 1 (f/4, d/3, b/2), right rows 2 1 0 (2/30, 1/20, 2/10):
     * f and d find nothing, b finds 30 then 10 (right order of the
     * selection). Left join: f null, d null, b 30, b 10. */
    fl_table *l, *r, *o;
    join_tables(&l, &r);
    int32_t lrows[] = {5, 3, 1}, rrows[] = {2, 1, 0};
    fl_table *ls = take(l, lrows, 3), *rs = take(r, rrows, 3);
    fl_error err;
    cr_assert_eq(
        fl_table_join(ls, rs, "id", "id", FL_JOIN_LEFT, "_right", &o, &err),
        FL_OK, "%s", err.msg);
    cr_assert_str_eq(vals(o, "lv"), "f|d|b|b");
    cr_assert_str_eq(vals(o, "rv"), "null|null|30|10");
    fl_table_unref(o);
    fl_table_unref(ls);
    fl_table_unref(rs);
    fl_table_unref(l);
    fl_table_unref(r);
}

/* left: name = Zoë bob ann bob, x = 1 2 3 4 (codes Zoë 0, bob 1, ann 2)
 * right: who = ann carl bob Zoë(decomposed) null, y = 10..50 (codes ann 0,
 * carl 1, bob 2, Zoë 3) */
static void string_tables(fl_table **l, fl_table **r)
{
    const char *name[] = {"Zoë", "bob", "ann", "bob"};
    int64_t x[] = {1, 2, 3, 4};
    const char *who[] = {"ann", "carl", "bob", "Zoe\xcc\x88", NULL};
    int64_t y[] = {10, 20, 30, 40, 50};
    const char *ln[] = {"name", "x"}, *rn[] = {"who", "y"};
    fl_column *lc[] = {tu_str_col(name, 4), tu_int_col(x, NULL, 4)};
    fl_column *rc[] = {tu_str_col(who, 5), tu_int_col(y, NULL, 5)};
    *l = table(2, ln, lc);
    *r = table(2, rn, rc);
}

Test(ops, join_string_keys_across_dictionaries)
{
    /* Zoë -> row 3 (40), bob -> row 2 (30), ann -> row 0 (10), bob -> 30.
     * The keys have different names, so both columns stay. */
    fl_table *l, *r, *o;
    string_tables(&l, &r);
    cr_assert_neq(l->cols[0]->dict, r->cols[0]->dict);
    cr_assert_eq(fl_dict_find(l->cols[0]->dict, "ann", 3), 2);
    cr_assert_eq(fl_dict_find(r->cols[0]->dict, "ann", 3), 0);
    fl_error err;
    cr_assert_eq(
        fl_table_join(l, r, "name", "who", FL_JOIN_INNER, "_right", &o, &err),
        FL_OK, "%s", err.msg);
    cr_assert_str_eq(names_of(o), "name,x,who,y");
    cr_assert_str_eq(vals(o, "x"), "1|2|3|4");
    cr_assert_str_eq(vals(o, "who"), "Zoë|bob|ann|bob");
    cr_assert_str_eq(vals(o, "y"), "40|30|10|30");
    fl_table_unref(o);
    /* the other way round: right codes of the left table's strings; carl and
     * the null find nothing. ann -> x 3; carl -; bob -> x 2, 4; Zoë -> 1 */
    cr_assert_eq(
        fl_table_join(r, l, "who", "name", FL_JOIN_LEFT, "_right", &o, &err),
        FL_OK, "%s", err.msg);
    cr_assert_str_eq(vals(o, "who"), "ann|carl|bob|bob|Zoë|null");
    cr_assert_str_eq(vals(o, "x"), "3|null|2|4|1|null");
    cr_assert_str_eq(vals(o, "name"), "ann|null|bob|bob|Zoë|null");
    fl_table_unref(o);
    fl_table_unref(l);
    fl_table_unref(r);
}

Test(ops, join_name_clash_gets_suffix)
{
    /* left id = 1 2, amount = 5 6; right id = 2 1, amount = 7 8, note = p q.
     * 1 -> right row 1 (8, q); 2 -> right row 0 (7, p). */
    int64_t lid[] = {1, 2}, la[] = {5, 6}, rid[] = {2, 1}, ra[] = {7, 8};
    const char *note[] = {"p", "q"};
    const char *ln[] = {"id", "amount"}, *rn[] = {"id", "amount", "note"};
    fl_column *lc[] = {tu_int_col(lid, NULL, 2), tu_int_col(la, NULL, 2)};
    fl_column *rc[] = {tu_int_col(rid, NULL, 2), tu_int_col(ra, NULL, 2),
                       tu_str_col(note, 2)};
    fl_table *l = table(2, ln, lc), *r = table(3, rn, rc), *o = NULL;
    fl_error err;
    cr_assert_eq(fl_table_join(l, r, "id", "id", FL_JOIN_INNER, "_r", &o, &err),
                 FL_OK, "%s", err.msg);
    cr_assert_str_eq(names_of(o), "id,amount,amount_r,note");
    cr_assert_str_eq(vals(o, "amount"), "5|6");
    cr_assert_str_eq(vals(o, "amount_r"), "8|7");
    cr_assert_str_eq(vals(o, "note"), "q|p");
    fl_table_unref(o);
    o = NULL;
    /* keys with different names: both id columns stay, the right one
     * suffixed */
    const char *rn2[] = {"id", "amount", "lead"};
    int64_t lead[] = {1, 2};
    fl_column *rc2[] = {tu_int_col(rid, NULL, 2), tu_int_col(ra, NULL, 2),
                        tu_int_col(lead, NULL, 2)};
    fl_table *r2 = table(3, rn2, rc2);
    cr_assert_eq(
        fl_table_join(l, r2, "id", "lead", FL_JOIN_INNER, "_r", &o, &err),
        FL_OK, "%s", err.msg);
    cr_assert_str_eq(names_of(o), "id,amount,id_r,amount_r,lead");
    cr_assert_str_eq(vals(o, "id_r"), "2|1");
    fl_table_unref(o);
    o = NULL;
    /* still clashing after the suffix: the right table has amount and
     * amount_r already */
    const char *rn3[] = {"id", "amount", "amount_r"};
    fl_column *rc3[] = {tu_int_col(rid, NULL, 2), tu_int_col(ra, NULL, 2),
                        tu_int_col(ra, NULL, 2)};
    fl_table *r3 = table(3, rn3, rc3);
    cr_assert_eq(
        fl_table_join(l, r3, "id", "id", FL_JOIN_INNER, "_r", &o, &err),
        FL_EINVAL);
    cr_assert(strstr(err.msg, "amount_r"), "%s", err.msg);
    cr_assert_null(o);
    cr_assert_eq(fl_table_join(l, r3, "id", "id", FL_JOIN_INNER, "", &o, &err),
                 FL_EINVAL);
    fl_table_unref(r3);
    fl_table_unref(r2);
    fl_table_unref(l);
    fl_table_unref(r);
}

Test(ops, join_int_with_float_by_value)
{
    /* left k = 1 2 3; right k = 2.0 2.5 1.0 NaN, tag = a b c d.
     * 1 -> 1.0 (c); 2 -> 2.0 (a); 3 -> nothing; 2.5 and NaN equal no int. */
    int64_t lk[] = {1, 2, 3};
    double rk[] = {2.0, 2.5, 1.0, NAN};
    const char *tag[] = {"a", "b", "c", "d"};
    const char *ln[] = {"k"}, *rn[] = {"k", "tag"};
    fl_column *lc[] = {tu_int_col(lk, NULL, 3)};
    fl_column *rc[] = {tu_float_col(rk, NULL, 4), tu_str_col(tag, 4)};
    fl_table *l = table(1, ln, lc), *r = table(2, rn, rc), *o;
    fl_error err;
    cr_assert_eq(fl_table_join(l, r, "k", "k", FL_JOIN_LEFT, "_r", &o, &err),
                 FL_OK, "%s", err.msg);
    cr_assert_str_eq(vals(o, "k"), "1|2|3");
    cr_assert_str_eq(vals(o, "tag"), "c|a|null");
    fl_table_unref(o);
    /* float left, int right: 2.0 -> 2 (row 1), 2.5 none, 1.0 -> 1 (row 0),
     * NaN none */
    cr_assert_eq(fl_table_join(r, l, "k", "k", FL_JOIN_INNER, "_r", &o, &err),
                 FL_OK, "%s", err.msg);
    cr_assert_str_eq(vals(o, "tag"), "a|c");
    fl_table_unref(o);
    fl_table_unref(l);
    fl_table_unref(r);
}

Test(ops, join_float_keys_signed_zero_and_nan)
{
    /* documented: -0.0 matches 0.0, NaN matches NaN (one value, as when
     * grouping) */
    double lf[] = {0.0, NAN, 1.5};
    double rf[] = {NAN, -0.0};
    int64_t rv[] = {1, 2};
    const char *ln[] = {"f"}, *rn[] = {"f", "rv"};
    fl_column *lc[] = {tu_float_col(lf, NULL, 3)};
    fl_column *rc[] = {tu_float_col(rf, NULL, 2), tu_int_col(rv, NULL, 2)};
    fl_table *l = table(1, ln, lc), *r = table(2, rn, rc), *o;
    fl_error err;
    cr_assert_eq(fl_table_join(l, r, "f", "f", FL_JOIN_LEFT, "_r", &o, &err),
                 FL_OK, "%s", err.msg);
    cr_assert_str_eq(vals(o, "rv"), "2|1|null");
    fl_table_unref(o);
    fl_table_unref(l);
    fl_table_unref(r);
}

Test(ops, join_errors)
{
    fl_table *l, *r, *o = NULL;
    string_tables(&l, &r);
    fl_error err;
    /* string with int */
    cr_assert_eq(
        fl_table_join(l, r, "name", "y", FL_JOIN_INNER, "_r", &o, &err),
        FL_EINVAL);
    cr_assert(strstr(err.msg, "string"), "%s", err.msg);
    cr_assert(strstr(err.msg, "int"), "%s", err.msg);
    cr_assert_eq(
        fl_table_join(l, r, "nope", "who", FL_JOIN_INNER, "_r", &o, &err),
        FL_EINVAL);
    cr_assert(strstr(err.msg, "nope"), "%s", err.msg);
    cr_assert_eq(
        fl_table_join(l, r, "name", "nope", FL_JOIN_INNER, "_r", &o, &err),
        FL_EINVAL);
    cr_assert(strstr(err.msg, "who, y"), "lists the right columns: %s",
              err.msg);
    cr_assert_null(o);
    fl_table_unref(l);
    fl_table_unref(r);
}

/* ---- distinct ------------------------------------------------------------*/

Test(ops, distinct_sorted_nulls_last)
{
    /* g = b a null b a, n = 1 2 1 1 null.
     * distinct g: a b null.
     * distinct (g, n): (a,2) (a,null) (b,1) (null,1); (b,1) occurs twice. */
    const char *g[] = {"b", "a", NULL, "b", "a"};
    int64_t n[] = {1, 2, 1, 1, 0};
    int nn[] = {0, 0, 0, 0, 1};
    const char *names[] = {"g", "n"};
    fl_column *cols[] = {tu_str_col(g, 5), tu_int_col(n, nn, 5)};
    fl_table *t = table(2, names, cols), *o;
    fl_error err;
    const char *one[] = {"g"};
    cr_assert_eq(fl_table_distinct(t, one, 1, &o, &err), FL_OK, "%s", err.msg);
    cr_assert_str_eq(names_of(o), "g");
    cr_assert_str_eq(vals(o, "g"), "a|b|null");
    fl_table_unref(o);
    const char *two[] = {"g", "n"};
    cr_assert_eq(fl_table_distinct(t, two, 2, &o, &err), FL_OK, "%s", err.msg);
    cr_assert_str_eq(vals(o, "g"), "a|a|b|null");
    cr_assert_str_eq(vals(o, "n"), "2|null|1|1");
    fl_table_unref(o);
    o = NULL;
    const char *bad[] = {"zz"};
    cr_assert_eq(fl_table_distinct(t, bad, 1, &o, &err), FL_EINVAL);
    cr_assert(strstr(err.msg, "zz"), "%s", err.msg);
    cr_assert_null(o);
    fl_table_unref(t);
}

/* ---- write_csv -----------------------------------------------------------*/

/* Writes t to a memory stream; returns the text (free()). */
static char *csv_text(const fl_table *t)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    cr_assert(f);
    fl_error err;
    fl_status st = fl_table_write_csv(t, f, &err);
    cr_assert_eq(st, FL_OK, "%s", err.msg);
    fclose(f);
    return buf;
}

Test(ops, write_csv_quoting_floats_dates_nulls)
{
    /* Floats: the shortest of %.15g/%.16g/%.17g that reads back, ".0" added
     * when the text would read as an int:
     *   0.1 -> 0.1; 1e20 -> 1e+20; -0.0 -> "-0" -> -0.0; 3.0 -> 3.0;
     *   1/3 -> 0.3333333333333333 (16 digits; 15 do not read back);
     *   0.1 + 0.2 -> 0.30000000000000004 (17 digits); 2.5e-7 -> 2.5e-07.
     * Dates: day 20648 is 2026-07-14, -1 is 1969-12-31.
     * Timestamps: 1784021400 s is 2026-07-14T09:30:00Z; -1 us is one
     * microsecond before the epoch; 500000 us is half a second after. */
    const char *s[] = {"plain", "has,comma", "say \"hi\"", "two\nlines",
                       NULL,    " pad",      "",           "cr\r"};
    double f[] = {0.1, 1e20, -0.0, 3.0, 0, 1.0 / 3, 0.1 + 0.2, 2.5e-7};
    int fn[] = {0, 0, 0, 0, 1, 0, 0, 0};
    int32_t d[] = {20648, -1, 0, 0, 0, 0, 0, 0};
    int64_t ts[] = {INT64_C(1784021400000000), -1, 500000, 0, 0, 0, 0, 0};
    int tsn[] = {0, 0, 0, 1, 1, 1, 1, 1};
    int b[] = {1, 0, 1, 0, 0, 0, 0, 0};
    int bn[] = {0, 0, 0, 1, 1, 1, 1, 1};
    int64_t i[] = {1, -2, INT64_MIN, 0, 0, 0, 0, 0};
    const char *names[] = {"text, raw", "f", "d", "ts", "b", "i"};
    fl_column *cols[] = {tu_str_col(s, 8),   tu_float_col(f, fn, 8),
                         date_col(d, 8),     ts_col(ts, tsn, 8),
                         bool_col(b, bn, 8), tu_int_col(i, NULL, 8)};
    fl_table *t = table(6, names, cols);
    char *text = csv_text(t);
    cr_assert_str_eq(text,
                     "\"text, raw\",f,d,ts,b,i\n"
                     "plain,0.1,2026-07-14,2026-07-14T09:30:00Z,true,1\n"
                     "\"has,comma\",1e+20,1969-12-31,"
                     "1969-12-31T23:59:59.999999Z,false,-2\n"
                     "\"say \"\"hi\"\"\",-0.0,1970-01-01,"
                     "1970-01-01T00:00:00.500000Z,true,-9223372036854775808\n"
                     "\"two\nlines\",3.0,1970-01-01,,,0\n"
                     ",,1970-01-01,,,0\n"
                     "\" pad\",0.3333333333333333,1970-01-01,,,0\n"
                     "\"\",0.30000000000000004,1970-01-01,,,0\n"
                     "\"cr\r\",2.5e-07,1970-01-01,,,0\n");
    free(text);
    fl_table_unref(t);
}

Test(ops, write_csv_follows_the_selection_and_nonfinite)
{
    /* sorted by v: 1 (row 2), 2 (row 0), then inf, nan in writing order */
    double v[] = {2, INFINITY, 1, NAN, -INFINITY};
    const char *names[] = {"v"};
    fl_column *cols[] = {tu_float_col(v, NULL, 5)};
    fl_table *t = table(1, names, cols);
    fl_table *o = sort1(t, "v", 0);
    char *text = csv_text(o);
    /* -inf, 1, 2, inf, NaN (NaN above every number) */
    cr_assert_str_eq(text, "v\n-inf\n1.0\n2.0\ninf\nnan\n");
    free(text);
    fl_table_unref(o);
    fl_table_unref(t);
}

Test(ops, write_csv_one_column_tabs_and_header_delimiters)
{
    /* A one-column null is written "" (a blank line would be skipped by a
     * reader); a value with a leading or trailing tab is quoted (readers trim
     * tabs); a header name holding ';' is quoted (delimiter detection reads
     * the header), the same text as a value is not. */
    const char *s[] = {"a;b", NULL, "\tx", "y\t", "mid\tdle"};
    const char *names[] = {"p;q"};
    fl_column *cols[] = {tu_str_col(s, 5)};
    fl_table *t = table(1, names, cols);
    char *text = csv_text(t);
    cr_assert_str_eq(text, "\"p;q\"\na;b\n\"\"\n\"\tx\"\n\"y\t\"\nmid\tdle\n");
    free(text);
    fl_table_unref(t);
}

Test(ops, write_csv_reports_io_errors)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        cr_skip_test("no /dev/full");
    fl_table *t = abc();
    fl_error err;
    cr_assert_eq(fl_table_write_csv(t, f, &err), FL_EIO);
    cr_assert(strstr(err.msg, "write_csv"), "%s", err.msg);
    fclose(f);
    fl_table_unref(t);
}

/* ---- allocation failure --------------------------------------------------*/

enum {
    OP_SORT,
    OP_SORT_STRINGS,
    OP_JOIN_INNER,
    OP_JOIN_LEFT,
    OP_JOIN_STRINGS,
    OP_DISTINCT,
    OP_WITH,
    OP_SELECT,
    OP_HEAD,
    OP_CSV,
    NOPS
};

/* Builds fresh input tables (so that lazily built dictionary ranks are
 * built anew each time), makes the k-th allocation of operation `which`
 * fail (k = 0: none), releases the inputs. *count: allocations made. */
static fl_status run_op(int which, long k, fl_table **out, long *count,
                        fl_error *err)
{
    fl_table *l, *r, *sl, *sr;
    join_tables(&l, &r);
    string_tables(&sl, &sr);
    int32_t rows[] = {5, 0, 3, 1};
    fl_table *lsel = take(l, rows, 4);
    fl_expr *ca = fl_expr_col("x"), *neg = fl_expr_unary(FL_E_NEG, ca);
    const char *keys[] = {"name", "x"}, *wn[] = {"y"};
    const char *sk[] = {"id", "lv"};
    int desc[] = {1, 0};
    fl_expr *we[] = {neg};
    FILE *f = NULL;
    char *buf = NULL;
    size_t size = 0;
    if (which == OP_CSV)
        cr_assert(f = open_memstream(&buf, &size));
    fl_status st = FL_OK;
    *out = NULL;
    fl_alloc_fail_after(0);
    fl_alloc_fail_after(k);
    switch (which) {
    case OP_SORT:
        st = fl_table_sort(lsel, sk, desc, 2, out, err);
        break;
    case OP_SORT_STRINGS:
        st = fl_table_sort(sl, keys, desc, 2, out, err);
        break;
    case OP_JOIN_INNER:
        st = fl_table_join(l, r, "id", "id", FL_JOIN_INNER, "_r", out, err);
        break;
    case OP_JOIN_LEFT:
        st = fl_table_join(lsel, r, "id", "id", FL_JOIN_LEFT, "_r", out, err);
        break;
    case OP_JOIN_STRINGS:
        st = fl_table_join(sl, sr, "name", "who", FL_JOIN_LEFT, "_r", out, err);
        break;
    case OP_DISTINCT:
        st = fl_table_distinct(sl, keys, 2, out, err);
        break;
    case OP_WITH:
        st = fl_table_with(sl, wn, we, 1, out, err);
        break;
    case OP_SELECT:
        st = fl_table_select(lsel, sk, 2, out, err);
        break;
    case OP_HEAD:
        st = fl_table_head(l, 2, out, err);
        break;
    case OP_CSV:
        st = fl_table_write_csv(lsel, f, err);
        break;
    }
    *count = fl_alloc_fail_after(0);
    if (f) {
        fclose(f);
        free(buf);
    }
    fl_expr_unref(neg);
    fl_expr_unref(ca);
    fl_table_unref(lsel);
    fl_table_unref(l);
    fl_table_unref(r);
    fl_table_unref(sl);
    fl_table_unref(sr);
    return st;
}

Test(ops, allocation_failures_leave_nothing_behind)
{
    for (int which = 0; which < NOPS; which++) {
        fl_table *o;
        fl_error err;
        long total;
        size_t before = fl_alloc_bytes();
        fl_status st = run_op(which, 0, &o, &total, &err);
        cr_assert_eq(st, FL_OK, "op %d: %s", which, err.msg);
        cr_assert_geq(total, 1, "op %d allocates", which);
        fl_table_unref(o);
        cr_assert_eq(fl_alloc_bytes(), before, "op %d leaks", which);
        for (long k = 1; k <= total; k++) {
            long n;
            st = run_op(which, k, &o, &n, &err);
            cr_assert_eq(st, FL_ENOMEM, "op %d, allocation %ld of %ld", which,
                         k, total);
            cr_assert_null(o, "op %d, allocation %ld", which, k);
            cr_assert_eq(fl_alloc_bytes(), before,
                         "leak: op %d, allocation %ld", which, k);
        }
    }
}

/* The join tables above with 30 more right rows whose keys match nothing,
 * spread before, between and after the others: the left side is now much
 * smaller (6 rows against 36), which builds the hash table over the left
 * keys (fl_ops.c, pairs_small_left). The answers must be the same, in the
 * same order, as worked out above for the usual way. */
static void join_tables_big_right(fl_table **l, fl_table **r)
{
    fl_table *r6;
    join_tables(l, &r6);
    fl_table_unref(r6);
    int64_t rid[36], rv[36];
    int rnull[36] = {0};
    int k = 0;
    const int64_t core_id[] = {2, 1, 2, 5, 0, 1},
                  core_v[] = {10, 20, 30, 40, 50, 60};
    for (int i = 0; i < 6; i++) {
        for (int e = 0; e < 5; e++, k++) { /* 5 unmatched rows before each */
            rid[k] = 100 + k;
            rv[k] = -1;
        }
        rid[k] = core_id[i];
        rv[k] = core_v[i];
        rnull[k++] = i == 4;
    }
    const char *rn[] = {"id", "rv"};
    fl_column *rc[] = {tu_int_col(rid, rnull, 36), tu_int_col(rv, NULL, 36)};
    *r = table(2, rn, rc);
}

Test(ops, join_small_left_big_right_same_answers)
{
    fl_table *l, *r, *o;
    join_tables_big_right(&l, &r);
    fl_error err;
    cr_assert_eq(
        fl_table_join(l, r, "id", "id", FL_JOIN_INNER, "_right", &o, &err),
        FL_OK, "%s", err.msg);
    cr_assert_str_eq(vals(o, "id"), "1|1|2|2|2|2");
    cr_assert_str_eq(vals(o, "lv"), "a|a|b|b|c|c");
    cr_assert_str_eq(vals(o, "rv"), "20|60|10|30|10|30");
    fl_table_unref(o);
    cr_assert_eq(
        fl_table_join(l, r, "id", "id", FL_JOIN_LEFT, "_right", &o, &err),
        FL_OK, "%s", err.msg);
    cr_assert_str_eq(vals(o, "id"), "1|1|2|2|2|2|3|null|4");
    cr_assert_str_eq(vals(o, "lv"), "a|a|b|b|c|c|d|e|f");
    cr_assert_str_eq(vals(o, "rv"), "20|60|10|30|10|30|null|null|null");
    fl_table_unref(o);
    fl_table_unref(l);
    fl_table_unref(r);
}
