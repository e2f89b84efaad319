/*
 * fl_time.c -- calendar arithmetic (Howard Hinnant's days-from-civil
 * algorithm, public domain), ISO 8601 parsing and formatting, buckets.
 * Layer: engine/, libc only.
 */
#include "fl_time.h"

#include <stdio.h>
#include <string.h>

int32_t fl_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400; /* [0, 399] */
    const int doy =
        (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;    /* [0, 365] */
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return (int32_t)(era * 146097 + doe - 719468);
}

void fl_civil_from_days(int32_t days, int *y, int *m, int *d)
{
    int z = days + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const int doe = z - era * 146097;
    const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads n decimal digits at s into *v; 0 when one is not a digit. */
static int digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 1;
}

int fl_parse_datetime(const char *s, size_t len, int32_t *days, int64_t *us)
{
    int y, mo, d, h, mi, sec = 0;
    if (len < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
        !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d))
        return FL_DT_NONE;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return FL_DT_NONE;
    int32_t day = fl_days_from_civil(y, mo, d);
    if (len == 10) {
        if (days)
            *days = day;
        if (us)
            *us = (int64_t)day * FL_US_PER_DAY;
        return FL_DT_DATE;
    }
    /* time part */
    size_t i = 10;
    if ((s[i] != 'T' && s[i] != ' ' && s[i] != 't') || len < i + 6)
        return FL_DT_NONE;
    i++;
    if (!digits(s + i, 2, &h) || s[i + 2] != ':' || !digits(s + i + 3, 2, &mi))
        return FL_DT_NONE;
    i += 5;
    int64_t frac_us = 0;
    if (i < len && s[i] == ':') {
        if (i + 3 > len || !digits(s + i + 1, 2, &sec))
            return FL_DT_NONE;
        i += 3;
        if (i < len && (s[i] == '.' || s[i] == ',')) {
            i++;
            size_t start = i;
            int64_t scale = 100000;
            while (i < len && s[i] >= '0' && s[i] <= '9') {
                frac_us += (s[i] - '0') * scale; /* digits past 6 add 0 */
                scale /= 10;
                i++;
            }
            if (i == start || i - start > 9)
                return FL_DT_NONE;
        }
    }
    if (h > 23 || mi > 59 || sec > 60)
        return FL_DT_NONE;
    int offset_min = 0;
    if (i < len) {
        if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
            i++;
        } else if (s[i] == '+' || s[i] == '-') {
            int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
            i++;
            if (i + 2 > len || !digits(s + i, 2, &oh))
                return FL_DT_NONE;
            i += 2;
            if (i < len && s[i] == ':')
                i++;
            if (i < len) {
                if (i + 2 != len || !digits(s + i, 2, &om))
                    return FL_DT_NONE;
                i += 2;
            }
            if (oh > 23 || om > 59)
                return FL_DT_NONE;
            offset_min = sign * (oh * 60 + om);
        } else {
            return FL_DT_NONE;
        }
    }
    if (i != len)
        return FL_DT_NONE;
    if (us) {
        int64_t secs = (int64_t)day * 86400 + h * 3600 + mi * 60 + sec -
                       (int64_t)offset_min * 60;
        *us = secs * 1000000 + frac_us;
    }
    if (days)
        *days = day;
    return FL_DT_TIMESTAMP;
}

size_t fl_format_date(int32_t days, char *buf)
{
    int y, m, d;
    fl_civil_from_days(days, &y, &m, &d);
    int n = snprintf(buf, 16,
                     y >= 0 && y <= 9999 ? "%04d-%02d-%02d" : "%05d-%02d-%02d",
                     y, m, d);
    return (size_t)n;
}

int32_t fl_ts_to_days(int64_t us)
{
    int64_t q = us / FL_US_PER_DAY;
    if (us % FL_US_PER_DAY < 0)
        q--;
    return (int32_t)q;
}

size_t fl_format_timestamp(int64_t us, char *buf)
{
    int32_t day = fl_ts_to_days(us);
    int64_t rem = us - (int64_t)day * FL_US_PER_DAY; /* [0, 1 day) */
    size_t n = fl_format_date(day, buf);
    int64_t secs = rem / 1000000, frac = rem % 1000000;
    n +=
        (size_t)snprintf(buf + n, 40 - n, "T%02d:%02d:%02d", (int)(secs / 3600),
                         (int)(secs / 60 % 60), (int)(secs % 60));
    if (frac)
        n += (size_t)snprintf(buf + n, 40 - n, ".%06d", (int)frac);
    buf[n++] = 'Z';
    buf[n] = 0;
    return n;
}

int32_t fl_bucket_date(int32_t days, fl_bucket b)
{
    int y, m, d;
    switch (b) {
    case FL_DAY:
        return days;
    case FL_WEEK: {
        /* 1970-01-01 was a Thursday: Monday-based weekday = (days + 3) mod 7 */
        int wd = (int)(((int64_t)days + 3) % 7);
        if (wd < 0)
            wd += 7;
        return days - wd;
    }
    case FL_MONTH:
        fl_civil_from_days(days, &y, &m, &d);
        return fl_days_from_civil(y, m, 1);
    case FL_QUARTER:
        fl_civil_from_days(days, &y, &m, &d);
        return fl_days_from_civil(y, (m - 1) / 3 * 3 + 1, 1);
    case FL_YEAR:
        fl_civil_from_days(days, &y, &m, &d);
        return fl_days_from_civil(y, 1, 1);
    }
    return days;
}

int64_t fl_parse_duration(const char *s)
{
    if (!s || !*s)
        return -1;
    int64_t n = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9') {
        if (n > INT64_C(1000000000))
            return -1;
        n = n * 10 + (*p++ - '0');
    }
    if (p == s || p[0] == 0 || p[1] != 0)
        return -1;
    int64_t unit;
    switch (*p) {
    case 's':
        unit = INT64_C(1000000);
        break;
    case 'm':
        unit = INT64_C(60000000);
        break;
    case 'h':
        unit = INT64_C(3600000000);
        break;
    case 'd':
        unit = FL_US_PER_DAY;
        break;
    case 'w':
        unit = 7 * FL_US_PER_DAY;
        break;
    default:
        return -1;
    }
    return n * unit;
}
