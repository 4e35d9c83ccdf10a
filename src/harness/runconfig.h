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
    double max_memory; /* bytes a run may allocate; 0: what is available
                          now (lmc_memory_available) */
} lmc_run_config;

/* The keys lmc_run_config_set accepts, comma-separated. */
extern const char lmc_run_config_keys[];

/* Defaults of `lmocheck run`. */
void lmc_run_config_init(lmc_run_config *c);

/* Sets KEY to the value text val (flags stochastic and no-delta take 0 or
 * 1).  Errors: LMC_ENOTFOUND for an unknown key, LMC_EINVAL for a value
 * outside its range (message as in the header comment). */
int lmc_run_config_set(lmc_run_config *c, const char *key, const char *val);

/* Resolves what needs several keys (the schedule and its step count),
 * checks that problem and method are set, and refuses a run whose
 * workspace (lmc_run_config_workspace) exceeds max-memory or, without
 * it, the memory available (nothing is allocated).  Errors: LMC_EINVAL
 * with "schedule: ...", "steps: ...", "problem and method are required",
 * or "KEY: 'VAL' needs about ... of memory, more than ..." naming the
 * option that dominates the estimate (size, rank, dim, prompts, iters). */
int lmc_run_config_finish(lmc_run_config *c);

/* Memory bounds, in bytes (doubles: products of sizes cannot wrap). */

/* Parses SIZE: a number > 0 with an optional binary suffix K, M, G or T
 * (KiB .. TiB, either case, optionally followed by B or iB), e.g. 2G,
 * 512M, 1.5G, 65536.  0 on success. */
int lmc_parse_bytes(const char *s, double *bytes);

/* The memory this process can still allocate: MemAvailable of
 * /proc/meminfo, lowered to the room left under RLIMIT_AS (ulimit -v) or
 * RLIMIT_DATA if those are set.  *what (if non-NULL) gets a phrase naming
 * the source.  Inf if nothing can be read (no limit known). */
double lmc_memory_available(const char **what);

/* Bytes a run of c allocates, conservatively (an upper bound, not the
 * exact count), and in *key (if non-NULL) the option whose value
 * dominates: "size", "rank", "dim", "prompts" or "iters".  The bound,
 * in doubles, with m x n the size, r the rank, d the dimension and N the
 * prompts (unset: 64, 64, 16, 16, 64, above every problem's default):
 *   problem data   6 m^2 + 7 m n + (m + n) r + 12 d^2 + 2 N d
 *                  (lsq's residual variant keeps A, B, X*, R and its
 *                  temporaries at p = 2m rows; mf 3 m n + (m + n) r;
 *                  icl 12 d x d matrices and 2 N x d),
 *   parameters     30 per entry of x, whose length is at most
 *                  1.5 m n + n + (m + n) r + d^2 (l0l1's two blocks):
 *                  x, g, diff of the run (3), method buffers (<= 4,
 *                  Adam), each block's exact-LMO SVD workspace (<= 8),
 *                  the inexact oracle's reference and difference (2) and
 *                  a polynomial oracle's iterates and value SVD (<= 12),
 *   trace          30 per step (6 per record + 3 per block, <= 8 blocks).
 * Summing every problem's terms over-counts a given problem; the bound
 * is for refusing what cannot fit, not for accounting. */
double lmc_run_config_workspace(const lmc_run_config *c, const char **key);

/* Refuses need > limit (limit 0: lmc_memory_available()) with
 * LMC_EINVAL and the message "KEY: 'VAL' needs about X of memory, more
 * than ...".  Nothing is allocated. */
int lmc_memory_check(double need, double limit, const char *key,
                     const char *val);

/* What a finished run left, for tables and sweep stores.  The _final
 * values are the last record's: for a run that diverged at an iterate
 * (stop LMC_STOP_DIVERGED, why naming the iterate and the last finite f)
 * f_final and gap_final are what f evaluated to there (+Inf on overflow,
 * NaN if undefined) and gdual_final, gfrob_final are NaN; the minima are
 * over the finite records (NaN if there is none); the averages are NaN or
 * Inf when a record is non-finite.  Never a value the run did not
 * compute. */
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
    double max_memory;               /* bytes; 0: available memory */
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

/* Bytes one oracle evaluation on a rows x cols matrix allocates, an upper
 * bound over every error source and norm: the test matrix and its random
 * factors, S~, the exact LMO's SVD workspace (LAPACK's query), reference
 * and difference, the polynomial oracle's iterates, Gram matrices and
 * value SVD, the orthogonality check; with mp_bits > 0 an MPFR reference
 * (8 matrices of rows x cols MPFR numbers of mp_bits + 64 bits). */
double lmc_oracle_workspace(size_t rows, size_t cols, long mp_bits);

/* Builds the test matrix, applies the oracle once and measures it against
 * LAPACK's LMO.  Refuses (LMC_EINVAL, "shape: ... needs about ...") a
 * shape whose lmc_oracle_workspace exceeds max_memory or the available
 * memory, before allocating.  Errors: those of the library (reported). */
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
