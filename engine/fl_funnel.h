/*
 * fl_funnel.h -- ordered funnels and cohorts across CRM tables (lua-api.md
 * "Funnels and cohorts"), computed in one pass per step over (key, time)
 * pairs: no sort of the events, no per-row Lua.
 *
 * Layer: engine/, above fl_agg (group ids for the breakdown) and fl_time.
 */
#ifndef FL_FUNNEL_H
#define FL_FUNNEL_H

#include "fl_agg.h"

typedef struct fl_funnel_step {
    const char *name;      /* shown in the result's `name` column */
    const fl_table *table; /* the step's events (borrowed) */
    const char *time;      /* a date or timestamp column of table */
} fl_funnel_step;

/* Funnel over steps[0..nsteps) keyed by column `key` (int or string, the same
 * type in every step). window_us < 0: no window. any_order: a key reaches
 * step i when it reached step i-1 and has a step-i event in [t1, t1+window].
 * by: NULL or a column of the first step's table.
 * Result columns: [by], step, name, count, conversion, step_conversion,
 * median_days, p90_days; one row per breakdown value and step. Errors name
 * the step ("step 2 'demo': no column 'at'"). */
fl_status fl_funnel(const fl_funnel_step *steps, int nsteps, const char *key,
                    int64_t window_us, int any_order, const char *by,
                    fl_table **out, fl_error *err);

/* Cohorts: a key's cohort is the bucket of its earliest `first` event; it
 * is active in period p (0..periods) when it has an `again` event whose
 * bucket is p buckets after its cohort. Result columns: cohort (date), size,
 * period, active, rate; one row per cohort and period, sorted. */
fl_status fl_cohorts(const fl_funnel_step *first, const fl_funnel_step *again,
                     const char *key, fl_bucket period, int periods,
                     fl_table **out, fl_error *err);

#endif
