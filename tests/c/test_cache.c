/* Tests of fl_cache, the columnar cache behind fl_csv_read: a table read
 * back from the cache equals the parsed one in every column type and null;
 * a changed file, other options, a corrupted or truncated entry are misses
 * (and the next load parses and rewrites the entry); failures free all.
 * Expected values are worked out by hand from the small CSV below. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "fl_cache.h"
#include "fl_csv.h"
#include "test_util.h"

/* Every type, with a null in each column. Inferred: id int, amount float,
 * ok bool, day date, at timestamp, name string (with a non-ASCII text). */
static const char CSV[] = "id,amount,ok,day,at,name\n"
                          "1,2.5,true,2026-07-14,2026-07-14T10:00:00Z,Ann\n"
                          ",,,,,\n"
                          "-3,1e3,false,2026-01-01,2026-01-01T00:00:00Z,"
                          "Jos\xc3\xa9\n"
                          "4,0.1,true,2026-07-15,2026-07-15T00:00:01Z,Ann\n";

static char dir[64], cache[96], csv_path[128];

static void setup(void)
{
    strcpy(dir, "/tmp/fl_cache_test_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(cache, sizeof cache, "%s/cache/funnel-lua", dir);
    snprintf(csv_path, sizeof csv_path, "%s/leads.csv", dir);
    fl_cache_configure(cache, 0);
}

static void teardown(void)
{
    fl_cache_configure(NULL, 0);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static void write_csv(const char *text)
{
    FILE *f = fopen(csv_path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    cr_assert_eq(fclose(f), 0);
}

static fl_table *read_csv(const fl_csv_options *o)
{
    fl_table *t = NULL;
    fl_error err;
    cr_assert_eq(fl_csv_read(csv_path, "leads.csv", o, &t, &err), FL_OK, "%s",
                 err.msg);
    return t;
}

/* Looks the file up in the cache directly: 1 = hit (table in *out). */
static int cache_hit(const fl_csv_options *o, fl_table **out)
{
    int fd = open(csv_path, O_RDONLY);
    cr_assert_geq(fd, 0);
    fl_cache_key key;
    *out = NULL;
    int hit = fl_cache_key_make(fd, csv_path, o, &key) == 0 &&
              fl_cache_load(&key, out);
    if (key.path)
        fl_cache_key_free(&key);
    close(fd);
    return hit;
}

/* The one entry file in the cache folder (there is one per CSV file and
 * options), or "" when there is none. */
static const char *entry_file(void)
{
    static char path[256];
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls '%s'/*.flc 2>/dev/null", cache);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    path[0] = 0;
    if (!fgets(path, sizeof path, p))
        path[0] = 0;
    pclose(p);
    path[strcspn(path, "\n")] = 0;
    return path;
}

/* The table loaded from CSV above, checked value by value. */
static void check_table(const fl_table *t)
{
    cr_assert_eq(t->ncols, 6);
    cr_assert_eq(t->nrows, 4);
    static const char *const names[] = {"id",  "amount", "ok",
                                        "day", "at",     "name"};
    static const fl_type types[] = {FL_INT,  FL_FLOAT,     FL_BOOL,
                                    FL_DATE, FL_TIMESTAMP, FL_STRING};
    for (int j = 0; j < 6; j++) {
        cr_assert_str_eq(t->names[j], names[j]);
        cr_assert_eq(t->cols[j]->type, types[j], "column %d", j);
        cr_assert_eq(t->cols[j]->null_count, 1, "column %d", j);
        for (int i = 0; i < 4; i++)
            cr_assert_eq(fl_column_valid(t->cols[j], i), i != 1);
    }
    const int64_t *id = FL_I64(t->cols[0]);
    cr_assert(id[0] == 1 && id[2] == -3 && id[3] == 4);
    const double *amount = FL_F64(t->cols[1]);
    cr_assert(amount[0] == 2.5 && amount[2] == 1000.0 && amount[3] == 0.1);
    const uint8_t *ok = FL_U8(t->cols[2]);
    cr_assert(ok[0] == 1 && ok[2] == 0 && ok[3] == 1);
    /* 2026-07-14 = day 20648 (see test_csv.c), 2026-01-01 = 20454 */
    const int32_t *day = FL_I32(t->cols[3]);
    cr_assert(day[0] == 20648 && day[2] == 20454 && day[3] == 20649);
    const int64_t *at = FL_I64(t->cols[4]);
    int64_t d = INT64_C(86400000000), h = INT64_C(3600000000);
    cr_assert_eq(at[0], 20648 * d + 10 * h);
    cr_assert_eq(at[2], 20454 * d);
    cr_assert_eq(at[3], 20649 * d + 1000000);
    const fl_column *name = t->cols[5];
    cr_assert_str_eq(tu_str_at(name, 0), "Ann");
    cr_assert_str_eq(tu_str_at(name, 2), "Jos\xc3\xa9");
    cr_assert_str_eq(tu_str_at(name, 3), "Ann");
    cr_assert_eq(FL_I32(name)[0], FL_I32(name)[3]); /* one dictionary code */
    cr_assert_eq(name->dict->count, 2);
}

Test(cache, round_trip_every_type, .init = setup, .fini = teardown)
{
    write_csv(CSV);
    fl_table *t;
    cr_assert_eq(cache_hit(NULL, &t), 0, "nothing cached yet");
    t = read_csv(NULL); /* parses and saves */
    check_table(t);
    fl_table_unref(t);
    cr_assert_str_neq(entry_file(), "");
    cr_assert_eq(cache_hit(NULL, &t), 1, "the entry is used");
    check_table(t);
    fl_table_unref(t);
    t = read_csv(NULL); /* through fl_csv_read: the same */
    check_table(t);
    fl_table_unref(t);
}

Test(cache, off_unless_configured, .init = setup, .fini = teardown)
{
    fl_cache_configure(NULL, 0);
    write_csv(CSV);
    fl_table_unref(read_csv(NULL));
    cr_assert_str_eq(entry_file(), "");
    /* and files below the minimum size are not cached */
    fl_cache_configure(cache, sizeof CSV);
    fl_table_unref(read_csv(NULL));
    cr_assert_str_eq(entry_file(), "");
}

/* Rewrites the CSV with `text` (same length as CSV) and puts back the old
 * modification time, to the nanosecond. */
static void rewrite_keep_mtime(const char *text)
{
    struct stat sb;
    cr_assert_eq(stat(csv_path, &sb), 0);
    int fd = open(csv_path, O_WRONLY);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    struct timespec ts[2] = {sb.st_atim, sb.st_mtim};
    cr_assert_eq(futimens(fd, ts), 0);
    close(fd);
    struct stat now;
    cr_assert_eq(stat(csv_path, &now), 0);
    cr_assert_eq(now.st_size, sb.st_size);
    cr_assert_eq(now.st_mtim.tv_nsec, sb.st_mtim.tv_nsec);
    cr_assert_eq(now.st_mtim.tv_sec, sb.st_mtim.tv_sec);
}

Test(cache, changed_start_same_size_and_mtime, .init = setup, .fini = teardown)
{
    write_csv(CSV);
    fl_table_unref(read_csv(NULL));
    char text[sizeof CSV];
    memcpy(text, CSV, sizeof CSV);
    text[25] = '7'; /* first row: id 1 -> 7 */
    rewrite_keep_mtime(text);
    fl_table *t;
    cr_assert_eq(cache_hit(NULL, &t), 0, "stale entry served");
    t = read_csv(NULL);
    cr_assert_eq(FL_I64(t->cols[0])[0], 7);
    fl_table_unref(t);
    cr_assert_eq(cache_hit(NULL, &t), 1, "rewritten for the new content");
    cr_assert_eq(FL_I64(t->cols[0])[0], 7);
    fl_table_unref(t);
}

Test(cache, changed_end_same_size_and_mtime, .init = setup, .fini = teardown)
{
    write_csv(CSV);
    fl_table_unref(read_csv(NULL));
    char text[sizeof CSV];
    memcpy(text, CSV, sizeof CSV);
    text[sizeof CSV - 5] = 'B'; /* last name Ann -> Bnn */
    rewrite_keep_mtime(text);
    fl_table *t;
    cr_assert_eq(cache_hit(NULL, &t), 0, "stale entry served");
    t = read_csv(NULL);
    cr_assert_str_eq(tu_str_at(t->cols[5], 3), "Bnn");
    fl_table_unref(t);
}

Test(cache, changed_size, .init = setup, .fini = teardown)
{
    write_csv(CSV);
    fl_table_unref(read_csv(NULL));
    char text[sizeof CSV + 16];
    snprintf(text, sizeof text, "%s5,1,true,,,Eve\n", CSV);
    write_csv(text);
    fl_table *t;
    cr_assert_eq(cache_hit(NULL, &t), 0);
    t = read_csv(NULL);
    cr_assert_eq(t->nrows, 5);
    fl_table_unref(t);
}

Test(cache, options_are_part_of_the_key, .init = setup, .fini = teardown)
{
    write_csv(CSV);
    fl_table_unref(read_csv(NULL));
    /* "Ann" read as null: a different table, not the cached one */
    const char *nulls[] = {"", "Ann"};
    fl_csv_options o = {0};
    o.nnulls = 2;
    o.nulls = nulls;
    fl_table *t;
    cr_assert_eq(cache_hit(&o, &t), 0);
    t = read_csv(&o);
    cr_assert_eq(t->cols[5]->null_count, 3);
    fl_table_unref(t);
    /* a declared type too */
    const char *cols[] = {"id"};
    fl_type types[] = {FL_FLOAT};
    fl_csv_options o2 = {0};
    o2.ntypes = 1;
    o2.type_cols = cols;
    o2.types = types;
    cr_assert_eq(cache_hit(&o2, &t), 0);
    t = read_csv(&o2);
    cr_assert_eq(t->cols[0]->type, FL_FLOAT);
    fl_table_unref(t);
    cr_assert_eq(cache_hit(NULL, &t), 1, "the default entry is still there");
    check_table(t);
    fl_table_unref(t);
}

/* Applies `damage` to the entry, then: a miss, a correct parse, and the
 * entry rebuilt. */
static void damaged_entry_is_ignored(void (*damage)(const char *path))
{
    write_csv(CSV);
    fl_table_unref(read_csv(NULL));
    char entry[256];
    strcpy(entry, entry_file());
    cr_assert_str_neq(entry, "");
    damage(entry);
    fl_table *t;
    cr_assert_eq(cache_hit(NULL, &t), 0, "damaged entry used");
    cr_assert_null(t);
    t = read_csv(NULL);
    check_table(t);
    fl_table_unref(t);
    cr_assert_eq(cache_hit(NULL, &t), 1, "entry rebuilt");
    check_table(t);
    fl_table_unref(t);
}

static long file_size(const char *path)
{
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0);
    return (long)sb.st_size;
}

static void flip_byte(const char *path, long at)
{
    int fd = open(path, O_RDWR);
    cr_assert_geq(fd, 0);
    unsigned char b;
    cr_assert_eq(pread(fd, &b, 1, at), 1);
    b ^= 0x40;
    cr_assert_eq(pwrite(fd, &b, 1, at), 1);
    close(fd);
}

static void truncate_half(const char *path)
{
    cr_assert_eq(truncate(path, file_size(path) / 2), 0);
}
static void truncate_empty(const char *path)
{
    cr_assert_eq(truncate(path, 0), 0);
}
static void flip_header(const char *path)
{
    flip_byte(path, 40); /* inside the 128-byte header */
}
static void flip_meta(const char *path)
{
    flip_byte(path, 130); /* inside the path, at the start of the meta */
}
/* The name column is the last: its 4 int32 codes (16 bytes), then its
 * bitmap (1 byte for 4 rows, padded to 8) end the file. The code of row 2
 * ("José" = code 1) starts 16 bytes from the end; flipping bit 6 of its
 * high byte makes it 0x40000001, far outside the dictionary of 2. */
static void bad_string_code(const char *path)
{
    flip_byte(path, file_size(path) - 16 + 3);
}
static void append_garbage(const char *path)
{
    FILE *f = fopen(path, "ab");
    cr_assert_not_null(f);
    fputs("x", f);
    fclose(f);
}

Test(cache, truncated_half, .init = setup, .fini = teardown)
{
    damaged_entry_is_ignored(truncate_half);
}
Test(cache, truncated_empty, .init = setup, .fini = teardown)
{
    damaged_entry_is_ignored(truncate_empty);
}
Test(cache, corrupted_header, .init = setup, .fini = teardown)
{
    damaged_entry_is_ignored(flip_header);
}
Test(cache, corrupted_meta, .init = setup, .fini = teardown)
{
    damaged_entry_is_ignored(flip_meta);
}
Test(cache, string_code_out_of_range, .init = setup, .fini = teardown)
{
    damaged_entry_is_ignored(bad_string_code);
}
Test(cache, longer_than_written, .init = setup, .fini = teardown)
{
    damaged_entry_is_ignored(append_garbage);
}

Test(cache, unwritable_folder_is_no_cache, .init = setup, .fini = teardown)
{
    /* the cache "folder" is a file: nothing can be created below it */
    char file[128];
    snprintf(file, sizeof file, "%s/plain", dir);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fclose(f);
    char below[160];
    snprintf(below, sizeof below, "%s/cache", file);
    fl_cache_configure(below, 0);
    write_csv(CSV);
    fl_table *t = read_csv(NULL);
    check_table(t);
    fl_table_unref(t);
}

/* Every allocation of a save and of a load, made to fail in turn: the load
 * still succeeds (a failed save or lookup is just no cache) and nothing
 * leaks. */
Test(cache, allocation_failures, .init = setup, .fini = teardown)
{
    write_csv(CSV);
    for (int phase = 0; phase < 2; phase++) { /* 0: saving, 1: loading */
        char cmd[160];
        snprintf(cmd, sizeof cmd, "rm -f '%s'/*.flc", cache);
        if (phase == 0)
            cr_assert_eq(system(cmd), 0);
        else
            fl_table_unref(read_csv(NULL)); /* a good entry to read */
        fl_table *t = NULL;
        fl_error err;
        fl_alloc_fail_after(0);
        cr_assert_eq(fl_csv_read(csv_path, "t.csv", NULL, &t, &err), FL_OK);
        long n = fl_alloc_fail_after(0);
        fl_table_unref(t);
        size_t before = fl_alloc_bytes();
        for (long k = 1; k <= n; k++) {
            if (phase == 0)
                cr_assert_eq(system(cmd), 0);
            int fd = open(csv_path, O_RDONLY);
            fl_cache_key key;
            fl_alloc_fail_after(k);
            if (fl_cache_key_make(fd, csv_path, NULL, &key) == 0) {
                if (phase == 0 &&
                    fl_csv_read(csv_path, "t.csv", NULL, &t, &err) == FL_OK)
                    fl_table_unref(t);
                if (phase == 1 && fl_cache_load(&key, &t))
                    fl_table_unref(t);
                fl_cache_key_free(&key);
            }
            fl_alloc_fail_after(0);
            close(fd);
            cr_assert_eq(fl_alloc_bytes(), before, "leak at allocation %ld", k);
        }
    }
}

/* A big table (its data section past 16 MiB, where it once took two
 * threads to read) comes back the same through the mapping.
 * 1.2M rows of an int, a float, a string and a column with nulls (8 + 8 +
 * 4 + 8 bytes a row: 33.6 MB). */
Test(cache, big_table_round_trip, .init = setup, .fini = teardown,
     .timeout = 60)
{
    enum { N = 1200000 };
    FILE *f = fopen(csv_path, "wb");
    cr_assert_not_null(f);
    fputs("id,x,s,maybe\n", f);
    for (long i = 0; i < N; i++) {
        if (i % 5 == 0)
            fprintf(f, "%ld,%ld.25,k%ld,\n", i, i % 1000, i % 37);
        else
            fprintf(f, "%ld,%ld.25,k%ld,%ld\n", i, i % 1000, i % 37, -i);
    }
    cr_assert_eq(fclose(f), 0);
    fl_table *parsed = read_csv(NULL), *cached;
    cr_assert_eq(cache_hit(NULL, &cached), 1);
    cr_assert_eq(cached->nrows, N);
    cr_assert_eq(cached->ncols, 4);
    for (int j = 0; j < 4; j++) {
        const fl_column *a = parsed->cols[j], *b = cached->cols[j];
        cr_assert_eq(a->type, b->type);
        cr_assert_eq(a->null_count, b->null_count);
        size_t w = fl_type_width(a->type);
        for (long i = 0; i < N; i++) {
            cr_assert_eq(fl_column_valid(a, i), fl_column_valid(b, i));
            if (fl_column_valid(a, i))
                cr_assert(memcmp((char *)a->data + i * w,
                                 (char *)b->data + i * w, w) == 0,
                          "column %d row %ld", j, i);
        }
    }
    cr_assert_eq(cached->cols[3]->null_count, N / 5);
    cr_assert_eq(FL_I64(cached->cols[3])[7], -7);
    cr_assert_str_eq(tu_str_at(cached->cols[2], 40), "k3");
    fl_table_unref(parsed);
    fl_table_unref(cached);
}

/* A hit's number columns point into a mapping of the entry (no copy); the
 * mapping outlives the entry's name (a later save renames another file over
 * it), and a column that grows copies its values out first. */
Test(cache, hit_columns_are_mapped, .init = setup, .fini = teardown)
{
    write_csv(CSV);
    fl_table_unref(read_csv(NULL));
    fl_table *t;
    cr_assert_eq(cache_hit(NULL, &t), 1);
    for (int j = 0; j < t->ncols; j++) { /* codes and bools are copied */
        fl_type ty = t->cols[j]->type;
        int copied = ty == FL_STRING || ty == FL_BOOL;
        cr_assert_eq(t->cols[j]->mapping == NULL, copied, "column %d", j);
        cr_assert_eq((uintptr_t)t->cols[j]->data % 8, 0, "column %d", j);
    }
    cr_assert_eq(unlink(entry_file()), 0);
    check_table(t); /* still readable */
    fl_column *id = t->cols[0];
    cr_assert_eq(fl_column_reserve(id, 1000, NULL), FL_OK);
    cr_assert_null(id->mapping);
    cr_assert_geq(id->capacity, 1000);
    check_table(t); /* same values, now in owned memory */
    fl_table_unref(t);
}

/* A run killed while saving leaves a ".tmp-*" file; the next save removes
 * those older than an hour and leaves a younger one (a save in progress)
 * and other files alone. */
Test(cache, stale_temporary_files_removed, .init = setup, .fini = teardown)
{
    write_csv(CSV);
    fl_table_unref(read_csv(NULL)); /* creates the folder */
    char old_tmp[160], new_tmp[160], other[160];
    snprintf(old_tmp, sizeof old_tmp, "%s/.tmp-old123", cache);
    snprintf(new_tmp, sizeof new_tmp, "%s/.tmp-new456", cache);
    snprintf(other, sizeof other, "%s/notes.txt", cache);
    const char *files[] = {old_tmp, new_tmp, other};
    for (int i = 0; i < 3; i++) {
        FILE *f = fopen(files[i], "w");
        cr_assert_not_null(f);
        fclose(f);
    }
    struct timeval two_hours_ago[2];
    gettimeofday(&two_hours_ago[0], NULL);
    two_hours_ago[0].tv_sec -= 7200;
    two_hours_ago[1] = two_hours_ago[0];
    cr_assert_eq(utimes(old_tmp, two_hours_ago), 0);
    cr_assert_eq(utimes(other, two_hours_ago), 0);
    write_csv("id\n1\n2\n"); /* another file: parsed and saved */
    fl_table_unref(read_csv(NULL));
    cr_assert_neq(access(old_tmp, F_OK), 0, "the stale one is removed");
    cr_assert_eq(access(new_tmp, F_OK), 0, "a recent one stays");
    cr_assert_eq(access(other, F_OK), 0, "other files stay");
}
