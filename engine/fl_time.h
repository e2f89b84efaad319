/*
 * fl_time.h -- calendar arithmetic, ISO 8601 parsing and formatting, time
 * buckets. Dates are int32 days since 1970-01-01 (proleptic Gregorian);
 * timestamps are int64 microseconds since 1970-01-01T00:00:00Z.
 *
 * Layer: engine/, uses only libc. Pure functions, no allocation.
 */
#ifndef FL_TIME_H
#define FL_TIME_H

#include <stddef.h>
#include <stdint.h>

#define FL_US_PER_DAY INT64_C(86400000000)

typedef enum { FL_DAY, FL_WEEK, FL_MONTH, FL_QUARTER, FL_YEAR } fl_bucket;

/* Days since the epoch of a civil date (any year in -9999..9999). */
int32_t fl_days_from_civil(int y, int m, int d);
void fl_civil_from_days(int32_t days, int *y, int *m, int *d);

/* What fl_parse_datetime recognised. */
enum { FL_DT_NONE = 0, FL_DT_DATE = 1, FL_DT_TIMESTAMP = 2 };

/* Parses exactly s[0..len) (no surrounding spaces) as
 *   YYYY-MM-DD                                  -> FL_DT_DATE, *days
 *   YYYY-MM-DD(T| )HH:MM[:SS[.f{1,9}]][Z|(+|-)HH[:]MM|(+|-)HH]
 *                                               -> FL_DT_TIMESTAMP, *us (UTC)
 * Validates ranges (month 1-12, day within month, hour < 24, minute < 60,
 * second < 61 with 60 folded into the next minute). Fractions beyond
 * microseconds are truncated. Returns FL_DT_NONE when the text is neither;
 * days/us may be NULL. A text without offset is taken as UTC. */
int fl_parse_datetime(const char *s, size_t len, int32_t *days, int64_t *us);

/* Writes "YYYY-MM-DD" (NUL-terminated) into buf (at least 16 bytes); returns
 * its length. */
size_t fl_format_date(int32_t days, char *buf);
/* Writes "YYYY-MM-DDTHH:MM:SSZ", with ".ffffff" before the Z only when the
 * fraction is not zero, into buf (at least 40 bytes); returns its length. */
size_t fl_format_timestamp(int64_t us, char *buf);

/* First day of the bucket holding `days`. Weeks are ISO (Monday start). */
int32_t fl_bucket_date(int32_t days, fl_bucket b);
/* Day of a timestamp (floor division, correct before 1970). */
int32_t fl_ts_to_days(int64_t us);

/* Parses "30d", "12h", "45m", "90s", "2w" into microseconds; -1 if invalid. */
int64_t fl_parse_duration(const char *s);

#endif
