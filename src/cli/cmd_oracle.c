/* cli/cmd_oracle.c -- lmocheck oracle: measured vs predicted oracle error.
 *
 * For every combination of the listed options it builds a test matrix M
 * with the requested spectrum, applies the (in)exact oracle, and reports
 * the predicted delta (scalar map of THEORY.md O2 for poly, the injected
 * delta for inject-*, 0 for exact), the measured delta ||S~ - LMO(M)||
 * in the primal norm against the reference (LAPACK dgesdd or an MPFR
 * polar factor), the Frobenius error, the orthogonality error
 * ||S~ S~^T - I||_F on the smaller side (spectral only) and the time.
 */
#include "cli.h"
#include "fpio.h"
#include "inexact.h"
#include "linalg.h"
#include "reference.h"
#include "runconfig.h"
#include "spectrum.h"
#include "status.h"

#include <getopt.h>
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The help text around the lines generated from the registries. */
static const char help_head[] =
    "usage: lmocheck oracle [OPTIONS]\n"
    "\n"
    "Measures the error delta = ||S~ - LMO(M)|| of an oracle on test\n"
    "matrices and compares it with the prediction.  Every option takes a\n"
    "comma-separated list (or may be repeated); the table covers the\n"
    "product of all lists.\n"
    "\n";

static const char help_tail[] =
    "  --shape LIST      ROWSxCOLS, e.g. 64x64,64x256      [64x64]\n"
    "  --spectrum LIST   log, linear, gauss, file:PATH     [log]\n"
    "  --kappa LIST      condition number sigma_max/sigma_min >= 1 [1e3]\n"
    "  --seed LIST       random seed of the test matrix    [1]\n"
    "  --reference REF   lapack, or mpfr:BITS (BITS >= 53; spectral, full\n"
    "                    rank; MPFR cost grows as n^3)     [lapack]\n"
    "  --repeat N        timing: best of N applications    [3]\n"
    "  --format FMT      md, csv or json                   [md]\n"
    "  --round MODE      IEEE rounding mode of the oracle evaluations:\n"
    "                    ambient, nearest, upward, downward, toward-zero\n"
    "                    (ambient: the process's mode)     [ambient]\n"
    "  --max-memory SIZE refuse shapes whose workspace (an upper bound)\n"
    "                    exceeds SIZE, e.g. 512M, 2G  [the memory available:\n"
    "                    MemAvailable, or what ulimit -v leaves if lower]\n"
    "  -h, --help        this text\n"
    "\n"
    "Columns: predicted and measured delta (spectral norm for the spectral\n"
    "ball, the ball's own norm otherwise), Frobenius error, orthogonality\n"
    "error ||S S^T - I||_F on the smaller side, seconds per application.\n"
    "Example:\n"
    "  lmocheck oracle --schedule cubic,jordan,polar-express --steps 3,5 \\\n"
    "      --kappa 10,1e3 --shape 128x512\n";

/* The option lines that name registry members: the error sources and
 * the norms, the schedules and precisions and which sources read them. */
static void
print_help(void)
{
    char names[256], users[128], text[400];
    fputs(help_head, stdout);
    lmc_inexact_names(names, sizeof names, 0, 0, ", ");
    snprintf(text, sizeof text, "error source: %s", names);
    cli_help_option(stdout, "--oracle LIST", 20, text, 54, "poly");
    lmc_oracle_names(names, sizeof names);
    snprintf(text, sizeof text, "exact oracle / ball: %s", names);
    cli_help_option(stdout, "--norm LIST", 20, text, 54, "spectral");
    lmc_inexact_names(users, sizeof users, LMC_INEXACT_USES_SCHEDULE, 0,
                      ", ");
    names[0] = '\0';
    for (size_t i = 0; lmc_schedules[i]; i++)
        cli_names_add(names, sizeof names, lmc_schedules[i]->name);
    cli_names_add(names, sizeof names, "file:PATH");
    snprintf(text, sizeof text, "%s: %s", users, names);
    cli_help_option(stdout, "--schedule LIST", 20, text, 54, "jordan");
    snprintf(text, sizeof text, "%s: number of steps", users);
    cli_help_option(stdout, "--steps LIST", 20, text, 43,
                    "the schedule's default");
    lmc_inexact_names(users, sizeof users, LMC_INEXACT_USES_PRECISION, 0,
                      ", ");
    names[0] = '\0';
    for (int p = LMC_FP64; p <= LMC_BF16; p++)
        cli_names_add(names, sizeof names,
                      lmc_precision_name((lmc_precision)p));
    snprintf(text, sizeof text, "%s: %s", users, names);
    cli_help_option(stdout, "--precision LIST", 20, text, 54, "fp64");
    lmc_inexact_names(users, sizeof users, LMC_INEXACT_USES_DELTA, 0, ", ");
    snprintf(text, sizeof text, "%s: error size in [0, 1)", users);
    cli_help_option(stdout, "--delta LIST", 20, text, 54, "0.1");
    fputs(help_tail, stdout);
}

typedef struct
{
    cli_list oracle, norm, schedule, steps, precision, delta, shape,
        spectrum, kappa, seed;
    const char *reference;
    size_t repeat;
    cli_format format;
    int round;
    double max_memory; /* bytes; 0: available memory */
} options;

/* Resolved values of the lists. */
typedef struct
{
    const lmc_inexact_type **src;
    const lmc_oracle_type **norm;
    lmc_schedule *sched;
    size_t *steps; /* NULL: schedule default */
    lmc_precision *prec;
    double *delta, *kappa;
    size_t *rows, *cols;
    unsigned long *seed;
    long mp_bits; /* 0: LAPACK reference */
} resolved;

enum
{
    OPT_ORACLE = 256, OPT_NORM, OPT_SCHEDULE, OPT_STEPS, OPT_PRECISION,
    OPT_DELTA, OPT_SHAPE, OPT_SPECTRUM, OPT_KAPPA, OPT_SEED, OPT_REFERENCE,
    OPT_REPEAT, OPT_FORMAT, OPT_ROUND, OPT_MAXMEM
};

static const char *const cmd = "oracle";

static int
add(cli_list *l, const char *opt, const char *val)
{
    if (cli_list_add(l, val))
    {
        cli_fail(cmd, "out of memory reading --%s", opt);
        return -1;
    }
    for (size_t i = 0; i < l->n; i++)
        if (!*l->v[i])
        {
            cli_fail(cmd, "--%s: empty value in '%s'", opt, val);
            return -1;
        }
    return 0;
}

static void
set_default(cli_list *l, const char *val)
{
    if (l->n == 0)
        (void)cli_list_add(l, val);
}

static int
resolve_alloc(const options *o, resolved *r)
{
    memset(r, 0, sizeof *r);
    r->src = calloc(o->oracle.n, sizeof *r->src);
    r->norm = calloc(o->norm.n, sizeof *r->norm);
    r->sched = calloc(o->schedule.n, sizeof *r->sched);
    r->steps = o->steps.n ? calloc(o->steps.n, sizeof *r->steps) : NULL;
    r->prec = calloc(o->precision.n, sizeof *r->prec);
    r->delta = calloc(o->delta.n, sizeof *r->delta);
    r->kappa = calloc(o->kappa.n, sizeof *r->kappa);
    r->rows = calloc(o->shape.n, sizeof *r->rows);
    r->cols = calloc(o->shape.n, sizeof *r->cols);
    r->seed = calloc(o->seed.n, sizeof *r->seed);
    if (!r->src || !r->norm || !r->sched || (o->steps.n && !r->steps) ||
        !r->prec || !r->delta || !r->kappa || !r->rows || !r->cols ||
        !r->seed)
    {
        cli_fail(cmd, "out of memory");
        return -1;
    }
    return 0;
}

/* Sets key of the scratch configuration c to val, with the checks of
 * lmc_oracle_config_set; if refused, prints "--KEY: 'VAL' why" and
 * returns -1. */
static int
config_set(lmc_oracle_config *c, const char *key, const char *val,
           const char *why)
{
    if (lmc_oracle_config_set(c, key, val) == LMC_SUCCESS)
        return 0;
    cli_fail(cmd, "--%s: '%s' %s", key, val, why);
    return -1;
}

/* Error sources and exact oracles, and whether they fit each other;
 * *non_spectral is set if a norm other than the spectral one is listed.
 * The checks are lmc_oracle_config_set's (c is scratch); the messages
 * name the option as typed. */
static int
resolve_sources(const options *o, resolved *r, lmc_oracle_config *c,
                int *non_spectral)
{
    char names[256];
    const lmc_inexact_type *spectral_only = NULL;
    for (size_t i = 0; i < o->oracle.n; i++)
    {
        if (lmc_oracle_config_set(c, "oracle", o->oracle.v[i]))
        {
            lmc_inexact_names(names, sizeof names, 0, 0, ", ");
            cli_fail(cmd, "--oracle: unknown error source '%s' (accepted: "
                     "%s)", o->oracle.v[i], names);
            return -1;
        }
        r->src[i] = c->source;
        if (c->source->spectral_only && !spectral_only)
            spectral_only = c->source;
    }
    *non_spectral = 0;
    for (size_t i = 0; i < o->norm.n; i++)
    {
        if (lmc_oracle_config_set(c, "norm", o->norm.v[i]))
        {
            lmc_oracle_names(names, sizeof names);
            cli_fail(cmd, "--norm: unknown norm '%s' (accepted: %s)",
                     o->norm.v[i], names);
            return -1;
        }
        r->norm[i] = c->norm;
        *non_spectral |= c->norm != &lmc_oracle_spectral;
    }
    if (spectral_only && *non_spectral)
    {
        lmc_inexact_names(names, sizeof names, 0, 1, " or ");
        cli_fail(cmd, "--oracle %s approximates the spectral LMO only; "
                 "with a non-spectral --norm use %s", spectral_only->name,
                 names);
        return -1;
    }
    return 0;
}

/* Schedules, and step counts every listed schedule can run. */
static int
resolve_schedules(const options *o, resolved *r, lmc_oracle_config *c)
{
    for (size_t i = 0; i < o->schedule.n; i++)
        if (lmc_schedule_get(o->schedule.v[i], &r->sched[i]))
        {
            cli_fail(cmd, "--schedule: %s", lmc_last_error());
            return -1;
        }
    for (size_t i = 0; i < o->steps.n; i++)
    {
        if (config_set(c, "steps", o->steps.v[i],
                       "is not a step count (accepted: integers "
                       "0..100000)"))
            return -1;
        r->steps[i] = c->steps;
        for (size_t j = 0; j < o->schedule.n; j++)
            if (lmc_schedule_check_steps(&r->sched[j], r->steps[i]))
            {
                cli_fail(cmd, "--steps: %s", lmc_last_error());
                return -1;
            }
    }
    return 0;
}

/* Precisions, deltas, condition numbers, shapes and seeds. */
static int
resolve_values(const options *o, resolved *r, lmc_oracle_config *c)
{
    for (size_t i = 0; i < o->precision.n; i++)
        if (lmc_precision_parse(o->precision.v[i], &r->prec[i]))
        {
            cli_fail(cmd, "--precision: %s", lmc_last_error());
            return -1;
        }
    for (size_t i = 0; i < o->delta.n; i++)
    {
        if (config_set(c, "delta", o->delta.v[i],
                       "is not in [0, 1) (at delta >= 1 the oracle "
                       "may return 0 and no bound holds)"))
            return -1;
        r->delta[i] = c->delta;
    }
    for (size_t i = 0; i < o->kappa.n; i++)
    {
        if (config_set(c, "kappa", o->kappa.v[i],
                       "is not a condition number (accepted: finite "
                       "numbers >= 1)"))
            return -1;
        r->kappa[i] = c->kappa;
    }
    for (size_t i = 0; i < o->shape.n; i++)
    {
        if (config_set(c, "shape", o->shape.v[i],
                       "is not ROWSxCOLS with sides 1..16384 (e.g. "
                       "64x256)"))
            return -1;
        r->rows[i] = c->rows;
        r->cols[i] = c->cols;
    }
    for (size_t i = 0; i < o->seed.n; i++)
    {
        if (config_set(c, "seed", o->seed.v[i],
                       "is not a seed (accepted: integers >= 0)"))
            return -1;
        r->seed[i] = c->seed;
    }
    return 0;
}

/* Spectrum names, and files that can be read. */
static int
resolve_spectra(const options *o)
{
    for (size_t i = 0; i < o->spectrum.n; i++)
    {
        const char *s = o->spectrum.v[i];
        if (strcmp(s, "log") && strcmp(s, "linear") && strcmp(s, "gauss") &&
            strncmp(s, "file:", 5))
        {
            cli_fail(cmd, "--spectrum: unknown spectrum '%s' (accepted: log, "
                     "linear, gauss, file:PATH)", s);
            return -1;
        }
        if (strncmp(s, "file:", 5) == 0 && access(s + 5, R_OK) != 0)
        {
            cli_fail(cmd, "--spectrum: cannot read file '%s'", s + 5);
            return -1;
        }
    }
    return 0;
}

/* --reference: lapack (mp_bits 0) or mpfr:BITS, spectral norms only. */
static int
resolve_reference(const options *o, int non_spectral, resolved *r)
{
    if (strcmp(o->reference, "lapack") == 0)
    {
        r->mp_bits = 0;
        return 0;
    }
    unsigned long bits;
    if (strncmp(o->reference, "mpfr:", 5) ||
        cli_parse_ulong(o->reference + 5, &bits) || bits < 53 ||
        bits > 65536)
    {
        cli_fail(cmd, "--reference: '%s' is not lapack or mpfr:BITS with "
                 "BITS in 53..65536", o->reference);
        return -1;
    }
    if (non_spectral)
    {
        cli_fail(cmd, "--reference mpfr:BITS certifies the spectral LMO "
                 "only; use --reference lapack with other norms");
        return -1;
    }
    r->mp_bits = (long)bits;
    return 0;
}

/* Resolves and validates every list; prints one line and returns -1 on
 * the first bad value. */
static int
resolve(const options *o, resolved *r)
{
    lmc_oracle_config c;
    lmc_oracle_config_init(&c);
    int non_spectral;
    if (resolve_alloc(o, r) || resolve_sources(o, r, &c, &non_spectral) ||
        resolve_schedules(o, r, &c) || resolve_values(o, r, &c) ||
        resolve_spectra(o) || resolve_reference(o, non_spectral, r))
        return -1;
    /* Before any allocation: a shape that cannot fit is refused, not
     * met by the OOM killer or an allocation failure halfway through. */
    for (size_t i = 0; i < o->shape.n; i++)
        if (lmc_memory_check(lmc_oracle_workspace(r->rows[i], r->cols[i],
                                                  r->mp_bits),
                             o->max_memory, "shape", o->shape.v[i]))
        {
            cli_fail(cmd, "--%s", lmc_last_error());
            return -1;
        }
    return 0;
}

static void
resolved_free(resolved *r)
{
    free(r->src);
    free(r->norm);
    free(r->sched);
    free(r->steps);
    free(r->prec);
    free(r->delta);
    free(r->kappa);
    free(r->rows);
    free(r->cols);
    free(r->seed);
}

static const char *const head[] = {
    "oracle", "norm", "schedule", "steps", "precision", "delta_in",
    "shape", "spectrum", "kappa", "seed", "predicted", "measured",
    "frob_err", "ortho_err", "seconds", "status"};
static const int numeric[] = {0, 0, 0, 1, 0, 1, 0, 0, 1, 1,
                              1, 1, 1, 1, 1, 0};
#define NCOL (sizeof head / sizeof head[0])

static void
fmt_num(char *buf, size_t len, double x, const char *f)
{
    if (isnan(x))
        buf[0] = '\0';
    else
        snprintf(buf, len, f, x);
}

/* One matrix case: M fixed by (shape, spectrum, kappa, seed). */
typedef struct
{
    size_t m, n;
    const char *spectrum;
    double kappa;
    unsigned long seed;
    gsl_matrix *mat;
    lmc_mp_reference *ref; /* NULL unless --reference mpfr */
    char ref_error[256];
} mcase;

static int
run_row(const options *o, mcase *c,
        const lmc_inexact_type *T, const lmc_oracle_type *E,
        const lmc_inexact_params *p, int show_sched, int show_prec,
        int show_delta, lmc_rtable *t, int *failed)
{
    char cell[NCOL][320];
    const char *cells[NCOL];
    for (size_t j = 0; j < NCOL; j++)
    {
        cell[j][0] = '\0';
        cells[j] = cell[j];
    }
    const int numfmt_full = o->format != CLI_MD;
    const char *ef = numfmt_full ? "%.17g" : "%.4e";
    snprintf(cell[0], 128, "%s", T->name);
    snprintf(cell[1], 128, "%s", E->name);
    if (show_sched)
    {
        snprintf(cell[2], 128, "%s", p->schedule.name);
        snprintf(cell[3], 128, "%zu", p->steps);
    }
    if (show_prec)
        snprintf(cell[4], 128, "%s", lmc_precision_name(p->precision));
    if (show_delta)
        snprintf(cell[5], 128, "%g", p->delta);
    snprintf(cell[6], 128, "%zux%zu", c->m, c->n);
    snprintf(cell[7], 128, "%s", c->spectrum);
    if (strncmp(c->spectrum, "file:", 5))
        snprintf(cell[8], 128, "%g", c->kappa);
    snprintf(cell[9], 128, "%lu", c->seed);

    /* The evaluation itself is the library's (shared with sweeps); the
     * MPFR reference, if any, measures S~ here. */
    lmc_oracle_outcome ev;
    gsl_matrix *s = gsl_matrix_alloc(c->m, c->n);
    int status = s ? lmc_oracle_eval(T, E, p, c->mat, o->repeat, !c->ref &&
                                     !c->ref_error[0], s, &ev)
                   : LMC_ENOMEM;
    if (!s)
        ev.delta_pred = ev.delta_meas = ev.frob_err = ev.orth_err =
            ev.seconds = NAN;
    if (status == LMC_SUCCESS)
    {
        if (c->ref)
            status = lmc_mp_reference_delta(c->ref, s, &ev.delta_meas,
                                            &ev.frob_err);
        else if (c->ref_error[0])
            status = LMC_EMPFR;
    }
    const double predicted = ev.delta_pred, measured = ev.delta_meas;
    const double frob = ev.frob_err, ortho = ev.orth_err, best = ev.seconds;
    fmt_num(cell[10], 128, predicted, ef);
    fmt_num(cell[11], 128, measured, ef);
    fmt_num(cell[12], 128, frob, ef);
    fmt_num(cell[13], 128, ortho, ef);
    fmt_num(cell[14], 128, isfinite(best) ? best : NAN, "%.3e");
    if (status == LMC_SUCCESS)
        snprintf(cell[15], sizeof cell[15], "ok");
    else
    {
        snprintf(cell[15], sizeof cell[15], "error: %s",
                 c->ref_error[0] && status == LMC_EMPFR ? c->ref_error
                                                        : lmc_last_error());
        *failed = 1;
    }
    gsl_matrix_free(s);
    if (lmc_rtable_add(t, cells))
    {
        cli_fail(cmd, "out of memory");
        return -1;
    }
    return 0;
}

static int
make_case(const resolved *r, mcase *c)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    const size_t k = c->m < c->n ? c->m : c->n;
    double *sv = malloc(k * sizeof *sv);
    c->mat = gsl_matrix_alloc(c->m, c->n);
    int status = LMC_ENOMEM;
    if (!rng || !sv || !c->mat)
    {
        lmc_error(__FILE__, __LINE__, status, "no memory for a %zux%zu test "
                  "matrix (a smaller shape, or more memory)", c->m, c->n);
        goto done;
    }
    gsl_rng_set(rng, c->seed);
    status = lmc_spectrum_values(c->spectrum, c->kappa, c->m, c->n, rng, sv);
    if (status)
        goto done;
    status = lmc_matrix_with_spectrum(c->mat, sv, rng);
    if (status == LMC_SUCCESS && r->mp_bits)
    {
        c->ref = lmc_mp_reference_alloc(c->m, c->n, r->mp_bits);
        if (!c->ref)
            status = LMC_ENOMEM;
        else if (lmc_mp_reference_set(c->ref, c->mat, NULL))
        {
            /* Recorded in every row of this matrix, not fatal. */
            snprintf(c->ref_error, sizeof c->ref_error, "%s",
                     lmc_last_error());
            lmc_mp_reference_free(c->ref);
            c->ref = NULL;
        }
    }
done:
    gsl_rng_free(rng);
    free(sv);
    return status;
}

/* Every row of one matrix case: norms x sources x the options each source
 * declares it uses (schedule, steps and precision for poly, precision for
 * lowprec, delta for inject-*).  Returns -1 only when the table cannot grow. */
static int
run_case(const options *o, const resolved *r, mcase *c, lmc_rtable *t,
         int *failed)
{
    for (size_t in = 0; in < o->norm.n; in++)
        for (size_t io = 0; io < o->oracle.n; io++)
        {
            const lmc_inexact_type *T = r->src[io];
            const int uses_sched = !!(T->uses & LMC_INEXACT_USES_SCHEDULE);
            const int uses_prec = !!(T->uses & LMC_INEXACT_USES_PRECISION);
            const int uses_delta = !!(T->uses & LMC_INEXACT_USES_DELTA);
            const size_t nsch = uses_sched ? o->schedule.n : 1;
            const size_t nst = uses_sched && o->steps.n ? o->steps.n : 1;
            const size_t nprec = uses_prec ? o->precision.n : 1;
            const size_t ndel = uses_delta ? o->delta.n : 1;
            for (size_t row = 0; row < nsch * nst * nprec * ndel; row++)
            {
                const size_t id = row % ndel, ip = row / ndel % nprec;
                const size_t ist = row / (ndel * nprec) % nst;
                const size_t ic = row / (ndel * nprec * nst);
                lmc_inexact_params p = lmc_inexact_params_default();
                p.schedule = r->sched[ic];
                p.steps = o->steps.n ? r->steps[ist] : p.schedule.steps;
                p.precision = r->prec[ip];
                p.delta = uses_delta ? r->delta[id] : 0;
                p.seed = c->seed;
                if (run_row(o, c, T, r->norm[in], &p, uses_sched, uses_prec,
                            uses_delta, t, failed))
                    return -1;
            }
        }
    return 0;
}

static const struct option longopts[] = {
    {"oracle", required_argument, NULL, OPT_ORACLE},
    {"norm", required_argument, NULL, OPT_NORM},
    {"schedule", required_argument, NULL, OPT_SCHEDULE},
    {"steps", required_argument, NULL, OPT_STEPS},
    {"precision", required_argument, NULL, OPT_PRECISION},
    {"delta", required_argument, NULL, OPT_DELTA},
    {"shape", required_argument, NULL, OPT_SHAPE},
    {"spectrum", required_argument, NULL, OPT_SPECTRUM},
    {"kappa", required_argument, NULL, OPT_KAPPA},
    {"seed", required_argument, NULL, OPT_SEED},
    {"reference", required_argument, NULL, OPT_REFERENCE},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"round", required_argument, NULL, OPT_ROUND},
    {"max-memory", required_argument, NULL, OPT_MAXMEM},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0}};

/* The options that take one value, not a list; -1 after printing why a
 * value is refused (round and max-memory by lmc_oracle_config_set). */
static int
parse_single(options *o, int ch, const char *a)
{
    lmc_oracle_config c;
    lmc_oracle_config_init(&c);
    switch (ch)
    {
    case OPT_REFERENCE: o->reference = a; return 0;
    case OPT_REPEAT:
        if (cli_parse_size(a, &o->repeat) || o->repeat < 1 ||
            o->repeat > 1000)
        {
            cli_fail(cmd, "--repeat: '%s' is not a count (accepted: "
                     "1..1000)", a);
            return -1;
        }
        return 0;
    case OPT_FORMAT:
        if (cli_parse_format(a, &o->format))
        {
            cli_fail(cmd, "--format: '%s' is not md, csv or json", a);
            return -1;
        }
        return 0;
    case OPT_ROUND:
        if (config_set(&c, "round", a,
                       "is not accepted (accepted: " LMC_ROUND_NAMES ")"))
            return -1;
        o->round = c.round;
        return 0;
    default: /* OPT_MAXMEM */
        if (config_set(&c, "max-memory", a,
                       "is not a size (accepted: numbers > 0 with an "
                       "optional K, M, G or T suffix, e.g. 2G)"))
            return -1;
        o->max_memory = c.max_memory;
        return 0;
    }
}

/* Reads the command line into o; 1 after printing the help, -1 after
 * printing why it is refused. */
static int
parse_options(int argc, char **argv, options *o)
{
    int started = 0;
    for (int ch;
         (ch = cli_next_option(argc, argv, longopts, &started)) != -1;)
    {
        if (ch == 'h')
        {
            print_help();
            return 1;
        }
        if (ch < OPT_ORACLE || ch > OPT_MAXMEM)
            return cli_option_refused(cmd, ch, argv);
        /* The list options come first, in the order of options' lists. */
        cli_list *const lists[] = {
            &o->oracle, &o->norm, &o->schedule, &o->steps, &o->precision,
            &o->delta, &o->shape, &o->spectrum, &o->kappa, &o->seed};
        const size_t k = (size_t)(ch - OPT_ORACLE);
        if (k < sizeof lists / sizeof lists[0]
                ? add(lists[k], longopts[k].name, optarg)
                : parse_single(o, ch, optarg))
            return -1;
    }
    if (optind < argc)
    {
        cli_fail(cmd, "unexpected argument '%s' (options only; see "
                 "'lmocheck oracle --help')", argv[optind]);
        return -1;
    }
    set_default(&o->oracle, "poly");
    set_default(&o->norm, "spectral");
    set_default(&o->schedule, "jordan");
    set_default(&o->precision, "fp64");
    set_default(&o->delta, "0.1");
    set_default(&o->shape, "64x64");
    set_default(&o->spectrum, "log");
    set_default(&o->kappa, "1e3");
    set_default(&o->seed, "1");
    return 0;
}

static void
options_free(options *o)
{
    cli_list_free(&o->oracle);
    cli_list_free(&o->norm);
    cli_list_free(&o->schedule);
    cli_list_free(&o->steps);
    cli_list_free(&o->precision);
    cli_list_free(&o->delta);
    cli_list_free(&o->shape);
    cli_list_free(&o->spectrum);
    cli_list_free(&o->kappa);
    cli_list_free(&o->seed);
}

/* Makes matrix case c and adds its rows to t; 0, or the exit code that
 * stops the command (a matrix that cannot be made, a table that cannot
 * grow). */
static int
run_matrix(const options *o, const resolved *r, mcase *c, int progress,
           lmc_rtable *t, int *failed)
{
    const int mst = make_case(r, c);
    int code = 0;
    if (mst)
    {
        if (progress)
            fputc('\n', stderr);
        if (mst == LMC_ENOMEM)
        {
            cli_fail(cmd, "--shape %zux%zu: %s", c->m, c->n,
                     lmc_last_error());
            code = LMC_EXIT_FAIL;
        }
        else
        {
            cli_fail(cmd, "--spectrum %s: %s", c->spectrum,
                     lmc_last_error());
            code = LMC_EXIT_USAGE;
        }
    }
    else
    {
        const int saved = lmc_fe_set(o->round);
        if (run_case(o, r, c, t, failed))
            code = LMC_EXIT_USAGE;
        lmc_fe_restore(saved);
    }
    gsl_matrix_free(c->mat);
    lmc_mp_reference_free(c->ref);
    return code;
}

/* Every matrix case (shape x spectrum x kappa x seed) into t; 0, or the
 * exit code that stops the command. */
static int
run_all(const options *o, const resolved *r, lmc_rtable *t, int *failed)
{
    const int progress = isatty(STDERR_FILENO);
    size_t ncase = o->shape.n * o->spectrum.n * o->kappa.n * o->seed.n;
    size_t done = 0;
    for (size_t ish = 0; ish < o->shape.n; ish++)
        for (size_t isp = 0; isp < o->spectrum.n; isp++)
            for (size_t ik = 0; ik < o->kappa.n; ik++)
                for (size_t ise = 0; ise < o->seed.n; ise++)
                {
                    /* kappa does not apply to file spectra: one case. */
                    if (ik > 0 && !strncmp(o->spectrum.v[isp], "file:", 5))
                        continue;
                    mcase c;
                    memset(&c, 0, sizeof c);
                    c.m = r->rows[ish];
                    c.n = r->cols[ish];
                    c.spectrum = o->spectrum.v[isp];
                    c.kappa = r->kappa[ik];
                    c.seed = r->seed[ise];
                    if (progress)
                        fprintf(stderr, "\r[%zu/%zu] %zux%zu %s kappa=%g "
                                "seed=%lu%s", ++done, ncase, c.m, c.n,
                                c.spectrum, c.kappa, c.seed,
                                r->mp_bits ? " (MPFR reference)" : "");
                    const int code = run_matrix(o, r, &c, progress, t,
                                                failed);
                    if (code)
                        return code;
                }
    if (progress)
        fputs("\r\033[K", stderr);
    return 0;
}

int
cmd_oracle(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    o.reference = "lapack";
    o.repeat = 3;
    o.format = CLI_MD;
    o.round = LMC_ROUND_AMBIENT;
    resolved r;
    memset(&r, 0, sizeof r);
    lmc_rtable t;
    memset(&t, 0, sizeof t);
    int failed = 0, exit_code;
    const int parsed = parse_options(argc, argv, &o);
    if (parsed)
        exit_code = parsed > 0 ? LMC_EXIT_OK : LMC_EXIT_USAGE;
    else if (resolve(&o, &r))
        exit_code = LMC_EXIT_USAGE;
    else if (lmc_rtable_init(&t, NULL, NCOL, head, numeric))
    {
        cli_fail(cmd, "out of memory");
        exit_code = LMC_EXIT_FAIL;
    }
    else if (!(exit_code = run_all(&o, &r, &t, &failed)))
    {
        exit_code = failed ? LMC_EXIT_FAIL : LMC_EXIT_OK;
        if (cli_table_print(&t, o.format, stdout))
        {
            cli_fail(cmd, "%s", lmc_last_error());
            exit_code = LMC_EXIT_FAIL;
        }
        else if (failed)
            cli_fail(cmd, "some rows failed: see their status column");
    }
    lmc_rtable_free(&t);
    resolved_free(&r);
    options_free(&o);
    return exit_code;
}
