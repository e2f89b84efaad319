/*
 * fl_stdlib.h -- the Lua modules of stdlib/, embedded in the binary by
 * tools/embed.c at build time (build/stdlib_embed.c).
 */
#ifndef FL_STDLIB_H
#define FL_STDLIB_H

#include <stddef.h>

typedef struct fl_stdlib_module {
    const char *name;   /* "funnel.kpi" */
    const char *path;   /* "stdlib/funnel/kpi.lua", for messages */
    const char *src;
    size_t len;
} fl_stdlib_module;

/* Terminated by an entry with name == NULL. */
extern const fl_stdlib_module fl_stdlib_modules[];

#endif
