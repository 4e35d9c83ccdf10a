/* report/report.h -- reports over a sweep store: one directory per report
 * (DIR/NAME/spec.cfg), an analysis named by the spec's report group, and
 * its outputs in the same directory:
 *
 *   table.md    title, summary, the tables, figure links or a note
 *   table.tex   the same tables as booktabs tabulars, ready to \input
 *   data.csv    the long-form numbers behind the tables and figures
 *   fig-X.gp    a gnuplot script per figure (editable), data in fig-X.dat
 *   fig-X.svg, fig-X.pdf, fig-X.png   rendered when gnuplot is on PATH
 *
 * Tables, CSV, .gp and .dat are byte-identical when re-made from the same
 * store: fixed number formats, ORDER BY in every query, no timestamps and
 * no machine paths.  Cell timings (cells.seconds) never appear.
 *
 * Across machines (another BLAS kernel, rounding mode, compiler) the
 * store's numbers move in their last bits and trajectory outcomes
 * (iterations to a tolerance, the best step on a grid) can move more.
 * Every quantity of data.csv therefore carries the tolerance within which
 * it must regenerate (column tol; table.md lists them with their reason),
 * and lmc_report_compare checks two report directories against it.
 */
#ifndef LMC_REPORT_H
#define LMC_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "sweep.h"

typedef struct lmc_report_options
{
    const char *reports_dir; /* parent of the report directories */
    const char *db_path;     /* NULL: OUT/NAME/NAME.sqlite */
    const char *out_dir;     /* NULL: the outputs go to DIR/NAME itself;
                                else to OUT/NAME (made, with a copy of
                                spec.cfg) and the index to OUT */
    int run;                 /* 1: run the spec's sweep into the store
                                first (resumes; nothing to do when up to
                                date) */
    size_t workers;          /* sweep threads; 0 = all cores */
    int render;              /* 1: render figures when gnuplot is found */
    FILE *log;               /* notes (sweep counts, the gnuplot note);
                                NULL: silent */
} lmc_report_options;

lmc_report_options lmc_report_options_default(void);

typedef struct lmc_report_result
{
    size_t tables, figures;  /* written */
    int rendered;            /* 1: figures rendered by gnuplot */
} lmc_report_result;

/* Makes report name in o->reports_dir: reads DIR/NAME/spec.cfg, runs the
 * sweep if o->run, runs the analysis, writes the outputs.  r may be NULL.
 * Errors: LMC_EIO (files, store), LMC_EPARSE (spec), LMC_EINVAL (a report
 * key or a name the store lacks; the message names the key and what is
 * accepted), LMC_ENOMEM; errors of lmc_sweep_run propagate. */
int lmc_report_make(const char *name, const lmc_report_options *o,
                    lmc_report_result *r);

/* Names of the report directories in dir (subdirectories holding
 * spec.cfg), sorted; *names is a NULL-terminated array owned by the
 * caller (lmc_report_names_free). */
int lmc_report_names(const char *dir, char ***names, size_t *n);
void lmc_report_names_free(char **names);

/* Rewrites DIR/README.md: one line per report (title, summary, link to
 * its table.md). */
int lmc_report_index(const char *dir);

/* Compares DIR_A/NAME/data.csv with DIR_B/NAME/data.csv within the
 * tolerances stated in their tol column (rows matched by key columns and
 * quantity; a value agrees if it is within either side's tolerance).
 * Writes one line per quantity out of tolerance to out (may be NULL):
 * "NAME: QUANTITY: K of N values out of tolerance (TOL); worst at KEY: A
 * vs B", or the rows present on one side only.  *nbad = those quantities
 * (1 if the columns differ).  Errors: LMC_EIO (a file cannot be read),
 * LMC_EPARSE (a ragged CSV), LMC_ENOMEM; a mismatch is not an error.
 * Cost: O(rows^2) string compares (reports have < 10^4 rows). */
int lmc_report_compare(const char *dir_a, const char *dir_b,
                       const char *name, FILE *out, size_t *nbad);

/* 1 if an executable gnuplot is on PATH. */
int lmc_report_gnuplot_found(void);

/* The analyses and their report keys, as text for --help. */
void lmc_report_help(FILE *out);

#endif /* LMC_REPORT_H */
