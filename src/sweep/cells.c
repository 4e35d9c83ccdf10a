/* sweep/cells.c -- cells and their keys.
 *
 * A cell is a list of key/value pairs (base settings, axis values and,
 * for kind check, the theorem and configuration label).  Its canonical
 * text is "kind=K k1=v1 k2=v2 ..." with keys sorted (values with blanks
 * are quoted), numbers from the spec printed with %.17g, and after a
 * "file:PATH" value "k.fnv1a=H", H the FNV-1a 64 of the file's bytes; its
 * key is the FNV-1a 64-bit hash of that text + "\n" + the code version
 * (a hash of the sources, lmc_sweep_code_version), as 16 hex digits.
 * Results depend only on the cell's pairs, never on the number of
 * workers or the order cells run in.
 */
#include "impl.h"

#include "fnv1a.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

/* For a value "file:PATH" (a schedule or spectrum file): the FNV-1a 64
 * of the file's bytes, kept in s->fval / s->fhash for cell_finish.  Only
 * regular files up to FILE_MAX (a FIFO or /dev/zero would block or never
 * end); opened non-blocking so that a FIFO cannot stall the reader. */
int
lmc_sweep_file_hash(lmc_sweep_spec *s, const char *key, const char *val,
                    int line)
{
    if (strncmp(val, "file:", 5) != 0)
        return LMC_SUCCESS;
    for (size_t i = 0; i < s->nfiles; i++)
        if (strcmp(s->fval[i], val) == 0)
            return LMC_SUCCESS;
    const char *fp = val + 5;
    char why[256] = "";
    uint64_t h = LMC_FNV1A_OFFSET;
    const int fd = open(fp, O_RDONLY | O_NONBLOCK);
    struct stat sb;
    if (fd < 0)
        snprintf(why, sizeof why, "cannot be read (%s)", strerror(errno));
    else if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
             sb.st_size > FILE_MAX)
        snprintf(why, sizeof why, "is not a regular file of at most %lld "
                 "bytes", (long long)FILE_MAX);
    else
    {
        unsigned char buf[65536];
        off_t total = 0;
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0 && total <= FILE_MAX)
        {
            total += n;
            h = lmc_fnv1a(buf, (size_t)n, h);
        }
        if (n < 0)
            snprintf(why, sizeof why, "cannot be read (%s)", strerror(errno));
        else if (total > FILE_MAX)
            snprintf(why, sizeof why, "is longer than %lld bytes",
                     (long long)FILE_MAX);
    }
    if (fd >= 0)
        close(fd);
    if (why[0])
        SPEC_ERR(s, line, "%s: file '%s' %s (accepted: a readable regular "
                 "file; its bytes go into the cell key)", key, fp, why);
    char **fv = realloc(s->fval, (s->nfiles + 1) * sizeof *fv);
    if (!fv)
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    s->fval = fv;
    char(*fh)[17] = realloc(s->fhash, (s->nfiles + 1) * sizeof *fh);
    if (!fh)
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    s->fhash = fh;
    if (!(s->fval[s->nfiles] = dup_str(val)))
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    snprintf(s->fhash[s->nfiles], 17, "%016llx", (unsigned long long)h);
    s->nfiles++;
    return LMC_SUCCESS;
}

static const char *
file_hash_of(const lmc_sweep_spec *s, const char *val)
{
    for (size_t i = 0; i < s->nfiles; i++)
        if (strcmp(s->fval[i], val) == 0)
            return s->fhash[i];
    return NULL;
}

/* The pairs of cell c (pointers into the spec and the cell), sorted. */
void
lmc_sweep_cell_pairs(const lmc_sweep_spec *s, const sw_cell *c, pairs *p)
{
    p->n = 0;
    for (size_t i = 0; i < s->nbase; i++)
    {
        p->k[p->n] = s->bkey[i];
        p->v[p->n++] = s->bval[i];
    }
    size_t rest = c->index;
    for (size_t i = s->naxes; i-- > 0;)
    {
        const size_t d = rest % s->axes[i].n;
        rest /= s->axes[i].n;
        if (s->axes[i].vn) /* a variants axis: its pairs, not its key */
        {
            for (size_t m = 0; m < s->axes[i].vn[d]; m++)
            {
                p->k[p->n] = s->axes[i].vk[d][m];
                p->v[p->n++] = s->axes[i].vv[d][m];
            }
            continue;
        }
        p->k[p->n] = s->axes[i].key;
        p->v[p->n++] =
            (long)i == c->over_axis ? c->over_val : s->axes[i].vals[d];
    }
    if (s->kind == KIND_CHECK)
    {
        p->k[p->n] = "theorem";
        p->v[p->n++] = s->pt_theorem[rest];
        p->k[p->n] = "label";
        p->v[p->n++] = s->pt_label[rest];
    }
    /* Insertion sort by key (n <= MAX_PAIRS). */
    for (size_t i = 1; i < p->n; i++)
        for (size_t j = i; j > 0 && strcmp(p->k[j - 1], p->k[j]) > 0; j--)
        {
            const char *tk = p->k[j], *tv = p->v[j];
            p->k[j] = p->k[j - 1];
            p->v[j] = p->v[j - 1];
            p->k[j - 1] = tk;
            p->v[j - 1] = tv;
        }
}

/* Fills c->config (canonical text) and c->key. */
int
lmc_sweep_cell_finish(const lmc_sweep_spec *s, sw_cell *c)
{
    pairs p;
    lmc_sweep_cell_pairs(s, c, &p);
    size_t len = 16;
    for (size_t i = 0; i < p.n; i++)
        len += 2 * strlen(p.k[i]) + 2 * strlen(p.v[i]) + 32;
    char *t = malloc(len);
    if (!t)
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    size_t o = (size_t)sprintf(t, "kind=%s", lmc_sweep_kind_names[s->kind]);
    for (size_t i = 0; i < p.n; i++)
    {
        const char *v = p.v[i];
        o += (size_t)sprintf(t + o, " %s=", p.k[i]);
        if (*v && !strpbrk(v, " \t\"\\"))
            o += (size_t)sprintf(t + o, "%s", v);
        else
        {
            t[o++] = '"';
            for (; *v; v++)
            {
                if (*v == '"' || *v == '\\')
                    t[o++] = '\\';
                t[o++] = *v;
            }
            t[o++] = '"';
            t[o] = '\0';
        }
        /* A file input is keyed by its content too (lmc_sweep_file_hash). */
        const char *fh = file_hash_of(s, p.v[i]);
        if (fh)
            o += (size_t)sprintf(t + o, " %s.fnv1a=%s", p.k[i], fh);
    }
    uint64_t h = lmc_fnv1a(t, strlen(t), LMC_FNV1A_OFFSET);
    h = lmc_fnv1a("\n", 1, h);
    h = lmc_fnv1a(lmc_sweep_code_version(),
                  strlen(lmc_sweep_code_version()), h);
    snprintf(c->key, sizeof c->key, "%016llx", (unsigned long long)h);
    c->config = t;
    return LMC_SUCCESS;
}

void
lmc_sweep_cells_free(sw_cell *c, size_t n)
{
    if (!c)
        return;
    for (size_t i = 0; i < n; i++)
        free(c[i].config);
    free(c);
}

/* The grid cells of this shard. */
int
lmc_sweep_grid_cells(const lmc_sweep_spec *s, size_t shard, size_t nshards,
                     sw_cell **out, size_t *n)
{
    const size_t cnt = s->ncells / nshards + 1;
    sw_cell *c = calloc(cnt, sizeof *c);
    if (!c)
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = shard; i < s->ncells; i += nshards)
    {
        c[k].index = i;
        c[k].over_axis = -1;
        const int st = lmc_sweep_cell_finish(s, &c[k]);
        k++;
        if (st)
        {
            lmc_sweep_cells_free(c, k);
            return st;
        }
    }
    *out = c;
    *n = k;
    return LMC_SUCCESS;
}

int
lmc_sweep_list(const lmc_sweep_spec *s, size_t shard, size_t nshards,
               void (*fn)(void *arg, const char *key, const char *config),
               void *arg)
{
    sw_cell *c;
    size_t n;
    if (nshards == 0 || shard >= nshards)
        LMC_ERROR(LMC_EINVAL, "shard %zu of %zu", shard, nshards);
    LMC_TRY(lmc_sweep_code_version_check());
    LMC_TRY(lmc_sweep_grid_cells(s, shard, nshards, &c, &n));
    for (size_t i = 0; i < n; i++)
        fn(arg, c[i].key, c[i].config);
    lmc_sweep_cells_free(c, n);
    return LMC_SUCCESS;
}

