/*
 * fl_cache.h -- the columnar cache: a loaded CSV table saved in a binary
 * file, so that loading the same unchanged file again reads the columns back
 * instead of parsing text (lua-api.md "Loading data"; issue 4).
 *
 * Layer: engine/, above fl_column; called by fl_csv_read. Never prints.
 *
 * Where: one folder for the whole run, set by fl_cache_configure() (the
 * command line uses $XDG_CACHE_HOME/funnel-lua, else ~/.cache/funnel-lua;
 * --no-cache turns it off). Nothing is cached until it is configured, so
 * the engine used as a library or in tests writes no files by itself. A
 * folder that cannot be created or written means no caching, silently.
 *
 * One entry per (absolute path, load options): the file name is a hash of
 * both, so a newer version of a file replaces the older entry. An entry is
 * used only when everything it was built from still matches:
 *   - the format version and the loader's build (fl_csv_build_id: a
 *     rebuilt loader may infer types differently);
 *   - the absolute path, the file's size, modification time (ns) and inode;
 *   - a hash of the first and last 64 KiB of the file (the cheap content
 *     check: an edit that keeps size and mtime is caught at either end);
 *   - the options that change the result: delimiter, declared types, null
 *     texts.
 * The header, the column descriptions and the dictionaries are covered by a
 * checksum; every length is checked against the file's size before use, and
 * decoded values are checked (string codes within the dictionary, bools 0/1,
 * null counts against the bitmap). Anything that does not match -- stale,
 * truncated, corrupted, unreadable -- is a miss: the CSV is parsed and the
 * entry rewritten. Numbers in the column data are not checksummed (that
 * would cost as much as reading them): a bit flipped on disk inside an int
 * column is not detected.
 *
 * Two runs at once: an entry is written to a temporary file in the same
 * folder and renamed over the old one, so a reader sees either the old or
 * the new complete file, never a partial one. A run killed while saving
 * leaves its temporary file (".tmp-*"); a later save removes those older
 * than an hour.
 *
 * A hit maps the entry instead of reading it: the values of int, float,
 * date and timestamp columns stay in the kernel's page cache, shared and
 * not copied (fl_column's `mapping`); string codes, bools and bitmaps are
 * copied, since they are checked before use. Two consequences:
 * --max-memory does not count the mapped values; and an entry truncated in
 * place by another program while a run uses it would crash that run
 * (SIGBUS), one written into in place would change its numbers. This engine
 * never does either: it replaces an entry by a rename, which leaves a
 * mapped old entry intact.
 */
#ifndef FL_CACHE_H
#define FL_CACHE_H

#include <sys/stat.h>

#include "fl_csv.h"

/* Files smaller than this are not cached by the command line: parsing them
 * is already about as fast as reading the cache. */
#define FL_CACHE_MIN_SIZE ((uint64_t)1 << 20)

/* Sets the cache folder (copied; created on first save, mode 0700) and the
 * smallest file size worth caching. dir == NULL turns caching off (the
 * default). Process-wide: call it before loading, from one thread. */
void fl_cache_configure(const char *dir, uint64_t min_size);

/* The default folder: $XDG_CACHE_HOME/funnel-lua when that variable holds
 * an absolute path, else $HOME/.cache/funnel-lua. Writes it into buf
 * (cap bytes) and returns buf, or NULL when neither is set or it does not
 * fit. */
const char *fl_cache_default_dir(char *buf, size_t cap);

/* What identifies one version of one CSV file (filled by fl_cache_key). */
typedef struct fl_cache_key {
    char *path; /* absolute path, fl_malloc'd */
    char *opts; /* the result-changing options, serialized; fl_malloc'd */
    size_t opts_len;
    uint64_t size, ino;
    int64_t mtime_sec, mtime_nsec;
    uint64_t content; /* hash of the first and last 64 KiB */
} fl_cache_key;

/* Fills *key for the open file fd (at `path`) loaded with opts. Returns 0,
 * or -1 when the file cannot be cached (caching off, not a regular file,
 * smaller than the configured minimum, a read error, no memory); then key
 * holds nothing to free. Does not move fd's file offset. */
int fl_cache_key_make(int fd, const char *path, const fl_csv_options *opts,
                      fl_cache_key *key);
void fl_cache_key_free(fl_cache_key *key);

/* The table saved for key, if there is a valid entry: returns 1 and sets
 * *out (one reference). Returns 0 on any miss; never fails otherwise. */
int fl_cache_load(const fl_cache_key *key, fl_table **out);

/* Saves t (as loaded from the file of key, no selection vector) for key.
 * fd is the file it was loaded from: when its size or mtime no longer match
 * the key, the file changed during the load and nothing is saved. Returns 0
 * when saved, -1 when not (silently: the cache is an optimization). */
int fl_cache_save(const fl_cache_key *key, int fd, const fl_table *t);

#endif
