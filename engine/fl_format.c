/*
 * fl_format.c -- table output in the five text formats, value formatting,
 * display widths, the HTML document shell and its stylesheet. Layer:
 * engine/, above fl_column; utf8proc for widths.
 */
#include "fl_format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "fl_time.h"

int fl_format_parse(const char *name, fl_format *f)
{
    static const char *const names[] = {"table", "csv", "json", "md", "html"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0) {
            *f = (fl_format)i;
            return 0;
        }
    return -1;
}

/* Shortest %.Ng that reads back to the same double. */
static size_t float_exact(double x, char *buf)
{
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, 64, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return (size_t)n;
}

size_t fl_value_text(const fl_value *v, int exact, char *buf, const char **text)
{
    *text = buf;
    if (v->is_null) {
        buf[0] = 0;
        return 0;
    }
    switch (v->type) {
    case FL_BOOL:
        return (size_t)snprintf(buf, 64, "%s", v->u.b ? "true" : "false");
    case FL_INT:
        return (size_t)snprintf(buf, 64, "%lld", (long long)v->u.i);
    case FL_FLOAT:
        if (isnan(v->u.f))
            return (size_t)snprintf(buf, 64, "NaN");
        if (isinf(v->u.f))
            return (size_t)snprintf(buf, 64,
                                    v->u.f > 0 ? "Infinity" : "-Infinity");
        if (exact)
            return float_exact(v->u.f, buf);
        return (size_t)snprintf(buf, 64, "%.10g", v->u.f);
    case FL_DATE:
        return fl_format_date(v->u.d, buf);
    case FL_TIMESTAMP:
        return fl_format_timestamp(v->u.i, buf);
    case FL_STRING:
        *text = v->u.str.s;
        return v->u.str.len;
    default:
        buf[0] = 0;
        return 0;
    }
}

size_t fl_display_width(const char *s, size_t len)
{
    size_t w = 0, i = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) {
            w++;
            i++;
            continue;
        }
        i += (size_t)n;
        int cw = utf8proc_charwidth(cp);
        w += cw > 0 ? (size_t)cw : 0;
    }
    return w;
}

void fl_json_string(FILE *out, const char *s, size_t len)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (c < 0x20)
                fprintf(out, "\\u%04x", c);
            else
                fputc(c, out);
        }
    }
    fputc('"', out);
}

static int is_numeric(fl_type t)
{
    return t == FL_INT || t == FL_FLOAT;
}

/* ==== HTML ============================================================= */

void fl_html_escape(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(s[i], out);
        }
    }
}

/* The stylesheet of the html format. Class names are shared with the markup
 * funnel.report writes (stdlib/funnel/report.lua, "html"): fl-report,
 * fl-figures/fl-fig, fl-table, fl-chart, fl-grid, fl-pill and the status
 * colours fl-good, fl-warn, fl-bad, fl-neutral. Only local system fonts. */
static const char STYLE[] =
    ":root{--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--soft:#f5f7fa;"
    "--good:#1a7f37;--warn:#b7791f;--bad:#c62828;--accent:#2f6fde}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--soft);color:var(--ink);"
    "font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "\"Helvetica Neue\",Arial,sans-serif}\n"
    "main{max-width:1100px;margin:24px auto;padding:28px 36px;"
    "background:#fff;border:1px solid var(--line);border-radius:10px}\n"
    "h1{font-size:26px;margin:0 0 4px}\n"
    "h2{font-size:19px;margin:32px 0 10px;padding-top:14px;"
    "border-top:2px solid var(--line)}\n"
    "h3{font-size:16px;margin:22px 0 6px}h4{font-size:14px;margin:16px 0 "
    "6px}\n"
    ".fl-sub{color:var(--muted);margin:0 0 8px;font-size:15px}\n"
    "p{margin:8px 0;max-width:80ch}.fl-note{color:var(--muted);"
    "font-size:12px}\n"
    "pre.fl-print{margin:0;font:12px/1.4 ui-monospace,Menlo,Consolas,"
    "monospace;white-space:pre-wrap}\n"
    ".fl-figures{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(190px,1fr));gap:12px;margin:10px 0 16px}\n"
    ".fl-fig{border:1px solid var(--line);border-left:4px solid "
    "var(--line);border-radius:8px;padding:10px 14px}\n"
    ".fl-fig.fl-good{border-left-color:var(--good)}.fl-fig.fl-bad{"
    "border-left-color:var(--bad)}.fl-fig.fl-warn{border-left-color:"
    "var(--warn)}\n"
    ".fl-label{color:var(--muted);font-size:12px}.fl-value{font-size:24px;"
    "font-weight:650;font-variant-numeric:tabular-nums}\n"
    ".fl-prev{color:var(--muted);font-size:12px}.fl-chg{font-weight:600;"
    "white-space:nowrap}\n"
    "span.fl-good,.fl-chg.fl-good{color:var(--good)}span.fl-bad,.fl-chg.fl-bad"
    "{color:var(--bad)}span.fl-warn{color:var(--warn)}\n"
    ".fl-scroll{overflow-x:auto;margin:8px 0 16px}\n"
    "table.fl-table{border-collapse:collapse;font-size:13px;"
    "font-variant-numeric:tabular-nums;margin:8px 0 16px}\n"
    ".fl-scroll table.fl-table{margin:0}\n"
    ".fl-table caption{text-align:left;font-weight:600;padding:0 0 6px}\n"
    ".fl-table th{background:var(--soft);text-align:left;font-weight:600;"
    "border-bottom:1px solid #cbd2d9}\n"
    ".fl-table th,.fl-table td{padding:5px 10px;vertical-align:top}\n"
    ".fl-table td{border-bottom:1px solid var(--line)}\n"
    ".fl-table .num{text-align:right;white-space:nowrap}\n"
    ".fl-pill{display:inline-block;padding:1px 8px;border-radius:10px;"
    "font-size:12px;white-space:nowrap;background:#eef2f6}\n"
    ".fl-pill.fl-good{background:#e3f6e8;color:#1a7f37}.fl-pill.fl-warn{"
    "background:#fff4d6;color:#8a5a00}.fl-pill.fl-bad{background:#fde8e8;"
    "color:#b42318}\n"
    ".fl-chart{margin:12px 0 18px}.fl-chart figcaption{font-weight:600;"
    "margin-bottom:4px}\n"
    ".fl-chart svg{display:block;max-width:100%;height:auto}\n"
    ".fl-chart text{font-family:inherit}\n"
    ".fl-grid{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(320px,1fr));gap:4px 24px}\n"
    ".fl-grid .fl-chart{margin:4px 0}.fl-grid figcaption{font-weight:500}\n"
    "footer{margin-top:28px;color:var(--muted);font-size:12px}\n"
    "@media print{body{background:#fff}main{margin:0;padding:0;border:0;"
    "max-width:none}*{-webkit-print-color-adjust:exact;"
    "print-color-adjust:exact}.fl-chart,.fl-fig,.fl-okr,tr{break-inside:"
    "avoid}h2,h3{break-after:avoid}.fl-scroll{overflow:visible}}\n";

void fl_html_begin(FILE *out, const char *title)
{
    if (!title || !*title)
        title = "funnel-lua report";
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
          "charset=\"utf-8\">\n<meta name=\"viewport\" "
          "content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"funnel-lua\">\n<title>",
          out);
    fl_html_escape(out, title, strlen(title));
    fputs("</title>\n<style>\n", out);
    fputs(STYLE, out);
    fputs("</style>\n</head>\n<body>\n<main>\n", out);
}

void fl_html_end(FILE *out)
{
    fputs("</main>\n</body>\n</html>\n", out);
}

/* <table class="fl-table">: header cells, then one row per table row;
 * number columns are right-aligned through class "num". */
static void format_html(const fl_table *t, int64_t n, FILE *out)
{
    char buf[64];
    const char *text;
    fl_value v;
    fputs("<div class=\"fl-scroll\"><table class=\"fl-table\">\n<thead><tr>",
          out);
    for (int c = 0; c < t->ncols; c++) {
        fputs(is_numeric(t->cols[c]->type) ? "<th class=\"num\">" : "<th>",
              out);
        fl_html_escape(out, t->names[c], strlen(t->names[c]));
        fputs("</th>", out);
    }
    fputs("</tr></thead>\n<tbody>\n", out);
    for (int64_t r = 0; r < n; r++) {
        fputs("<tr>", out);
        for (int c = 0; c < t->ncols; c++) {
            fl_column_get(t->cols[c], fl_table_row(t, r), &v);
            size_t len = fl_value_text(&v, 0, buf, &text);
            fputs(is_numeric(t->cols[c]->type) ? "<td class=\"num\">" : "<td>",
                  out);
            fl_html_escape(out, text, len);
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table></div>\n", out);
    if (n < t->nrows)
        fprintf(out, "<p class=\"fl-note\">(%lld more rows)</p>\n",
                (long long)(t->nrows - n));
}

static void csv_field(FILE *out, const char *s, size_t len)
{
    int quote = len > 0 && (s[0] == ' ' || s[len - 1] == ' ');
    for (size_t i = 0; i < len && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        fwrite(s, 1, len, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', out);
        fputc(s[i], out);
    }
    fputc('"', out);
}

/* Markdown/terminal cells: newlines and tabs would break the layout. */
static void cell_text(FILE *out, const char *s, size_t len, int md)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\n' || c == '\r' || c == '\t')
            fputc(' ', out);
        else if (md && c == '|')
            fputs("\\|", out);
        else
            fputc(c, out);
    }
}

static void pad(FILE *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputc(' ', out);
}

/* Terminal table: two passes, one for widths, one to write. */
static fl_status format_table(const fl_table *t, int64_t n, FILE *out, int md,
                              fl_error *err)
{
    size_t *w = fl_calloc((size_t)(t->ncols ? t->ncols : 1), sizeof *w);
    if (!w)
        return fl_seterr(err, FL_ENOMEM, "out of memory");
    char buf[64];
    const char *text;
    fl_value v;
    for (int c = 0; c < t->ncols; c++) {
        w[c] = fl_display_width(t->names[c], strlen(t->names[c]));
        if (md && w[c] < 3)
            w[c] = 3;
        for (int64_t r = 0; r < n; r++) {
            fl_column_get(t->cols[c], fl_table_row(t, r), &v);
            size_t len = fl_value_text(&v, 0, buf, &text);
            size_t dw = fl_display_width(text, len);
            if (dw > w[c])
                w[c] = dw;
        }
    }
    /* header */
    for (int c = 0; c < t->ncols; c++) {
        fputs(md ? "| " : (c ? "  " : ""), out);
        size_t dw = fl_display_width(t->names[c], strlen(t->names[c]));
        int right = is_numeric(t->cols[c]->type);
        if (right)
            pad(out, w[c] - dw);
        cell_text(out, t->names[c], strlen(t->names[c]), md);
        if (!right && (md || c + 1 < t->ncols))
            pad(out, w[c] - dw);
        if (md)
            fputc(' ', out);
    }
    fputs(md ? "|\n" : "\n", out);
    for (int c = 0; c < t->ncols; c++) {
        if (md) {
            fputs("| ", out);
            for (size_t i = 0; i + 1 < w[c]; i++)
                fputc('-', out);
            fputs(is_numeric(t->cols[c]->type) ? ": " : "- ", out);
        } else {
            fputs(c ? "  " : "", out);
            for (size_t i = 0; i < w[c]; i++)
                fputs("\xe2\x94\x80", out); /* U+2500 box drawing */
        }
    }
    fputs(md ? "|\n" : "\n", out);
    for (int64_t r = 0; r < n; r++) {
        for (int c = 0; c < t->ncols; c++) {
            fl_column_get(t->cols[c], fl_table_row(t, r), &v);
            size_t len = fl_value_text(&v, 0, buf, &text);
            size_t dw = fl_display_width(text, len);
            int right = is_numeric(t->cols[c]->type);
            fputs(md ? "| " : (c ? "  " : ""), out);
            if (right)
                pad(out, w[c] - dw);
            cell_text(out, text, len, md);
            if (!right && (md || c + 1 < t->ncols))
                pad(out, w[c] - dw);
            if (md)
                fputc(' ', out);
        }
        fputs(md ? "|\n" : "\n", out);
    }
    fl_free(w);
    return FL_OK;
}

fl_status fl_table_format(const fl_table *t, int64_t max_rows, fl_format fmt,
                          FILE *out, fl_error *err)
{
    int64_t n = max_rows < 0 || max_rows > t->nrows ? t->nrows : max_rows;
    char buf[64];
    const char *text;
    fl_value v;
    fl_status st = FL_OK;
    switch (fmt) {
    case FL_FMT_TABLE:
    case FL_FMT_MD:
        st = format_table(t, n, out, fmt == FL_FMT_MD, err);
        if (st == FL_OK && n < t->nrows)
            fprintf(out, "(%lld more rows)\n", (long long)(t->nrows - n));
        break;
    case FL_FMT_HTML:
        format_html(t, n, out);
        break;
    case FL_FMT_CSV:
        for (int c = 0; c < t->ncols; c++) {
            if (c)
                fputc(',', out);
            csv_field(out, t->names[c], strlen(t->names[c]));
        }
        fputc('\n', out);
        for (int64_t r = 0; r < n; r++) {
            for (int c = 0; c < t->ncols; c++) {
                if (c)
                    fputc(',', out);
                fl_column_get(t->cols[c], fl_table_row(t, r), &v);
                size_t len = fl_value_text(&v, 1, buf, &text);
                csv_field(out, text, len);
            }
            fputc('\n', out);
        }
        break;
    case FL_FMT_JSON:
        fputc('[', out);
        for (int64_t r = 0; r < n; r++) {
            fputs(r ? ",\n {" : "\n {", out);
            for (int c = 0; c < t->ncols; c++) {
                if (c)
                    fputs(", ", out);
                fl_json_string(out, t->names[c], strlen(t->names[c]));
                fputs(": ", out);
                fl_column_get(t->cols[c], fl_table_row(t, r), &v);
                if (v.is_null || (v.type == FL_FLOAT && !isfinite(v.u.f))) {
                    fputs("null", out);
                    continue;
                }
                size_t len = fl_value_text(&v, 1, buf, &text);
                if (v.type == FL_INT || v.type == FL_FLOAT || v.type == FL_BOOL)
                    fwrite(text, 1, len, out);
                else
                    fl_json_string(out, text, len);
            }
            fputc('}', out);
        }
        fputs(n ? "\n]\n" : "]\n", out);
        break;
    }
    if (st == FL_OK && ferror(out))
        st = fl_seterr(err, FL_EIO, "cannot write output");
    return st;
}
