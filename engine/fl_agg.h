/*
 * fl_agg.h -- grouping and aggregates (lua-api.md "Aggregates",
 * "grouping:agg", "grouping:top").
 *
 * Layer: engine/, above fl_expr.
 *
 * Group ids: small dense keys (one string key: dictionary codes; one bool,
 * date or int key with a small range) index arrays directly; keys that fit
 * in 63 bits together are sorted on that number when the groups are many;
 * anything else goes through one open-addressing hash table on the composed
 * key. Nulls form their own group. Output rows are sorted by the keys
 * ascending, nulls last, strings by code point.
 *
 * Aggregates skip nulls; over no non-null value they give null (count: 0).
 * Result types: count/count_if/count_distinct -> int; sum of int -> int
 * (an int64 overflow is an FL_EINVAL error naming the aggregate), sum of
 * float -> float;
 * mean/median/quantile/stddev/corr -> float; min/max/first/last -> the
 * argument's type. quantile is linear interpolation (SQL quantile_cont),
 * stddev is the sample standard deviation (n-1; null for n < 2). corr is
 * Pearson's r over rows where both are non-null. first/last are in row order.
 */
#ifndef FL_AGG_H
#define FL_AGG_H

#include "fl_expr.h"

typedef enum {
    FL_AGG_COUNT_ALL, /* funnel.count()        rows */
    FL_AGG_COUNT,     /* funnel.count(e)       non-null values */
    FL_AGG_COUNT_IF,  /* funnel.count_if(e)    rows where e is true */
    FL_AGG_SUM,
    FL_AGG_MEAN,
    FL_AGG_MIN,
    FL_AGG_MAX,
    FL_AGG_COUNT_DISTINCT,
    FL_AGG_MEDIAN,
    FL_AGG_QUANTILE, /* q in spec.q, 0..1 */
    FL_AGG_STDDEV,
    FL_AGG_CORR, /* arg and arg2 */
    FL_AGG_FIRST,
    FL_AGG_LAST
} fl_agg_kind;

typedef struct fl_agg_spec {
    const char *name; /* output column name */
    fl_agg_kind kind;
    fl_expr *arg;  /* NULL for COUNT_ALL (borrowed) */
    fl_expr *arg2; /* CORR only (borrowed) */
    double q;      /* QUANTILE only */
} fl_agg_spec;

/* Groups t by keys[0..nkeys) (output key columns named key_names[i]) and
 * computes aggs[0..naggs): one row per group, key columns first. With
 * nkeys == 0 the result has exactly one row (also for an empty table). */
fl_status fl_group_agg(const fl_table *t, fl_expr *const *keys,
                       const char *const *key_names, int nkeys,
                       const fl_agg_spec *aggs, int naggs, fl_table **out,
                       fl_error *err);

/* The n rows with the largest (asc = 0) or smallest (asc = 1) value of
 * column `col` in each group, all of t's columns, groups in key order and,
 * within a group, in order of `col` (ties in row order; nulls never chosen
 * before values). */
fl_status fl_group_top(const fl_table *t, fl_expr *const *keys,
                       const char *const *key_names, int nkeys, int64_t n,
                       const char *col, int asc, fl_table **out, fl_error *err);

/* Group ids for the rows of t by keys: gid[r] in 0..*ngroups-1, numbered in
 * key order (sorted as above). *key_cols receives nkeys columns of *ngroups
 * rows (the distinct keys in order), and *gid an fl_malloc'd array of
 * t->nrows ids. Shared by agg, top and distinct. */
fl_status fl_group_ids(const fl_table *t, fl_expr *const *keys, int nkeys,
                       int32_t **gid, int64_t *ngroups, fl_column **key_cols,
                       fl_error *err);

/* Group-bys of at least this many rows (default 2^20) run their group ids,
 * sums, means, corr and small top(n) on two threads when the groups are few
 * enough (at most rows / 16): fixed halves, merged in a fixed order, so the
 * result is deterministic, and equal to the one-thread result except that
 * float sums (and what is computed from them) may differ in the last bits.
 * A variable so that tests can lower it; set it before any query runs. */
extern int fl_agg_par_min_rows;

#endif
