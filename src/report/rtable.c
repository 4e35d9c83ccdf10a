/* report/rtable.c -- result tables and their writers (Markdown, CSV,
 * JSON, LaTeX). */
#include "rtable.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *
dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

int
lmc_rtable_init(lmc_rtable *t, const char *caption, size_t ncol,
                const char *const *head, const int *numeric)
{
    memset(t, 0, sizeof *t);
    t->ncol = ncol;
    t->caption = caption ? strdup(caption) : NULL;
    t->head = calloc(ncol, sizeof *t->head);
    t->numeric = calloc(ncol, sizeof *t->numeric);
    if ((caption && !t->caption) || !t->head || !t->numeric)
        goto fail;
    for (size_t j = 0; j < ncol; j++)
    {
        if (!(t->head[j] = strdup(head[j])))
            goto fail;
        t->numeric[j] = numeric ? numeric[j] : 0;
    }
    return LMC_SUCCESS;
fail:
    lmc_rtable_free(t);
    LMC_ERROR(LMC_ENOMEM, "report table: out of memory");
}

int
lmc_rtable_add(lmc_rtable *t, const char *const *cells)
{
    if (t->nrow == t->cap)
    {
        const size_t cap = t->cap ? 2 * t->cap : 32;
        char **nc = realloc(t->cell, cap * t->ncol * sizeof *nc);
        if (!nc)
            LMC_ERROR(LMC_ENOMEM, "report table: out of memory");
        t->cell = nc;
        t->cap = cap;
    }
    char **row = t->cell + t->nrow * t->ncol;
    for (size_t j = 0; j < t->ncol; j++)
        if (!(row[j] = dup_or_empty(cells[j])))
        {
            for (size_t i = 0; i < j; i++)
                free(row[i]);
            LMC_ERROR(LMC_ENOMEM, "report table: out of memory");
        }
    t->nrow++;
    return LMC_SUCCESS;
}

void
lmc_rtable_free(lmc_rtable *t)
{
    if (t->cell)
        for (size_t i = 0; i < t->nrow * t->ncol; i++)
            free(t->cell[i]);
    if (t->head)
        for (size_t j = 0; j < t->ncol; j++)
            free(t->head[j]);
    free(t->cell);
    free(t->head);
    free(t->numeric);
    free(t->caption);
    memset(t, 0, sizeof *t);
}

static const char *
cell_at(const lmc_rtable *t, size_t i, size_t j)
{
    return t->cell[i * t->ncol + j];
}

/* ---- Markdown ------------------------------------------------------ */

/* Markdown cells: '|' would end the cell, so it prints as "\\|". */
static size_t
md_len(const char *s)
{
    size_t n = strlen(s);
    for (; *s; s++)
        n += *s == '|';
    return n;
}

void
lmc_rtable_md_cell(const char *s, size_t w, int right, FILE *out)
{
    const size_t n = md_len(s);
    fputc(' ', out);
    for (size_t k = n; right && k < w; k++)
        fputc(' ', out);
    for (; *s; s++)
    {
        if (*s == '|')
            fputc('\\', out);
        fputc(*s, out);
    }
    for (size_t k = n; !right && k < w; k++)
        fputc(' ', out);
    fputs(" |", out);
}

/* An empty cell prints as "-". */
static const char *
md_text(const char *s)
{
    return *s ? s : "-";
}

int
lmc_rtable_md(const lmc_rtable *t, FILE *out)
{
    size_t *w = calloc(t->ncol ? t->ncol : 1, sizeof *w);
    if (!w)
        LMC_ERROR(LMC_ENOMEM, "report table: out of memory");
    for (size_t j = 0; j < t->ncol; j++)
    {
        w[j] = md_len(t->head[j]);
        for (size_t i = 0; i < t->nrow; i++)
        {
            const size_t len = md_len(md_text(cell_at(t, i, j)));
            if (len > w[j])
                w[j] = len;
        }
    }
    if (t->caption)
        fprintf(out, "%s\n\n", t->caption);
    fputc('|', out);
    for (size_t j = 0; j < t->ncol; j++)
        lmc_rtable_md_cell(t->head[j], w[j], 0, out);
    fputs("\n|", out);
    for (size_t j = 0; j < t->ncol; j++)
    {
        fputc(t->numeric[j] ? '-' : ':', out);
        for (size_t k = 0; k < w[j]; k++)
            fputc('-', out);
        fputs(t->numeric[j] ? ":|" : "-|", out);
    }
    fputc('\n', out);
    for (size_t i = 0; i < t->nrow; i++)
    {
        fputc('|', out);
        for (size_t j = 0; j < t->ncol; j++)
            lmc_rtable_md_cell(md_text(cell_at(t, i, j)), w[j],
                               t->numeric[j], out);
        fputc('\n', out);
    }
    free(w);
    return LMC_SUCCESS;
}

/* ---- CSV ----------------------------------------------------------- */

static void
csv_cell(const char *s, FILE *out)
{
    if (!strpbrk(s, ",\"\n"))
    {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++)
    {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void
lmc_rtable_csv(const lmc_rtable *t, const char *extra_head,
               lmc_rtable_cell_fn *extra, const void *arg, FILE *out)
{
    for (size_t j = 0; j < t->ncol; j++)
    {
        if (j)
            fputc(',', out);
        csv_cell(t->head[j], out);
    }
    if (extra)
    {
        fputc(',', out);
        csv_cell(extra_head, out);
    }
    fputc('\n', out);
    for (size_t i = 0; i < t->nrow; i++)
    {
        for (size_t j = 0; j < t->ncol; j++)
        {
            if (j)
                fputc(',', out);
            csv_cell(cell_at(t, i, j), out);
        }
        if (extra)
        {
            char buf[256];
            fputc(',', out);
            csv_cell(extra(t, i, arg, buf, sizeof buf), out);
        }
        fputc('\n', out);
    }
}

/* ---- JSON ---------------------------------------------------------- */

static void
json_string(const char *s, FILE *out)
{
    fputc('"', out);
    for (; *s; s++)
    {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* 1 if a numeric cell is a JSON number; "inf" and "nan" (a diverged run's
 * f) are not, and are printed as strings so the document stays valid. */
static int
json_number(const char *c)
{
    char *end;
    const double x = strtod(c, &end);
    return end != c && *end == '\0' && isfinite(x);
}

void
lmc_rtable_json(const lmc_rtable *t, FILE *out)
{
    fputs("[\n", out);
    for (size_t i = 0; i < t->nrow; i++)
    {
        fputs("  {", out);
        for (size_t j = 0; j < t->ncol; j++)
        {
            const char *c = cell_at(t, i, j);
            if (j)
                fputs(", ", out);
            json_string(t->head[j], out);
            fputs(": ", out);
            if (!*c)
                fputs("null", out);
            else if (t->numeric[j] && json_number(c))
                fputs(c, out);
            else
                json_string(c, out);
        }
        fprintf(out, "}%s\n", i + 1 < t->nrow ? "," : "");
    }
    fputs("]\n", out);
}

/* ---- LaTeX --------------------------------------------------------- */

static void
tex_text(const char *s, FILE *out)
{
    for (; *s; s++)
        switch (*s)
        {
        case '\\': fputs("\\textbackslash{}", out); break;
        case '&': case '%': case '$': case '#': case '_': case '{': case '}':
            fprintf(out, "\\%c", *s);
            break;
        case '~': fputs("\\textasciitilde{}", out); break;
        case '^': fputs("\\textasciicircum{}", out); break;
        case '<': fputs("\\textless{}", out); break;
        case '>': fputs("\\textgreater{}", out); break;
        case '|': fputs("\\textbar{}", out); break;
        default: fputc(*s, out);
        }
}

void
lmc_rtable_tex(const lmc_rtable *t, FILE *out)
{
    if (t->caption)
    {
        fputs("% ", out);
        for (const char *s = t->caption; *s; s++)
            fputc(*s == '\n' ? ' ' : *s, out);
        fputc('\n', out);
    }
    fputs("\\begin{tabular}{", out);
    for (size_t j = 0; j < t->ncol; j++)
        fputc(t->numeric[j] ? 'r' : 'l', out);
    fputs("}\n\\toprule\n", out);
    for (size_t j = 0; j < t->ncol; j++)
    {
        if (j)
            fputs(" & ", out);
        tex_text(t->head[j], out);
    }
    fputs(" \\\\\n\\midrule\n", out);
    for (size_t i = 0; i < t->nrow; i++)
    {
        for (size_t j = 0; j < t->ncol; j++)
        {
            const char *s = cell_at(t, i, j);
            if (j)
                fputs(" & ", out);
            tex_text(*s ? s : "--", out);
        }
        fputs(" \\\\\n", out);
    }
    fputs("\\bottomrule\n\\end{tabular}\n", out);
}
