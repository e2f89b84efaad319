/*
 * fl_path.c -- the file access policy of a sandboxed run (see fl_path.h).
 * Layer: engine/; libc (realpath, lstat) and fl_core only.
 */
#include "fl_path.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int fl_path_within(const char *path, const char *root)
{
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/') /* "/data/" is "/data" */
        n--;
    if (n == 1 && root[0] == '/')
        return path[0] == '/';
    return strncmp(path, root, n) == 0 && (path[n] == 0 || path[n] == '/');
}

/* Non-zero when the resolved path lies in one of the roots. */
static int in_roots(const char *real, const char *const *roots, int nroots)
{
    for (int i = 0; i < nroots; i++) {
        char root[FL_PATH_MAX];
        if (roots[i] && realpath(roots[i], root) && fl_path_within(real, root))
            return 1;
    }
    return 0;
}

/* Non-zero when the path's nearest existing folder lies in one of the
 * roots and what follows it has no ".." component: only then may a path
 * that does not resolve be reported as missing. Anything else is reported
 * as outside, so that a script cannot probe for files elsewhere. */
static int missing_inside(const char *path, const char *const *roots,
                          int nroots)
{
    char dir[FL_PATH_MAX], real[FL_PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof dir)
        return 0;
    memcpy(dir, path, n + 1);
    for (;;) {
        char *slash = strrchr(dir, '/');
        const char *rest;
        if (!slash) { /* a relative name: its folder is "." */
            rest = path;
            memcpy(dir, ".", 2);
        } else {
            rest = path + (slash - dir) + 1;
            if (slash == dir)
                slash[1] = 0; /* "/x": the folder is "/" */
            else
                *slash = 0;
        }
        if (realpath(dir, real)) {
            for (const char *p = rest; *p; p++)
                if (p[0] == '.' && p[1] == '.' && (p == rest || p[-1] == '/') &&
                    (p[2] == 0 || p[2] == '/'))
                    return 0;
            return in_roots(real, roots, nroots);
        }
        if (!slash || strcmp(dir, "/") == 0)
            return 0;
    }
}

fl_status fl_path_check_read(const char *path, const char *name,
                             const char *const *roots, int nroots,
                             char *resolved, fl_error *err)
{
    if (!realpath(path, resolved)) {
        int e = errno;
        resolved[0] = 0;
        if (!missing_inside(path, roots, nroots))
            return fl_seterr(err, FL_EINVAL,
                             "'%s' is outside the allowed folders", name);
        if (e == ENOENT)
            return fl_seterr(err, FL_EIO, "%s: no such file", name);
        return fl_seterr(err, FL_EIO, "%s: cannot open: %s", name, strerror(e));
    }
    if (!in_roots(resolved, roots, nroots)) {
        resolved[0] = 0;
        return fl_seterr(err, FL_EINVAL, "'%s' is outside the allowed folders",
                         name);
    }
    return FL_OK;
}

fl_status fl_path_check_write(const char *path, const char *const *roots,
                              int nroots, char *resolved, fl_error *err)
{
    resolved[0] = 0;
    /* split into folder and file name; "x" is "./x" */
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return fl_seterr(err, FL_EINVAL, "'%s' is not a file name", path);
    char dir[FL_PATH_MAX];
    size_t dlen = slash ? (size_t)(slash - path) : 1;
    if (dlen >= sizeof dir)
        return fl_seterr(err, FL_EINVAL, "'%s' is too long", path);
    if (!slash) {
        memcpy(dir, ".", 2);
    } else if (dlen == 0) {
        memcpy(dir, "/", 2);
    } else {
        memcpy(dir, path, dlen);
        dir[dlen] = 0;
    }
    char real[FL_PATH_MAX];
    if (!realpath(dir, real))
        return fl_seterr(err, FL_EIO, "cannot write '%s': %s", path,
                         strerror(errno));
    if (!in_roots(real, roots, nroots))
        return fl_seterr(err, FL_EINVAL, "'%s' is outside the allowed folders",
                         path);
    size_t rlen = strlen(real), nlen = strlen(name);
    if (rlen + 1 + nlen + 1 > FL_PATH_MAX)
        return fl_seterr(err, FL_EINVAL, "'%s' is too long", path);
    real[rlen] = '/';
    memcpy(real + rlen + 1, name, nlen + 1);
    /* an existing link at that name: its target must be allowed too */
    struct stat sb;
    if (lstat(real, &sb) == 0 && S_ISLNK(sb.st_mode)) {
        char target[FL_PATH_MAX];
        if (!realpath(real, target) || !in_roots(target, roots, nroots))
            return fl_seterr(err, FL_EINVAL,
                             "'%s' is a link to outside the allowed folders",
                             path);
    }
    memcpy(resolved, real, rlen + 1 + nlen + 1);
    return FL_OK;
}
