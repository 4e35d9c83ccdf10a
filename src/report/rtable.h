/* report/rtable.h -- result tables: an optional caption, column heads and
 * rows of string cells, written as Markdown, CSV, JSON or a booktabs
 * tabular.  The one table writer of the reports and of the command line
 * (which links this library).
 *
 * A cell "" is empty: "-" in Markdown, "--" in LaTeX, nothing in CSV,
 * null in JSON.  Numeric columns are right-aligned (Markdown, LaTeX) and
 * printed without quotes in JSON when they hold a finite number.
 */
#ifndef LMC_RTABLE_H
#define LMC_RTABLE_H

#include <stddef.h>
#include <stdio.h>

typedef struct
{
    char *caption; /* NULL: none */
    size_t ncol;
    char **head;
    int *numeric;
    char **cell; /* nrow x ncol */
    size_t nrow, cap;
} lmc_rtable;

/* An empty table; caption (may be NULL), head and numeric (NULL: no
 * numeric column) are copied.  Errors: LMC_ENOMEM (t is then empty). */
int lmc_rtable_init(lmc_rtable *t, const char *caption, size_t ncol,
                    const char *const *head, const int *numeric);
/* Appends a row of ncol cells (copied; NULL stands for "").  Errors:
 * LMC_ENOMEM. */
int lmc_rtable_add(lmc_rtable *t, const char *const *cells);
/* Frees what t holds and empties it; a zeroed t is fine. */
void lmc_rtable_free(lmc_rtable *t);

/* Markdown: the caption and a blank line (if any), then the table,
 * columns padded to their widest cell; '|' in a cell prints as "\|".
 * Errors: LMC_ENOMEM (nothing written). */
int lmc_rtable_md(const lmc_rtable *t, FILE *out);
/* One Markdown cell " TEXT |" padded to w columns, right-aligned if
 * right (for tables written row by row). */
void lmc_rtable_md_cell(const char *s, size_t w, int right, FILE *out);

/* The cell of an extra last CSV column for row i of t, in buf (len bytes)
 * or a constant string. */
typedef const char *lmc_rtable_cell_fn(const lmc_rtable *t, size_t i,
                                       const void *arg, char *buf,
                                       size_t len);

/* CSV (RFC 4180 quoting): the head row, then one line per row.  With
 * extra non-NULL, a last column named extra_head whose cells extra
 * computes (arg passed through). */
void lmc_rtable_csv(const lmc_rtable *t, const char *extra_head,
                    lmc_rtable_cell_fn *extra, const void *arg, FILE *out);
/* JSON: an array of one object per row, keys the column heads. */
void lmc_rtable_json(const lmc_rtable *t, FILE *out);
/* LaTeX: a booktabs tabular, preceded by the caption as a comment. */
void lmc_rtable_tex(const lmc_rtable *t, FILE *out);

#endif /* LMC_RTABLE_H */
