/*
 * fl_cache.c -- the columnar cache (see fl_cache.h for what is cached, where,
 * and when an entry is used).
 *
 * Layer: engine/, above fl_column. Reads and writes with open/read/write;
 * never prints. Every failure is a silent miss or a skipped save.
 *
 * File layout (native byte order, checked by a marker):
 *   header        struct file_header, 128 bytes, with its own checksum
 *   meta          meta_len bytes, checksummed (meta_hash):
 *                   the absolute path, the serialized options,
 *                   then per column: u32 name length, name, u32 type,
 *                   u32 has-validity, i64 null count, i64 dictionary size,
 *                   and for a string column its dictionary: i32 lengths of
 *                   the strings in code order, then their bytes
 *   padding       zeros up to a multiple of 8 bytes
 *   column data   per column: nrows values of the type's width, then the
 *                 validity bitmap ((nrows + 7) / 8 bytes) if it has one,
 *                 each padded with zeros to a multiple of 8 bytes.
 *                 Values under nulls are written as zeros.
 * The whole file is exactly that; any other size is a miss.
 *
 * A hit maps the file (private, copy-on-write) and the columns' values
 * point into the mapping (fl_column's `mapping`): no copy, no fresh pages
 * to zero; the kernel brings pages in from its page cache when a query
 * first reads them. The 8-byte padding keeps every column aligned for its
 * type. Validity bitmaps, string codes and bools are copied out: bitmaps
 * are small and get edited, and codes and bools are checked before use,
 * which only holds for a private copy (see owned_copy).
 */
#include "fl_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CACHE_VERSION 2 /* 2: padded to 8 bytes, read by mapping */
#define BYTE_ORDER_MARK UINT32_C(0x01020304)
#define CHECK_BYTES ((size_t)64 << 10) /* content check: each end */
#define MAX_COLS 100000

static char *cache_dir;
static uint64_t cache_min_size;

void fl_cache_configure(const char *dir, uint64_t min_size)
{
    fl_free(cache_dir);
    cache_dir = dir ? fl_strdup(dir) : NULL;
    cache_min_size = min_size;
}

const char *fl_cache_default_dir(char *buf, size_t cap)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, cap, "%s/funnel-lua", xdg);
    else if (home && home[0] == '/')
        n = snprintf(buf, cap, "%s/.cache/funnel-lua", home);
    else
        return NULL;
    return n > 0 && (size_t)n < cap ? buf : NULL;
}

/* ==== hashing ==============================================================
 * A 64-bit hash for checksums and names, not for security: it catches
 * truncation, corruption and stale data, not a forger (who could as well
 * edit the CSV). */

static uint64_t hash_more(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * UINT64_C(0x9E3779B97F4A7C15);
        h ^= h >> 31;
    }
    uint64_t w = n;
    for (size_t k = 0; i < n; i++, k++)
        w ^= (uint64_t)s[i] << (8 * k);
    h = (h ^ w) * UINT64_C(0xBF58476D1CE4E5B9);
    h ^= h >> 29;
    h *= UINT64_C(0x94D049BB133111EB);
    return h ^ (h >> 32);
}

#define HASH_SEED UINT64_C(0x66756e6e656c2d6c) /* "funnel-l" */

/* ==== growable byte buffer for the meta section ========================== */

typedef struct bytes {
    char *p;
    size_t len, cap;
    int failed; /* an allocation failed: the contents are incomplete */
} bytes;

static void put(bytes *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        char *q = fl_realloc(b->p, cap);
        if (!q) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}
static void put_u32(bytes *b, uint32_t v)
{
    put(b, &v, 4);
}
static void put_i64(bytes *b, int64_t v)
{
    put(b, &v, 8);
}

/* A bounds-checked reader over a byte range: after any read past the end,
 * `bad` is set and every later read yields zeros. */
typedef struct cursor {
    const char *p;
    size_t len, pos;
    int bad;
} cursor;

static const char *take(cursor *c, size_t n)
{
    if (c->bad || n > c->len - c->pos) {
        c->bad = 1;
        return NULL;
    }
    const char *s = c->p + c->pos;
    c->pos += n;
    return s;
}
static uint32_t take_u32(cursor *c)
{
    uint32_t v = 0;
    const char *s = take(c, 4);
    if (s)
        memcpy(&v, s, 4);
    return v;
}
static int64_t take_i64(cursor *c)
{
    int64_t v = 0;
    const char *s = take(c, 8);
    if (s)
        memcpy(&v, s, 8);
    return v;
}

/* ==== the key ============================================================= */

/* The options that change the loaded table, as bytes to compare. */
static void serialize_opts(bytes *b, const fl_csv_options *o)
{
    const char *build = fl_csv_build_id(); /* another loader: another key */
    put(b, build, strlen(build) + 1);
    put(b, "delim", 5);
    char d = o ? o->delimiter : 0;
    put(b, &d, 1);
    int nt = o ? o->ntypes : 0;
    put_u32(b, (uint32_t)nt);
    for (int i = 0; i < nt; i++) {
        size_t n = strlen(o->type_cols[i]);
        put_u32(b, (uint32_t)n);
        put(b, o->type_cols[i], n);
        put_u32(b, (uint32_t)o->types[i]);
    }
    int list = o && o->nulls; /* else only the empty field is null */
    put_u32(b, (uint32_t)list);
    put_u32(b, list ? (uint32_t)o->nnulls : 0);
    for (int i = 0; list && i < o->nnulls; i++) {
        size_t n = strlen(o->nulls[i]);
        put_u32(b, (uint32_t)n);
        put(b, o->nulls[i], n);
    }
}

/* Reads exactly n bytes at offset off; 0 on success. */
static int pread_full(int fd, void *buf, size_t n, uint64_t off)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

static uint64_t content_hash(int fd, uint64_t size, int *failed)
{
    char *buf = fl_malloc(CHECK_BYTES);
    if (!buf) {
        *failed = 1;
        return 0;
    }
    uint64_t h = hash_more(HASH_SEED, &size, sizeof size);
    size_t n = size < CHECK_BYTES ? (size_t)size : CHECK_BYTES;
    if (pread_full(fd, buf, n, 0) != 0)
        *failed = 1;
    h = hash_more(h, buf, n);
    if (!*failed && size > CHECK_BYTES) {
        if (pread_full(fd, buf, CHECK_BYTES, size - CHECK_BYTES) != 0)
            *failed = 1;
        h = hash_more(h, buf, CHECK_BYTES);
    }
    fl_free(buf);
    return h;
}

int fl_cache_key_make(int fd, const char *path, const fl_csv_options *opts,
                      fl_cache_key *key)
{
    memset(key, 0, sizeof *key);
    struct stat sb;
    if (!cache_dir || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (uint64_t)sb.st_size < cache_min_size)
        return -1;
    char *abs = realpath(path, NULL); /* libc memory: copied below */
    if (!abs)
        return -1;
    key->path = fl_strdup(abs);
    free(abs);
    bytes b = {0};
    serialize_opts(&b, opts);
    key->opts = b.p;
    key->opts_len = b.len;
    int failed = b.failed || !key->path;
    key->size = (uint64_t)sb.st_size;
    key->ino = (uint64_t)sb.st_ino;
    key->mtime_sec = (int64_t)sb.st_mtim.tv_sec;
    key->mtime_nsec = (int64_t)sb.st_mtim.tv_nsec;
    if (!failed)
        key->content = content_hash(fd, key->size, &failed);
    if (failed) {
        fl_cache_key_free(key);
        return -1;
    }
    return 0;
}

void fl_cache_key_free(fl_cache_key *key)
{
    fl_free(key->path);
    fl_free(key->opts);
    memset(key, 0, sizeof *key);
}

/* dir/<hash of path and options>.flc, fl_malloc'd (NULL: no memory). The
 * loader's build id (the first, NUL-terminated part of key->opts) is left
 * out of the name: a rebuilt program replaces its entries instead of
 * adding new ones beside them. */
static char *entry_path(const fl_cache_key *key)
{
    size_t skip = strnlen(key->opts, key->opts_len);
    skip += skip < key->opts_len;
    uint64_t h = hash_more(HASH_SEED, key->path, strlen(key->path));
    h = hash_more(h, key->opts + skip, key->opts_len - skip);
    size_t n = strlen(cache_dir) + 32;
    char *p = fl_malloc(n);
    if (p)
        snprintf(p, n, "%s/%016llx.flc", cache_dir, (unsigned long long)h);
    return p;
}

/* ==== the file header ===================================================== */

typedef struct file_header {
    char magic[8]; /* "FLCACHE\n" */
    uint32_t version;
    uint32_t byte_order; /* BYTE_ORDER_MARK as written */
    uint64_t size, ino;  /* of the CSV file */
    int64_t mtime_sec, mtime_nsec;
    uint64_t content;
    uint64_t path_len, opts_len;
    int64_t nrows, ncols;
    uint64_t meta_len;    /* bytes between the header and the column data */
    uint64_t file_len;    /* of the whole cache file */
    uint64_t meta_hash;   /* hash of the meta section */
    uint64_t header_hash; /* hash of this struct with header_hash = 0 */
} file_header;

static uint64_t header_checksum(const file_header *h)
{
    file_header c = *h;
    c.header_hash = 0;
    return hash_more(HASH_SEED, &c, sizeof c);
}

static const char MAGIC[8] = {'F', 'L', 'C', 'A', 'C', 'H', 'E', '\n'};

static uint64_t pad8(uint64_t n)
{
    return (n + 7) & ~(uint64_t)7;
}

/* Bytes of one column's values and of its bitmap, each padded. */
static uint64_t values_bytes(fl_type type, int64_t nrows)
{
    return pad8((uint64_t)nrows * fl_type_width(type));
}
static uint64_t bitmap_bytes(int64_t nrows)
{
    return pad8(((uint64_t)nrows + 7) / 8);
}
static uint64_t data_bytes(fl_type type, int64_t nrows, int has_validity)
{
    return values_bytes(type, nrows) + (has_validity ? bitmap_bytes(nrows) : 0);
}

/* Where the column data starts: after the header and meta, padded. */
static uint64_t data_start(uint64_t meta_len)
{
    return pad8(sizeof(file_header) + meta_len);
}

/* ==== loading ============================================================= */

/* The values of a freshly read column (bitmap already read) are what a
 * load can produce. */
static int values_ok(const fl_column *c)
{
    int64_t n = c->length;
    if (c->type == FL_STRING) {
        const int32_t *v = FL_I32(c);
        /* nulls are written as code 0, so 0 passes even in an empty
         * dictionary, which only an all-null column has */
        uint32_t count = (uint32_t)c->dict->count, bad = 0;
        if (count == 0 && c->null_count != n)
            return 0;
        uint32_t lim = count ? count : 1;
        for (int64_t i = 0; i < n; i++)
            bad |= (uint32_t)v[i] >= lim;
        return !bad;
    }
    if (c->type == FL_BOOL) {
        const uint8_t *v = FL_U8(c);
        uint8_t bad = 0;
        for (int64_t i = 0; i < n; i++)
            bad |= v[i] & 0xFE;
        return !bad;
    }
    return 1;
}

/* Copies c's bitmap (c->length rows) from bits and checks its null count. */
static int read_validity(fl_column *c, const uint8_t *bits, int64_t null_count)
{
    size_t nb = ((size_t)c->length + 7) / 8;
    if (!(c->validity = fl_malloc(nb ? nb : 1)))
        return -1;
    memcpy(c->validity, bits, nb);
    int64_t valid = 0, full = c->length / 8;
    for (int64_t i = 0; i < full; i++)
        valid += __builtin_popcount(c->validity[i]);
    for (int64_t i = full * 8; i < c->length; i++)
        valid += (c->validity[i >> 3] >> (i & 7)) & 1;
    if (c->length % 8) /* bits past the end read as valid, as fl_column has */
        c->validity[nb - 1] |= (uint8_t)(0xFF << (c->length % 8));
    c->null_count = null_count;
    return c->length - valid == null_count ? 0 : -1;
}

/* A string dictionary from the meta section: count lengths, then bytes. */
static fl_dict *read_dict(cursor *m, int64_t count)
{
    if (count < 0 || count > INT32_MAX || (uint64_t)count > m->len / 4)
        return NULL;
    const char *lens = take(m, (size_t)count * 4);
    fl_dict *d = fl_dict_new();
    if (!lens || !d) {
        fl_dict_unref(d);
        return NULL;
    }
    for (int32_t k = 0; k < (int32_t)count; k++) {
        int32_t len, code = -1;
        memcpy(&len, lens + (size_t)k * 4, 4);
        const char *s = len >= 0 ? take(m, (size_t)len) : NULL;
        /* the meta checksum vouches for the bytes being the NFC UTF-8 the
         * loader interned; a repeated string would get an earlier code */
        if (!s || memchr(s, 0, (size_t)len) ||
            fl_dict_intern_nfc(d, s, (size_t)len, &code, NULL) != FL_OK ||
            code != k) {
            fl_dict_unref(d);
            return NULL;
        }
    }
    return d;
}

/* One column as described in the meta section. */
typedef struct col_desc {
    char *name;
    fl_type type;
    int has_validity;
    int64_t null_count;
    fl_dict *dict; /* FL_STRING */
} col_desc;

/* Faults in a large fresh buffer in one call before it is written: one
 * page fault at a time is most of the time of copying 100 MB. (Transparent
 * huge pages were faster on an idle machine, but their compaction stalls
 * made a load after other big processes take seconds.) Advice only: an
 * older kernel ignores it. */
static void prefault(void *p, size_t n)
{
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
    uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
    uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)4095;
    if (n >= ((size_t)4 << 20) && e > a)
        madvise((void *)a, e - a, MADV_POPULATE_WRITE);
}

/* String codes and bools are checked before use (values_ok), so they must
 * not change afterwards: another program writing into the entry would
 * change the pages of a mapping this process never wrote to. Those columns
 * are copied out of the mapping (values_ok reads them whole anyway); ints,
 * floats, dates and timestamps, where any bits are a valid value, stay
 * mapped. */
static int owned_copy(fl_type type)
{
    return type == FL_STRING || type == FL_BOOL;
}

/* Copies and checks the copied columns (owned_copy) of cols, every other
 * one from the first or the second: two threads share the work, which is
 * page faults and memory bandwidth. */
typedef struct copy_job {
    fl_column **cols;
    const char *const *src; /* each column's values in the mapping */
    int ncols, which, ok;
} copy_job;

static void copy_some(void *arg)
{
    copy_job *job = arg;
    for (int j = 0, k = 0; j < job->ncols; j++) {
        fl_column *c = job->cols[j];
        if (!owned_copy(c->type) || k++ % 2 != job->which)
            continue;
        size_t size = (size_t)c->length * fl_type_width(c->type);
        prefault(c->data, size);
        memcpy(c->data, job->src[j], size);
        job->ok = job->ok && values_ok(c);
    }
}

/* Builds the table from the mapped cache file map, whose meta section after
 * the path and options is m. Returns 1 and sets *out, or 0. */
static int read_columns(fl_mapping *map, const file_header *h, cursor *m,
                        fl_table **out)
{
    int ncols = (int)h->ncols;
    col_desc *cd = fl_calloc((size_t)ncols, sizeof *cd);
    fl_column **cols = fl_calloc((size_t)ncols, sizeof *cols);
    char **names = fl_calloc((size_t)ncols, sizeof *names);
    int ok = cd && cols && names;
    uint64_t data_total = 0;
    for (int j = 0; ok && j < ncols; j++) { /* descriptions, dictionaries */
        uint32_t nlen = take_u32(m);
        const char *name = take(m, nlen);
        uint32_t type = take_u32(m), hv = take_u32(m);
        int64_t nulls = take_i64(m), dcount = take_i64(m);
        if (m->bad || type >= FL_NTYPES || hv > 1 || nulls < 0 ||
            nulls > h->nrows || (nulls > 0 && !hv) ||
            !(cd[j].name = fl_malloc((size_t)nlen + 1))) {
            ok = 0;
            break;
        }
        memcpy(cd[j].name, name, nlen);
        cd[j].name[nlen] = 0;
        names[j] = cd[j].name;
        cd[j].type = (fl_type)type;
        cd[j].has_validity = (int)hv;
        cd[j].null_count = nulls;
        if (type == FL_STRING && !(cd[j].dict = read_dict(m, dcount)))
            ok = 0;
        data_total += data_bytes(cd[j].type, h->nrows, cd[j].has_validity);
    }
    /* the data section must be exactly what the descriptions say */
    uint64_t off = data_start(h->meta_len);
    ok = ok && m->pos == m->len && data_total == h->file_len - off;
    const char **src = fl_calloc((size_t)ncols, sizeof *src);
    ok = ok && src;
    for (int j = 0; ok && j < ncols; j++) {
        char *values = (char *)map->addr + off;
        src[j] = values;
        fl_column *c = cols[j] =
            owned_copy(cd[j].type)
                ? fl_column_new(cd[j].type, h->nrows, cd[j].dict) /* later */
                : fl_column_new_mapped(cd[j].type, h->nrows, cd[j].dict, map,
                                       values);
        if (c)
            c->length = h->nrows;
        off += values_bytes(cd[j].type, h->nrows);
        if (!c || (cd[j].has_validity &&
                   read_validity(c, (const uint8_t *)map->addr + off,
                                 cd[j].null_count) != 0)) {
            ok = 0;
            break;
        }
        if (cd[j].has_validity)
            off += bitmap_bytes(h->nrows);
    }
    if (ok) { /* the copied columns: filled and checked on two threads */
        copy_job jobs[2] = {{cols, src, ncols, 0, 1}, {cols, src, ncols, 1, 1}};
        if (h->nrows >= ((int64_t)1 << 20)) {
            fl_par2(copy_some, &jobs[0], &jobs[1]);
        } else { /* too small to be worth a thread */
            copy_some(&jobs[0]);
            copy_some(&jobs[1]);
        }
        ok = jobs[0].ok && jobs[1].ok;
    }
    fl_free(src);
    fl_error err;
    if (ok) { /* the table takes the columns, also on failure */
        ok = fl_table_new(ncols, (const char *const *)names, cols, h->nrows,
                          out, &err) == FL_OK;
    } else {
        for (int j = 0; cols && j < ncols; j++)
            fl_column_unref(cols[j]);
    }
    for (int j = 0; cd && j < ncols; j++) {
        fl_free(cd[j].name);
        fl_dict_unref(cd[j].dict);
    }
    fl_free(cd);
    fl_free(cols);
    fl_free(names);
    return ok;
}

int fl_cache_load(const fl_cache_key *key, fl_table **out)
{
    char *path = entry_path(key);
    int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    fl_free(path);
    if (fd < 0)
        return 0;
    file_header h;
    struct stat sb;
    fl_mapping *map = NULL;
    int hit = 0;
    if (fstat(fd, &sb) != 0 || pread_full(fd, &h, sizeof h, 0) != 0)
        goto done;
    if (memcmp(h.magic, MAGIC, 8) != 0 || h.version != CACHE_VERSION ||
        h.byte_order != BYTE_ORDER_MARK || h.header_hash != header_checksum(&h))
        goto done;
    if (h.file_len != (uint64_t)sb.st_size || h.meta_len > h.file_len ||
        data_start(h.meta_len) > h.file_len || h.ncols < 1 ||
        h.ncols > MAX_COLS || h.nrows < 0 || h.nrows > FL_MAX_ROWS)
        goto done;
    /* the key: stale entries stop here */
    if (h.size != key->size || h.ino != key->ino ||
        h.mtime_sec != key->mtime_sec || h.mtime_nsec != key->mtime_nsec ||
        h.content != key->content || h.path_len != strlen(key->path) ||
        h.opts_len != key->opts_len)
        goto done;
    void *addr = mmap(NULL, (size_t)h.file_len, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE, fd, 0);
    if (addr == MAP_FAILED)
        goto done;
    if (!(map = fl_mapping_new(addr, (size_t)h.file_len))) {
        munmap(addr, (size_t)h.file_len);
        goto done;
    }
    const char *meta = (const char *)addr + sizeof h;
    if (hash_more(HASH_SEED, meta, (size_t)h.meta_len) != h.meta_hash)
        goto done;
    cursor m = {meta, (size_t)h.meta_len, 0, 0};
    const char *p = take(&m, h.path_len), *o = take(&m, h.opts_len);
    if (!p || !o || memcmp(p, key->path, h.path_len) != 0 ||
        memcmp(o, key->opts, h.opts_len) != 0)
        goto done;
    hit = read_columns(map, &h, &m, out);
done:
    fl_mapping_unref(map); /* the columns hold their own references */
    close(fd);
    return hit;
}

/* ==== saving ============================================================== */

static int write_full(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        size_t want = n < ((size_t)1 << 30) ? n : ((size_t)1 << 30);
        ssize_t r = write(fd, p, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Writes a column's values; values under nulls as zeros (they were never
 * set, and a cache file should not depend on leftover memory). */
static int write_values(int fd, const fl_column *c)
{
    size_t w = fl_type_width(c->type);
    if (!c->validity || c->null_count == 0)
        return write_full(fd, c->data, (size_t)c->length * w);
    enum { BLOCK = 8192 }; /* rows per staged block */
    char *buf = fl_malloc(BLOCK * w);
    if (!buf)
        return -1;
    int rc = 0;
    for (int64_t start = 0; rc == 0 && start < c->length; start += BLOCK) {
        int64_t n = c->length - start < BLOCK ? c->length - start : BLOCK;
        memcpy(buf, (const char *)c->data + (size_t)start * w, (size_t)n * w);
        for (int64_t i = 0; i < n; i++)
            if (!fl_column_valid(c, start + i))
                memset(buf + (size_t)i * w, 0, w);
        rc = write_full(fd, buf, (size_t)n * w);
    }
    fl_free(buf);
    return rc;
}

/* mkdir -p dir, each new folder private to the user. */
static int make_dirs(const char *dir)
{
    char *p = fl_strdup(dir);
    if (!p)
        return -1;
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == 0) {
            char c = *s;
            *s = 0;
            if (mkdir(p, 0700) != 0 && errno != EEXIST)
                rc = -1;
            *s = c;
            if (!c || rc)
                break;
        }
    }
    fl_free(p);
    return rc;
}

/* Removes the temporary files (".tmp-*") older than an hour from the cache
 * folder: what a run killed while saving leaves behind. A save in progress
 * is younger than that (saving takes seconds). Errors are ignored. */
static void remove_stale_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat sb;
        if (strncmp(e->d_name, ".tmp-", 5) == 0 &&
            fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(sb.st_mode) && now - sb.st_mtime > 3600)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

static void build_meta(bytes *b, const fl_cache_key *key, const fl_table *t)
{
    put(b, key->path, strlen(key->path));
    put(b, key->opts, key->opts_len);
    for (int j = 0; j < t->ncols; j++) {
        const fl_column *c = t->cols[j];
        size_t nlen = strlen(t->names[j]);
        put_u32(b, (uint32_t)nlen);
        put(b, t->names[j], nlen);
        put_u32(b, (uint32_t)c->type);
        put_u32(b, c->validity && c->null_count > 0);
        put_i64(b, c->null_count);
        put_i64(b, c->type == FL_STRING ? c->dict->count : 0);
        if (c->type != FL_STRING)
            continue;
        put(b, c->dict->lens, (size_t)c->dict->count * 4);
        for (int32_t k = 0; k < c->dict->count; k++)
            put(b, fl_dict_str(c->dict, k), (size_t)fl_dict_len(c->dict, k));
    }
}

int fl_cache_save(const fl_cache_key *key, int fd, const fl_table *t)
{
    struct stat sb;
    if (!cache_dir || !key->path || t->sel || t->ncols < 1 ||
        t->ncols > MAX_COLS || fstat(fd, &sb) != 0 ||
        (uint64_t)sb.st_size != key->size ||
        (int64_t)sb.st_mtim.tv_sec != key->mtime_sec ||
        (int64_t)sb.st_mtim.tv_nsec != key->mtime_nsec)
        return -1;
    for (int j = 0; j < t->ncols; j++)
        if (t->cols[j]->length != t->nrows)
            return -1;
    if (make_dirs(cache_dir) != 0)
        return -1;
    remove_stale_tmp(cache_dir);
    bytes meta = {0};
    build_meta(&meta, key, t);
    char *final = entry_path(key);
    size_t tlen = strlen(cache_dir) + 16;
    char *tmp = fl_malloc(tlen);
    int out = -1, rc = -1;
    if (meta.failed || !final || !tmp)
        goto done;
    snprintf(tmp, tlen, "%s/.tmp-XXXXXX", cache_dir);
    if ((out = mkostemp(tmp, O_CLOEXEC)) < 0)
        goto done;
    file_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MAGIC, 8);
    h.version = CACHE_VERSION;
    h.byte_order = BYTE_ORDER_MARK;
    h.size = key->size;
    h.ino = key->ino;
    h.mtime_sec = key->mtime_sec;
    h.mtime_nsec = key->mtime_nsec;
    h.content = key->content;
    h.path_len = strlen(key->path);
    h.opts_len = key->opts_len;
    h.nrows = t->nrows;
    h.ncols = t->ncols;
    h.meta_len = meta.len;
    h.file_len = data_start(meta.len);
    for (int j = 0; j < t->ncols; j++) {
        const fl_column *c = t->cols[j];
        h.file_len +=
            data_bytes(c->type, t->nrows, c->validity && c->null_count > 0);
    }
    h.meta_hash = hash_more(HASH_SEED, meta.p, meta.len);
    h.header_hash = header_checksum(&h);
    static const char zeros[8];
    uint64_t at = sizeof h + meta.len;
    int bad = write_full(out, &h, sizeof h) ||
              write_full(out, meta.p, meta.len) ||
              write_full(out, zeros, (size_t)(pad8(at) - at));
    for (int j = 0; !bad && j < t->ncols; j++) {
        const fl_column *c = t->cols[j];
        uint64_t nv = (uint64_t)t->nrows * fl_type_width(c->type),
                 nb = ((uint64_t)t->nrows + 7) / 8;
        bad = write_values(out, c) ||
              write_full(out, zeros, (size_t)(pad8(nv) - nv)) ||
              (c->validity && c->null_count > 0 &&
               (write_full(out, c->validity, (size_t)nb) ||
                write_full(out, zeros, (size_t)(pad8(nb) - nb))));
    }
    bad |= close(out) != 0;
    out = -1;
    /* rename is atomic: a concurrent reader sees the old or the new file */
    if (!bad && rename(tmp, final) == 0)
        rc = 0;
    else
        unlink(tmp);
done:
    if (out >= 0) {
        close(out);
        unlink(tmp);
    }
    fl_free(meta.p);
    fl_free(final);
    fl_free(tmp);
    return rc;
}
