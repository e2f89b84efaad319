/* Tests of fl_column: dictionaries (NFC, ranks), columns, tables. */
#include "test_util.h"

Test(column, dict_nfc_and_codes)
{
    fl_dict *d = fl_dict_new();
    int32_t a, b, c, e;
    cr_assert_eq(fl_dict_intern(d, "Zoé", strlen("Zoé"), &a, NULL, NULL),
                 FL_OK);
    /* "Zoe" + U+0301 combining acute (NFD) is the same name */
    cr_assert_eq(fl_dict_intern(d, "Zoe\xcc\x81", 5, &b, NULL, NULL), FL_OK);
    cr_assert_eq(fl_dict_intern(d, "Zoe", 3, &c, NULL, NULL), FL_OK);
    cr_assert_eq(a, 0);
    cr_assert_eq(b, 0);
    cr_assert_eq(c, 1);
    cr_assert_eq(d->count, 2);
    cr_assert_str_eq(fl_dict_str(d, 0), "Zo\xc3\xa9");
    cr_assert_eq(fl_dict_find(d, "Zoe\xcc\x81", 5), 0);
    cr_assert_eq(fl_dict_find(d, "nope", 4), -1);
    size_t bad = 99;
    fl_error err;
    cr_assert_eq(fl_dict_intern(d, "ab\xff", 3, &e, &bad, &err), FL_EPARSE);
    cr_assert_eq(bad, 2);
    fl_dict_unref(d);
}

Test(column, dict_grows_and_ranks)
{
    fl_dict *d = fl_dict_new();
    char buf[16];
    for (int i = 0; i < 1000; i++) {
        int32_t code;
        snprintf(buf, sizeof buf, "k%04d", 999 - i);
        cr_assert_eq(fl_dict_intern(d, buf, strlen(buf), &code, NULL, NULL),
                     FL_OK);
        cr_assert_eq(code, i);
    }
    for (int i = 0; i < 1000; i++) {
        snprintf(buf, sizeof buf, "k%04d", i);
        cr_assert_eq(fl_dict_find(d, buf, strlen(buf)), 999 - i);
    }
    const int32_t *rank = fl_dict_ranks(d);
    /* code 0 is "k0999", the largest */
    cr_assert_eq(rank[0], 999);
    cr_assert_eq(rank[999], 0);
    fl_dict_unref(d);
}

Test(column, ranks_by_code_point)
{
    const char *v[] = {"b", "a", "\xc3\xa9", "B"};
    fl_column *c = tu_str_col(v, 4);
    const int32_t *r = fl_dict_ranks(c->dict);
    /* code point order: "B" (0x42) < "a" < "b" < "é" (0xC3 0xA9) */
    cr_assert_eq(r[3], 0);
    cr_assert_eq(r[1], 1);
    cr_assert_eq(r[0], 2);
    cr_assert_eq(r[2], 3);
    fl_column_unref(c);
}

Test(column, nulls_and_gather)
{
    int64_t v[] = {10, 20, 30, 40};
    int isnull[] = {0, 1, 0, 0};
    fl_column *c = tu_int_col(v, isnull, 4);
    cr_assert_eq(c->null_count, 1);
    cr_assert(fl_column_valid(c, 0));
    cr_assert(!fl_column_valid(c, 1));
    int32_t idx[] = {3, 1, -1, 0};
    fl_column *g;
    cr_assert_eq(fl_column_gather(c, idx, 4, &g, NULL), FL_OK);
    cr_assert_eq(FL_I64(g)[0], 40);
    cr_assert(!fl_column_valid(g, 1));
    cr_assert(!fl_column_valid(g, 2));
    cr_assert_eq(FL_I64(g)[3], 10);
    cr_assert_eq(g->null_count, 2);
    fl_column *f;
    cr_assert_eq(fl_column_cast(c, FL_FLOAT, &f, NULL), FL_OK);
    cr_assert_eq(FL_F64(f)[2], 30.0);
    cr_assert(!fl_column_valid(f, 1));
    fl_error err;
    fl_column *s;
    cr_assert_eq(fl_column_cast(c, FL_STRING, &s, &err), FL_EINVAL);
    fl_column_unref(f);
    fl_column_unref(g);
    fl_column_unref(c);
}

Test(column, table_names_and_take)
{
    int64_t v[] = {1, 2, 3};
    fl_column *cols[2] = {tu_int_col(v, NULL, 3), tu_int_col(v, NULL, 3)};
    const char *names[] = {"a", "a"};
    fl_table *t;
    fl_error err;
    cr_assert_eq(fl_table_new(2, names, cols, 3, &t, &err), FL_EINVAL);
    cr_assert_str_eq(err.msg, "duplicate column name 'a'");
    fl_column *cols2[2] = {tu_int_col(v, NULL, 3), tu_int_col(v, NULL, 3)};
    const char *names2[] = {"a", "b"};
    cr_assert_eq(fl_table_new(2, names2, cols2, 3, &t, &err), FL_OK);
    int32_t sel[] = {2, 0};
    fl_table *t2, *t3;
    cr_assert_eq(fl_table_take(t, sel, 2, &t2, NULL), FL_OK);
    int32_t sel2[] = {1};
    cr_assert_eq(fl_table_take(t2, sel2, 1, &t3, NULL), FL_OK);
    /* row 0 of t3 is row 1 of t2, which is row 0 of t */
    cr_assert_eq(fl_table_row(t3, 0), 0);
    fl_column *c;
    cr_assert_eq(fl_table_column(t2, 1, &c, NULL), FL_OK);
    cr_assert_eq(c->length, 2);
    cr_assert_eq(FL_I64(c)[0], 3);
    cr_assert_eq(FL_I64(c)[1], 1);
    fl_column_unref(c);
    fl_table_unref(t3);
    fl_table_unref(t2);
    fl_table_unref(t);
}

Test(column, alloc_failures_leave_nothing)
{
    /* every allocation of a small table build may fail: no crash, no leak */
    for (long k = 1; k < 200; k++) {
        fl_alloc_fail_after(k);
        fl_column *c = fl_column_new(FL_STRING, 1, NULL);
        fl_status st = c ? FL_OK : FL_ENOMEM;
        for (int i = 0; st == FL_OK && i < 50; i++) {
            char buf[16];
            snprintf(buf, sizeof buf, "s%d", i);
            st = fl_column_append_str(c, buf, strlen(buf), NULL);
            if (st == FL_OK && i % 7 == 0)
                st = fl_column_append_null(c, NULL);
        }
        fl_alloc_fail_after(0);
        if (st == FL_OK) {
            cr_assert_eq(c->length, 58);
            fl_column_unref(c);
            break;
        }
        fl_column_unref(c);
    }
}
