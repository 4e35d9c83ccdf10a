/* runconfig.h -- one run or one oracle evaluation described by key/value
 * pairs, shared by `lmocheck run`, `lmocheck oracle` and sweeps.
 *
 * The keys are the long options of `lmocheck run` (problem, size, ...,
 * no-delta) and of `lmocheck oracle` (oracle, norm, ..., seed); values
 * are the option texts.  A bad value is refused with the message
 * "KEY: 'VAL' is not accepted (accepted: ...)" through lmc_last_error();
 * nothing here prints or exits.
 */
#ifndef LMC_RUNCONFIG_H
#define LMC_RUNCONFIG_H

#include "inexact.h"
#include "method.h"
#include "problem.h"
#include "trace.h"

#define LMC_RUN_CONFIG_TEXT 256

/* A run: problem, method and run parameters.  Plain data, copyable with
 * '=' (string values live in the struct; pp.init / pp.variant are set
 * from them by lmc_run_config_exec, never kept pointing inside). */
typedef struct lmc_run_config
{
    const lmc_problem_type *problem;  /* NULL until set */
    lmc_problem_params pp;
    const lmc_method_type *method;    /* NULL until set */
    lmc_method_params mp;
    lmc_run_params rp;
    char init[LMC_RUN_CONFIG_TEXT];     /* "" = problem default */
    char variant[LMC_RUN_CONFIG_TEXT];  /* "" = problem default */
    char schedule[LMC_RUN_CONFIG_TEXT]; /* "" = jordan (the default) */
    size_t steps;
    int steps_set;
} lmc_run_config;

/* The keys lmc_run_config_set accepts, comma-separated. */
extern const char lmc_run_config_keys[];

/* Defaults of `lmocheck run`. */
void lmc_run_config_init(lmc_run_config *c);

/* Sets KEY to the value text val (flags stochastic and no-delta take 0 or
 * 1).  Errors: LMC_ENOTFOUND for an unknown key, LMC_EINVAL for a value
 * outside its range (message as in the header comment). */
int lmc_run_config_set(lmc_run_config *c, const char *key, const char *val);

/* Resolves what needs several keys (the schedule and its step count) and
 * checks that problem and method are set.  Errors: LMC_EINVAL with
 * "schedule: ...", "steps: ..." or "problem and method are required". */
int lmc_run_config_finish(lmc_run_config *c);

/* What a finished run left, for tables and sweep stores. */
typedef struct lmc_run_summary
{
    size_t iters;        /* steps done (records - 1) */
    double f_final, gap_final, gap_min, gap_first; /* NaN if f* unknown */
    double gdual_final, gdual_min, gdual_avg;
    double gfrob_final, gfrob2_avg;  /* mean of ||grad||_F^2 over records */
    double merr_avg;     /* mean of the recorded momentum errors, or NaN */
    double delta_mean, delta_max; /* over steps with a measured delta */
    size_t ngrad;
    int diverged;        /* stop diverged or above cap */
    lmc_stop stop;
    char why[256];
    double seconds;      /* time in lmc_run (not deterministic) */
    /* Where exec failed: 0 it did not, 1 the problem refused its
     * parameters, 2 the method does not fit, 3 the run failed, 4 the
     * trace file could not be written; lmc_last_error() says why. */
    int failed_at;
} lmc_run_summary;

/* Allocates problem and method, runs from x0 and fills s; with
 * trace_path != NULL also writes the trace CSV.  A finished run (also a
 * diverged one, also a run stopped by an error recorded in the trace,
 * s->stop == LMC_STOP_ERROR) returns LMC_SUCCESS; a refused configuration
 * returns its error code with s->failed_at set.  Cost: one run. */
int lmc_run_config_exec(const lmc_run_config *c, const char *trace_path,
                        lmc_run_summary *s);

/* One oracle evaluation of `lmocheck oracle` (LAPACK reference). */
typedef struct lmc_oracle_config
{
    const lmc_inexact_type *source;  /* --oracle [poly] */
    const lmc_oracle_type *norm;     /* --norm [spectral] */
    char schedule[LMC_RUN_CONFIG_TEXT]; /* [jordan] */
    size_t steps;
    int steps_set;
    lmc_precision precision;
    double delta;                    /* inject-*: [0.1] */
    size_t rows, cols;               /* [64x64] */
    char spectrum[LMC_RUN_CONFIG_TEXT]; /* [log] */
    double kappa;                    /* [1e3] */
    unsigned long seed;              /* [1] */
    int round;                       /* FE_* mode of the evaluation, or
                                        LMC_ROUND_AMBIENT [ambient] */
} lmc_oracle_config;

extern const char lmc_oracle_config_keys[];

void lmc_oracle_config_init(lmc_oracle_config *c);
/* As lmc_run_config_set, for the keys of lmocheck oracle. */
int lmc_oracle_config_set(lmc_oracle_config *c, const char *key,
                          const char *val);

typedef struct lmc_oracle_outcome
{
    double delta_pred, delta_meas, frob_err, orth_err; /* NaN if none */
    double seconds;
} lmc_oracle_outcome;

/* Builds the test matrix, applies the oracle once and measures it against
 * LAPACK's LMO.  Errors: those of the library (reported). */
int lmc_oracle_config_exec(const lmc_oracle_config *c, lmc_oracle_outcome *o);

/* One evaluation on a given matrix m (shared by lmocheck oracle and
 * lmc_oracle_config_exec): predicts delta, applies source T around the
 * exact oracle E `repeat` times (o->seconds = the best; inject-random is
 * re-seeded before the last application, so s is the seed's first draw),
 * leaves S~ in s (m's shape), and with measure = 1 measures delta_meas
 * and frob_err against LAPACK's LMO; orth_err for the spectral ball.
 * Errors: those of the library (reported); o keeps what was computed. */
int lmc_oracle_eval(const lmc_inexact_type *T, const lmc_oracle_type *E,
                    const lmc_inexact_params *p, const gsl_matrix *m,
                    size_t repeat, int measure, gsl_matrix *s,
                    lmc_oracle_outcome *o);

/* ||S S^T - I||_F on the smaller side of s (NaN if no memory). */
double lmc_ortho_error(const gsl_matrix *s);

#endif /* LMC_RUNCONFIG_H */
