/*
 * test_path.c -- the sandbox's file policy (fl_path.h): component-wise
 * containment, `..` escapes, links pointing out, and where files may be
 * written. Real folders and links are made under a fresh temporary folder.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fl_path.h"

Test(path, within_is_component_wise)
{
    cr_assert(fl_path_within("/data", "/data"));
    cr_assert(fl_path_within("/data/x.csv", "/data"));
    cr_assert(fl_path_within("/data/x.csv", "/data/"));
    cr_assert(fl_path_within("/data/a/b.csv", "/data"));
    cr_assert_not(fl_path_within("/data2/x.csv", "/data"));
    cr_assert_not(fl_path_within("/dat", "/data"));
    cr_assert_not(fl_path_within("/etc/passwd", "/data"));
    cr_assert(fl_path_within("/etc/passwd", "/"));
}

/* A temporary tree:
 *   T/data/leads.csv    T/data/sub/x.csv   T/data2/y.csv   T/secret.csv
 *   T/data/out -> T      (a link to a folder outside)
 *   T/data/evil.csv -> T/secret.csv
 *   T/data/good.csv -> T/data/leads.csv   (a link that stays inside) */
static char T[64];
static char p[9][256];

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot create %s", path);
    fputs("a\n1\n", f);
    fclose(f);
}

static const char *at(int i, const char *rel)
{
    snprintf(p[i], sizeof p[i], "%s/%s", T, rel);
    return p[i];
}

static void make_tree(void)
{
    snprintf(T, sizeof T, "/tmp/fl_path_testXXXXXX");
    cr_assert(mkdtemp(T));
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "cd %s && mkdir -p data/sub data2 && ln -s %s data/out && "
             "ln -s ../secret.csv data/evil.csv && "
             "ln -s leads.csv data/good.csv",
             T, T);
    cr_assert_eq(system(cmd), 0);
    touch(at(0, "data/leads.csv"));
    touch(at(0, "data/sub/x.csv"));
    touch(at(0, "data2/y.csv"));
    touch(at(0, "secret.csv"));
}

static void remove_tree(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", T);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(path_fs, .init = make_tree, .fini = remove_tree);

Test(path_fs, read_inside_the_roots)
{
    const char *roots[] = {at(1, "data"), NULL};
    char real[FL_PATH_MAX];
    fl_error err;
    cr_assert_eq(fl_path_check_read(at(2, "data/leads.csv"), "leads.csv", roots,
                                    2, real, &err),
                 FL_OK, "%s", err.msg);
    cr_assert(strstr(real, "/data/leads.csv"));
    cr_assert_eq(fl_path_check_read(at(2, "data/sub/../sub/x.csv"), "x", roots,
                                    2, real, &err),
                 FL_OK);
    /* a link whose target stays inside is fine */
    cr_assert_eq(fl_path_check_read(at(2, "data/good.csv"), "good.csv", roots,
                                    2, real, &err),
                 FL_OK);
    cr_assert(strstr(real, "/data/leads.csv"), "%s", real);
}

Test(path_fs, read_outside_is_refused)
{
    const char *roots[] = {at(1, "data")};
    char real[FL_PATH_MAX];
    fl_error err;
    /* a `..` escape */
    cr_assert_eq(fl_path_check_read(at(2, "data/../secret.csv"), "s", roots, 1,
                                    real, &err),
                 FL_EINVAL);
    cr_assert_str_eq(err.msg, "'s' is outside the allowed folders");
    /* a prefix trick: data2 is not inside data */
    cr_assert_eq(
        fl_path_check_read(at(2, "data2/y.csv"), "y", roots, 1, real, &err),
        FL_EINVAL);
    /* links pointing out: to a file, and through a folder */
    cr_assert_eq(
        fl_path_check_read(at(2, "data/evil.csv"), "e", roots, 1, real, &err),
        FL_EINVAL);
    cr_assert_eq(fl_path_check_read(at(2, "data/out/secret.csv"), "o", roots, 1,
                                    real, &err),
                 FL_EINVAL);
    cr_assert_eq(
        fl_path_check_read("/etc/passwd", "/etc/passwd", roots, 1, real, &err),
        FL_EINVAL);
    cr_assert_str_eq(real, "");
}

Test(path_fs, read_missing_file)
{
    const char *roots[] = {at(1, "data")};
    char real[FL_PATH_MAX];
    fl_error err;
    cr_assert_eq(fl_path_check_read(at(2, "data/nope.csv"), "nope.csv", roots,
                                    1, real, &err),
                 FL_EIO);
    cr_assert_str_eq(err.msg, "nope.csv: no such file");
    /* in a missing folder inside the root: still missing */
    cr_assert_eq(fl_path_check_read(at(2, "data/none/x.csv"), "none/x.csv",
                                    roots, 1, real, &err),
                 FL_EIO);
}

/* A missing file outside the roots is "outside", exactly like an existing
 * one, so that a script cannot learn which files exist elsewhere. */
Test(path_fs, read_missing_outside_is_outside)
{
    const char *roots[] = {at(1, "data")};
    char real[FL_PATH_MAX];
    fl_error err;
    const char *missing[] = {"nope.csv", "data2/nope.csv", "data/../nope.csv",
                             "data/none/../../nope.csv", "none/x.csv"};
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(fl_path_check_read(at(2, missing[i]), missing[i], roots, 1,
                                        real, &err),
                     FL_EINVAL, "%s", missing[i]);
        cr_assert(strstr(err.msg, "outside the allowed folders"), "%s: %s",
                  missing[i], err.msg);
    }
    cr_assert_eq(
        fl_path_check_read("/no/such/dir/x.csv", "x.csv", roots, 1, real, &err),
        FL_EINVAL);
}

Test(path_fs, write_inside_and_outside)
{
    const char *roots[] = {at(1, "data"), NULL};
    char real[FL_PATH_MAX];
    fl_error err;
    /* a new file in an allowed folder */
    cr_assert_eq(
        fl_path_check_write(at(2, "data/new.csv"), roots, 2, real, &err), FL_OK,
        "%s", err.msg);
    cr_assert(strstr(real, "/data/new.csv"));
    cr_assert_eq(
        fl_path_check_write(at(2, "data/sub/new.csv"), roots, 2, real, &err),
        FL_OK);
    /* escapes, prefix tricks, folders behind links, links at the name */
    cr_assert_eq(
        fl_path_check_write(at(2, "data/../x.csv"), roots, 2, real, &err),
        FL_EINVAL);
    cr_assert_eq(
        fl_path_check_write(at(2, "data2/x.csv"), roots, 2, real, &err),
        FL_EINVAL);
    cr_assert_eq(
        fl_path_check_write(at(2, "data/out/x.csv"), roots, 2, real, &err),
        FL_EINVAL);
    cr_assert_eq(
        fl_path_check_write(at(2, "data/evil.csv"), roots, 2, real, &err),
        FL_EINVAL);
    cr_assert_eq(fl_path_check_write("/tmp/x.csv", roots, 2, real, &err),
                 FL_EINVAL);
    /* not a file name, or a folder that does not exist */
    cr_assert_eq(fl_path_check_write(at(2, "data/"), roots, 2, real, &err),
                 FL_EINVAL);
    cr_assert_eq(fl_path_check_write(at(2, "data/.."), roots, 2, real, &err),
                 FL_EINVAL);
    cr_assert_eq(
        fl_path_check_write(at(2, "data/none/x.csv"), roots, 2, real, &err),
        FL_EIO);
}

Test(path_fs, write_relative_to_the_current_folder)
{
    char cwd[FL_PATH_MAX];
    cr_assert(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(at(0, "data")), 0);
    const char *roots[] = {"."};
    char real[FL_PATH_MAX];
    fl_error err;
    fl_status st1 = fl_path_check_write("a.csv", roots, 1, real, &err);
    fl_status st2 = fl_path_check_write("../a.csv", roots, 1, real, &err);
    cr_assert_eq(chdir(cwd), 0);
    cr_assert_eq(st1, FL_OK);
    cr_assert_eq(st2, FL_EINVAL);
}
