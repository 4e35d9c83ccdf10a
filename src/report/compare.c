/* report/compare.c -- regenerated report against committed report: the
 * numbers of data.csv within the tolerances the report states.
 *
 * data.csv is long form: key columns, then quantity, value and tol (the
 * tolerance of that row, lmc_rtol text).  Rows are matched by their key
 * columns (numbers to the 10 digits printed) and quantity (the k-th row with a given key on one side with
 * the k-th on the other: the rates analysis lists one row per seed under
 * the same key).  Two values agree if they agree within the tolerance of
 * either side (the tolerance is a property of the quantity; the larger
 * statement of the two is the one either run vouches for, so the
 * comparison is symmetric).  Rows on one side only are mismatches unless
 * their tol cell ends in " if present" (cells a refinement placed around
 * a best that may move by its tolerance), which are compared where both
 * sides have them.  A data.csv without a tol column compares exactly.
 *
 * Tables (table.md, table.tex) print the same numbers as data.csv with
 * fewer digits; figures are drawn from fig-X.dat, whose numbers are the
 * rows of data.csv.  Neither is compared here.
 */
#include "report.h"
#include "impl.h"
#include "fpio.h"
#include "status.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
    char **cell; /* nrow x ncol, row 0 the header */
    size_t nrow, ncol;
    char *text;
} csvfile;

static void
csv_free(csvfile *f)
{
    if (f->cell)
        for (size_t i = 0; i < f->nrow * f->ncol; i++)
            free(f->cell[i]);
    free(f->cell);
    free(f->text);
    memset(f, 0, sizeof *f);
}

/* One field starting at *p (RFC 4180 quoting); advances past it and its
 * separator; *eol set when the record ends. */
static char *
csv_field(const char **p, int *eol)
{
    const char *s = *p;
    size_t cap = 32, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    const int quoted = *s == '"';
    if (quoted)
        s++;
    for (;;)
    {
        char ch = *s;
        if (quoted)
        {
            if (ch == '\0')
                break;
            if (ch == '"')
            {
                if (s[1] != '"')
                {
                    s++;
                    ch = *s;
                    if (ch == ',' || ch == '\n' || ch == '\0')
                        break;
                    continue; /* stray text after the quote: kept */
                }
                s++;
            }
        }
        else if (ch == ',' || ch == '\n' || ch == '\0')
            break;
        if (n + 2 > cap)
        {
            char *nb = realloc(out, cap *= 2);
            if (!nb)
            {
                free(out);
                return NULL;
            }
            out = nb;
        }
        out[n++] = ch;
        s++;
    }
    out[n] = '\0';
    if (n && out[n - 1] == '\r')
        out[n - 1] = '\0';
    *eol = *s != ',';
    if (*s)
        s++;
    *p = s;
    return out;
}

/* Reads path into f; every record must have the header's width. */
static int
csv_read(const char *path, csvfile *f)
{
    memset(f, 0, sizeof *f);
    FILE *in = fopen(path, "rb");
    if (!in)
        LMC_ERROR(LMC_EIO, "%s: cannot read: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0, k;
    char *t = malloc(cap);
    while (t && (k = fread(t + n, 1, cap - n - 1, in)) > 0)
    {
        n += k;
        if (n + 1 == cap)
        {
            char *nt = realloc(t, cap *= 2);
            if (!nt)
            {
                free(t);
                t = NULL;
            }
            t = nt;
        }
    }
    fclose(in);
    if (!t)
        LMC_ERROR(LMC_ENOMEM, "%s: out of memory", path);
    t[n] = '\0';
    f->text = t;
    size_t ccap = 0, ncell = 0;
    for (const char *p = t; *p;)
    {
        size_t width = 0;
        for (int eol = 0; !eol;)
        {
            char *s = csv_field(&p, &eol);
            if (!s)
                goto oom;
            if (ncell == ccap)
            {
                ccap = ccap ? 2 * ccap : 1024;
                char **nc = realloc(f->cell, ccap * sizeof *nc);
                if (!nc)
                {
                    free(s);
                    goto oom;
                }
                f->cell = nc;
            }
            f->cell[ncell++] = s;
            width++;
        }
        if (f->nrow == 0)
            f->ncol = width;
        else if (width != f->ncol)
        {
            const size_t row = f->nrow + 1, ncol = f->ncol;
            f->nrow = (ncell - width) / f->ncol;
            for (size_t i = ncell - width; i < ncell; i++)
                free(f->cell[i]);
            csv_free(f);
            LMC_ERROR(LMC_EPARSE, "%s:%zu: %zu fields, the header has %zu",
                      path, row, width, ncol);
        }
        f->nrow++;
    }
    if (f->nrow == 0)
    {
        csv_free(f);
        LMC_ERROR(LMC_EPARSE, "%s: empty (no header)", path);
    }
    return LMC_SUCCESS;
oom:
    f->nrow = ncell / (f->ncol ? f->ncol : 1);
    for (size_t i = f->nrow * f->ncol; i < ncell; i++)
        free(f->cell[i]);
    csv_free(f);
    LMC_ERROR(LMC_ENOMEM, "%s: out of memory", path);
}

static const char *
at(const csvfile *f, size_t row, size_t col)
{
    return f->cell[row * f->ncol + col];
}

static size_t
column(const csvfile *f, const char *name)
{
    for (size_t j = 0; j < f->ncol; j++)
        if (strcmp(at(f, 0, j), name) == 0)
            return j;
    return (size_t)-1;
}

/* Key cells: the same text, or numbers equal to the 10 significant
 * digits data.csv prints (a grid value computed on another machine can
 * differ in its last printed digit, e.g. 10^(-3) as 0.001000000001). */
static int
same_cell(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 1;
    char *ea, *eb;
    const double x = lmc_strtod(a, &ea), y = lmc_strtod(b, &eb);
    return *a && *b && !*ea && !*eb && isfinite(x) && isfinite(y) &&
           fabs(x - y) <= 2e-9 * fmax(fabs(x), fabs(y));
}

/* The key of row i: every column but value and tol, quantity included. */
static int
same_key(const csvfile *a, size_t i, const csvfile *b, size_t k, size_t vcol,
         size_t tcol)
{
    for (size_t j = 0; j < a->ncol; j++)
        if (j != vcol && j != tcol && !same_cell(at(a, i, j), at(b, k, j)))
            return 0;
    return 1;
}

static void
key_text(const csvfile *f, size_t i, size_t vcol, size_t tcol, size_t qcol,
         char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < f->ncol && len + 1 < n; j++)
        if (j != vcol && j != tcol && j != qcol && *at(f, i, j))
            len += (size_t)snprintf(buf + len, n - len, "%s%s=%s",
                                    len ? " " : "", at(f, 0, j), at(f, i, j));
}

/* The tolerance of row i of f (exact without a tol column or for text
 * that does not parse, which the writer never produces). */
static void
row_tol(const csvfile *f, size_t i, size_t tcol, lmc_rtol *t, int *optional)
{
    memset(t, 0, sizeof *t);
    *optional = 0;
    if (tcol == (size_t)-1)
        return;
    char buf[96];
    snprintf(buf, sizeof buf, "%s", at(f, i, tcol));
    static const char opt[] = " if present";
    const size_t n = strlen(buf), no = sizeof opt - 1;
    if (n >= no && strcmp(buf + n - no, opt) == 0)
    {
        *optional = 1;
        buf[n - no] = '\0';
    }
    if (lmc_rtol_parse(buf, t))
        memset(t, 0, sizeof *t);
}

/* Per quantity: rows compared, rows out of tolerance, the worst of them
 * (largest |a - b| relative to the tolerance it missed), rows on one side
 * only. */
typedef struct
{
    char q[64], tol[80], worst[512];
    size_t rows, bad, only;
    double score;
} qstat;

static qstat *
stat_of(qstat **s, size_t *n, const char *q, int *oom)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*s)[i].q, q) == 0)
            return &(*s)[i];
    qstat *ns = realloc(*s, (*n + 1) * sizeof *ns);
    if (!ns)
    {
        *oom = 1;
        return NULL;
    }
    *s = ns;
    qstat *e = &ns[(*n)++];
    memset(e, 0, sizeof *e);
    snprintf(e->q, sizeof e->q, "%s", q);
    e->score = -1;
    return e;
}

/* A comparison of data.csv a with b: the columns of value, tol
 * (SIZE_MAX: none) and quantity, the rows of b paired so far, and the
 * statistics per quantity. */
typedef struct
{
    const csvfile *a, *b;
    const char *dir_a, *dir_b;
    size_t vcol, tcol, qcol;
    unsigned char *used;
    qstat *qs;
    size_t nq;
    int oom;
} cmp;

/* Counts row i of f (of dir) as present on one side only; the first
 * such row names the quantity's example. */
static void
note_only(const cmp *m, qstat *s, const csvfile *f, size_t i,
          const char *dir)
{
    s->only++;
    if (!s->worst[0])
    {
        char key[400];
        key_text(f, i, m->vcol, m->tcol, m->qcol, key, sizeof key);
        snprintf(s->worst, sizeof s->worst, "row %s only in %s", key, dir);
    }
}

/* How far outside: |a - b| over the allowance of a's tolerance t (text
 * differences score highest). */
static double
miss_score(const lmc_rtol *t, const char *va, const char *vb)
{
    const double x = lmc_strtod(va, NULL), y = lmc_strtod(vb, NULL);
    const double d = fabs(x - y), m = fmax(fabs(x), fabs(y));
    double allow = fmax(t->abs, t->rel * m);
    if (t->factor >= 1 && m > 0)
        allow = fmax(allow, m * (1 - 1 / t->factor));
    return isfinite(d) ? (allow > 0 ? d / allow : d) : HUGE_VAL;
}

/* Row i of a pairs with the first unused row of b with its key: the k-th
 * occurrence with the k-th.  Counts it in its quantity: compared and
 * within tolerance, out of it (keeping the worst), or on a's side only
 * (unless optional). */
static void
pair_row(cmp *m, size_t i)
{
    const csvfile *a = m->a, *b = m->b;
    qstat *s = stat_of(&m->qs, &m->nq, at(a, i, m->qcol), &m->oom);
    if (!s)
        return;
    size_t k = 1;
    while (k < b->nrow &&
           (m->used[k] || !same_key(a, i, b, k, m->vcol, m->tcol)))
        k++;
    lmc_rtol ta, tb;
    int oa, ob;
    row_tol(a, i, m->tcol, &ta, &oa);
    if (!s->tol[0])
        lmc_rtol_text(s->tol, &ta);
    if (k == b->nrow)
    {
        if (!oa)
            note_only(m, s, a, i, m->dir_a);
        return;
    }
    m->used[k] = 1;
    row_tol(b, k, m->tcol, &tb, &ob);
    s->rows++;
    const char *va = at(a, i, m->vcol), *vb = at(b, k, m->vcol);
    if (lmc_rtol_agree(&ta, va, vb) || lmc_rtol_agree(&tb, va, vb))
        return;
    s->bad++;
    const double score = miss_score(&ta, va, vb);
    if (score > s->score)
    {
        char key[400];
        key_text(a, i, m->vcol, m->tcol, m->qcol, key, sizeof key);
        s->score = score;
        snprintf(s->worst, sizeof s->worst, "worst at %s: %s vs %s",
                 key[0] ? key : "(no key)", va, vb);
    }
}

/* The rows of b no row of a paired with, unless optional. */
static void
count_unpaired_b(cmp *m)
{
    const csvfile *b = m->b;
    for (size_t k = 1; k < b->nrow && !m->oom; k++)
    {
        if (m->used[k])
            continue;
        lmc_rtol tb;
        int ob;
        row_tol(b, k, m->tcol, &tb, &ob);
        if (ob)
            continue;
        qstat *s = stat_of(&m->qs, &m->nq, at(b, k, m->qcol), &m->oom);
        if (!s)
            break;
        if (!s->tol[0])
            lmc_rtol_text(s->tol, &tb);
        note_only(m, s, b, k, m->dir_b);
    }
}

/* One line per quantity out of tolerance or with rows on one side only;
 * *nbad counts them. */
static void
print_misses(FILE *out, const char *name, const qstat *qs, size_t nq,
             size_t *nbad)
{
    for (size_t i = 0; i < nq; i++)
    {
        if (!qs[i].bad && !qs[i].only)
            continue;
        (*nbad)++;
        if (!out)
            continue;
        fprintf(out, "%s: %s: ", name, qs[i].q);
        if (qs[i].bad)
            fprintf(out, "%zu of %zu values out of tolerance (%s)%s",
                    qs[i].bad, qs[i].rows, qs[i].tol,
                    qs[i].only ? ", " : "");
        if (qs[i].only)
            fprintf(out, "%zu rows on one side only", qs[i].only);
        fprintf(out, "; %s\n", qs[i].worst);
    }
}

/* 1 if a and b have the same columns. */
static int
same_columns(const csvfile *a, const csvfile *b)
{
    int same = a->ncol == b->ncol;
    for (size_t j = 0; same && j < a->ncol; j++)
        same = strcmp(at(a, 0, j), at(b, 0, j)) == 0;
    return same;
}

/* Compares the rows of m->a with those of m->b: m's statistics and the
 * lines of out. */
static int
compare_rows(cmp *m, const char *name, FILE *out, size_t *nbad)
{
    m->used = calloc(m->b->nrow, 1);
    m->oom = !m->used;
    for (size_t i = 1; i < m->a->nrow && !m->oom; i++)
        pair_row(m, i);
    count_unpaired_b(m);
    if (!m->oom)
        print_misses(out, name, m->qs, m->nq, nbad);
    free(m->qs);
    free(m->used);
    if (m->oom)
        LMC_ERROR(LMC_ENOMEM, "report %s: out of memory comparing", name);
    return LMC_SUCCESS;
}

static int
compare_dirs(const char *dir_a, const char *dir_b, const char *name,
             FILE *out, size_t *nbad)
{
    char pa[4200], pb[4200];
    snprintf(pa, sizeof pa, "%s/%s/data.csv", dir_a, name);
    snprintf(pb, sizeof pb, "%s/%s/data.csv", dir_b, name);
    *nbad = 0;
    csvfile a, b;
    LMC_TRY(csv_read(pa, &a));
    int st = csv_read(pb, &b);
    if (st)
    {
        csv_free(&a);
        return st;
    }
    /* Same columns, value last or before tol. */
    cmp m = {&a, &b, dir_a, dir_b, column(&a, "value"), column(&a, "tol"),
             column(&a, "quantity"), NULL, NULL, 0, 0};
    if (!same_columns(&a, &b) || m.vcol == (size_t)-1 ||
        m.qcol == (size_t)-1)
    {
        if (out)
            fprintf(out, "%s: data.csv columns differ or lack quantity / "
                    "value (%s, %s)\n", name, pa, pb);
        *nbad = 1;
    }
    else
        st = compare_rows(&m, name, out, nbad);
    csv_free(&a);
    csv_free(&b);
    return st;
}

/* The comparison reads and prints decimal text: it is bookkeeping, done
 * in round-to-nearest whatever the caller's mode (fpio.h). */
int
lmc_report_compare(const char *dir_a, const char *dir_b, const char *name,
                   FILE *out, size_t *nbad)
{
    const int mode = lmc_fe_nearest();
    const int status = compare_dirs(dir_a, dir_b, name, out, nbad);
    lmc_fe_restore(mode);
    return status;
}
