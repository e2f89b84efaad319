/* Tests of fl_funnel: ordered and any-order funnels with a window and a
 * breakdown, cohorts. Every expected number is worked out by hand in the
 * comments from the small event tables built below. */
#include <math.h>

#include "fl_funnel.h"
#include "fl_time.h"
#include "test_util.h"

static fl_column *dates(const char *const *v, int n)
{
    fl_column *c = fl_column_new(FL_DATE, n, NULL);
    for (int i = 0; i < n; i++) {
        int32_t d;
        cr_assert_eq(fl_parse_datetime(v[i], strlen(v[i]), &d, NULL),
                     FL_DT_DATE);
        cr_assert_eq(fl_column_append_date(c, d, NULL), FL_OK);
    }
    return c;
}

static fl_column *stamps(const char *const *v, int n)
{
    fl_column *c = fl_column_new(FL_TIMESTAMP, n, NULL);
    for (int i = 0; i < n; i++) {
        int64_t us;
        cr_assert_eq(fl_parse_datetime(v[i], strlen(v[i]), NULL, &us),
                     FL_DT_TIMESTAMP);
        cr_assert_eq(fl_column_append_int(c, us, NULL), FL_OK);
    }
    return c;
}

static fl_table *table2(const char *k, fl_column *kc, const char *t,
                        fl_column *tc)
{
    const char *names[] = {k, t};
    fl_column *cols[] = {kc, tc};
    fl_table *r;
    cr_assert_eq(fl_table_new(2, names, cols, kc->length, &r, NULL), FL_OK);
    return r;
}

/* leads: 1 Jan-01 A, 2 Jan-05 A, 3 Jan-10 B, 4 Feb-01 B, and lead 1 again on
 * Mar-01 in B (a later step-1 event: it neither restarts the clock nor
 * changes lead 1's breakdown value). */
static fl_table *leads(void)
{
    int64_t id[] = {1, 2, 3, 4, 1};
    const char *at[] = {"2026-01-01", "2026-01-05", "2026-01-10", "2026-02-01",
                        "2026-03-01"};
    const char *ch[] = {"A", "A", "B", "B", "B"};
    const char *names[] = {"lead_id", "created_at", "channel"};
    fl_column *cols[] = {tu_int_col(id, NULL, 5), dates(at, 5),
                         tu_str_col(ch, 5)};
    fl_table *t;
    cr_assert_eq(fl_table_new(3, names, cols, 5, &t, NULL), FL_OK);
    return t;
}

/* demos: lead 1 on Jan-03 and Jan-02 12:00 (the earlier one counts: 1.5 days
 * after Jan-01), lead 2 on Jan-04 (before its lead: never counts), lead 3 on
 * Mar-15 (64 days: outside a 30-day window), lead 4 on Feb-11 (10 days). */
static fl_table *demos(void)
{
    int64_t id[] = {1, 1, 2, 3, 4};
    const char *at[] = {"2026-01-03T00:00:00Z", "2026-01-02T12:00:00Z",
                        "2026-01-04T00:00:00Z", "2026-03-15T00:00:00Z",
                        "2026-02-11T00:00:00Z"};
    return table2("lead_id", tu_int_col(id, NULL, 5), "at", stamps(at, 5));
}

/* won deals: lead 1 Jan-20 (17.5 days after its demo), lead 2 Jan-06 (no
 * demo), lead 4 Feb-05 (before its demo: only counts in any order), lead 5
 * (never a lead). */
static fl_table *won(void)
{
    int64_t id[] = {1, 2, 4, 5};
    const char *at[] = {"2026-01-20", "2026-01-06", "2026-02-05", "2026-01-01"};
    return table2("lead_id", tu_int_col(id, NULL, 4), "closed_at",
                  dates(at, 4));
}

static double num(fl_table *t, const char *col, int row, int *null)
{
    int c = fl_table_find(t, col);
    cr_assert(c >= 0, "no column %s", col);
    fl_value v;
    fl_column_get(t->cols[c], fl_table_row(t, row), &v);
    *null = v.is_null;
    return v.type == FL_INT ? (double)v.u.i : v.u.f;
}

static void expect_num(fl_table *t, const char *col, int row, double want)
{
    int null;
    double got = num(t, col, row, &null);
    cr_expect(!null, "%s row %d is null", col, row);
    cr_expect(fabs(got - want) < 1e-12, "%s row %d: %g, expected %g", col, row,
              got, want);
}

static void expect_null(fl_table *t, const char *col, int row)
{
    int null;
    num(t, col, row, &null);
    cr_expect(null, "%s row %d should be null", col, row);
}

Test(funnel, ordered_with_window)
{
    fl_table *l = leads(), *d = demos(), *w = won();
    fl_funnel_step steps[] = {
        {"lead", l, "created_at"}, {"demo", d, "at"}, {"won", w, "closed_at"}};
    fl_table *f;
    fl_error err;
    cr_assert_eq(
        fl_funnel(steps, 3, "lead_id", 30 * FL_US_PER_DAY, 0, NULL, &f, &err),
        FL_OK, "%s", err.msg);
    cr_assert_eq(f->nrows, 3);
    /* counts 4, 2 (leads 1, 4), 1 (lead 1) */
    expect_num(f, "count", 0, 4);
    expect_num(f, "count", 1, 2);
    expect_num(f, "count", 2, 1);
    expect_num(f, "conversion", 1, 0.5);
    expect_num(f, "conversion", 2, 0.25);
    expect_num(f, "step_conversion", 0, 1);
    expect_num(f, "step_conversion", 2, 0.5);
    /* demo times 1.5 and 10 days: median 5.75, p90 1.5 + 0.9 * 8.5 = 9.15 */
    expect_null(f, "median_days", 0);
    expect_num(f, "median_days", 1, 5.75);
    expect_num(f, "p90_days", 1, 9.15);
    expect_num(f, "median_days", 2, 17.5);
    cr_assert_str_eq(tu_str_at(f->cols[fl_table_find(f, "name")], 1), "demo");
    fl_table_unref(f);
    fl_table_unref(l);
    fl_table_unref(d);
    fl_table_unref(w);
}

Test(funnel, any_order)
{
    fl_table *l = leads(), *d = demos(), *w = won();
    fl_funnel_step steps[] = {
        {"lead", l, "created_at"}, {"demo", d, "at"}, {"won", w, "closed_at"}};
    fl_table *f;
    cr_assert_eq(
        fl_funnel(steps, 3, "lead_id", 30 * FL_US_PER_DAY, 1, NULL, &f, NULL),
        FL_OK);
    /* lead 4's win on Feb-05 is inside [Feb-01, Mar-03]: counts now */
    expect_num(f, "count", 1, 2);
    expect_num(f, "count", 2, 2);
    expect_null(f, "median_days", 2);
    fl_table_unref(f);
    fl_table_unref(l);
    fl_table_unref(d);
    fl_table_unref(w);
}

Test(funnel, no_window_and_breakdown)
{
    fl_table *l = leads(), *d = demos(), *w = won();
    fl_funnel_step steps[] = {
        {"lead", l, "created_at"}, {"demo", d, "at"}, {"won", w, "closed_at"}};
    fl_table *f;
    cr_assert_eq(fl_funnel(steps, 3, "lead_id", -1, 0, "channel", &f, NULL),
                 FL_OK);
    /* A: leads 1, 2; B: leads 3, 4. Without a window lead 3's demo counts
     * (64 days); its win never happens. A: 2, 1, 1. B: 2, 2, 0. */
    cr_assert_eq(f->nrows, 6);
    int ch = fl_table_find(f, "channel");
    cr_assert_eq(ch, 0);
    cr_assert_str_eq(tu_str_at(f->cols[0], 0), "A");
    cr_assert_str_eq(tu_str_at(f->cols[0], 3), "B");
    expect_num(f, "count", 1, 1);
    expect_num(f, "count", 2, 1);
    expect_num(f, "count", 4, 2);
    expect_num(f, "count", 5, 0);
    expect_num(f, "step_conversion", 5, 0);
    expect_null(f, "median_days", 5);
    /* B's demo times: 64 and 10 days -> median 37 */
    expect_num(f, "median_days", 4, 37);
    fl_table_unref(f);
    fl_table_unref(l);
    fl_table_unref(d);
    fl_table_unref(w);
}

Test(funnel, errors_name_the_step)
{
    fl_table *l = leads(), *d = demos();
    fl_funnel_step steps[] = {{"lead", l, "created_at"}, {"demo", d, "when"}};
    fl_table *f;
    fl_error err;
    cr_assert_eq(fl_funnel(steps, 2, "lead_id", -1, 0, NULL, &f, &err),
                 FL_EINVAL);
    cr_assert_str_eq(
        err.msg, "step 2 'demo': no time column 'when' (columns: lead_id, at)");
    cr_assert_eq(fl_funnel(steps, 1, "lead_id", -1, 0, "region", &f, &err),
                 FL_EINVAL);
    cr_assert(strstr(err.msg, "no breakdown column 'region'"), "%s", err.msg);
    fl_table_unref(l);
    fl_table_unref(d);
}

Test(funnel, cohorts_by_month)
{
    /* won deals: lead 1 Jan-15, Feb-10, Apr-01; lead 2 Jan-20; lead 3
     * Feb-03, Feb-25. Cohorts: Jan = {1, 2}, Feb = {3}. */
    int64_t id[] = {1, 1, 1, 2, 3, 3};
    const char *at[] = {"2026-01-15", "2026-02-10", "2026-04-01",
                        "2026-01-20", "2026-02-03", "2026-02-25"};
    fl_table *t =
        table2("lead_id", tu_int_col(id, NULL, 6), "closed_at", dates(at, 6));
    fl_funnel_step s = {"won", t, "closed_at"};
    fl_table *c;
    fl_error err;
    cr_assert_eq(fl_cohorts(&s, &s, "lead_id", FL_MONTH, 3, &c, &err), FL_OK,
                 "%s", err.msg);
    cr_assert_eq(c->nrows, 8);
    /* Jan: active 2, 1 (lead 1 in Feb), 0, 1 (lead 1 in Apr) */
    double jan[] = {2, 1, 0, 1}, feb[] = {1, 0, 0, 0};
    for (int p = 0; p < 4; p++) {
        expect_num(c, "active", p, jan[p]);
        expect_num(c, "rate", p, jan[p] / 2);
        expect_num(c, "size", p, 2);
        expect_num(c, "active", 4 + p, feb[p]);
        expect_num(c, "period", 4 + p, p);
    }
    fl_value v;
    fl_column_get(c->cols[0], 4, &v);
    char buf[16];
    fl_format_date(v.u.d, buf);
    cr_assert_str_eq(buf, "2026-02-01");
    fl_table_unref(c);
    fl_table_unref(t);
}

Test(funnel, string_keys_across_dictionaries)
{
    /* the same ids typed in a different order in each table */
    const char *a[] = {"L-1", "L-2"}, *b[] = {"L-2", "L-3", "L-1"};
    const char *at1[] = {"2026-01-01", "2026-01-01"};
    const char *at2[] = {"2026-01-02", "2026-01-02", "2026-01-05"};
    fl_table *t1 = table2("id", tu_str_col(a, 2), "at", dates(at1, 2));
    fl_table *t2 = table2("id", tu_str_col(b, 3), "at", dates(at2, 3));
    fl_funnel_step steps[] = {{"one", t1, "at"}, {"two", t2, "at"}};
    fl_table *f;
    cr_assert_eq(fl_funnel(steps, 2, "id", -1, 0, NULL, &f, NULL), FL_OK);
    expect_num(f, "count", 1, 2); /* L-1 and L-2; L-3 was never in step 1 */
    expect_num(f, "median_days", 1, 2.5); /* 1 and 4 days */
    fl_table_unref(f);
    fl_table_unref(t1);
    fl_table_unref(t2);
}

/* A two-step funnel where lead i (1..n) is created on 2026-01-01 and has
 * its demo days[i-1] days later. */
static fl_table *delta_funnel(const int *days, int n)
{
    int64_t id[32];
    fl_column *created = fl_column_new(FL_DATE, n, NULL);
    fl_column *demo = fl_column_new(FL_DATE, n, NULL);
    int32_t jan1;
    cr_assert_eq(fl_parse_datetime("2026-01-01", 10, &jan1, NULL), FL_DT_DATE);
    for (int i = 0; i < n; i++) {
        id[i] = i + 1;
        cr_assert_eq(fl_column_append_date(created, jan1, NULL), FL_OK);
        cr_assert_eq(fl_column_append_date(demo, jan1 + days[i], NULL), FL_OK);
    }
    fl_table *l = table2("lead_id", tu_int_col(id, NULL, n), "at", created);
    fl_table *d = table2("lead_id", tu_int_col(id, NULL, n), "at", demo);
    fl_funnel_step steps[] = {{"lead", l, "at"}, {"demo", d, "at"}};
    fl_table *f;
    cr_assert_eq(fl_funnel(steps, 2, "lead_id", -1, 0, NULL, &f, NULL), FL_OK);
    fl_table_unref(l);
    fl_table_unref(d);
    return f;
}

Test(funnel, quantiles_interpolate_between_ranks)
{
    /* days 4, 1, 3, 1, 10 sorted: 1 1 3 4 10. Median: h = 4 * 0.5 = 2 -> 3.
     * p90: h = 4 * 0.9 = 3.6 -> 4 + 0.6 * (10 - 4) = 7.6. */
    int a[] = {4, 1, 3, 1, 10};
    fl_table *f = delta_funnel(a, 5);
    expect_num(f, "median_days", 1, 3);
    expect_num(f, "p90_days", 1, 7.6);
    fl_table_unref(f);
    /* 0..10 in descending order: median 5; p90 h = 9 -> exactly 9 */
    int b[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0};
    f = delta_funnel(b, 11);
    expect_num(f, "median_days", 1, 5);
    expect_num(f, "p90_days", 1, 9);
    fl_table_unref(f);
    /* all equal, and a single key */
    int c[] = {7, 7, 7, 7, 7, 7, 7, 7};
    f = delta_funnel(c, 8);
    expect_num(f, "median_days", 1, 7);
    expect_num(f, "p90_days", 1, 7);
    fl_table_unref(f);
    f = delta_funnel(a + 4, 1);
    expect_num(f, "median_days", 1, 10);
    expect_num(f, "p90_days", 1, 10);
    fl_table_unref(f);
    /* even count with duplicates around the middle: 2 2 2 6 -> median h = 1.5
     * -> 2; p90 h = 2.7 -> 2 + 0.7 * 4 = 4.8 */
    int d[] = {6, 2, 2, 2};
    f = delta_funnel(d, 4);
    expect_num(f, "median_days", 1, 2);
    expect_num(f, "p90_days", 1, 4.8);
    fl_table_unref(f);
}

/* Step 1's keys map to dense ids through an array when they span a small
 * range and through a hash table otherwise; both must ignore later keys
 * that step 1 never had, also just outside the array's range. */
Test(funnel, dense_and_sparse_keys)
{
    const char *d1[] = {"2026-01-01", "2026-01-01", "2026-01-01"};
    /* dense: 5, 6, 7. Demos: 4 and 8 (just outside), -100 (far below), 7
     * after 4 days, 6 after 1 day -> count 2, median 2.5 */
    int64_t k1[] = {5, 6, 7}, k2[] = {4, 8, 7, -100, 6};
    const char *d2[] = {"2026-01-02", "2026-01-02", "2026-01-05", "2026-01-02",
                        "2026-01-02"};
    /* sparse: the same shape with keys spread over the whole int64 range */
    int64_t s1[] = {INT64_MIN, 42, INT64_MAX},
            s2[] = {41, 43, INT64_MAX, 0, 42};
    int64_t *one[] = {k1, s1}, *two[] = {k2, s2};
    for (int v = 0; v < 2; v++) {
        fl_table *a =
            table2("id", tu_int_col(one[v], NULL, 3), "at", dates(d1, 3));
        fl_table *b =
            table2("id", tu_int_col(two[v], NULL, 5), "at", dates(d2, 5));
        fl_funnel_step steps[] = {{"one", a, "at"}, {"two", b, "at"}};
        fl_table *f;
        cr_assert_eq(fl_funnel(steps, 2, "id", -1, 0, NULL, &f, NULL), FL_OK);
        expect_num(f, "count", 0, 3);
        expect_num(f, "count", 1, 2);
        expect_num(f, "median_days", 1, 2.5);
        fl_table_unref(f);
        /* cohorts by day over the same keys: periods 0..4 after Jan-01 */
        fl_funnel_step first = {"first", a, "at"}, again = {"again", b, "at"};
        fl_table *c;
        cr_assert_eq(fl_cohorts(&first, &again, "id", FL_DAY, 4, &c, NULL),
                     FL_OK);
        cr_assert_eq(c->nrows, 5);
        double active[] = {0, 1, 0, 0, 1};
        for (int p = 0; p < 5; p++)
            expect_num(c, "active", p, active[p]);
        fl_table_unref(c);
        fl_table_unref(a);
        fl_table_unref(b);
    }
}
