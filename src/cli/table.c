/* cli/table.c -- result tables printed as Markdown, CSV or JSON. */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int
cli_table_init(cli_table *t, size_t ncol, const char *const *head,
               const int *numeric)
{
    memset(t, 0, sizeof *t);
    t->ncol = ncol;
    t->head = head;
    t->numeric = numeric;
    return 0;
}

int
cli_table_add(cli_table *t, char *const *cells)
{
    if (t->nrow == t->cap)
    {
        const size_t cap = t->cap ? 2 * t->cap : 16;
        char ***nc = realloc(t->cell, cap * sizeof *nc);
        if (!nc)
            return -1;
        t->cell = nc;
        t->cap = cap;
    }
    char **row = calloc(t->ncol, sizeof *row);
    if (!row)
        return -1;
    for (size_t j = 0; j < t->ncol; j++)
    {
        row[j] = strdup(cells[j] ? cells[j] : "");
        if (!row[j])
        {
            for (size_t i = 0; i < j; i++)
                free(row[i]);
            free(row);
            return -1;
        }
    }
    t->cell[t->nrow++] = row;
    return 0;
}

void
cli_table_free(cli_table *t)
{
    for (size_t i = 0; i < t->nrow; i++)
    {
        for (size_t j = 0; j < t->ncol; j++)
            free(t->cell[i][j]);
        free(t->cell[i]);
    }
    free(t->cell);
    memset(t, 0, sizeof *t);
}

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
cli_table_print(const cli_table *t, cli_format f, FILE *out)
{
    if (f == CLI_CSV)
    {
        for (size_t j = 0; j < t->ncol; j++)
        {
            if (j)
                fputc(',', out);
            csv_cell(t->head[j], out);
        }
        fputc('\n', out);
        for (size_t i = 0; i < t->nrow; i++)
        {
            for (size_t j = 0; j < t->ncol; j++)
            {
                if (j)
                    fputc(',', out);
                csv_cell(t->cell[i][j], out);
            }
            fputc('\n', out);
        }
        return;
    }
    if (f == CLI_JSON)
    {
        fputs("[\n", out);
        for (size_t i = 0; i < t->nrow; i++)
        {
            fputs("  {", out);
            for (size_t j = 0; j < t->ncol; j++)
            {
                const char *c = t->cell[i][j];
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
        return;
    }
    /* Markdown: columns padded to their widest cell. */
    size_t *w = calloc(t->ncol, sizeof *w);
    if (!w)
        return;
    for (size_t j = 0; j < t->ncol; j++)
    {
        w[j] = strlen(t->head[j]);
        for (size_t i = 0; i < t->nrow; i++)
        {
            const size_t len = strlen(t->cell[i][j][0] ? t->cell[i][j] : "-");
            if (len > w[j])
                w[j] = len;
        }
    }
    fputc('|', out);
    for (size_t j = 0; j < t->ncol; j++)
        fprintf(out, " %-*s |", (int)w[j], t->head[j]);
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
        {
            const char *c = t->cell[i][j][0] ? t->cell[i][j] : "-";
            if (t->numeric[j])
                fprintf(out, " %*s |", (int)w[j], c);
            else
                fprintf(out, " %-*s |", (int)w[j], c);
        }
        fputc('\n', out);
    }
    free(w);
}
