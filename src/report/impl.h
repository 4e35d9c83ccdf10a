/* report/impl.h -- pieces shared by the report driver (report.c) and the
 * analyses (one file each): text buffers, figures, the analysis context
 * with its result tables (rtable.h), and checked look-ups of spec keys and
 * store names.
 *
 * Not installed; only src/report/ includes it.
 */
#ifndef LMC_REPORT_IMPL_H
#define LMC_REPORT_IMPL_H

#include <stddef.h>

#include <libconfig.h>
#include <sqlite3.h>

#include "rtable.h"

/* A growing text buffer; an allocation failure sets oom and later
 * appends do nothing (checked once, when the buffer is used). */
typedef struct
{
    char *buf;
    size_t len, cap;
    int oom;
} lmc_rbuf;

void lmc_rbuf_printf(lmc_rbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void lmc_rbuf_free(lmc_rbuf *b);
/* Appends s as a gnuplot single-quoted string ('' stands for '). */
void lmc_rbuf_gpquote(lmc_rbuf *b, const char *s);

/* A figure X: gnuplot commands (without terminal and output) that read
 * 'fig-X.dat' from the current directory, and that data file. */
typedef struct
{
    char name[32];
    char what[160]; /* one line for the .gp header and table.md */
    lmc_rbuf gp, dat;
} lmc_rfigure;

#define LMC_REPORT_MAX_TABLES 4
#define LMC_REPORT_MAX_FIGURES 4
#define LMC_REPORT_MAX_TOLS 32

/* The tolerance within which a quantity of data.csv must regenerate on
 * another machine (another BLAS kernel, rounding mode or compiler): two
 * values a, b agree if they are the same text, or both numbers and
 *   |a - b| <= abs,  or  |a - b| <= rel max(|a|, |b|),  or
 *   a, b > 0 (or both < 0) and max(|a|,|b|) / min(|a|,|b|) <= factor;
 * all three zero: exact (every tolerance also allows one unit in the
 * 10th significant digit data.csv prints).  optional: rows may exist on one
 * side only (cells placed by a refinement around a best that may move),
 * compared where both have them.  why says where the numbers come from
 * (measured kernel spread, grid resolution, seed spread). */
typedef struct
{
    char quantity[48];
    char where[64]; /* "": every row of the quantity; else only rows with
                       a cell of this text (a precision, a method), or
                       with every one of several joined by " & " */
    double abs, rel, factor;
    int optional;
    char why[320];
} lmc_rtol;

typedef struct
{
    const char *name;        /* report name (directory) */
    sqlite3 *db;             /* the store, read-only */
    const config_setting_t *report; /* the spec's report group */
    lmc_rtable table[LMC_REPORT_MAX_TABLES];
    size_t ntable;
    lmc_rtable data;         /* data.csv (long form) */
    int has_data;
    lmc_rfigure fig[LMC_REPORT_MAX_FIGURES];
    size_t nfig;
    lmc_rbuf notes;          /* Markdown paragraphs after the tables */
    lmc_rtol tol[LMC_REPORT_MAX_TOLS]; /* per data.csv quantity */
    size_t ntol;
} lmc_report_ctx;

/* One analysis: name (the value of report.analysis), its keys for
 * --help, and the function that fills the context's tables, data and
 * figures from the store.  Errors: LMC_EINVAL naming a spec key,
 * LMC_EIO for the store, LMC_ENOMEM. */
typedef struct
{
    const char *name;
    const char *help;
    int (*run)(lmc_report_ctx *c);
} lmc_report_analysis;

extern const lmc_report_analysis lmc_report_oracle_delta;
extern const lmc_report_analysis lmc_report_best_step;
extern const lmc_report_analysis lmc_report_rates;
extern const lmc_report_analysis lmc_report_kappa_iters;
extern const lmc_report_analysis lmc_report_tightness;

/* Tables: a new one in c->table[] (or c->data with caption NULL);
 * head and numeric are copied.  Return NULL after reporting. */
lmc_rtable *lmc_report_table(lmc_report_ctx *c, const char *caption,
                             size_t ncol, const char *const *head,
                             const int *numeric);
lmc_rtable *lmc_report_data(lmc_report_ctx *c, size_t ncol,
                            const char *const *head);
lmc_rfigure *lmc_report_figure(lmc_report_ctx *c, const char *name,
                               const char *what);

/* Declares the tolerance of data.csv quantity q (see lmc_rtol) on the
 * rows having a cell equal to where, or for where "A & B" a cell equal
 * to A and one equal to B (NULL: every row; a row takes the
 * first declaration whose where it has, else the one without); a later
 * declaration of the same (q, where) replaces it.  Quantities never
 * declared compare exactly.  The spec's report.tolerance replaces every
 * declaration of its quantities.  Errors: LMC_EINVAL when more than
 * LMC_REPORT_MAX_TOLS. */
int lmc_report_tol(lmc_report_ctx *c, const char *q, const char *where,
                   double abs, double rel, double factor, int optional,
                   const char *why);

/* A declaration of lmc_report_tol as data, for the fixed part of an
 * analysis's tolerances. */
typedef struct
{
    const char *quantity, *where;
    double abs, rel, factor;
    int optional;
    const char *why;
} lmc_rtol_decl;

/* lmc_report_tol for each of d[0..n-1], in order. */
int lmc_report_tols(lmc_report_ctx *c, const lmc_rtol_decl *d, size_t n);

/* The tolerance as text for data.csv's tol column and table.md: "exact",
 * "abs A", "rel R", "factor F" or several joined by " or ", followed by
 * " if present" when optional.  buf has room for 80 characters. */
const char *lmc_rtol_text(char *buf, const lmc_rtol *t);
/* Parses that text back without the " if present" (the spec's
 * report.tolerance values); 0 on success, -1 if s is not of that form. */
int lmc_rtol_parse(const char *s, lmc_rtol *t);
/* 1 if the cells a and b agree within t. */
int lmc_rtol_agree(const lmc_rtol *t, const char *a, const char *b);

/* Fixed number formats, so outputs do not depend on anything but the
 * values: tables "%.4e" (values) or "%.4f" (ratios, slopes), data files
 * "%.10g"; non-finite values print as inf / -inf / nan, NAN as "" in
 * tables when missing is set.  buf has room for 32 characters. */
const char *lmc_rfmt_e(char *buf, double x);
const char *lmc_rfmt_f(char *buf, double x);
const char *lmc_rfmt_g(char *buf, double x);
/* Tables with fewer digits, for numbers that are stable only to those
 * across machines: sig significant digits ("%.*e" with sig - 1), or
 * decimals fixed ones ("%.*f", -0 printed as 0); non-finite as above. */
const char *lmc_rfmt_sig(char *buf, double x, int sig);
const char *lmc_rfmt_fixed(char *buf, double x, int decimals);
/* Data files for gnuplot: "%.10g", NaN for a non-finite value. */
const char *lmc_rfmt_dat(char *buf, double x);

/* Spec look-ups in the report group.  key is relative ("x"); a missing
 * key gives def (which may be NULL: then it is an error naming
 * report.KEY and accepted).  A string must be non-empty unless def is
 * "" (then "" is the default written out).  Numbers accept ints and
 * floats. */
int lmc_report_key_string(lmc_report_ctx *c, const char *key,
                          const char *def, const char *accepted,
                          const char **out);
int lmc_report_key_number(lmc_report_ctx *c, const char *key, double def,
                          double *out);

/* Prepares sql on the store and binds the strings args[0..n-1] to ?1..?n
 * (names never go into the SQL text). */
int lmc_report_sql(lmc_report_ctx *c, sqlite3_stmt **st, const char *sql,
                   size_t n, const char *const *args);
/* Refuses pooling by mistake: every param of the cells of kind other
 * than the row keys rows[0..nrows-1] (at most 8) and seed must take one
 * value within each row.  Errors: LMC_EINVAL naming the param and its
 * range ("what" names a row, e.g. "(x, parameter) pair"). */
int lmc_report_check_pooling(lmc_report_ctx *c, const char *kind,
                             const char *const *rows, size_t nrows,
                             const char *what);

/* Appends to b "a, b, c": the first column of the rows of sql with ?1
 * bound to kind (a cell kind), at most 40 of them; when there are none,
 * none (NULL: "none: the store has no KIND cells").  For the accepted
 * part of a message; a failing query appends nothing. */
void lmc_report_names_of(lmc_report_ctx *c, const char *sql,
                         const char *kind, const char *none, lmc_rbuf *b);
/* Steps through the rows of st (finalized here), calling row(arg, st)
 * on each; stops at the first row that returns an error.  Errors: row's,
 * LMC_EIO with the store's message. */
int lmc_report_rows(lmc_report_ctx *c, sqlite3_stmt *st,
                    int (*row)(void *arg, sqlite3_stmt *st), void *arg);
/* Column i of the current row as a double, NAN for NULL. */
double lmc_report_col(sqlite3_stmt *st, int i);

/* Checks that some cell of kind has a param / an outcome called name;
 * otherwise LMC_EINVAL "report.KEY: NAME is not a ... (accepted: the
 * names in the store)". key names the spec key that gave name. */
int lmc_report_need_param(lmc_report_ctx *c, const char *kind,
                          const char *name, const char *key);
int lmc_report_need_outcome(lmc_report_ctx *c, const char *kind,
                            const char *name, const char *key);
/* The outcomes names[0..n-1] the analysis itself needs, in turn (key
 * "analysis"). */
int lmc_report_need_outcomes(lmc_report_ctx *c, const char *kind,
                             const char *const *names, size_t n);
/* Cells of kind in the store: total and errored (a notes line). */
int lmc_report_count(lmc_report_ctx *c, const char *kind);

/* Least-squares line y = c0 + c1 x (gsl_fit_linear) with the standard
 * error of c1 and the half-width of its two-sided 95% interval
 * (Student t, n - 2 degrees of freedom); se and hw are NAN for n < 3.
 * At least two distinct x required (else LMC_EBADLEN, without
 * reporting). */
int lmc_report_fit(const double *x, const double *y, size_t n, double *c0,
                   double *c1, double *se, double *hw);

/* 1 if [lo, hi] (both > 0) spans at least a factor 10. */
int lmc_report_decades(double lo, double hi);

#endif /* LMC_REPORT_IMPL_H */
