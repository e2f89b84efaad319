/* Tests of fl_csv: loading CSV text into typed columns. Every expected value
 * is worked out by hand from the small input next to it; day numbers count
 * from 1970-01-01 = 0: 2026-01-01 is 56 * 365 + 14 leap days (1972 .. 2024)
 * = 20454, and 2026-07-14 is 20454 + 181 (Jan .. Jun) + 13 = 20648. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fl_csv.h"
#include "fl_time.h"
#include "test_util.h"

#define DAY_2026_07_14 20648
#define US_2026_07_14 ((int64_t)DAY_2026_07_14 * INT64_C(86400000000))
#define US_HOUR INT64_C(3600000000)

static fl_table *load_n(const char *csv, size_t len, const fl_csv_options *o)
{
    fl_table *t = NULL;
    fl_error err = {{0}};
    fl_status st = fl_csv_read_buffer(csv, len, "t.csv", o, &t, &err);
    cr_assert_eq(st, FL_OK, "load failed: %s", err.msg);
    cr_assert_not_null(t);
    return t;
}

static fl_table *load(const char *csv, const fl_csv_options *o)
{
    return load_n(csv, strlen(csv), o);
}

static void fails_n(const char *csv, size_t len, const fl_csv_options *o,
                    fl_status code, const char *msg)
{
    fl_table *t = NULL;
    fl_error err = {{0}};
    size_t before = fl_alloc_bytes();
    fl_status st = fl_csv_read_buffer(csv, len, "t.csv", o, &t, &err);
    cr_assert_eq(st, code, "status %d, message: %s", st, err.msg);
    cr_assert_str_eq(err.msg, msg);
    cr_assert_null(t);
    /* everything allocated was freed (LeakSanitizer reports leaks, but a
     * report does not fail a Criterion test) */
    cr_assert_eq(fl_alloc_bytes(), before);
}

static void fails(const char *csv, const fl_csv_options *o, fl_status code,
                  const char *msg)
{
    fails_n(csv, strlen(csv), o, code, msg);
}

/* The column `name` of t, which must exist and have the given type. */
static fl_column *col(const fl_table *t, const char *name, fl_type type)
{
    int i = fl_table_find(t, name);
    cr_assert_geq(i, 0, "no column '%s'", name);
    fl_column *c = t->cols[i];
    cr_assert_eq(c->type, type, "column '%s' is %s, expected %s", name,
                 fl_type_name(c->type), fl_type_name(type));
    cr_assert_eq(c->length, t->nrows);
    return c;
}

static void names_are(const fl_table *t, int n, const char *const *names)
{
    cr_assert_eq(t->ncols, n);
    for (int i = 0; i < n; i++)
        cr_assert_str_eq(t->names[i], names[i]);
}

/* ==== delimiters, BOM, line ends, quoting ================================ */

Test(csv, comma)
{
    fl_table *t = load("id,name\n1,Ann\n2,Bob\n", NULL);
    names_are(t, 2, (const char *[]){"id", "name"});
    cr_assert_eq(t->nrows, 2);
    fl_column *id = col(t, "id", FL_INT), *name = col(t, "name", FL_STRING);
    cr_assert_eq(FL_I64(id)[0], 1);
    cr_assert_eq(FL_I64(id)[1], 2);
    cr_assert_str_eq(tu_str_at(name, 0), "Ann");
    cr_assert_str_eq(tu_str_at(name, 1), "Bob");
    cr_assert_null(id->validity);
    fl_table_unref(t);
}

Test(csv, semicolon_tab_pipe_detected)
{
    const char *inputs[] = {"a;b;c\n1;x;2.5\n", "a\tb\tc\n1\tx\t2.5\n",
                            "a|b|c\n1|x|2.5\n"};
    for (int k = 0; k < 3; k++) {
        fl_table *t = load(inputs[k], NULL);
        names_are(t, 3, (const char *[]){"a", "b", "c"});
        cr_assert_eq(t->nrows, 1);
        cr_assert_eq(FL_I64(col(t, "a", FL_INT))[0], 1);
        cr_assert_str_eq(tu_str_at(col(t, "b", FL_STRING), 0), "x");
        cr_assert_eq(FL_F64(col(t, "c", FL_FLOAT))[0], 2.5);
        fl_table_unref(t);
    }
}

Test(csv, detection_ignores_quoted_delimiters)
{
    /* two semicolons inside quotes, one comma outside: comma */
    fl_table *t = load("\"a;b;c\",d\n1,2\n", NULL);
    names_are(t, 2, (const char *[]){"a;b;c", "d"});
    fl_table_unref(t);
    /* a comma inside quotes, one semicolon outside: semicolon */
    t = load("\"x,y\";z\n1;2\n", NULL);
    names_are(t, 2, (const char *[]){"x,y", "z"});
    fl_table_unref(t);
}

Test(csv, single_column_and_given_delimiter)
{
    fl_table *t = load("name\nAnn\nBob\n", NULL);
    names_are(t, 1, (const char *[]){"name"});
    cr_assert_eq(t->nrows, 2);
    fl_table_unref(t);
    fl_csv_options o = {0};
    o.delimiter = ';';
    /* detection would pick the comma (2 against 1) */
    t = load("a,b,c;d\n1,2,3;4\n", &o);
    names_are(t, 2, (const char *[]){"a,b,c", "d"});
    cr_assert_str_eq(tu_str_at(col(t, "a,b,c", FL_STRING), 0), "1,2,3");
    cr_assert_eq(FL_I64(col(t, "d", FL_INT))[0], 4);
    fl_table_unref(t);
}

Test(csv, bom_skipped)
{
    fl_table *t = load("\xEF\xBB\xBFid;name\n7;x\n", NULL);
    names_are(t, 2, (const char *[]){"id", "name"});
    cr_assert_eq(FL_I64(col(t, "id", FL_INT))[0], 7);
    fl_table_unref(t);
}

Test(csv, crlf)
{
    fl_table *t = load("a,b\r\n1,x\r\n3,y\r\n", NULL);
    names_are(t, 2, (const char *[]){"a", "b"});
    cr_assert_eq(t->nrows, 2);
    fl_column *a = col(t, "a", FL_INT), *b = col(t, "b", FL_STRING);
    cr_assert_eq(FL_I64(a)[1], 3);
    cr_assert_str_eq(tu_str_at(b, 0), "x");
    cr_assert_str_eq(tu_str_at(b, 1), "y");
    fl_table_unref(t);
}

Test(csv, quoted_delimiter_quote_newline)
{
    fl_table *t = load("a,b\n"
                       "\"x,y\",\"he said \"\"hi\"\"\"\n"
                       "\"line1\nline2\",z\n"
                       "\"\",\"  keep  \"\n",
                       NULL);
    cr_assert_eq(t->nrows, 3);
    fl_column *a = col(t, "a", FL_STRING), *b = col(t, "b", FL_STRING);
    cr_assert_str_eq(tu_str_at(a, 0), "x,y");
    cr_assert_str_eq(tu_str_at(b, 0), "he said \"hi\"");
    cr_assert_str_eq(tu_str_at(a, 1), "line1\nline2");
    cr_assert_str_eq(tu_str_at(b, 1), "z");
    cr_assert_null(tu_str_at(a, 2)); /* "" is the empty text: null */
    cr_assert_str_eq(tu_str_at(b, 2), "  keep  ");
    fl_table_unref(t);
}

Test(csv, spaces_around_unquoted_fields_dropped)
{
    fl_table *t = load("a , b\n 1 , x y \n", NULL);
    names_are(t, 2, (const char *[]){"a", "b"});
    cr_assert_eq(FL_I64(col(t, "a", FL_INT))[0], 1);
    cr_assert_str_eq(tu_str_at(col(t, "b", FL_STRING), 0), "x y");
    fl_table_unref(t);
}

Test(csv, blank_lines_and_no_final_newline)
{
    fl_table *t = load("\n\na,b\n\n1,2\n\r\n   \n3,4", NULL);
    cr_assert_eq(t->nrows, 2);
    fl_column *a = col(t, "a", FL_INT), *b = col(t, "b", FL_INT);
    cr_assert_eq(FL_I64(a)[0], 1);
    cr_assert_eq(FL_I64(a)[1], 3);
    cr_assert_eq(FL_I64(b)[1], 4);
    fl_table_unref(t);
}

Test(csv, header_only)
{
    fl_table *t = load("a,b\n", NULL);
    cr_assert_eq(t->nrows, 0);
    col(t, "a", FL_STRING);
    col(t, "b", FL_STRING);
    fl_table_unref(t);
    t = load("a,b", NULL); /* without a newline */
    cr_assert_eq(t->ncols, 2);
    cr_assert_eq(t->nrows, 0);
    fl_table_unref(t);
}

/* ==== types ================================================================
 */

Test(csv, inferred_types)
{
    fl_table *t = load("i,f,b,d,ts,s\n"
                       "1,1.5,true,2026-07-14,2026-07-14T09:30:00+02:00,x\n"
                       "-2,2e3,FALSE,2026-01-01,2026-07-14 09:30:00,y\n"
                       "+3,-.25,True,2026-07-15,2026-07-14T09:30:00Z,1\n",
                       NULL);
    fl_column *i = col(t, "i", FL_INT), *f = col(t, "f", FL_FLOAT),
              *b = col(t, "b", FL_BOOL), *d = col(t, "d", FL_DATE),
              *ts = col(t, "ts", FL_TIMESTAMP), *s = col(t, "s", FL_STRING);
    cr_assert_eq(FL_I64(i)[0], 1);
    cr_assert_eq(FL_I64(i)[1], -2);
    cr_assert_eq(FL_I64(i)[2], 3);
    cr_assert_eq(FL_F64(f)[0], 1.5);
    cr_assert_eq(FL_F64(f)[1], 2000.0);
    cr_assert_eq(FL_F64(f)[2], -0.25);
    cr_assert_eq(FL_U8(b)[0], 1);
    cr_assert_eq(FL_U8(b)[1], 0);
    cr_assert_eq(FL_U8(b)[2], 1);
    cr_assert_eq(FL_I32(d)[0], DAY_2026_07_14);
    cr_assert_eq(FL_I32(d)[1], 20454);
    cr_assert_eq(FL_I32(d)[2], DAY_2026_07_14 + 1);
    /* 09:30 at +02:00 is 07:30 UTC; no offset means UTC */
    cr_assert_eq(FL_I64(ts)[0], US_2026_07_14 + 7 * US_HOUR + US_HOUR / 2);
    cr_assert_eq(FL_I64(ts)[1], US_2026_07_14 + 9 * US_HOUR + US_HOUR / 2);
    cr_assert_eq(FL_I64(ts)[2], US_2026_07_14 + 9 * US_HOUR + US_HOUR / 2);
    cr_assert_str_eq(tu_str_at(s, 2), "1");
    fl_table_unref(t);
}

Test(csv, int64_range_exact)
{
    fl_table *t =
        load("v\n9223372036854775807\n-9223372036854775808\n-0\n", NULL);
    fl_column *v = col(t, "v", FL_INT);
    cr_assert_eq(FL_I64(v)[0], INT64_MAX);
    cr_assert_eq(FL_I64(v)[1], INT64_MIN);
    cr_assert_eq(FL_I64(v)[2], 0);
    fl_table_unref(t);
}

Test(csv, int_overflow_makes_float)
{
    /* 2^63 is one past INT64_MAX; as a double it is exactly 2^63 */
    fl_table *t = load("v\n1\n9223372036854775808\n", NULL);
    fl_column *v = col(t, "v", FL_FLOAT);
    cr_assert_eq(FL_F64(v)[0], 1.0);
    cr_assert_eq(FL_F64(v)[1], 9223372036854775808.0);
    fl_table_unref(t);
    t = load("v\n-9223372036854775809\n", NULL);
    cr_assert_eq(FL_F64(col(t, "v", FL_FLOAT))[0], -9223372036854775808.0);
    fl_table_unref(t);
}

Test(csv, int_to_float_same_as_parsing_the_text)
{
    /* 2^53 + 1 is not a double: the text rounds (to even) to 2^53, and so
     * must the stored int when the column becomes float */
    fl_table *t = load("v\n9007199254740993\n0.5\n", NULL);
    fl_column *v = col(t, "v", FL_FLOAT);
    cr_assert_eq(FL_F64(v)[0], 9007199254740992.0);
    cr_assert_eq(FL_F64(v)[0], strtod("9007199254740993", NULL));
    cr_assert_eq(FL_F64(v)[1], 0.5);
    fl_table_unref(t);
}

Test(csv, float_texts)
{
    fl_table *t = load("v\n0.1\n123456789012345678901234567890\n-0.0\n1e300\n"
                       "5.\n1.5E-3\n0.000000000000000000000000000001\n",
                       NULL);
    fl_column *v = col(t, "v", FL_FLOAT);
    cr_assert_eq(FL_F64(v)[0], 0.1);
    cr_assert_eq(FL_F64(v)[1], 123456789012345678901234567890.0);
    cr_assert_eq(FL_F64(v)[2], 0.0);
    cr_assert(signbit(FL_F64(v)[2]));
    cr_assert_eq(FL_F64(v)[3], 1e300);
    cr_assert_eq(FL_F64(v)[4], 5.0);
    cr_assert_eq(FL_F64(v)[5], 0.0015);
    cr_assert_eq(FL_F64(v)[6], 1e-30);
    fl_table_unref(t);
    /* not numbers: inf, nan, hex, a bare exponent */
    t = load("a,b,c,d\ninf,nan,0x10,1e\n", NULL);
    col(t, "a", FL_STRING);
    col(t, "b", FL_STRING);
    col(t, "c", FL_STRING);
    col(t, "d", FL_STRING);
    fl_table_unref(t);
}

/* Random decimal texts (1 to 25 digits, a dot anywhere or none, a sign,
 * now and then an exponent) read as a declared float column: each value
 * must be strtod's, the correctly rounded double. */
Test(csv, random_decimal_texts_round_like_strtod)
{
    enum { N = 20000 };
    static char csv[N * 40];
    static char text[N][40];
    size_t len = (size_t)sprintf(csv, "v\n");
    uint64_t seed = 42;
#define NEXT()                                                                 \
    (seed = seed * 6364136223846793005u + 1442695040888963407u,                \
     (unsigned)(seed >> 33))
    for (int k = 0; k < N; k++) {
        char *t = text[k];
        int n = 0, digits = 1 + (int)(NEXT() % 25), dot = (int)(NEXT() % 30);
        if (NEXT() % 4 == 0)
            t[n++] = NEXT() % 2 ? '-' : '+';
        for (int d = 0; d < digits; d++) {
            if (d == dot)
                t[n++] = '.';
            t[n++] = (char)('0' + NEXT() % 10);
        }
        if (NEXT() % 10 == 0)
            n += sprintf(t + n, "e%d", (int)(NEXT() % 60) - 30);
        t[n] = 0;
        len += (size_t)sprintf(csv + len, "%s\n", t);
    }
#undef NEXT
    static const char *const cols[] = {"v"};
    fl_type types[] = {FL_FLOAT};
    fl_csv_options o = {0};
    o.ntypes = 1;
    o.type_cols = cols;
    o.types = types;
    fl_table *tb = load_n(csv, len, &o);
    fl_column *v = col(tb, "v", FL_FLOAT);
    for (int k = 0; k < N; k++)
        cr_assert_eq(FL_F64(v)[k], strtod(text[k], NULL), "%s", text[k]);
    fl_table_unref(tb);
}

Test(csv, leading_zeros_stay_text_when_mixed)
{
    fl_table *t = load("code\n007\nabc\n12\n", NULL);
    fl_column *c = col(t, "code", FL_STRING);
    cr_assert_str_eq(tu_str_at(c, 0), "007");
    cr_assert_str_eq(tu_str_at(c, 1), "abc");
    cr_assert_str_eq(tu_str_at(c, 2), "12");
    fl_table_unref(t);
    /* with numbers only, still text (a zip code, as DuckDB infers it),
     * whether the leading zero comes first or later; "0" and "0.5" are
     * numbers */
    t = load("code,later,f,z\n8,1.5,0.5,0\n007,-012,00.5,-0\n", NULL);
    fl_column *a = col(t, "code", FL_STRING), *b = col(t, "later", FL_STRING),
              *f = col(t, "f", FL_STRING);
    cr_assert_str_eq(tu_str_at(a, 0), "8");
    cr_assert_str_eq(tu_str_at(a, 1), "007");
    cr_assert_str_eq(tu_str_at(b, 0), "1.5");
    cr_assert_str_eq(tu_str_at(b, 1), "-012");
    cr_assert_str_eq(tu_str_at(f, 1), "00.5");
    fl_column *z = col(t, "z", FL_INT);
    cr_assert_eq(FL_I64(z)[0], 0);
    cr_assert_eq(FL_I64(z)[1], 0);
    fl_table_unref(t);
    t = load("f\n0.5\n-0.25\n", NULL);
    fl_column *g = col(t, "f", FL_FLOAT);
    cr_assert_eq(FL_F64(g)[1], -0.25);
    fl_table_unref(t);
    /* declared int, they are numbers */
    const char *names[] = {"code"};
    fl_type types[] = {FL_INT};
    fl_csv_options o = {0};
    o.ntypes = 1;
    o.type_cols = names;
    o.types = types;
    t = load("code\n007\n8\n", &o);
    fl_column *i = col(t, "code", FL_INT);
    cr_assert_eq(FL_I64(i)[0], 7);
    cr_assert_eq(FL_I64(i)[1], 8);
    fl_table_unref(t);
}

Test(csv, demotions_to_string_keep_the_texts)
{
    fl_table *t = load("flag,when,n,x\n"
                       "true,2026-07-14,1.50,5\n"
                       ",2026-07-14T10:00:00Z,,\n"
                       "maybe,soon,n/a,5\n"
                       "FALSE,2026-07-14,2,\n",
                       NULL);
    fl_column *flag = col(t, "flag", FL_STRING),
              *when = col(t, "when", FL_STRING), *n = col(t, "n", FL_STRING),
              *x = col(t, "x", FL_INT);
    cr_assert_str_eq(tu_str_at(flag, 0), "true");
    cr_assert_null(tu_str_at(flag, 1));
    cr_assert_str_eq(tu_str_at(flag, 2), "maybe");
    cr_assert_str_eq(tu_str_at(flag, 3), "FALSE");
    cr_assert_str_eq(tu_str_at(when, 1), "2026-07-14T10:00:00Z");
    cr_assert_str_eq(tu_str_at(when, 2), "soon");
    cr_assert_str_eq(tu_str_at(n, 0), "1.50");
    cr_assert_null(tu_str_at(n, 1));
    cr_assert_str_eq(tu_str_at(n, 2), "n/a");
    cr_assert_str_eq(tu_str_at(n, 3), "2");
    cr_assert_eq(flag->null_count, 1);
    /* the column that did not need the second pass is untouched */
    cr_assert_eq(FL_I64(x)[0], 5);
    cr_assert(!fl_column_valid(x, 1));
    cr_assert_eq(FL_I64(x)[2], 5);
    cr_assert(!fl_column_valid(x, 3));
    fl_table_unref(t);
}

Test(csv, date_then_timestamp)
{
    fl_table *t = load("d,k\n2026-07-14,1\n,2\n2026-07-14T09:30:00Z,3\n"
                       "2026-07-15,4\n",
                       NULL);
    fl_column *d = col(t, "d", FL_TIMESTAMP);
    cr_assert_eq(FL_I64(d)[0], US_2026_07_14);
    cr_assert(!fl_column_valid(d, 1));
    cr_assert_eq(FL_I64(d)[2], US_2026_07_14 + 9 * US_HOUR + US_HOUR / 2);
    cr_assert_eq(FL_I64(d)[3], US_2026_07_14 + 24 * US_HOUR);
    cr_assert_eq(d->null_count, 1);
    fl_table_unref(t);
}

Test(csv, nulls_default_and_all_null_column)
{
    fl_table *t = load("a,b,c\n,x,\n1,,\n", NULL);
    fl_column *a = col(t, "a", FL_INT), *b = col(t, "b", FL_STRING),
              *c = col(t, "c", FL_STRING);
    cr_assert(!fl_column_valid(a, 0));
    cr_assert_eq(FL_I64(a)[1], 1);
    cr_assert_eq(a->null_count, 1);
    cr_assert_str_eq(tu_str_at(b, 0), "x");
    cr_assert_null(tu_str_at(b, 1));
    cr_assert_eq(c->null_count, 2);
    fl_table_unref(t);
}

Test(csv, null_texts_replace_the_default)
{
    const char *nulls[] = {"NA", "null"};
    fl_csv_options o = {0};
    o.nnulls = 2;
    o.nulls = nulls;
    fl_table *t = load("a,b\nNA,x\n1,\nnull,NA\n", &o);
    fl_column *a = col(t, "a", FL_INT), *b = col(t, "b", FL_STRING);
    cr_assert(!fl_column_valid(a, 0));
    cr_assert_eq(FL_I64(a)[1], 1);
    cr_assert(!fl_column_valid(a, 2));
    cr_assert_str_eq(tu_str_at(b, 0), "x");
    cr_assert_str_eq(tu_str_at(b, 1), ""); /* "" is not in the list */
    cr_assert_null(tu_str_at(b, 2));
    fl_table_unref(t);

    /* an empty list: nothing is null, an empty text in a number column makes
     * it a string column */
    static const char *const none[] = {NULL};
    fl_csv_options o2 = {0};
    o2.nulls = none;
    t = load("a,b\n1,\n2,x\n", &o2);
    fl_column *b2 = col(t, "b", FL_STRING);
    cr_assert_str_eq(tu_str_at(b2, 0), "");
    cr_assert_str_eq(tu_str_at(b2, 1), "x");
    cr_assert_null(b2->validity);
    fl_table_unref(t);
    t = load("a\n1\n\"\"\n", &o2);
    fl_column *a2 = col(t, "a", FL_STRING);
    cr_assert_str_eq(tu_str_at(a2, 0), "1");
    cr_assert_str_eq(tu_str_at(a2, 1), "");
    fl_table_unref(t);
}

Test(csv, nfc_interning)
{
    /* "é" decomposed (e + U+0301) in one row, composed (U+00E9) in another */
    fl_table *t = load("name,e\xcc\x81t\xc3\xa9\nJose\xcc\x81,1\n"
                       "Jos\xc3\xa9,2\nJose,3\n",
                       NULL);
    names_are(t, 2, (const char *[]){"name", "\xc3\xa9t\xc3\xa9"});
    fl_column *n = col(t, "name", FL_STRING);
    cr_assert_eq(FL_I32(n)[0], 0);
    cr_assert_eq(FL_I32(n)[1], 0);
    cr_assert_eq(FL_I32(n)[2], 1);
    cr_assert_eq(n->dict->count, 2);
    cr_assert_str_eq(tu_str_at(n, 0), "Jos\xc3\xa9");
    fl_table_unref(t);
}

/* Short texts go through a memo in front of the dictionary: texts that
 * differ only in their length or last byte, at lengths around the memo's
 * 8- and 16-byte words, must keep distinct codes, in order of first
 * appearance (worked out here by a plain linear search). */
static void text_k(int k, char *out)
{
    int len = 1 + k % 20;
    memset(out, 'a', (size_t)len);
    out[len - 1] = (char)('A' + k / 20);
    out[len] = 0;
}

Test(csv, short_strings_keep_distinct_codes)
{
    enum { ROWS = 3000, KINDS = 300 };
    char *csv = malloc(ROWS * 24 + 8);
    size_t n = (size_t)sprintf(csv, "s\n");
    int first_row_of[KINDS], kind_code[KINDS], ncodes = 0;
    for (int k = 0; k < KINDS; k++)
        first_row_of[k] = -1;
    int kind[ROWS];
    for (int i = 0; i < ROWS; i++) {
        kind[i] = (i * 7919 + i / 13) % KINDS;
        char t[24];
        text_k(kind[i], t);
        n += (size_t)sprintf(csv + n, "%s\n", t);
        if (first_row_of[kind[i]] < 0) {
            first_row_of[kind[i]] = i;
            kind_code[kind[i]] = ncodes++;
        }
    }
    fl_table *t = load_n(csv, n, NULL);
    fl_column *c = col(t, "s", FL_STRING);
    cr_assert_eq(c->dict->count, ncodes);
    for (int i = 0; i < ROWS; i++) {
        char want[24];
        text_k(kind[i], want);
        cr_assert_eq(FL_I32(c)[i], kind_code[kind[i]], "row %d", i);
        cr_assert_str_eq(tu_str_at(c, i), want);
    }
    fl_table_unref(t);
    free(csv);
}

/* More distinct short texts than the memo keeps (it stops remembering new
 * ones at 2^17): later texts still intern correctly. */
Test(csv, many_distinct_short_strings, .timeout = 60)
{
    enum { DISTINCT = 140000 };
    char *csv = malloc((size_t)DISTINCT * 2 * 9 + 8);
    size_t n = (size_t)sprintf(csv, "s\n");
    for (int i = 0; i < DISTINCT; i++)
        n += (size_t)sprintf(csv + n, "k%d\n", i);
    for (int i = DISTINCT - 1; i >= 0; i -= 1000) /* again, some of them */
        n += (size_t)sprintf(csv + n, "k%d\n", i);
    fl_table *t = load_n(csv, n, NULL);
    fl_column *c = col(t, "s", FL_STRING);
    cr_assert_eq(c->dict->count, DISTINCT);
    cr_assert_str_eq(tu_str_at(c, 139999), "k139999");
    cr_assert_eq(FL_I32(c)[DISTINCT], DISTINCT - 1); /* k139999 again */
    cr_assert_eq(FL_I32(c)[DISTINCT + 139], 999);    /* k999 again */
    fl_table_unref(t);
    free(csv);
}

/* ==== declared types ====================================================== */

Test(csv, declared_types)
{
    const char *names[] = {"ok", "amount", "zip", "at", "none"};
    fl_type types[] = {FL_BOOL, FL_FLOAT, FL_STRING, FL_TIMESTAMP, FL_DATE};
    fl_csv_options o = {0};
    o.ntypes = 5;
    o.type_cols = names;
    o.types = types;
    fl_table *t = load("ok,amount,zip,at,none\n"
                       "yes,1,007,2026-07-14,\n"
                       "No,2.5,12,2026-07-14T09:30:00+02:00,\n"
                       "1,3,x,2026-07-15,\n"
                       "0,,4,,\n"
                       "TRUE,4,5,2026-07-14 00:00,\n",
                       &o);
    fl_column *ok = col(t, "ok", FL_BOOL), *amount = col(t, "amount", FL_FLOAT),
              *zip = col(t, "zip", FL_STRING), *at = col(t, "at", FL_TIMESTAMP),
              *none = col(t, "none", FL_DATE);
    const uint8_t want_ok[] = {1, 0, 1, 0, 1};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(FL_U8(ok)[i], want_ok[i], "row %d", i);
    cr_assert_eq(FL_F64(amount)[0], 1.0);
    cr_assert_eq(FL_F64(amount)[1], 2.5);
    cr_assert(!fl_column_valid(amount, 3));
    cr_assert_str_eq(tu_str_at(zip, 0), "007");
    cr_assert_str_eq(tu_str_at(zip, 2), "x");
    cr_assert_eq(FL_I64(at)[0], US_2026_07_14);
    cr_assert_eq(FL_I64(at)[1], US_2026_07_14 + 7 * US_HOUR + US_HOUR / 2);
    cr_assert_eq(FL_I64(at)[2], US_2026_07_14 + 24 * US_HOUR);
    cr_assert(!fl_column_valid(at, 3));
    cr_assert_eq(FL_I64(at)[4], US_2026_07_14);
    cr_assert_eq(none->null_count, 5);
    fl_table_unref(t);
}

Test(csv, declared_type_mismatch)
{
    const char *names[] = {"n"};
    fl_type types[] = {FL_INT};
    fl_csv_options o = {0};
    o.ntypes = 1;
    o.type_cols = names;
    o.types = types;
    fails("id,n\n1,2\n2,1.5\n", &o, FL_EPARSE,
          "t.csv:3, column 'n' (field 2): '1.5' is not an int (64-bit)");
    fails("id,n\n1,99999999999999999999\n", &o, FL_EPARSE,
          "t.csv:2, column 'n' (field 2): '99999999999999999999' is not an "
          "int (64-bit)");
    types[0] = FL_BOOL;
    fails("id,n\n1,yes\n2,maybe\n", &o, FL_EPARSE,
          "t.csv:3, column 'n' (field 2): 'maybe' is not a bool (true/false, "
          "yes/no, 1/0)");
    types[0] = FL_DATE;
    fails("id,n\n1,2026-07-14T09:30:00Z\n", &o, FL_EPARSE,
          "t.csv:2, column 'n' (field 2): '2026-07-14T09:30:00Z' is not a "
          "date (YYYY-MM-DD)");
    types[0] = FL_FLOAT;
    /* with no null texts, the empty field does not fit a float */
    static const char *const none[] = {NULL};
    o.nulls = none;
    fails("id,n\n1,\n", &o, FL_EPARSE,
          "t.csv:2, column 'n' (field 2): '' is not a float");
    /* the line is where the field starts, after a multi-line field */
    types[0] = FL_TIMESTAMP;
    fails("id,x,n\n1,\"a\nb\",soon\n", &o, FL_EPARSE,
          "t.csv:3, column 'n' (field 3): 'soon' is not a timestamp (ISO "
          "8601)");
}

Test(csv, declared_column_not_in_header)
{
    const char *names[] = {"amount", "amout"};
    fl_type types[] = {FL_FLOAT, FL_FLOAT};
    fl_csv_options o = {0};
    o.ntypes = 2;
    o.type_cols = names;
    o.types = types;
    fails("id,amount\n1,2\n", &o, FL_EINVAL,
          "t.csv: a type is declared for column 'amout', which is not in the "
          "header");
}

/* ==== errors, with their lines ============================================ */

Test(csv, wrong_field_count)
{
    fails("a,b,c\n1,2,3\n4,5\n", NULL, FL_EPARSE,
          "t.csv:3: row has 2 fields, the header has 3");
    fails("a\n1,2\n", NULL, FL_EPARSE,
          "t.csv:2: row has 2 fields, the header has 1");
    /* after a quoted field holding a newline (lines 2-3) */
    fails("a,b\n\"x\ny\",1\n1,2,3\n", NULL, FL_EPARSE,
          "t.csv:4: row has 3 fields, the header has 2");
    /* after blank lines */
    fails("a,b\n\n1,2\n\n\n3\n", NULL, FL_EPARSE,
          "t.csv:6: row has 1 field, the header has 2");
    /* CRLF, a blank line, no final newline */
    fails("a,b\r\n1,2\r\n\r\n3", NULL, FL_EPARSE,
          "t.csv:4: row has 1 field, the header has 2");
}

Test(csv, quote_errors)
{
    fails("a,b\n1,\"abc\n2,3\n", NULL, FL_EPARSE,
          "t.csv:2: unterminated quote in field 2: the file ends inside a "
          "quoted field");
    fails("a,b\n1,2\n\n3,\"x\n\n", NULL, FL_EPARSE,
          "t.csv:4: unterminated quote in field 2: the file ends inside a "
          "quoted field");
    fails("a,b\n1,ab\"c\n", NULL, FL_EPARSE,
          "t.csv:2: unexpected quote in field 2: a field holding a quote "
          "must be quoted as a whole, with the quote doubled (\"a \"\"b\"\" "
          "c\")");
    fails("a\n\"x\ny\"\n\"abc\"x\n", NULL, FL_EPARSE,
          "t.csv:4: unexpected quote in field 1: a field holding a quote "
          "must be quoted as a whole, with the quote doubled (\"a \"\"b\"\" "
          "c\")");
}

Test(csv, invalid_utf8)
{
    fails("a,name\n1,ok\n2,ab\xff\n", NULL, FL_EPARSE,
          "t.csv:3, column 'name' (field 2): invalid UTF-8 at byte 3 of the "
          "field");
    /* in a column that became a string column: found by the second pass */
    fails("a\n1\n\n\"2\n\"\nx\xc3\n", NULL, FL_EPARSE,
          "t.csv:6, column 'a' (field 1): invalid UTF-8 at byte 2 of the "
          "field");
    fails("a,b\xc3\n1,2\n", NULL, FL_EPARSE,
          "t.csv:1: header field 2: invalid UTF-8 at byte 2");
}

Test(csv, bad_headers)
{
    fails("id,name,id\n1,2,3\n", NULL, FL_EPARSE,
          "t.csv:1: duplicate column name 'id' (fields 1 and 3)");
    /* equal after NFC */
    fails("e\xcc\x81,\xc3\xa9\n", NULL, FL_EPARSE,
          "t.csv:1: duplicate column name '\xc3\xa9' (fields 1 and 2)");
    fails("\n\na,,c\n", NULL, FL_EPARSE,
          "t.csv:3: header field 2 is empty: every column needs a name");
}

Test(csv, empty_input)
{
    const char *msg =
        "t.csv: empty file: expected a header row with the column names";
    fails("", NULL, FL_EPARSE, msg);
    fails("\n\r\n  \n", NULL, FL_EPARSE, msg);
    fails("\xEF\xBB\xBF", NULL, FL_EPARSE, msg);
}

Test(csv, binary_input)
{
    fails_n("a,b\n1,2\n\x00\x01\x02", 11, NULL, FL_EPARSE,
            "t.csv:3: contains a NUL byte: this looks like a binary file, "
            "not CSV");
    /* the start of a PNG file */
    fails_n("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, NULL, FL_EPARSE,
            "t.csv:3: contains a NUL byte: this looks like a binary file, "
            "not CSV");
}

Test(csv, bad_options)
{
    fl_csv_options o = {0};
    o.delimiter = '"';
    fails("a\n1\n", &o, FL_EINVAL,
          "t.csv: a quote or a line end cannot be the delimiter");
}

Test(csv, overlong_field)
{
    /* an unterminated quote would read the rest of the file into one field:
     * stopped once the field passes 64 MiB */
    size_t n = ((size_t)65 << 20) + 16;
    char *buf = malloc(n);
    cr_assert_not_null(buf);
    memcpy(buf, "a,b\n1,\"", 7);
    memset(buf + 7, 'x', n - 7);
    for (size_t i = 100; i < n; i += 100)
        buf[i] = '\n';
    fails_n(buf, n, NULL, FL_EPARSE,
            "t.csv:2: field 2 is longer than 64 MiB (an unterminated quote?)");
    free(buf);
}

/* ==== files ================================================================
 */

static char tmpdir[64];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/fl_csv_test_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    rmdir(tmpdir);
}

/* Writes data to tmpdir/name; returns the path (static buffer). */
static const char *write_file(const char *name, const char *data, size_t len)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

Test(csv, file_errors, .init = make_tmpdir, .fini = remove_tmpdir)
{
    char path[128];
    fl_table *t = NULL;
    fl_error err;
    snprintf(path, sizeof path, "%s/nope.csv", tmpdir);
    cr_assert_eq(fl_csv_read(path, "nope.csv", NULL, &t, &err), FL_EIO);
    cr_assert_str_eq(err.msg, "nope.csv: no such file");
    cr_assert_eq(fl_csv_read(tmpdir, "data", NULL, &t, &err), FL_EIO);
    cr_assert_str_eq(err.msg, "data: is a directory, not a CSV file");
    /* without a display name, the path is used */
    cr_assert_eq(fl_csv_read(path, NULL, NULL, &t, &err), FL_EIO);
    char want[200];
    snprintf(want, sizeof want, "%s: no such file", path);
    cr_assert_str_eq(err.msg, want);
    cr_assert_null(t);
}

typedef struct {
    int calls;
    uint64_t last_done, last_total;
} progress_log;

static void on_progress(void *ud, uint64_t done, uint64_t total)
{
    progress_log *p = ud;
    cr_assert_leq(done, total);
    p->calls++;
    p->last_done = done;
    p->last_total = total;
}

Test(csv, small_file, .init = make_tmpdir, .fini = remove_tmpdir)
{
    const char *csv = "id;when\n1;2026-07-14\n2;\n";
    const char *path = write_file("leads.csv", csv, strlen(csv));
    fl_csv_options o = {0};
    progress_log log = {0};
    o.progress = on_progress;
    o.progress_ud = &log;
    fl_table *t = NULL;
    fl_error err;
    cr_assert_eq(fl_csv_read(path, "leads.csv", &o, &t, &err), FL_OK, "%s",
                 err.msg);
    unlink(path);
    cr_assert_eq(t->nrows, 2);
    fl_column *w = col(t, "when", FL_DATE);
    cr_assert_eq(FL_I32(w)[0], DAY_2026_07_14);
    cr_assert(!fl_column_valid(w, 1));
    cr_assert_eq(log.calls, 1);
    cr_assert_eq(log.last_done, strlen(csv));
    cr_assert_eq(log.last_total, strlen(csv));
    fl_table_unref(t);
}

/* A file of several chunks: row i (0-based) is "i,name<i % 7>,<c>" where c
 * is i, except the last row's c is "x" (so c is read twice), and row 1000
 * holds a quoted field with a newline across lines 1002-1003. */
static char *big_csv(int rows, size_t *len)
{
    size_t cap = (size_t)rows * 40 + 100, n = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    n += (size_t)sprintf(buf + n, "i,name,c\n");
    for (int i = 0; i < rows; i++) {
        if (i == 1000)
            n += (size_t)sprintf(buf + n, "%d,\"two\nlines\",%d\n", i, i);
        else if (i == rows - 1)
            n += (size_t)sprintf(buf + n, "%d,name%d,x\n", i, i % 7);
        else
            n += (size_t)sprintf(buf + n, "%d,name%d,%d\n", i, i % 7, i);
    }
    *len = n;
    return buf;
}

static void check_big(const fl_table *t, int rows)
{
    cr_assert_eq(t->nrows, rows);
    fl_column *i = col(t, "i", FL_INT), *name = col(t, "name", FL_STRING),
              *c = col(t, "c", FL_STRING);
    for (int r = 0; r < rows; r++)
        cr_assert_eq(FL_I64(i)[r], r);
    cr_assert_eq(name->dict->count, 8); /* name0 .. name6 and "two\nlines" */
    cr_assert_str_eq(tu_str_at(name, 999), "name5");
    cr_assert_str_eq(tu_str_at(name, 1000), "two\nlines");
    cr_assert_str_eq(tu_str_at(c, 0), "0");
    cr_assert_str_eq(tu_str_at(c, 123456), "123456");
    cr_assert_str_eq(tu_str_at(c, rows - 1), "x");
}

Test(csv, big_file_in_chunks, .init = make_tmpdir, .fini = remove_tmpdir,
     .timeout = 60)
{
    int rows = 200000; /* about 3.7 MB: four chunks */
    size_t len;
    char *csv = big_csv(rows, &len);
    cr_assert_gt(len, (size_t)3 << 20);
    const char *path = write_file("big.csv", csv, len);
    fl_csv_options o = {0};
    progress_log log = {0};
    o.progress = on_progress;
    o.progress_ud = &log;
    fl_table *t = NULL;
    fl_error err;
    cr_assert_eq(fl_csv_read(path, "big.csv", &o, &t, &err), FL_OK, "%s",
                 err.msg);
    check_big(t, rows);
    /* two passes (column c is read again), a call per 1 MiB chunk */
    cr_assert_eq(log.calls, 2 * (int)((len + (1 << 20) - 1) >> 20));
    cr_assert_eq(log.last_done, len);
    cr_assert_eq(log.last_total, len);
    fl_table_unref(t);

    t = load_n(csv, len, NULL); /* the same from memory */
    check_big(t, rows);
    fl_table_unref(t);

    /* a bad last row: its line counts the extra line of row 1000 */
    memcpy(csv + len, "7\n", 2);
    path = write_file("big.csv", csv, len + 2);
    cr_assert_eq(fl_csv_read(path, "big.csv", NULL, &t, &err), FL_EPARSE);
    cr_assert_str_eq(err.msg,
                     "big.csv:200003: row has 1 field, the header has 3");
    unlink(path);
    free(csv);
}

/* ==== allocation failures ================================================= */

static fl_status load_quiet(const char *csv, const fl_csv_options *o,
                            fl_table **t, fl_error *err)
{
    return fl_csv_read_buffer(csv, strlen(csv), "t.csv", o, t, err);
}

Test(csv, allocation_failures, .init = make_tmpdir, .fini = remove_tmpdir)
{
    /* header, strings, nulls, a demotion to float, a second pass, a
     * declared type, null texts */
    const char *csv = "id,name,amount,code,ok\n"
                      "1,Ann,1,007,yes\n"
                      "2,Jos\xc3\xa9,2.5,abc,no\n"
                      "3,NA,,x,1\n";
    const char *names[] = {"ok"};
    fl_type types[] = {FL_BOOL};
    const char *nulls[] = {"", "NA"};
    fl_csv_options o = {0};
    o.ntypes = 1;
    o.type_cols = names;
    o.types = types;
    o.nnulls = 2;
    o.nulls = nulls;
    const char *path = write_file("a.csv", csv, strlen(csv));

    for (int use_file = 0; use_file < 2; use_file++) {
        fl_table *t = NULL;
        fl_error err;
        fl_alloc_fail_after(0);
        fl_status st = use_file ? fl_csv_read(path, "t.csv", &o, &t, &err)
                                : load_quiet(csv, &o, &t, &err);
        long n = fl_alloc_fail_after(0);
        cr_assert_eq(st, FL_OK, "%s", err.msg);
        cr_assert_eq(col(t, "amount", FL_FLOAT)->null_count, 1);
        cr_assert_str_eq(tu_str_at(col(t, "code", FL_STRING), 0), "007");
        fl_table_unref(t);
        cr_assert_gt(n, 10);
        size_t before = fl_alloc_bytes();
        for (long k = 1; k <= n; k++) {
            t = NULL;
            fl_alloc_fail_after(k);
            st = use_file ? fl_csv_read(path, "t.csv", &o, &t, &err)
                          : load_quiet(csv, &o, &t, &err);
            fl_alloc_fail_after(0);
            cr_assert_neq(st, FL_OK, "allocation %ld of %ld", k, n);
            cr_assert_null(t);
            if (st == FL_ENOMEM)
                cr_assert_str_eq(err.msg, "t.csv: out of memory while loading");
            cr_assert_eq(fl_alloc_bytes(), before, "leak at allocation %ld", k);
        }
    }
    unlink(path);
}
