/* Tests of fl_format: each output format on a small table, display widths
 * for accented, CJK and emoji text. Expected texts written by hand. */
#include "fl_format.h"
#include "test_util.h"

static fl_table *sample(void)
{
    const char *names[] = {"owner", "n", "share"};
    const char *owners[] = {"Zoé", "李雷", NULL};
    int64_t n[] = {12, 3, 1000};
    double share[] = {0.5, 0.125, 0.1};
    int share_null[] = {0, 0, 1};
    fl_column *cols[3] = {tu_str_col(owners, 3), tu_int_col(n, NULL, 3),
                          tu_float_col(share, share_null, 3)};
    fl_table *t;
    cr_assert_eq(fl_table_new(3, names, cols, 3, &t, NULL), FL_OK);
    return t;
}

static char *render(fl_table *t, int64_t max, fl_format f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_assert_eq(fl_table_format(t, max, f, out, NULL), FL_OK);
    fclose(out);
    return buf;
}

Test(format, widths)
{
    cr_assert_eq(fl_display_width("abc", 3), 3);
    cr_assert_eq(fl_display_width("Zoé", strlen("Zoé")), 3);
    /* decomposed é: e + combining acute takes one cell */
    cr_assert_eq(fl_display_width("Zoe\xcc\x81", 5), 3);
    cr_assert_eq(fl_display_width("李雷", strlen("李雷")), 4);
    cr_assert_eq(fl_display_width("\xf0\x9f\x9a\x80", 4),
                 2); /* U+1F680 rocket */
}

Test(format, terminal_table)
{
    fl_table *t = sample();
    char *s = render(t, -1, FL_FMT_TABLE);
    /* owner column is 5 cells wide (header), n is 4 ("1000"), share 5 */
    const char *want = "owner     n  share\n"
                       "─────  ────  ─────\n"
                       "Zoé      12    0.5\n"
                       "李雷      3  0.125\n"
                       "       1000       \n";
    cr_assert_str_eq(s, want);
    free(s);
    s = render(t, 1, FL_FMT_TABLE);
    cr_assert(strstr(s, "(2 more rows)\n"));
    free(s);
    fl_table_unref(t);
}

Test(format, csv_json_md)
{
    fl_table *t = sample();
    char *s = render(t, -1, FL_FMT_CSV);
    cr_assert_str_eq(s, "owner,n,share\nZoé,12,0.5\n李雷,3,0.125\n,1000,\n");
    free(s);
    s = render(t, -1, FL_FMT_JSON);
    cr_assert_str_eq(s,
                     "[\n {\"owner\": \"Zoé\", \"n\": 12, \"share\": 0.5},\n"
                     " {\"owner\": \"李雷\", \"n\": 3, \"share\": 0.125},\n"
                     " {\"owner\": null, \"n\": 1000, \"share\": null}\n]\n");
    free(s);
    s = render(t, -1, FL_FMT_MD);
    cr_assert_str_eq(s, "| owner |    n | share |\n"
                        "| ----- | ---: | ----: |\n"
                        "| Zoé   |   12 |   0.5 |\n"
                        "| 李雷  |    3 | 0.125 |\n"
                        "|       | 1000 |       |\n");
    free(s);
    fl_table_unref(t);
}

Test(format, escaping)
{
    const char *names[] = {"comment"};
    const char *v[] = {"say \"hi\", then\nleave", "a|b"};
    fl_column *cols[1] = {tu_str_col(v, 2)};
    fl_table *t;
    cr_assert_eq(fl_table_new(1, names, cols, 2, &t, NULL), FL_OK);
    char *s = render(t, -1, FL_FMT_CSV);
    cr_assert_str_eq(s, "comment\n\"say \"\"hi\"\", then\nleave\"\na|b\n");
    free(s);
    s = render(t, -1, FL_FMT_JSON);
    cr_assert_str_eq(s, "[\n {\"comment\": \"say \\\"hi\\\", then\\nleave\"},\n"
                        " {\"comment\": \"a|b\"}\n]\n");
    free(s);
    s = render(t, -1, FL_FMT_MD);
    cr_assert(strstr(s, "| a\\|b "));
    cr_assert(strstr(s, "| say \"hi\", then leave |"));
    free(s);
    fl_table_unref(t);
}

Test(format, exact_floats)
{
    fl_value v = {.type = FL_FLOAT};
    char buf[64];
    const char *text;
    v.u.f = 0.1;
    fl_value_text(&v, 1, buf, &text);
    cr_assert_str_eq(text, "0.1");
    v.u.f = 1.0 / 3.0;
    fl_value_text(&v, 1, buf, &text);
    cr_assert_str_eq(text, "0.3333333333333333"); /* 16 digits round-trip */
    fl_value_text(&v, 0, buf, &text);
    cr_assert_str_eq(text, "0.3333333333");
}

static char *html_of(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    fl_html_escape(out, s, strlen(s));
    fclose(out);
    return buf;
}

Test(format, html_escape)
{
    char *s = html_of("<script>alert('x') & \"y\"</script>");
    cr_assert_str_eq(
        s,
        "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
    free(s);
    s = html_of("Zoé 李雷");
    cr_assert_str_eq(s, "Zoé 李雷"); /* UTF-8 text passes unchanged */
    free(s);
}

Test(format, html_table)
{
    fl_format f;
    cr_assert_eq(fl_format_parse("html", &f), 0);
    cr_assert_eq(f, FL_FMT_HTML);
    const char *names[] = {"lead<b>", "n"};
    const char *leads[] = {"<script>alert(1)</script>", "A & B"};
    int64_t n[] = {7, -2};
    int n_null[] = {0, 1};
    fl_column *cols[2] = {tu_str_col(leads, 2), tu_int_col(n, n_null, 2)};
    fl_table *t;
    cr_assert_eq(fl_table_new(2, names, cols, 2, &t, NULL), FL_OK);
    char *s = render(t, -1, FL_FMT_HTML);
    const char *want =
        "<div class=\"fl-scroll\"><table class=\"fl-table\">\n"
        "<thead><tr><th>lead&lt;b&gt;</th><th class=\"num\">n</th></tr>"
        "</thead>\n<tbody>\n"
        "<tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"
        "<td class=\"num\">7</td></tr>\n"
        "<tr><td>A &amp; B</td><td class=\"num\"></td></tr>\n"
        "</tbody>\n</table></div>\n";
    cr_assert_str_eq(s, want);
    cr_assert_null(strstr(s, "<script"));
    free(s);
    s = render(t, 1, FL_FMT_HTML);
    cr_assert(strstr(s, "<p class=\"fl-note\">(1 more rows)</p>\n"));
    cr_assert_null(strstr(s, "A &amp; B"));
    free(s);
    fl_table_unref(t);
}

Test(format, html_document_shell)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    fl_html_begin(out, "Q3 <review>");
    fl_html_end(out);
    fclose(out);
    cr_assert(strncmp(buf, "<!DOCTYPE html>\n", 16) == 0);
    cr_assert(strstr(buf, "<title>Q3 &lt;review&gt;</title>"));
    cr_assert(strstr(buf, "<meta charset=\"utf-8\">"));
    cr_assert(strstr(buf, "@media print"));
    /* self-contained: nothing fetched from elsewhere */
    cr_assert_null(strstr(buf, "http"));
    cr_assert_null(strstr(buf, "url("));
    cr_assert_null(strstr(buf, "@import"));
    size_t n = strlen(buf);
    const char *tail = "</main>\n</body>\n</html>\n";
    cr_assert(n > strlen(tail) && strcmp(buf + n - strlen(tail), tail) == 0);
    free(buf);
}
