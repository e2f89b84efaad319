/*
 * test_alloc.c -- allocation failures along a whole pipeline: load two CSV
 * exports, filter, group and aggregate, join, sort, funnel and cohorts.
 * For every k, the k-th allocation (and every one after it) fails: each
 * stage must return FL_ENOMEM, hand back no table, and leave the engine's
 * byte count where it was (an honest leak check: LeakSanitizer reports would
 * not fail a Criterion test). The per-module tests (test_csv, test_agg,
 * test_ops, test_expr) do the same for single calls; this file checks that
 * the calls compose, each releasing what the previous one made.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fl_agg.h"
#include "fl_csv.h"
#include "fl_funnel.h"
#include "fl_ops.h"

static const char LEADS[] = "lead_id,created_at,channel,country,score\n"
                            "1,2026-01-03T10:00:00Z,Paid search,DE,22\n"
                            "2,2026-01-15T09:30:00Z,Referral,,73\n"
                            "3,2026-02-01T00:00:00Z,Paid search,FR,\n"
                            "4,2026-02-20T12:00:00Z,Événements,DE,40\n"
                            "5,2026-03-05T08:00:00Z,Referral,US,95\n"
                            "6,2026-03-06T08:00:00Z,\"Paid, social\",US,10\n";

static const char DEALS[] = "deal_id;lead_id;created_on;amount;won\n"
                            "10;1;2026-01-20;1200.50;true\n"
                            "11;2;2026-02-01;;false\n"
                            "12;2;2026-04-02;300;true\n"
                            "13;5;2026-03-30;99.99;\n"
                            "14;9;2026-03-31;10;false\n";

enum { LOAD, LOAD_FILE, FILTER, GROUP, JOIN, SORT, FUNNEL, COHORTS, NSTAGES };
static const char *const STAGE[] = {"load", "load file", "filter", "group",
                                    "join", "sort",      "funnel", "cohorts"};

/* A file with the leads, for the loader's streaming path. */
static char leads_path[64];

static void write_leads(void)
{
    snprintf(leads_path, sizeof leads_path, "/tmp/fl_alloc_XXXXXX");
    int fd = mkstemp(leads_path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, LEADS, sizeof LEADS - 1), (ssize_t)sizeof LEADS - 1);
    close(fd);
}

static void remove_leads(void)
{
    unlink(leads_path);
}

/* Runs the pipeline up to `stage`; *out is that stage's result. Every
 * intermediate table and expression is released on every path. */
static fl_status pipeline(int stage, fl_table **out, fl_error *err)
{
    fl_table *leads = NULL, *deals = NULL, *t = NULL, *u = NULL;
    fl_expr *chan = NULL, *lit = NULL, *cond = NULL, *created = NULL,
            *month = NULL, *score = NULL;
    fl_status st;
    *out = NULL;
    if (stage == LOAD_FILE) {
        static const char *const cols[] = {"score"};
        static const fl_type types[] = {FL_FLOAT};
        fl_csv_options o = {0};
        o.ntypes = 1;
        o.type_cols = cols;
        o.types = types;
        return fl_csv_read(leads_path, "leads.csv", &o, out, err);
    }
    if ((st = fl_csv_read_buffer(LEADS, sizeof LEADS - 1, "leads.csv", NULL,
                                 &leads, err)) != FL_OK ||
        (st = fl_csv_read_buffer(DEALS, sizeof DEALS - 1, "deals.csv", NULL,
                                 &deals, err)) != FL_OK)
        goto done;
    if (stage == LOAD) {
        t = leads, leads = NULL;
        goto done;
    }
    fl_value v = {.type = FL_STRING};
    v.u.str.s = "Referral";
    v.u.str.len = 8;
    chan = fl_expr_col("channel");
    lit = fl_expr_lit(&v);
    cond = fl_expr_binary(FL_E_NE, chan, lit);
    created = fl_expr_col("created_at");
    month = fl_expr_bucket(FL_MONTH, created);
    score = fl_expr_col("score");
    if (!chan || !lit || !cond || !created || !month || !score) {
        st = fl_seterr(err, FL_ENOMEM, "out of memory");
        goto done;
    }
    switch (stage) {
    case FILTER:
        st = fl_expr_filter(cond, leads, &t, err);
        break;
    case GROUP: {
        fl_expr *keys[] = {chan, month};
        const char *names[] = {"channel", "month"};
        fl_agg_spec aggs[] = {{"n", FL_AGG_COUNT_ALL, NULL, NULL, 0},
                              {"total", FL_AGG_SUM, score, NULL, 0},
                              {"med", FL_AGG_MEDIAN, score, NULL, 0},
                              {"countries", FL_AGG_COUNT_DISTINCT,
                               fl_expr_col("country"), NULL, 0}};
        if (!aggs[3].arg) {
            st = fl_seterr(err, FL_ENOMEM, "out of memory");
            break;
        }
        if ((st = fl_expr_filter(cond, leads, &u, err)) == FL_OK)
            st = fl_group_agg(u, keys, names, 2, aggs, 4, &t, err);
        fl_expr_unref(aggs[3].arg);
        break;
    }
    case JOIN:
    case SORT:
        st = fl_table_join(deals, leads, "lead_id", "lead_id", FL_JOIN_LEFT,
                           "_lead", &u, err);
        if (st == FL_OK && stage == SORT) {
            const char *cols[] = {"channel", "amount"};
            int desc[] = {0, 1};
            st = fl_table_sort(u, cols, desc, 2, &t, err);
        } else if (st == FL_OK) {
            t = u, u = NULL;
        }
        break;
    case FUNNEL: {
        fl_funnel_step steps[] = {{"lead", leads, "created_at"},
                                  {"deal", deals, "created_on"}};
        st = fl_funnel(steps, 2, "lead_id", -1, 0, "channel", &t, err);
        break;
    }
    default: {
        fl_funnel_step first = {"lead", leads, "created_at"};
        fl_funnel_step again = {"deal", deals, "created_on"};
        st = fl_cohorts(&first, &again, "lead_id", FL_MONTH, 3, &t, err);
        break;
    }
    }
done:
    fl_expr_unref(score);
    fl_expr_unref(month);
    fl_expr_unref(created);
    fl_expr_unref(cond);
    fl_expr_unref(lit);
    fl_expr_unref(chan);
    fl_table_unref(u);
    fl_table_unref(leads);
    fl_table_unref(deals);
    if (st == FL_OK)
        *out = t;
    else
        fl_table_unref(t);
    return st;
}

TestSuite(alloc, .init = write_leads, .fini = remove_leads);

Test(alloc, every_allocation_failure_is_an_error_without_leaks)
{
    for (int stage = 0; stage < NSTAGES; stage++) {
        fl_table *t;
        fl_error err;
        size_t before = fl_alloc_bytes();
        fl_alloc_fail_after(0);
        fl_status st = pipeline(stage, &t, &err);
        long total = fl_alloc_fail_after(0);
        cr_assert_eq(st, FL_OK, "%s: %s", STAGE[stage], err.msg);
        cr_assert_gt(t->nrows, 0, "%s gives rows", STAGE[stage]);
        fl_table_unref(t);
        cr_assert_eq(fl_alloc_bytes(), before, "%s leaks", STAGE[stage]);
        cr_assert_gt(total, 10, "%s allocates", STAGE[stage]);
        for (long k = 1; k <= total; k++) {
            fl_alloc_fail_after(k);
            st = pipeline(stage, &t, &err);
            fl_alloc_fail_after(0);
            cr_assert_eq(st, FL_ENOMEM, "%s, allocation %ld of %ld: %s",
                         STAGE[stage], k, total,
                         st == FL_OK ? "succeeded" : err.msg);
            cr_assert_null(t, "%s, allocation %ld: a half-built table",
                           STAGE[stage], k);
            cr_assert_eq(fl_alloc_bytes(), before,
                         "%s, allocation %ld of %ld: %zu bytes leaked",
                         STAGE[stage], k, total, fl_alloc_bytes() - before);
        }
    }
}

/* The expected values of the pipeline were worked out by hand from the two
 * small exports above, so that the stages whose failures are tested are
 * also known to compute the right thing. */
Test(alloc, the_pipeline_computes_what_the_data_says)
{
    fl_table *t;
    fl_error err;
    /* leads without Referral: 1, 3, 4, 6 */
    cr_assert_eq(pipeline(FILTER, &t, &err), FL_OK, "%s", err.msg);
    cr_assert_eq(t->nrows, 4);
    fl_table_unref(t);
    /* groups (channel, month): Paid search Jan, Paid search Feb,
     * "Paid, social" Mar, Événements Feb (code point order puts É last) */
    cr_assert_eq(pipeline(GROUP, &t, &err), FL_OK, "%s", err.msg);
    cr_assert_eq(t->nrows, 4);
    fl_table_unref(t);
    /* left join keeps all 5 deals (deal 14 has no lead) */
    cr_assert_eq(pipeline(JOIN, &t, &err), FL_OK, "%s", err.msg);
    cr_assert_eq(t->nrows, 5);
    fl_table_unref(t);
}
