/*
 * fl_format.h -- writing a table for people or programs: terminal table,
 * CSV, JSON, Markdown, HTML (what `t:print()` writes in each --format), and
 * the value formatting they share.
 *
 * HTML output is one self-contained document (inline CSS, no scripts, no
 * external fonts or images). The engine owns its shell: fl_html_begin
 * writes the head (with the stylesheet shared by t:print() tables and the
 * markup of funnel.report) before the run's first output, fl_html_end the
 * tail when the run succeeds; everything in between is body content.
 *
 * Layer: engine/, above fl_column; uses utf8proc for display widths so that
 * columns line up with accented, CJK and emoji text.
 */
#ifndef FL_FORMAT_H
#define FL_FORMAT_H

#include <stdio.h>

#include "fl_column.h"

typedef enum {
    FL_FMT_TABLE,
    FL_FMT_CSV,
    FL_FMT_JSON,
    FL_FMT_MD,
    FL_FMT_HTML
} fl_format;

/* "table", "csv", "json", "md", "html" -> 0 and *f; -1 for anything
 * else. */
int fl_format_parse(const char *name, fl_format *f);

/* Writes at most max_rows rows of t (max_rows < 0: all) to out.
 * table: aligned columns with a header rule, numbers right-aligned, nulls
 *   shown as empty, and "(N more rows)" when truncated;
 * csv: RFC 4180 (header, quotes where needed, nulls empty);
 * json: an array of objects with keys in column order, nulls as null;
 * md: a GitHub-flavoured Markdown table with | escaped;
 * html: a <table class="fl-table"> with every text escaped, numbers in
 *   cells of class "num", nulls empty, and a note when truncated.
 * Floats: csv/json use the shortest text that reads back to the same double;
 * table/md use up to 10 significant digits. FL_EIO when writing fails. */
fl_status fl_table_format(const fl_table *t, int64_t max_rows, fl_format fmt,
                          FILE *out, fl_error *err);

/* Writes value v as text into buf (size >= 64; strings are not copied:
 * *text points at the string bytes instead). Returns the length. `exact`
 * selects the round-trip float form. */
size_t fl_value_text(const fl_value *v, int exact, char *buf,
                     const char **text);

/* Display width in terminal cells of UTF-8 text (wide CJK/emoji count 2,
 * combining marks 0). Invalid bytes count 1. */
size_t fl_display_width(const char *s, size_t len);

/* Writes s as a JSON string literal (with quotes) to out. */
void fl_json_string(FILE *out, const char *s, size_t len);

/* Writes s to out with & < > " ' replaced by character references, so
 * that it is text wherever it lands in an HTML document (element content
 * or a quoted attribute value). */
void fl_html_escape(FILE *out, const char *s, size_t len);

/* Writes the start of an HTML document up to and including <main>: doctype,
 * charset, <title> (title escaped; NULL or "" gives "funnel-lua report")
 * and the stylesheet. */
void fl_html_begin(FILE *out, const char *title);

/* Writes the end of the document opened by fl_html_begin. */
void fl_html_end(FILE *out);

#endif
