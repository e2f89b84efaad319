/*
 * fl_core.h -- what every engine module shares: status codes, the error
 * struct, counted allocation with fault injection, and the value types.
 *
 * Layer: bottom of engine/. Includes nothing from Lua; never prints, never
 * exits. Every engine function that can fail returns an fl_status and, when it
 * is not FL_OK, has written a one-line human message into its fl_error.
 *
 * Ownership rule (all of engine/): a function that returns a pointer through
 * an `out` parameter hands the caller one reference; the caller releases it
 * with the matching *_unref / *_free. Arguments are borrowed unless the
 * comment at the declaration says "takes".
 */
#ifndef FL_CORE_H
#define FL_CORE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    FL_OK = 0,
    FL_ENOMEM, /* allocation failed or the memory limit was reached */
    FL_EINVAL, /* bad argument from the script (unknown column, bad type) */
    FL_EIO,    /* file could not be opened or read */
    FL_EPARSE, /* malformed input (CSV, date text, UTF-8) */
    FL_ELIMIT  /* a run limit (time) was hit */
} fl_status;

typedef struct fl_error {
    char msg[512];
} fl_error;

/* Formats a message into err (if not NULL) and returns code. */
fl_status fl_seterr(fl_error *err, fl_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- allocation --------------------------------------------------------
 * All engine memory goes through these so that tests can make the k-th
 * allocation fail and the run can cap its memory. They behave like the libc
 * functions; fl_realloc(p, 0) frees and returns NULL. */
void *fl_malloc(size_t n);
void *fl_calloc(size_t count, size_t size);
void *fl_realloc(void *p, size_t n);
void fl_free(void *p);
char *fl_strdup(const char *s);

/* Test hook: the k-th allocation from now (1-based) and every one after it
 * fails; 0 turns fault injection off. Returns the number of allocations made
 * since the last call (so a test can learn how many there are to fail). */
long fl_alloc_fail_after(long k);

/* Memory cap in bytes for the whole run, 0 = none: engine allocations plus
 * what fl_alloc_account() reports from outside (the Lua heap).
 * fl_alloc_bytes() is what is currently counted. */
void fl_alloc_set_limit(size_t bytes);
size_t fl_alloc_limit(void);
size_t fl_alloc_bytes(void);
/* Counts delta bytes allocated (or, negative, freed) outside the engine.
 * Returns 0 and counts nothing when growing would pass the limit. */
int fl_alloc_account(long long delta);
/* Non-zero once an allocation was refused because of the limit. */
int fl_alloc_limit_hit(void);

/* ---- two threads ---------------------------------------------------------
 * Runs fn(a0) on the calling thread and fn(a1) on a helper thread; both are
 * done on return. When the helper cannot be started, the calling thread
 * runs fn(a1) after fn(a0): the same result. fn(a0) and fn(a1) run at the
 * same time, so each may touch only what its argument owns; the allocator
 * above is thread-safe. */
void fl_par2(void (*fn)(void *), void *a0, void *a1);

/* ---- value types -------------------------------------------------------- */
typedef enum {
    FL_BOOL = 0,  /* uint8_t, 0 or 1 */
    FL_INT,       /* int64_t */
    FL_FLOAT,     /* double */
    FL_DATE,      /* int32_t days since 1970-01-01 */
    FL_TIMESTAMP, /* int64_t microseconds since 1970-01-01T00:00:00Z */
    FL_STRING,    /* int32_t code into the column's dictionary */
    FL_NTYPES
} fl_type;

/* "bool", "int", "float", "date", "timestamp", "string" */
const char *fl_type_name(fl_type t);
/* Parses one of the names above; returns 0 and sets *t, or -1. */
int fl_type_parse(const char *name, fl_type *t);
/* Bytes per value in a column of that type. */
size_t fl_type_width(fl_type t);

/* A single value, used for literals and for handing rows to the binding.
 * For strings, s/len point into memory owned by someone else (a dictionary
 * or the Lua state) and stay valid only as long as that owner. */
typedef struct fl_value {
    fl_type type;
    int is_null;
    union {
        int64_t i; /* INT, TIMESTAMP (microseconds) */
        double f;  /* FLOAT */
        int b;     /* BOOL */
        int32_t d; /* DATE */
        struct {
            const char *s;
            size_t len;
        } str; /* STRING */
    } u;
} fl_value;

/* Row ids are int32: a table holds at most FL_MAX_ROWS rows. */
#define FL_MAX_ROWS ((int64_t)INT32_MAX)

#endif
