/* Tests of fl_time: calendar arithmetic, ISO 8601 parsing, formatting,
 * buckets. Expected day numbers were worked out by hand from the epoch
 * (1970-01-01 = day 0; 2000-03-01 = day 11017 as 30 years * 365 + 7 leap days
 * + 59 days of Jan-Feb 2000 + 1 leap day... see each case). */
#include <criterion/criterion.h>
#include <string.h>

#include "fl_time.h"

static int32_t D(const char *s)
{
    int32_t d = 0;
    cr_assert_eq(fl_parse_datetime(s, strlen(s), &d, NULL), FL_DT_DATE, "%s",
                 s);
    return d;
}

static int64_t TS(const char *s)
{
    int64_t us = 0;
    cr_assert_eq(fl_parse_datetime(s, strlen(s), NULL, &us), FL_DT_TIMESTAMP,
                 "%s", s);
    return us;
}

Test(time, civil_days)
{
    cr_assert_eq(D("1970-01-01"), 0);
    cr_assert_eq(D("1970-01-02"), 1);
    cr_assert_eq(D("1969-12-31"), -1);
    /* 2000-01-01: 30 years, 7 leap days (72,76,80,84,88,92,96) = 10957 */
    cr_assert_eq(D("2000-01-01"), 10957);
    /* 2000 is leap: Feb 29 exists, = 10957 + 31 + 28 */
    cr_assert_eq(D("2000-02-29"), 11016);
    int y, m, d;
    fl_civil_from_days(11016, &y, &m, &d);
    cr_assert(y == 2000 && m == 2 && d == 29);
    fl_civil_from_days(-1, &y, &m, &d);
    cr_assert(y == 1969 && m == 12 && d == 31);
}

Test(time, invalid_dates)
{
    const char *bad[] = {"2026-02-29",
                         "2026-13-01",
                         "2026-00-10",
                         "2026-04-31",
                         "1900-02-29",
                         "2026-1-01",
                         "2026/01/01",
                         "20260101",
                         "2026-01-01T",
                         "2026-01-01T25:00",
                         "2026-01-01T10:60",
                         "2026-01-01T10:00:00+24:00",
                         "2026-01-01T10:00:00Q",
                         "2026-01-01T10:00:00.",
                         "abc",
                         ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_expect_eq(fl_parse_datetime(bad[i], strlen(bad[i]), NULL, NULL),
                     FL_DT_NONE, "%s", bad[i]);
}

Test(time, timestamps_and_offsets)
{
    int64_t day = (int64_t)D("2026-07-14") * FL_US_PER_DAY;
    int64_t h = INT64_C(3600000000);
    cr_assert_eq(TS("2026-07-14T09:30:00Z"), day + 9 * h + 30 * 60000000LL);
    cr_assert_eq(TS("2026-07-14 09:30:00"), day + 9 * h + 30 * 60000000LL);
    cr_assert_eq(TS("2026-07-14T09:30"), day + 9 * h + 30 * 60000000LL);
    /* +02:00 means 2 hours ahead of UTC: 09:30+02:00 is 07:30Z */
    cr_assert_eq(TS("2026-07-14T09:30:00+02:00"),
                 day + 7 * h + 30 * 60000000LL);
    cr_assert_eq(TS("2026-07-14T09:30:00+0200"), day + 7 * h + 30 * 60000000LL);
    cr_assert_eq(TS("2026-07-14T01:00:00-05"), day + 6 * h);
    /* crossing midnight backwards: 00:30+01:00 is 23:30Z the day before */
    cr_assert_eq(TS("2026-07-14T00:30:00+01:00"), day - h / 2);
    cr_assert_eq(TS("2026-07-14T09:30:00.25Z"),
                 day + 9 * h + 30 * 60000000LL + 250000);
    /* digits past microseconds are truncated */
    cr_assert_eq(TS("2026-07-14T00:00:00.123456789Z"), day + 123456);
}

Test(time, format)
{
    char buf[40];
    fl_format_date(D("2026-07-14"), buf);
    cr_assert_str_eq(buf, "2026-07-14");
    fl_format_timestamp(TS("2026-07-14T09:30:05+02:00"), buf);
    cr_assert_str_eq(buf, "2026-07-14T07:30:05Z");
    fl_format_timestamp(TS("1969-12-31T23:59:59.5Z"), buf);
    cr_assert_str_eq(buf, "1969-12-31T23:59:59.500000Z");
}

Test(time, buckets)
{
    /* 2026-01-01 is a Thursday; its ISO week starts Monday 2025-12-29 */
    cr_assert_eq(fl_bucket_date(D("2026-01-01"), FL_WEEK), D("2025-12-29"));
    /* a Monday is its own week start; a Sunday belongs to the Monday before */
    cr_assert_eq(fl_bucket_date(D("2026-07-13"), FL_WEEK), D("2026-07-13"));
    cr_assert_eq(fl_bucket_date(D("2026-07-19"), FL_WEEK), D("2026-07-13"));
    /* before the epoch: 1969-12-31 is a Wednesday -> Monday 1969-12-29 */
    cr_assert_eq(fl_bucket_date(D("1969-12-31"), FL_WEEK), D("1969-12-29"));
    cr_assert_eq(fl_bucket_date(D("2026-08-15"), FL_MONTH), D("2026-08-01"));
    cr_assert_eq(fl_bucket_date(D("2026-08-15"), FL_QUARTER), D("2026-07-01"));
    cr_assert_eq(fl_bucket_date(D("2026-12-31"), FL_QUARTER), D("2026-10-01"));
    cr_assert_eq(fl_bucket_date(D("2026-08-15"), FL_YEAR), D("2026-01-01"));
    cr_assert_eq(fl_ts_to_days(TS("1969-12-31T23:00:00Z")), -1);
    cr_assert_eq(fl_ts_to_days(TS("1970-01-01T00:00:00Z")), 0);
}

Test(time, durations)
{
    cr_assert_eq(fl_parse_duration("30d"), 30 * FL_US_PER_DAY);
    cr_assert_eq(fl_parse_duration("12h"), 12 * INT64_C(3600000000));
    cr_assert_eq(fl_parse_duration("2w"), 14 * FL_US_PER_DAY);
    cr_assert_eq(fl_parse_duration("90s"), INT64_C(90000000));
    cr_assert_eq(fl_parse_duration("d"), -1);
    cr_assert_eq(fl_parse_duration("30"), -1);
    cr_assert_eq(fl_parse_duration("30days"), -1);
    cr_assert_eq(fl_parse_duration(""), -1);
}
