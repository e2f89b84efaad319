/*
 * Tests of fl_expr: every operator with and without nulls, the type rules and
 * their errors, strings through dictionaries, buckets, filters over
 * selection vectors, describe, and failing allocations. Expected values are
 * worked out by hand in the comments; "T", "F", "N" strings spell a bool
 * column (true, false, null) row by row.
 */
#include <math.h>

#include "fl_expr.h"
#include "test_util.h"

/* ---- building inputs -----------------------------------------------------*/

static fl_column *bool_col(const char *tfn)
{
    int n = (int)strlen(tfn);
    fl_column *c = fl_column_new(FL_BOOL, n, NULL);
    for (int i = 0; i < n; i++)
        cr_assert_eq(tfn[i] == 'N'
                         ? fl_column_append_null(c, NULL)
                         : fl_column_append_bool(c, tfn[i] == 'T', NULL),
                     FL_OK);
    return c;
}

/* Dates and timestamps from ISO texts; NULL is a null. */
static fl_column *time_col(fl_type type, const char *const *v, int n)
{
    fl_column *c = fl_column_new(type, n, NULL);
    for (int i = 0; i < n; i++) {
        if (!v[i]) {
            cr_assert_eq(fl_column_append_null(c, NULL), FL_OK);
            continue;
        }
        int32_t days;
        int64_t us;
        int kind = fl_parse_datetime(v[i], strlen(v[i]), &days, &us);
        cr_assert_neq(kind, FL_DT_NONE, "bad test input %s", v[i]);
        if (type == FL_DATE)
            cr_assert_eq(fl_column_append_date(c, days, NULL), FL_OK);
        else
            cr_assert_eq(fl_column_append_int(c, us, NULL), FL_OK);
    }
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

static fl_table *table1(const char *name, fl_column *c)
{
    return table(1, &name, &c);
}

/* ---- building expressions: these take the references they are given ----*/

static fl_expr *C(const char *name)
{
    fl_expr *e = fl_expr_col(name);
    cr_assert(e);
    return e;
}

static fl_expr *lit(fl_value v)
{
    fl_expr *e = fl_expr_lit(&v);
    cr_assert(e);
    return e;
}

static fl_expr *I(int64_t x)
{
    return lit((fl_value){.type = FL_INT, .u.i = x});
}

static fl_expr *F(double x)
{
    return lit((fl_value){.type = FL_FLOAT, .u.f = x});
}

static fl_expr *B(int x)
{
    return lit((fl_value){.type = FL_BOOL, .u.b = x});
}

static fl_expr *S(const char *s)
{
    fl_value v = {.type = FL_STRING};
    v.u.str.s = s;
    v.u.str.len = strlen(s);
    return lit(v);
}

/* funnel.null as the binding makes it: an untyped (string) null */
static fl_expr *NUL(void)
{
    return lit((fl_value){.type = FL_STRING, .is_null = 1});
}

static fl_expr *bin(fl_expr_op op, fl_expr *a, fl_expr *b)
{
    fl_expr *e = fl_expr_binary(op, a, b);
    cr_assert(e);
    fl_expr_unref(a);
    fl_expr_unref(b);
    return e;
}

static fl_expr *un(fl_expr_op op, fl_expr *a)
{
    fl_expr *e = fl_expr_unary(op, a);
    cr_assert(e);
    fl_expr_unref(a);
    return e;
}

static fl_expr *bucket(fl_bucket b, fl_expr *a)
{
    fl_expr *e = fl_expr_bucket(b, a);
    cr_assert(e);
    fl_expr_unref(a);
    return e;
}

/* ---- evaluating and checking ---------------------------------------------*/

/* Evaluates e (taken) over t and returns the column. */
static fl_column *ev(fl_expr *e, const fl_table *t)
{
    fl_column *c = NULL;
    fl_error err;
    fl_status st = fl_expr_eval(e, t, &c, &err);
    cr_assert_eq(st, FL_OK, "eval failed: %s", err.msg);
    cr_assert_eq(c->length, t->nrows);
    fl_expr_unref(e);
    return c;
}

/* Evaluates e (taken) and expects an error whose message is msg. */
static void ev_error(fl_expr *e, const fl_table *t, fl_status want,
                     const char *msg)
{
    fl_column *c = NULL;
    fl_error err;
    memset(&err, 0, sizeof err);
    fl_status st = fl_expr_eval(e, t, &c, &err);
    cr_assert_eq(st, want, "status %d, message '%s'", st, err.msg);
    cr_assert_null(c);
    if (msg)
        cr_assert_str_eq(err.msg, msg);
    /* fl_expr_type checks the same rules and gives the same message */
    fl_type ty;
    fl_error err2;
    memset(&err2, 0, sizeof err2);
    if (fl_expr_type(e, t, &ty, &err2) != FL_OK && msg)
        cr_assert_str_eq(err2.msg, msg);
    fl_expr_unref(e);
}

/* The null count must match the bitmap, and no bitmap without a null. */
static void check_nulls(const fl_column *c)
{
    int64_t nulls = 0;
    for (int64_t i = 0; i < c->length; i++)
        nulls += !fl_column_valid(c, i);
    cr_assert_eq(c->null_count, nulls);
    if (nulls == 0)
        cr_assert_null(c->validity, "a bitmap without nulls");
}

/* Takes c. */
static void expect_bools(fl_column *c, const char *tfn)
{
    cr_assert_eq(c->type, FL_BOOL);
    cr_assert_eq(c->length, (int64_t)strlen(tfn));
    for (int64_t i = 0; i < c->length; i++) {
        char got = !fl_column_valid(c, i) ? 'N' : FL_U8(c)[i] ? 'T' : 'F';
        cr_assert_eq(got, tfn[i], "row %lld: got %c, want %c (want %s)",
                     (long long)i, got, tfn[i], tfn);
    }
    check_nulls(c);
    fl_column_unref(c);
}

/* marks a null in expected int arrays (a value no test computes) */
#define NA INT64_C(-7777777777777777)

static void expect_ints(fl_column *c, const int64_t *want, int n)
{
    cr_assert_eq(c->type, FL_INT);
    cr_assert_eq(c->length, n);
    for (int i = 0; i < n; i++) {
        if (want[i] == NA) {
            cr_assert(!fl_column_valid(c, i), "row %d should be null", i);
        } else {
            cr_assert(fl_column_valid(c, i), "row %d is null", i);
            cr_assert_eq(FL_I64(c)[i], want[i], "row %d: %lld != %lld", i,
                         (long long)FL_I64(c)[i], (long long)want[i]);
        }
    }
    check_nulls(c);
    fl_column_unref(c);
}

static void expect_floats(fl_column *c, const double *want, int n)
{
    cr_assert_eq(c->type, FL_FLOAT);
    cr_assert_eq(c->length, n);
    for (int i = 0; i < n; i++) {
        if (isnan(want[i])) { /* NAN marks a null */
            cr_assert(!fl_column_valid(c, i), "row %d should be null", i);
        } else {
            cr_assert(fl_column_valid(c, i), "row %d is null", i);
            cr_assert(fabs(FL_F64(c)[i] - want[i]) <= 1e-12 * fabs(want[i]),
                      "row %d: %.17g != %.17g", i, FL_F64(c)[i], want[i]);
        }
    }
    check_nulls(c);
    fl_column_unref(c);
}

/* Dates as "YYYY-MM-DD" texts, NULL for null. */
static void expect_dates(fl_column *c, const char *const *want, int n)
{
    cr_assert_eq(c->type, FL_DATE);
    cr_assert_eq(c->length, n);
    for (int i = 0; i < n; i++) {
        if (!want[i]) {
            cr_assert(!fl_column_valid(c, i), "row %d should be null", i);
            continue;
        }
        char buf[16];
        cr_assert(fl_column_valid(c, i), "row %d is null", i);
        fl_format_date(FL_I32(c)[i], buf);
        cr_assert_str_eq(buf, want[i], "row %d", i);
    }
    check_nulls(c);
    fl_column_unref(c);
}

static void expect_strs(fl_column *c, const char *const *want, int n)
{
    cr_assert_eq(c->type, FL_STRING);
    cr_assert_eq(c->length, n);
    for (int i = 0; i < n; i++) {
        const char *got = tu_str_at(c, i);
        if (!want[i])
            cr_assert_null(got, "row %d should be null", i);
        else
            cr_assert(got && strcmp(got, want[i]) == 0,
                      "row %d: got '%s', want '%s'", i, got ? got : "(null)",
                      want[i]);
    }
    check_nulls(c);
    fl_column_unref(c);
}

static void expect_describe(fl_expr *e, const char *want)
{
    char *d = fl_expr_describe(e);
    cr_assert_str_eq(d, want);
    fl_free(d);
    fl_expr_unref(e);
}

static fl_type type_of(fl_expr *e, const fl_table *t)
{
    fl_type ty;
    fl_error err;
    cr_assert_eq(fl_expr_type(e, t, &ty, &err), FL_OK, "%s", err.msg);
    fl_expr_unref(e);
    return ty;
}

/* A table a (int) and b (int) with the given values. */
static fl_table *ints2(const int64_t *a, const int *an, const int64_t *b,
                       const int *bn, int n)
{
    const char *names[] = {"a", "b"};
    fl_column *cols[] = {tu_int_col(a, an, n), tu_int_col(b, bn, n)};
    return table(2, names, cols);
}

/* ==== arithmetic ==========================================================*/

Test(expr, int_arithmetic_with_nulls_overflow_and_zero)
{
    int64_t a[] = {7, -7, 5, 0, INT64_MAX};
    int an[] = {0, 0, 0, 1, 0};
    int64_t b[] = {3, 3, 0, 1, 1};
    fl_table *t = ints2(a, an, b, NULL, 5);

    /* 7+3, -7+3, 5+0, null, INT64_MAX+1 overflows -> null */
    int64_t add[] = {10, -4, 5, NA, NA};
    expect_ints(ev(bin(FL_E_ADD, C("a"), C("b")), t), add, 5);
    int64_t sub[] = {4, -10, 5, NA, INT64_MAX - 1};
    expect_ints(ev(bin(FL_E_SUB, C("a"), C("b")), t), sub, 5);
    int64_t mul[] = {21, -21, 0, NA, INT64_MAX};
    expect_ints(ev(bin(FL_E_MUL, C("a"), C("b")), t), mul, 5);
    /* floored modulo as in Lua: -7 % 3 == 2 (-7 = 3 * -3 + 2); 5 % 0 is
     * null; INT64_MAX % 1 == 0 */
    int64_t mod[] = {1, 2, NA, NA, 0};
    expect_ints(ev(bin(FL_E_MOD, C("a"), C("b")), t), mod, 5);
    /* `/` is always float: 7/3, -7/3, 5/0 -> null */
    double dv[] = {7.0 / 3, -7.0 / 3, NAN, NAN, 9223372036854775807.0};
    expect_floats(ev(bin(FL_E_DIV, C("a"), C("b")), t), dv, 5);
    /* unary minus */
    int64_t neg[] = {-7, 7, -5, NA, -INT64_MAX};
    expect_ints(ev(un(FL_E_NEG, C("a")), t), neg, 5);
    fl_table_unref(t);
}

Test(expr, int_overflow_edges)
{
    int64_t a[] = {INT64_MIN, INT64_MAX, INT64_MIN, 4};
    int64_t b[] = {-1, 2, 1, -3};
    fl_table *t = ints2(a, NULL, b, NULL, 4);
    /* INT64_MIN * -1 and INT64_MAX * 2 overflow; 4 * -3 = -12 */
    int64_t mul[] = {NA, NA, INT64_MIN, -12};
    expect_ints(ev(bin(FL_E_MUL, C("a"), C("b")), t), mul, 4);
    /* INT64_MIN - 1 overflows; INT64_MAX - 2; INT64_MIN - 1; 4 - -3 = 7 */
    int64_t sub[] = {INT64_MIN + 1, INT64_MAX - 2, NA, 7};
    expect_ints(ev(bin(FL_E_SUB, C("a"), C("b")), t), sub, 4);
    /* INT64_MIN % -1 is 0 (C's % would trap); 4 % -3 = -2 in Lua
     * (4 = -3 * -2 - 2) */
    int64_t mod[] = {0, 1, 0, -2};
    expect_ints(ev(bin(FL_E_MOD, C("a"), C("b")), t), mod, 4);
    /* -INT64_MIN does not exist */
    int64_t neg[] = {NA, -INT64_MAX, NA, -4};
    expect_ints(ev(un(FL_E_NEG, C("a")), t), neg, 4);
    fl_table_unref(t);
}

Test(expr, arithmetic_without_nulls_has_no_bitmap)
{
    int64_t a[] = {1, 2, 3};
    int64_t b[] = {4, 5, 6};
    fl_table *t = ints2(a, NULL, b, NULL, 3);
    fl_column *c = ev(bin(FL_E_MUL, C("a"), I(10)), t);
    cr_assert_null(c->validity);
    int64_t want[] = {10, 20, 30};
    expect_ints(c, want, 3);
    /* literal on the left of a non-commutative operator: 10 - a */
    int64_t sub[] = {9, 8, 7};
    expect_ints(ev(bin(FL_E_SUB, I(10), C("a")), t), sub, 3);
    /* b % a: 4 % 1, 5 % 2, 6 % 3 */
    int64_t mod[] = {0, 1, 0};
    expect_ints(ev(bin(FL_E_MOD, C("b"), C("a")), t), mod, 3);
    fl_table_unref(t);
}

Test(expr, float_and_mixed_arithmetic)
{
    double x[] = {1.5, -2.5, 0};
    int xn[] = {0, 0, 1};
    int64_t k[] = {2, 0, 3};
    const char *names[] = {"x", "k"};
    fl_column *cols[] = {tu_float_col(x, xn, 3), tu_int_col(k, NULL, 3)};
    fl_table *t = table(2, names, cols);

    /* float * int literal -> float: 3.0, -5.0, null */
    double mul[] = {3.0, -5.0, NAN};
    expect_floats(ev(bin(FL_E_MUL, C("x"), I(2)), t), mul, 3);
    /* int column + float column -> float: 2 + 1.5, 0 - 2.5, null */
    double add[] = {3.5, -2.5, NAN};
    expect_floats(ev(bin(FL_E_ADD, C("k"), C("x")), t), add, 3);
    /* x / k: 1.5 / 2, -2.5 / 0 -> null, null */
    double dv[] = {0.75, NAN, NAN};
    expect_floats(ev(bin(FL_E_DIV, C("x"), C("k")), t), dv, 3);
    /* x % 2.0 with Lua's sign rule: 1.5, -2.5 % 2 = 1.5 (-2.5 = 2*-2 + 1.5) */
    double mod[] = {1.5, 1.5, NAN};
    expect_floats(ev(bin(FL_E_MOD, C("x"), F(2.0)), t), mod, 3);
    /* 2 - x with the literal on the left: 0.5, 4.5, null */
    double sub[] = {0.5, 4.5, NAN};
    expect_floats(ev(bin(FL_E_SUB, I(2), C("x")), t), sub, 3);
    /* x / 0: every row null */
    double zero[] = {NAN, NAN, NAN};
    expect_floats(ev(bin(FL_E_DIV, C("x"), I(0)), t), zero, 3);
    double neg[] = {-1.5, 2.5, NAN};
    expect_floats(ev(un(FL_E_NEG, C("x")), t), neg, 3);
    /* int / int is float: 2/2, 0/2, 3/2 */
    double kd[] = {1.0, 0.0, 1.5};
    expect_floats(ev(bin(FL_E_DIV, C("k"), I(2)), t), kd, 3);
    fl_table_unref(t);
}

Test(expr, null_literal_gives_null)
{
    int64_t a[] = {1, 2};
    fl_table *t = ints2(a, NULL, a, NULL, 2);
    int64_t nn[] = {NA, NA};
    expect_ints(ev(bin(FL_E_ADD, C("a"), NUL()), t), nn, 2);
    expect_bools(ev(bin(FL_E_EQ, NUL(), C("a")), t), "NN");
    fl_table_unref(t);
}

/* ==== dates and timestamps ================================================*/

Test(expr, date_arithmetic)
{
    const char *d1[] = {"2026-03-01", "2024-03-01", NULL, "2026-01-31"};
    const char *d2[] = {"2026-02-01", "2024-02-01", "2026-01-01", "2026-02-01"};
    const char *names[] = {"closed_at", "created_at"};
    fl_column *cols[] = {time_col(FL_DATE, d1, 4), time_col(FL_DATE, d2, 4)};
    fl_table *t = table(2, names, cols);

    /* February has 28 days in 2026 and 29 in 2024; null; Jan 31 - Feb 1 */
    int64_t diff[] = {28, 29, NA, -1};
    expect_ints(ev(bin(FL_E_SUB, C("closed_at"), C("created_at")), t), diff, 4);
    /* date + int -> date */
    const char *plus30[] = {"2026-03-31", "2024-03-31", NULL, "2026-03-02"};
    expect_dates(ev(bin(FL_E_ADD, C("closed_at"), I(30)), t), plus30, 4);
    const char *minus1[] = {"2026-02-28", "2024-02-29", NULL, "2026-01-30"};
    expect_dates(ev(bin(FL_E_SUB, C("closed_at"), I(1)), t), minus1, 4);
    /* int + date, the other order */
    const char *plus1[] = {"2026-03-02", "2024-03-02", NULL, "2026-02-01"};
    expect_dates(ev(bin(FL_E_ADD, I(1), C("closed_at")), t), plus1, 4);
    /* beyond year 9999 -> null */
    const char *far[] = {NULL, NULL, NULL, NULL};
    expect_dates(ev(bin(FL_E_ADD, C("closed_at"), I(INT64_C(1) << 40)), t), far,
                 4);
    /* date - '2026-01-01' (the text is read as a date): 59, -671
     * (2024-03-01 is 366 - 60 + 365 = 671 days before 2026-01-01), null, 30 */
    int64_t since[] = {59, -671, NA, 30};
    expect_ints(ev(bin(FL_E_SUB, C("closed_at"), S("2026-01-01")), t), since,
                4);
    fl_table_unref(t);
}

Test(expr, timestamp_difference_in_days)
{
    const char *a[] = {"2026-01-02T12:00:00Z", "1969-12-31T18:00:00Z", NULL};
    const char *b[] = {"2026-01-01T00:00:00Z", "1970-01-01T06:00:00Z",
                       "2026-01-01T00:00:00Z"};
    const char *names[] = {"a", "b"};
    fl_column *cols[] = {time_col(FL_TIMESTAMP, a, 3),
                         time_col(FL_TIMESTAMP, b, 3)};
    fl_table *t = table(2, names, cols);
    /* 1 day 12 hours = 1.5; 18:00 to next day 06:00 = -0.5 */
    double want[] = {1.5, -0.5, NAN};
    expect_floats(ev(bin(FL_E_SUB, C("a"), C("b")), t), want, 3);
    fl_table_unref(t);

    /* date - timestamp: 2026-01-02 (midnight) - 2026-01-01T12:00Z = 0.5 */
    const char *d[] = {"2026-01-02"};
    const char *ts[] = {"2026-01-01T12:00:00Z"};
    fl_column *cols2[] = {time_col(FL_DATE, d, 1),
                          time_col(FL_TIMESTAMP, ts, 1)};
    t = table(2, names, cols2);
    double half[] = {0.5};
    expect_floats(ev(bin(FL_E_SUB, C("a"), C("b")), t), half, 1);
    fl_table_unref(t);
}

Test(expr, date_and_timestamp_comparisons)
{
    const char *d[] = {"2026-07-01", "2026-07-02", NULL, "2026-06-30"};
    const char *ts[] = {"2026-07-01T09:00:00Z", "2026-07-02T00:00:00Z",
                        "2026-07-01T00:00:00Z", "2026-06-30T23:59:59Z"};
    const char *names[] = {"created_at", "seen_at"};
    fl_column *cols[] = {time_col(FL_DATE, d, 4),
                         time_col(FL_TIMESTAMP, ts, 4)};
    fl_table *t = table(2, names, cols);

    /* a date text against a date column */
    expect_bools(ev(bin(FL_E_GE, C("created_at"), S("2026-07-01")), t), "TTNF");
    expect_bools(ev(bin(FL_E_EQ, C("created_at"), S("2026-07-01")), t), "TFNF");
    /* a timestamp text against a date column compares as timestamps:
     * 2026-07-01 is midnight, before noon */
    expect_bools(
        ev(bin(FL_E_GT, C("created_at"), S("2026-07-01T12:00:00Z")), t),
        "FTNF");
    /* a date text against a timestamp column: midnight of that day */
    expect_bools(ev(bin(FL_E_GE, C("seen_at"), S("2026-07-01")), t), "TTTF");
    expect_bools(ev(bin(FL_E_LT, S("2026-07-01"), C("seen_at")), t), "TTFF");
    /* date column vs timestamp column: 07-01 00:00 < 09:00; equal at
     * 07-02 00:00; null; 06-30 00:00 < 23:59:59 */
    expect_bools(ev(bin(FL_E_LT, C("created_at"), C("seen_at")), t), "TFNT");
    expect_bools(ev(bin(FL_E_EQ, C("created_at"), C("seen_at")), t), "FTNF");
    /* between as the binding builds it: inclusive at both ends */
    fl_expr *between =
        bin(FL_E_AND, bin(FL_E_GE, C("created_at"), S("2026-07-01")),
            bin(FL_E_LE, C("created_at"), S("2026-07-31")));
    expect_bools(ev(between, t), "TTNF");

    ev_error(bin(FL_E_GE, C("created_at"), S("2026-13-45")), t, FL_EINVAL,
             "cannot compare date column 'created_at' with '2026-13-45': "
             "not a date");
    ev_error(bin(FL_E_LT, S("soon"), C("seen_at")), t, FL_EINVAL,
             "cannot compare timestamp column 'seen_at' with 'soon': "
             "not a date");
    fl_table_unref(t);
}

/* ==== buckets =============================================================*/

Test(expr, buckets_of_dates)
{
    /* 2026-01-01 is a Thursday, so its ISO week starts Monday 2025-12-29.
     * 2026-08-15 is day 227 of 2026: (227 - 1) % 7 = 2 days after a
     * Thursday, a Saturday; its Monday is 2026-08-10.
     * 2024-02-29 is day 60 of 2024, which began on a Monday: (60 - 1) % 7
     * = 3, a Thursday; its Monday is 2024-02-26. */
    const char *d[] = {"2026-01-01", "2026-08-15", "2024-02-29", NULL};
    fl_table *t = table1("d", time_col(FL_DATE, d, 4));
    const char *day[] = {"2026-01-01", "2026-08-15", "2024-02-29", NULL};
    expect_dates(ev(bucket(FL_DAY, C("d")), t), day, 4);
    const char *week[] = {"2025-12-29", "2026-08-10", "2024-02-26", NULL};
    expect_dates(ev(bucket(FL_WEEK, C("d")), t), week, 4);
    const char *month[] = {"2026-01-01", "2026-08-01", "2024-02-01", NULL};
    expect_dates(ev(bucket(FL_MONTH, C("d")), t), month, 4);
    const char *quarter[] = {"2026-01-01", "2026-07-01", "2024-01-01", NULL};
    expect_dates(ev(bucket(FL_QUARTER, C("d")), t), quarter, 4);
    const char *year[] = {"2026-01-01", "2026-01-01", "2024-01-01", NULL};
    expect_dates(ev(bucket(FL_YEAR, C("d")), t), year, 4);
    fl_table_unref(t);
}

Test(expr, buckets_of_timestamps_before_1970)
{
    /* 1969-12-31 was a Wednesday (1970-01-01 was a Thursday): both rows
     * fall in the week of Monday 1969-12-29. A timestamp one hour before
     * the epoch is on 1969-12-31, not 1970-01-01 (floor, not truncation). */
    const char *ts[] = {"1969-12-31T23:00:00Z", "1970-01-01T00:00:00Z",
                        "1969-12-31T00:00:00Z", NULL};
    fl_table *t = table1("ts", time_col(FL_TIMESTAMP, ts, 4));
    const char *day[] = {"1969-12-31", "1970-01-01", "1969-12-31", NULL};
    expect_dates(ev(bucket(FL_DAY, C("ts")), t), day, 4);
    const char *week[] = {"1969-12-29", "1969-12-29", "1969-12-29", NULL};
    expect_dates(ev(bucket(FL_WEEK, C("ts")), t), week, 4);
    const char *month[] = {"1969-12-01", "1970-01-01", "1969-12-01", NULL};
    expect_dates(ev(bucket(FL_MONTH, C("ts")), t), month, 4);
    const char *quarter[] = {"1969-10-01", "1970-01-01", "1969-10-01", NULL};
    expect_dates(ev(bucket(FL_QUARTER, C("ts")), t), quarter, 4);
    const char *year[] = {"1969-01-01", "1970-01-01", "1969-01-01", NULL};
    expect_dates(ev(bucket(FL_YEAR, C("ts")), t), year, 4);
    fl_table_unref(t);
}

/* ==== comparisons and logic ===============================================*/

Test(expr, numeric_comparisons)
{
    int64_t a[] = {1, 2, 3, 0};
    int an[] = {0, 0, 0, 1};
    int64_t b[] = {3, 2, 1, 5};
    fl_table *t = ints2(a, an, b, NULL, 4);
    /* a against 2 */
    expect_bools(ev(bin(FL_E_EQ, C("a"), I(2)), t), "FTFN");
    expect_bools(ev(bin(FL_E_NE, C("a"), I(2)), t), "TFTN");
    expect_bools(ev(bin(FL_E_LT, C("a"), I(2)), t), "TFFN");
    expect_bools(ev(bin(FL_E_LE, C("a"), I(2)), t), "TTFN");
    expect_bools(ev(bin(FL_E_GT, C("a"), I(2)), t), "FFTN");
    expect_bools(ev(bin(FL_E_GE, C("a"), I(2)), t), "FTTN");
    /* the literal on the left: 2 < a is a > 2 */
    expect_bools(ev(bin(FL_E_LT, I(2), C("a")), t), "FFTN");
    /* int against float: 1 < 2.5, 2 < 2.5, 3 > 2.5 */
    expect_bools(ev(bin(FL_E_LT, C("a"), F(2.5)), t), "TTFN");
    /* two columns: 1<3, 2=2, 3>1, null */
    expect_bools(ev(bin(FL_E_LT, C("a"), C("b")), t), "TFFN");
    expect_bools(ev(bin(FL_E_EQ, C("a"), C("b")), t), "FTFN");
    /* b has no nulls: no bitmap on the result */
    fl_column *c = ev(bin(FL_E_GE, C("b"), I(2)), t);
    cr_assert_null(c->validity);
    expect_bools(c, "TTFT");
    fl_table_unref(t);
}

Test(expr, three_valued_logic_truth_table)
{
    const char *names[] = {"a", "b"};
    fl_column *cols[] = {bool_col("TTTFFFNNN"), bool_col("TFNTFNTFN")};
    fl_table *t = table(2, names, cols);
    /* SQL: false & null = false, true | null = true, else null spreads */
    expect_bools(ev(bin(FL_E_AND, C("a"), C("b")), t), "TFNFFFNFN");
    expect_bools(ev(bin(FL_E_OR, C("a"), C("b")), t), "TTTTFNTNN");
    expect_bools(ev(un(FL_E_NOT, C("a")), t), "FFFTTTNNN");
    /* with constants: x & false is false even for null x */
    expect_bools(ev(bin(FL_E_AND, C("a"), B(0)), t), "FFFFFFFFF");
    expect_bools(ev(bin(FL_E_OR, B(1), C("b")), t), "TTTTTTTTT");
    expect_bools(ev(bin(FL_E_AND, C("a"), B(1)), t), "TTTFFFNNN");
    /* x & null: false where x is false, else null */
    expect_bools(ev(bin(FL_E_AND, C("a"), NUL()), t), "NNNFFFNNN");
    expect_bools(ev(bin(FL_E_OR, NUL(), C("a")), t), "TTTNNNNNN");
    fl_table_unref(t);

    /* without nulls no bitmap appears */
    const char *names2[] = {"a", "b"};
    fl_column *cols2[] = {bool_col("TTFF"), bool_col("TFTF")};
    t = table(2, names2, cols2);
    fl_column *c = ev(bin(FL_E_AND, C("a"), C("b")), t);
    cr_assert_null(c->validity);
    expect_bools(c, "TFFF");
    expect_bools(ev(bin(FL_E_OR, C("a"), C("b")), t), "TTTF");
    expect_bools(ev(un(FL_E_NOT, C("b")), t), "FTFT");
    /* bools compare too: false < true */
    expect_bools(ev(bin(FL_E_LT, C("a"), C("b")), t), "FFTF");
    expect_bools(ev(bin(FL_E_GT, C("a"), C("b")), t), "FTFF");
    fl_table_unref(t);
}

Test(expr, is_null_and_not_null)
{
    int64_t a[] = {1, 0, 3};
    int an[] = {0, 1, 0};
    fl_table *t = ints2(a, an, a, NULL, 3);
    fl_column *c = ev(un(FL_E_IS_NULL, C("a")), t);
    cr_assert_null(c->validity); /* never null itself */
    expect_bools(c, "FTF");
    expect_bools(ev(un(FL_E_NOT_NULL, C("a")), t), "TFT");
    expect_bools(ev(un(FL_E_IS_NULL, C("b")), t), "FFF");
    expect_bools(ev(un(FL_E_IS_NULL, NUL()), t), "TTT");
    expect_bools(ev(un(FL_E_NOT, un(FL_E_IS_NULL, C("a"))), t), "TFT");
    fl_table_unref(t);
}

/* ==== strings =============================================================*/

Test(expr, string_against_literal)
{
    const char *v[] = {"won", "lost", NULL, "open", "won"};
    fl_table *t = table1("stage", tu_str_col(v, 5));
    expect_bools(ev(bin(FL_E_EQ, C("stage"), S("won")), t), "TFNFT");
    expect_bools(ev(bin(FL_E_NE, C("stage"), S("won")), t), "FTNTF");
    /* absent from the dictionary: equal to no row, different from all */
    expect_bools(ev(bin(FL_E_EQ, C("stage"), S("webinar")), t), "FFNFF");
    expect_bools(ev(bin(FL_E_NE, C("stage"), S("webinar")), t), "TTNTT");
    /* byte order: "lost" < "open" < "won" */
    expect_bools(ev(bin(FL_E_LT, C("stage"), S("open")), t), "FTNFF");
    expect_bools(ev(bin(FL_E_LE, C("stage"), S("open")), t), "FTNTF");
    expect_bools(ev(bin(FL_E_GT, C("stage"), S("open")), t), "TFNFT");
    expect_bools(ev(bin(FL_E_GE, C("stage"), S("lost")), t), "TTNTT");
    /* an absent literal orders too: "m" sits between "lost" and "open" */
    expect_bools(ev(bin(FL_E_LT, C("stage"), S("m")), t), "FTNFF");
    /* literal on the left: "open" > stage is stage < "open" */
    expect_bools(ev(bin(FL_E_GT, S("open"), C("stage")), t), "FTNFF");
    fl_table_unref(t);
}

Test(expr, string_nfc_and_code_point_order)
{
    /* the column holds NFC "Zoé" (from NFD input), "Zoz", "Zoa" */
    const char *v[] = {"Zoe\xcc\x81", "Zoz", "Zoa"};
    fl_table *t = table1("name", tu_str_col(v, 3));
    /* NFC literal and NFD literal both find row 0 */
    expect_bools(ev(bin(FL_E_EQ, C("name"), S("Zo\xc3\xa9")), t), "TFF");
    expect_bools(ev(bin(FL_E_EQ, C("name"), S("Zoe\xcc\x81")), t), "TFF");
    /* code point order: é (U+00E9) > z (U+007A) > a, so "Zoé" > "Zoz" */
    expect_bools(ev(bin(FL_E_LT, C("name"), S("Zoz")), t), "FFT");
    expect_bools(ev(bin(FL_E_GT, C("name"), S("Zoz")), t), "TFF");
    /* NFD literal is normalized before ordering: only "Zoé" >= "Zoé" */
    expect_bools(ev(bin(FL_E_GE, C("name"), S("Zoe\xcc\x81")), t), "TFF");
    fl_table_unref(t);
}

Test(expr, string_columns_same_and_different_dictionaries)
{
    /* a and b share one dictionary: codes and ranks are compared */
    const char *av[] = {"b", "a", "c", NULL};
    fl_column *a = tu_str_col(av, 4);
    fl_column *b = fl_column_new(FL_STRING, 4, a->dict);
    const char *bv[] = {"b", "c", "a", "a"};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(fl_column_append_str(b, bv[i], 1, NULL), FL_OK);
    cr_assert_eq(a->dict, b->dict);
    /* c has its own dictionary holding the same texts in another order */
    const char *cv[] = {"c", "a", "b", "x"};
    fl_column *c = tu_str_col(cv, 4);
    const char *names[] = {"a", "b", "c"};
    fl_column *cols[] = {a, b, c};
    fl_table *t = table(3, names, cols);
    /* a vs b: b=b, a<c, c>a, null */
    expect_bools(ev(bin(FL_E_EQ, C("a"), C("b")), t), "TFFN");
    expect_bools(ev(bin(FL_E_LT, C("a"), C("b")), t), "FTFN");
    expect_bools(ev(bin(FL_E_GE, C("a"), C("b")), t), "TFTN");
    /* b vs c by text: b<c, c>a, a<b, a<x */
    expect_bools(ev(bin(FL_E_EQ, C("b"), C("c")), t), "FFFF");
    expect_bools(ev(bin(FL_E_LT, C("b"), C("c")), t), "TFTT");
    expect_bools(ev(bin(FL_E_NE, C("c"), C("b")), t), "TTTT");
    /* a vs c: b>c? no; a=a; c>b; null */
    expect_bools(ev(bin(FL_E_EQ, C("a"), C("c")), t), "FTFN");
    expect_bools(ev(bin(FL_E_GT, C("a"), C("c")), t), "FFTN");
    fl_table_unref(t);
}

Test(expr, lower_is_unicode_case_folding)
{
    /* CaseFolding.txt: U+00C9 É -> U+00E9 é (C), U+00DF ß -> "ss" (F, full
     * folding), ASCII A-Z -> a-z. So "Straße" folds to "strasse", and the
     * NFD input "E\u0301COLE" folds like "ÉCOLE". */
    const char *v[] = {"\xc3\x89"
                       "COLE",
                       "Stra\xc3\x9f"
                       "e",
                       "MiXeD",
                       NULL,
                       "E\xcc\x81"
                       "cole",
                       "STRASSE"};
    fl_table *t = table1("s", tu_str_col(v, 6));
    fl_column *c = ev(un(FL_E_LOWER, C("s")), t);
    cr_assert_neq(c->dict, t->cols[0]->dict, "lower() has its own dict");
    /* rows 0 and 4, and rows 1 and 5, share a code */
    cr_assert_eq(FL_I32(c)[0], FL_I32(c)[4]);
    cr_assert_eq(FL_I32(c)[1], FL_I32(c)[5]);
    cr_assert_eq(c->dict->count, 3);
    const char *want[] = {"\xc3\xa9"
                          "cole",
                          "strasse",
                          "mixed",
                          NULL,
                          "\xc3\xa9"
                          "cole",
                          "strasse"};
    expect_strs(c, want, 6);
    /* lower(s) == "école": a case-insensitive comparison */
    expect_bools(ev(bin(FL_E_EQ, un(FL_E_LOWER, C("s")),
                        S("\xc3\xa9"
                          "cole")),
                    t),
                 "TFFNTF");
    fl_table_unref(t);
}

Test(expr, contains_and_starts_with)
{
    const char *v[] = {"webinar-2026", "seo", "Webinar",
                       NULL,           "web", "caf\xc3\xa9 au lait"};
    fl_table *t = table1("source", tu_str_col(v, 6));
    expect_bools(ev(bin(FL_E_CONTAINS, C("source"), S("web")), t), "TFFNTF");
    expect_bools(ev(bin(FL_E_CONTAINS, C("source"), S("in")), t), "TFTNFF");
    expect_bools(ev(bin(FL_E_STARTS_WITH, C("source"), S("webinar")), t),
                 "TFFNFF");
    /* the empty pattern is in every string */
    expect_bools(ev(bin(FL_E_CONTAINS, C("source"), S("")), t), "TTTNTT");
    /* an NFD pattern is normalized: "cafe\u0301" finds "café" */
    expect_bools(ev(bin(FL_E_CONTAINS, C("source"), S("cafe\xcc\x81")), t),
                 "FFFNFT");
    expect_bools(ev(bin(FL_E_STARTS_WITH, C("source"), NUL()), t), "NNNNNN");
    ev_error(bin(FL_E_CONTAINS, C("source"), C("source")), t, FL_EINVAL,
             "'contains': the pattern must be a string constant");
    ev_error(bin(FL_E_CONTAINS, C("source"), I(3)), t, FL_EINVAL,
             "'contains': the pattern must be a string constant");
    fl_table_unref(t);
}

/* ==== isin ================================================================*/

static fl_expr *isin(fl_expr *a, const fl_value *set, int n)
{
    fl_expr *e = fl_expr_isin(a, set, n);
    cr_assert(e);
    fl_expr_unref(a);
    return e;
}

static fl_value vs(const char *s)
{
    fl_value v = {.type = FL_STRING};
    v.u.str.s = s;
    v.u.str.len = strlen(s);
    return v;
}

Test(expr, isin_strings_with_null_in_column)
{
    const char *v[] = {"webinar", "seo", NULL, "ads"};
    fl_table *t = table1("source", tu_str_col(v, 4));
    fl_value set[] = {vs("webinar"), vs("seo"), vs("absent")};
    expect_bools(ev(isin(C("source"), set, 3), t), "TTNF");
    /* empty set: false, but null stays null */
    expect_bools(ev(isin(C("source"), set, 0), t), "FFNF");
    /* SQL: a null in the set makes a non-match null */
    fl_value withnull[] = {vs("webinar"), {.type = FL_STRING, .is_null = 1}};
    expect_bools(ev(isin(C("source"), withnull, 2), t), "TNNN");
    fl_value bad[] = {vs("seo"), {.type = FL_INT, .u.i = 3}};
    ev_error(isin(C("source"), bad, 2), t, FL_EINVAL,
             "cannot apply 'isin' to string and int (value 2)");
    fl_table_unref(t);
}

Test(expr, isin_numbers_and_dates)
{
    int64_t a[] = {1, 2, 0, 4, 5};
    int an[] = {0, 0, 1, 0, 0};
    fl_table *t = ints2(a, an, a, NULL, 5);
    /* 2.0 matches the int 2; 2.5 can match no int; 4 twice is fine */
    fl_value set[] = {{.type = FL_INT, .u.i = 4},
                      {.type = FL_FLOAT, .u.f = 2.0},
                      {.type = FL_FLOAT, .u.f = 2.5},
                      {.type = FL_INT, .u.i = 4}};
    expect_bools(ev(isin(C("a"), set, 4), t), "FTNTF");
    /* on a float column: a / 2 = 0.5, 1, null, 2, 2.5 against 4, 2, 2.5 */
    expect_bools(ev(isin(bin(FL_E_DIV, C("a"), I(2)), set, 4), t), "FFNTT");
    fl_table_unref(t);

    const char *d[] = {"2026-01-01", "2026-01-02", NULL};
    fl_table *td = table1("d", time_col(FL_DATE, d, 3));
    /* a midnight timestamp text equals its date; 12:00 equals no date */
    fl_value ds[] = {vs("2026-01-02T00:00:00Z"), vs("2026-01-01T12:00:00Z")};
    expect_bools(ev(isin(C("d"), ds, 2), td), "FTN");
    fl_value bad[] = {vs("2026-02-30")};
    ev_error(isin(C("d"), bad, 1), td, FL_EINVAL,
             "cannot compare date column 'd' with '2026-02-30': not a date");
    fl_table_unref(td);

    const char *ts[] = {"2026-01-01T00:00:00Z", "2026-01-01T12:00:00Z"};
    fl_table *tt = table1("ts", time_col(FL_TIMESTAMP, ts, 2));
    fl_value tset[] = {vs("2026-01-01")};
    expect_bools(ev(isin(C("ts"), tset, 1), tt), "TF");
    fl_table_unref(tt);
}

/* ==== type errors =========================================================*/

Test(expr, type_errors_name_operator_and_types)
{
    const char *s[] = {"x"};
    int64_t a[] = {1};
    const char *d[] = {"2026-01-01"};
    const char *names[] = {"name", "amount", "day", "flag"};
    fl_column *cols[] = {tu_str_col(s, 1), tu_int_col(a, NULL, 1),
                         time_col(FL_DATE, d, 1), bool_col("T")};
    fl_table *t = table(4, names, cols);
    ev_error(bin(FL_E_ADD, C("name"), I(1)), t, FL_EINVAL,
             "cannot apply '+' to string and int");
    ev_error(bin(FL_E_ADD, C("day"), C("day")), t, FL_EINVAL,
             "cannot apply '+' to date and date");
    ev_error(bin(FL_E_MUL, C("day"), I(2)), t, FL_EINVAL,
             "cannot apply '*' to date and int");
    ev_error(bin(FL_E_LT, C("flag"), I(1)), t, FL_EINVAL,
             "cannot apply '<' to bool and int");
    ev_error(bin(FL_E_EQ, C("amount"), S("1")), t, FL_EINVAL,
             "cannot apply '==' to int and string");
    ev_error(bin(FL_E_AND, C("flag"), C("amount")), t, FL_EINVAL,
             "cannot apply '&' to bool and int");
    ev_error(un(FL_E_NOT, C("amount")), t, FL_EINVAL,
             "cannot apply '~' to int");
    ev_error(un(FL_E_NEG, C("name")), t, FL_EINVAL,
             "cannot apply '-' to string");
    ev_error(un(FL_E_LOWER, C("amount")), t, FL_EINVAL,
             "cannot apply 'lower' to int");
    ev_error(bucket(FL_MONTH, C("amount")), t, FL_EINVAL,
             "cannot apply 'month' to int");
    ev_error(bin(FL_E_ADD, C("amout"), I(1)), t, FL_EINVAL,
             "no column 'amout' (columns: name, amount, day, flag)");
    /* the error deep in a tree surfaces unchanged */
    ev_error(bin(FL_E_AND, bin(FL_E_GT, C("amount"), I(0)),
                 bin(FL_E_EQ, C("name"), C("amount"))),
             t, FL_EINVAL, "cannot apply '==' to string and int");
    fl_table_unref(t);
}

Test(expr, result_types_without_evaluating)
{
    const char *s[] = {"x"};
    int64_t a[] = {1};
    const char *d[] = {"2026-01-01"};
    const char *ts[] = {"2026-01-01T10:00:00Z"};
    const char *names[] = {"name", "amount", "day", "at"};
    fl_column *cols[] = {tu_str_col(s, 1), tu_int_col(a, NULL, 1),
                         time_col(FL_DATE, d, 1),
                         time_col(FL_TIMESTAMP, ts, 1)};
    fl_table *t = table(4, names, cols);
    cr_assert_eq(type_of(C("amount"), t), FL_INT);
    cr_assert_eq(type_of(bin(FL_E_MUL, C("amount"), F(1.2)), t), FL_FLOAT);
    cr_assert_eq(type_of(bin(FL_E_MOD, C("amount"), I(7)), t), FL_INT);
    cr_assert_eq(type_of(bin(FL_E_DIV, C("amount"), I(7)), t), FL_FLOAT);
    cr_assert_eq(type_of(bin(FL_E_SUB, C("day"), C("day")), t), FL_INT);
    cr_assert_eq(type_of(bin(FL_E_SUB, C("at"), C("day")), t), FL_FLOAT);
    cr_assert_eq(type_of(bin(FL_E_ADD, C("day"), I(3)), t), FL_DATE);
    cr_assert_eq(type_of(bucket(FL_WEEK, C("at")), t), FL_DATE);
    cr_assert_eq(type_of(un(FL_E_LOWER, C("name")), t), FL_STRING);
    cr_assert_eq(type_of(bin(FL_E_GE, C("day"), S("2026-01-01")), t), FL_BOOL);
    cr_assert_eq(type_of(S("webinar"), t), FL_STRING);
    cr_assert_eq(type_of(NUL(), t), FL_STRING);
    fl_type ty;
    fl_error err;
    fl_expr *e = bin(FL_E_GE, C("day"), S("someday"));
    cr_assert_eq(fl_expr_type(e, t, &ty, &err), FL_EINVAL);
    cr_assert_str_eq(err.msg,
                     "cannot compare date column 'day' with 'someday': not a "
                     "date");
    fl_expr_unref(e);
    fl_table_unref(t);
}

/* ==== describe ============================================================*/

Test(expr, describe_reads_like_the_source)
{
    expect_describe(C("amount"), "amount");
    expect_describe(bin(FL_E_MUL, C("amount"), F(1.2)), "(amount * 1.2)");
    expect_describe(bucket(FL_MONTH, C("created_at")), "month(created_at)");
    expect_describe(S("webinar"), "'webinar'");
    expect_describe(S("it's"), "'it\\'s'");
    expect_describe(bin(FL_E_AND, bin(FL_E_GT, C("amount"), I(1000)),
                        un(FL_E_NOT, bin(FL_E_EQ, C("stage"), S("won")))),
                    "((amount > 1000) & ~(stage == 'won'))");
    expect_describe(un(FL_E_NEG, C("x")), "-x");
    expect_describe(bin(FL_E_DIV, C("x"), F(2.0)), "(x / 2.0)");
    expect_describe(un(FL_E_IS_NULL, C("country")), "is_null(country)");
    expect_describe(bin(FL_E_CONTAINS, un(FL_E_LOWER, C("s")), S("web")),
                    "contains(lower(s), 'web')");
    fl_value set[] = {vs("webinar"),
                      {.type = FL_INT, .u.i = 3},
                      {.type = FL_BOOL, .is_null = 1}};
    expect_describe(isin(C("source"), set, 3),
                    "isin(source, {'webinar', 3, null})");
    expect_describe(bin(FL_E_NE, C("x"), B(1)), "(x ~= true)");
}

/* ==== selection vectors and filters =======================================*/

/* amount = 10, 20, null, 40, 50, 60; id = 0..5 */
static fl_table *amounts(void)
{
    int64_t a[] = {10, 20, 0, 40, 50, 60};
    int an[] = {0, 0, 1, 0, 0, 0};
    int64_t id[] = {0, 1, 2, 3, 4, 5};
    const char *names[] = {"amount", "id"};
    fl_column *cols[] = {tu_int_col(a, an, 6), tu_int_col(id, NULL, 6)};
    return table(2, names, cols);
}

static fl_table *filter(const fl_table *t, fl_expr *e)
{
    fl_table *r = NULL;
    fl_error err;
    fl_status st = fl_expr_filter(e, t, &r, &err);
    cr_assert_eq(st, FL_OK, "%s", err.msg);
    fl_expr_unref(e);
    return r;
}

/* ids of the rows of t, through its selection */
static void expect_ids(const fl_table *t, const int64_t *want, int n)
{
    cr_assert_eq(t->nrows, n);
    fl_column *c = ev(C("id"), t);
    expect_ints(c, want, n);
}

Test(expr, filter_composes_with_an_existing_selection)
{
    fl_table *t = amounts();
    /* amount > 15: rows 1, 3, 4, 5 (row 2 is null -> not kept) */
    fl_table *f1 = filter(t, bin(FL_E_GT, C("amount"), I(15)));
    int64_t ids1[] = {1, 3, 4, 5};
    expect_ids(f1, ids1, 4);
    cr_assert_not_null(f1->sel);
    cr_assert_eq(f1->cols[0], t->cols[0], "columns are shared, not copied");
    /* then amount < 55 on f1: ids 1, 3, 4; the selection holds row ids of
     * the shared columns, so it is 1, 3, 4 again */
    fl_table *f2 = filter(f1, bin(FL_E_LT, C("amount"), I(55)));
    int64_t ids2[] = {1, 3, 4};
    expect_ids(f2, ids2, 3);
    cr_assert_eq(f2->sel[0], 1);
    cr_assert_eq(f2->sel[1], 3);
    cr_assert_eq(f2->sel[2], 4);
    /* evaluating over a selection gathers the rows: amount * 2 on f2 */
    int64_t twice[] = {40, 80, 100};
    expect_ints(ev(bin(FL_E_MUL, C("amount"), I(2)), f2), twice, 3);
    /* a filter that keeps nothing */
    fl_table *f3 = filter(f2, bin(FL_E_GT, C("amount"), I(1000)));
    cr_assert_eq(f3->nrows, 0);
    fl_table_unref(f3);
    fl_table_unref(f2);
    fl_table_unref(f1);
    fl_table_unref(t);
}

Test(expr, filter_where_the_predicate_is_null)
{
    fl_table *t = amounts();
    /* amount > null is null on every row: no row */
    fl_table *f = filter(t, bin(FL_E_GT, C("amount"), NUL()));
    cr_assert_eq(f->nrows, 0);
    fl_table_unref(f);
    /* a bare null literal: no row either */
    f = filter(t, NUL());
    cr_assert_eq(f->nrows, 0);
    fl_table_unref(f);
    /* ~(amount > 15): null stays null under not -> rows 0 only */
    f = filter(t, un(FL_E_NOT, bin(FL_E_GT, C("amount"), I(15))));
    int64_t ids[] = {0};
    expect_ids(f, ids, 1);
    fl_table_unref(f);
    /* is_null(amount) finds the null row */
    f = filter(t, un(FL_E_IS_NULL, C("amount")));
    int64_t idn[] = {2};
    expect_ids(f, idn, 1);
    fl_table_unref(f);
    /* a constant true keeps every row */
    f = filter(t, B(1));
    cr_assert_eq(f->nrows, 6);
    fl_table_unref(f);
    /* not a condition */
    fl_table *r = NULL;
    fl_error err;
    fl_expr *e = bin(FL_E_ADD, C("amount"), I(1));
    cr_assert_eq(fl_expr_filter(e, t, &r, &err), FL_EINVAL);
    cr_assert_str_eq(err.msg, "where: the condition must be a bool, got int "
                              "((amount + 1))");
    fl_expr_unref(e);
    fl_table_unref(t);
}

Test(expr, literal_and_column_results)
{
    fl_table *t = amounts();
    /* a bare column without selection is shared, not copied */
    fl_column *c = ev(C("amount"), t);
    cr_assert_eq(c, t->cols[0]);
    fl_column_unref(c);
    /* a bare literal becomes a constant column */
    int64_t sevens[] = {7, 7, 7, 7, 7, 7};
    expect_ints(ev(I(7), t), sevens, 6);
    /* two literals: 'b' > 'a' on every row */
    expect_bools(ev(bin(FL_E_GT, S("b"), S("a")), t), "TTTTTT");
    fl_table_unref(t);
}

/* ==== robustness ==========================================================*/

Test(expr, too_deep_is_an_error_not_a_crash)
{
    fl_table *t = amounts();
    fl_expr *e = bin(FL_E_GT, C("amount"), I(0));
    for (int i = 0; i < 5000; i++)
        e = bin(FL_E_AND, e, bin(FL_E_GT, C("amount"), I(i)));
    fl_column *c = NULL;
    fl_error err;
    cr_assert_eq(fl_expr_eval(e, t, &c, &err), FL_EINVAL);
    cr_assert_str_eq(err.msg,
                     "expression nested too deeply (more than 1000 levels)");
    char *d = fl_expr_describe(e);
    cr_assert(strlen(d) <= 1024 + 3);
    cr_assert(strstr(d, "...") != NULL);
    fl_free(d);
    fl_expr_unref(e);
    fl_table_unref(t);
}

Test(expr, failing_allocations_leak_nothing)
{
    /* a tree touching most kernels: strings, lower, dates, isin, logic */
    const char *s[] = {"Webinar", "seo", NULL,
                       "W\xc3\x89"
                       "B"};
    const char *d[] = {"2026-01-01", NULL, "2026-03-01", "2026-02-01"};
    int64_t a[] = {1, 2, 3, 4};
    const char *names[] = {"s", "d", "a"};
    fl_column *cols[] = {tu_str_col(s, 4), time_col(FL_DATE, d, 4),
                         tu_int_col(a, NULL, 4)};
    fl_table *t = table(3, names, cols);
    fl_value set[] = {{.type = FL_INT, .u.i = 2}, {.type = FL_INT, .u.i = 4}};
    fl_expr *e =
        bin(FL_E_OR,
            bin(FL_E_AND,
                bin(FL_E_CONTAINS, un(FL_E_LOWER, C("s")), S("w\xc3\xa9")),
                bin(FL_E_GE, bucket(FL_MONTH, C("d")), S("2026-02-01"))),
            bin(FL_E_AND, isin(C("a"), set, 2),
                bin(FL_E_LT, bin(FL_E_DIV, C("a"), I(0)), F(1.0))));
    /* rows: lower(s) = webinar, seo, null, wéb; contains "wé": F F N T;
     * month(d) >= 02-01: F N T T -> and: F F N T.
     * a isin {2,4}: F T F T; a/0 is null -> (null < 1) null -> and: F N F N.
     * or: F N N T */
    fl_table *f = NULL;
    fl_error err;
    size_t before = fl_alloc_bytes();
    int ok = 0;
    for (long k = 1; k < 500 && !ok; k++) {
        fl_alloc_fail_after(k);
        fl_column *c = NULL;
        fl_status st = fl_expr_eval(e, t, &c, &err);
        fl_alloc_fail_after(0);
        if (st == FL_OK) {
            expect_bools(c, "FNNT");
            ok = 1;
        } else {
            cr_assert_eq(st, FL_ENOMEM, "k=%ld: %s", k, err.msg);
            cr_assert_null(c);
        }
        cr_assert_eq(fl_alloc_bytes(), before, "leak when allocation %ld fails",
                     k);
    }
    cr_assert(ok);
    /* the same for the filter */
    ok = 0;
    for (long k = 1; k < 500 && !ok; k++) {
        fl_alloc_fail_after(k);
        fl_status st = fl_expr_filter(e, t, &f, &err);
        fl_alloc_fail_after(0);
        if (st == FL_OK) {
            int64_t ids[] = {4};
            cr_assert_eq(f->nrows, 1);
            expect_ints(ev(C("a"), f), ids, 1);
            fl_table_unref(f);
            ok = 1;
        } else {
            cr_assert_eq(st, FL_ENOMEM, "k=%ld: %s", k, err.msg);
        }
        cr_assert_eq(fl_alloc_bytes(), before, "leak when allocation %ld fails",
                     k);
    }
    cr_assert(ok);
    fl_expr_unref(e);
    fl_table_unref(t);
}

Test(expr, empty_tables_and_folding_only_selected_rows)
{
    /* no rows: every operator gives an empty column */
    int64_t none[1] = {0};
    fl_table *t = ints2(none, NULL, none, NULL, 0);
    expect_ints(ev(bin(FL_E_ADD, C("a"), I(1)), t), none, 0);
    expect_bools(ev(bin(FL_E_GT, C("a"), C("b")), t), "");
    fl_table *td = table1("d", time_col(FL_DATE, NULL, 0));
    expect_dates(ev(bucket(FL_MONTH, C("d")), td), NULL, 0);
    fl_table_unref(td);
    fl_table *f = filter(t, bin(FL_E_GT, C("a"), I(0)));
    cr_assert_eq(f->nrows, 0);
    fl_table_unref(f);
    fl_table_unref(t);

    /* lower() over a selection folds only the strings of selected rows:
     * rows 1 and 3 are "B" and "D", so the new dictionary holds 2 strings */
    const char *v[] = {"A", "B", "C", "D"};
    int64_t id[] = {0, 1, 2, 3};
    const char *names[] = {"s", "id"};
    fl_column *cols[] = {tu_str_col(v, 4), tu_int_col(id, NULL, 4)};
    t = table(2, names, cols);
    fl_table *odd = filter(t, bin(FL_E_EQ, bin(FL_E_MOD, C("id"), I(2)), I(1)));
    fl_column *c = ev(un(FL_E_LOWER, C("s")), odd);
    cr_assert_eq(c->dict->count, 2);
    const char *want[] = {"b", "d"};
    expect_strs(c, want, 2);
    fl_table_unref(odd);
    fl_table_unref(t);
}
