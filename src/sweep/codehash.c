/* sweep/codehash.c -- build tool: the code version of sweep cell keys.
 *
 *   codehash ROOT OUT
 *
 * writes OUT, a header defining LMC_CODE_HASH as the FNV-1a 64 (16 hex
 * digits) of the sources that compute outcomes: every *.c, *.h and
 * meson.build under ROOT/src (except src/cli and src/report, which
 * print and analyse but compute no cell), ROOT/problems and
 * ROOT/theorems, in sorted path order, each file as its path relative to
 * ROOT, a NUL, its bytes and a NUL.  OUT is rewritten only when the hash
 * changes, so that meson can run this at every build (build_always_stale)
 * without recompiling anything.  Exit 0, or 1 with one line on stderr.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fnv1a.h"

static char **paths;
static size_t npaths, cap;

static int
wanted(const char *name)
{
    const size_t n = strlen(name);
    return strcmp(name, "meson.build") == 0 ||
           (n > 2 && name[n - 2] == '.' &&
            (name[n - 1] == 'c' || name[n - 1] == 'h'));
}

/* Collects the wanted files under root/rel (rel has no trailing '/'). */
static int
walk(const char *root, const char *rel)
{
    if (strcmp(rel, "src/cli") == 0 || strcmp(rel, "src/report") == 0)
        return 0;
    char dir[8192];
    snprintf(dir, sizeof dir, "%s/%s", root, rel);
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* a tree without this directory hashes without it */
    struct dirent *e;
    int st = 0;
    while (!st && (e = readdir(d)))
    {
        if (e->d_name[0] == '.')
            continue;
        char r[8192], full[16384];
        snprintf(r, sizeof r, "%s/%s", rel, e->d_name);
        snprintf(full, sizeof full, "%s/%s", root, r);
        struct stat sb;
        if (stat(full, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            st = walk(root, r);
        else if (S_ISREG(sb.st_mode) && wanted(e->d_name))
        {
            if (npaths == cap)
            {
                cap = cap ? 2 * cap : 256;
                char **p = realloc(paths, cap * sizeof *p);
                if (!p)
                {
                    st = -1;
                    break;
                }
                paths = p;
            }
            if (!(paths[npaths] = malloc(strlen(r) + 1)))
            {
                st = -1;
                break;
            }
            strcpy(paths[npaths++], r);
        }
    }
    closedir(d);
    return st;
}

static int
cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
    if (argc != 3)
    {
        fprintf(stderr, "usage: codehash ROOT OUT\n");
        return 1;
    }
    const char *root = argv[1];
    if (walk(root, "src") || walk(root, "problems") ||
        walk(root, "theorems"))
    {
        fprintf(stderr, "codehash: out of memory\n");
        return 1;
    }
    qsort(paths, npaths, sizeof *paths, cmp);
    uint64_t h = LMC_FNV1A_OFFSET;
    static unsigned char buf[1 << 16];
    for (size_t i = 0; i < npaths; i++)
    {
        char full[16384];
        snprintf(full, sizeof full, "%s/%s", root, paths[i]);
        FILE *f = fopen(full, "rb");
        if (!f)
        {
            fprintf(stderr, "codehash: %s: cannot be read\n", full);
            return 1;
        }
        h = lmc_fnv1a(paths[i], strlen(paths[i]) + 1, h);
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, f)) > 0)
            h = lmc_fnv1a(buf, n, h);
        fclose(f);
        h = lmc_fnv1a("", 1, h);
        free(paths[i]);
    }
    free(paths);
    char text[256];
    snprintf(text, sizeof text,
             "/* code_version.h -- made by src/sweep/codehash.c: FNV-1a 64 "
             "of %zu source files */\n#define LMC_CODE_HASH \"%016llx\"\n",
             npaths, (unsigned long long)h);
    char old[256] = "";
    FILE *f = fopen(argv[2], "r");
    if (f)
    {
        const size_t n = fread(old, 1, sizeof old - 1, f);
        old[n] = '\0';
        fclose(f);
    }
    if (strcmp(old, text) == 0)
        return 0;
    if (!(f = fopen(argv[2], "w")) || fputs(text, f) == EOF ||
        fclose(f) != 0)
    {
        fprintf(stderr, "codehash: %s: cannot be written\n", argv[2]);
        return 1;
    }
    return 0;
}
