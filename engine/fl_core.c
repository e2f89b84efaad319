/*
 * fl_core.c -- errors, counted allocation with fault injection, type names.
 * Layer: bottom of engine/; uses only libc.
 */
#include "fl_core.h"

#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

fl_status fl_seterr(fl_error *err, fl_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* ---- allocation ------------------------------------------------------------
 * Sizes are tracked with malloc_usable_size (glibc) so that no header is added
 * to each block. The counters are updated atomically (relaxed: only the
 * totals matter) because a large CSV file is parsed by two threads at once
 * (fl_csv.c); the limit check is a plain read, so two threads can overshoot
 * it by one allocation each. */
#define ADD(var, n) __atomic_add_fetch(&(var), (n), __ATOMIC_RELAXED)
#define SUB(var, n) __atomic_sub_fetch(&(var), (n), __ATOMIC_RELAXED)
static long alloc_count;    /* allocations since the last fl_alloc_fail_after */
static long alloc_fail_at;  /* 0 = off */
static size_t alloc_limit;  /* 0 = none */
static size_t alloc_in_use; /* engine bytes plus accounted Lua bytes */
static int alloc_limit_hit;

static int alloc_should_fail(size_t n)
{
    long count = ADD(alloc_count, 1);
    if (alloc_fail_at > 0 && count >= alloc_fail_at)
        return 1;
    if (alloc_limit > 0 &&
        __atomic_load_n(&alloc_in_use, __ATOMIC_RELAXED) + n > alloc_limit) {
        alloc_limit_hit = 1;
        return 1;
    }
    return 0;
}

long fl_alloc_fail_after(long k)
{
    long made = alloc_count;
    alloc_count = 0;
    alloc_fail_at = k;
    return made;
}

void fl_alloc_set_limit(size_t bytes)
{
    alloc_limit = bytes;
}
size_t fl_alloc_limit(void)
{
    return alloc_limit;
}
size_t fl_alloc_bytes(void)
{
    return alloc_in_use;
}
int fl_alloc_limit_hit(void)
{
    return alloc_limit_hit;
}

int fl_alloc_account(long long delta)
{
    if (delta > 0) {
        if (alloc_limit > 0 && alloc_in_use + (size_t)delta > alloc_limit) {
            alloc_limit_hit = 1;
            return 0;
        }
        ADD(alloc_in_use, (size_t)delta);
    } else {
        SUB(alloc_in_use, (size_t)(-delta));
    }
    return 1;
}

void *fl_malloc(size_t n)
{
    if (n == 0)
        n = 1;
    if (alloc_should_fail(n))
        return NULL;
    void *p = malloc(n);
    if (p)
        ADD(alloc_in_use, malloc_usable_size(p));
    return p;
}

void *fl_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t n = count * size;
    if (n == 0)
        n = 1;
    if (alloc_should_fail(n))
        return NULL;
    void *p = calloc(1, n);
    if (p)
        ADD(alloc_in_use, malloc_usable_size(p));
    return p;
}

void *fl_realloc(void *p, size_t n)
{
    if (n == 0) {
        fl_free(p);
        return NULL;
    }
    size_t old = p ? malloc_usable_size(p) : 0;
    if (alloc_should_fail(n > old ? n - old : 0))
        return NULL;
    void *q = realloc(p, n);
    if (q) {
        SUB(alloc_in_use, old);
        ADD(alloc_in_use, malloc_usable_size(q));
    }
    return q;
}

void fl_free(void *p)
{
    if (!p)
        return;
    SUB(alloc_in_use, malloc_usable_size(p));
    free(p);
}

char *fl_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = fl_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* ---- types ----------------------------------------------------------------
 */
static const char *const type_names[FL_NTYPES] = {
    "bool", "int", "float", "date", "timestamp", "string",
};

const char *fl_type_name(fl_type t)
{
    return (unsigned)t < FL_NTYPES ? type_names[t] : "?";
}

int fl_type_parse(const char *name, fl_type *t)
{
    for (int i = 0; i < FL_NTYPES; i++) {
        if (strcmp(name, type_names[i]) == 0) {
            *t = (fl_type)i;
            return 0;
        }
    }
    return -1;
}

size_t fl_type_width(fl_type t)
{
    switch (t) {
    case FL_BOOL:
        return 1;
    case FL_INT:
        return 8;
    case FL_FLOAT:
        return 8;
    case FL_DATE:
        return 4;
    case FL_TIMESTAMP:
        return 8;
    case FL_STRING:
        return 4;
    default:
        return 0;
    }
}

/* ---- two threads --------------------------------------------------------- */

typedef struct par_job {
    void (*fn)(void *);
    void *arg;
} par_job;

static void *par_main(void *p)
{
    par_job *j = p;
    j->fn(j->arg);
    return NULL;
}

void fl_par2(void (*fn)(void *), void *a0, void *a1)
{
    pthread_t th;
    par_job j = {fn, a1};
    int started = pthread_create(&th, NULL, par_main, &j) == 0;
    fn(a0);
    if (started)
        pthread_join(th, NULL);
    else
        fn(a1);
}
