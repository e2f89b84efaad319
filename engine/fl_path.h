/*
 * fl_path.h -- where a sandboxed script may read and write files.
 *
 * Layer: engine/, uses only libc and fl_core. No Lua.
 *
 * The rule: a file is allowed when its real location (symbolic links and
 * `..` resolved with realpath) lies inside the real location of one of a
 * few allowed folders ("roots"). Comparing resolved paths is what makes
 * `../` escapes, absolute paths elsewhere and links pointing out all fail
 * the same way, and comparing whole path components (a root "/data" does
 * not contain "/data2/x") stops prefix tricks.
 *
 * Known limit: a file is checked, then opened by name, so a link swapped in
 * between could still point out. A sandboxed script cannot create links, so
 * only another process could do that.
 */
#ifndef FL_PATH_H
#define FL_PATH_H

#include <limits.h>

#include "fl_core.h"

/* Size of the buffer a resolved path is written to. */
#define FL_PATH_MAX PATH_MAX

/* Non-zero when the absolute, resolved path `path` is `root` itself or lies
 * below it (component-wise: "/data" contains "/data/x" but not "/data2/x";
 * the root "/" contains everything). Pure string comparison. */
int fl_path_within(const char *path, const char *root);

/* A file to read: resolves path (must exist) and checks it lies in one of
 * the nroots folders roots[] (each resolved here; roots that do not exist
 * are skipped). On FL_OK, resolved (FL_PATH_MAX bytes) holds the real path,
 * to open. name is the path as the user wrote it, for messages. Errors:
 * FL_EIO when path cannot be resolved ("leads.csv: no such file"), FL_EINVAL
 * when it lies outside every root ("'/etc/passwd' is outside the allowed
 * folders"; the caller adds which folders are allowed and what to do). */
fl_status fl_path_check_read(const char *path, const char *name,
                             const char *const *roots, int nroots,
                             char *resolved, fl_error *err);

/* A file to create or replace: its folder must exist and lie in a root; the
 * file itself need not exist, but when it is a link its target must lie in a
 * root too. On FL_OK, resolved (FL_PATH_MAX bytes) holds the real folder
 * plus the file name. Errors as fl_path_check_read. */
fl_status fl_path_check_write(const char *path, const char *const *roots,
                              int nroots, char *resolved, fl_error *err);

#endif
