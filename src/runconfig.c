/* runconfig.c -- run and oracle configurations from key/value pairs: the
 * option parsing of `lmocheck run` / `lmocheck oracle` as a library, the
 * run itself, and the summary of its trace.
 */
#include "runconfig.h"

#include "linalg.h"
#include "spectrum.h"
#include "fpio.h"
#include "status.h"

#include <errno.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char lmc_run_config_keys[] =
    "problem, size, rank, dim, prompts, kappa, sigma, init, variant, "
    "method, lr, step-rule, momentum, momentum-schedule, gamma, beta2, "
    "eps, stochastic, oracle, schedule, steps, precision, delta, iters, "
    "seed, cap, tol, no-delta";

const char lmc_oracle_config_keys[] =
    "oracle, norm, schedule, steps, precision, delta, shape, spectrum, "
    "kappa, seed, round";

/* Strict parsers (the whole text, finite numbers only). */
static int
parse_double(const char *s, double *x)
{
    char *end;
    errno = 0;
    *x = lmc_strtod(s, &end);
    return end == s || *end != '\0' || errno == ERANGE || !isfinite(*x);
}

static int
parse_ulong(const char *s, unsigned long *x)
{
    char *end;
    if (*s == '-' || *s == '+' || *s == '\0')
        return 1;
    errno = 0;
    *x = strtoul(s, &end, 10);
    return *end != '\0' || errno == ERANGE;
}

static int
parse_size(const char *s, size_t *x)
{
    unsigned long v;
    if (parse_ulong(s, &v))
        return 1;
    *x = (size_t)v;
    return 0;
}

#define BAD(key, val, accepted)                                              \
    LMC_ERROR(LMC_EINVAL, "%s: '%s' is not accepted (accepted: %s)", (key),  \
              (val), (accepted))

static int
num(const char *key, const char *val, double lo, double hi, double *x,
    const char *accepted)
{
    if (parse_double(val, x) || !(*x >= lo && *x <= hi))
        BAD(key, val, accepted);
    return LMC_SUCCESS;
}

static int
copy_text(char *dst, const char *key, const char *val)
{
    if (strlen(val) >= LMC_RUN_CONFIG_TEXT)
        LMC_ERROR(LMC_EINVAL, "%s: '%.40s...' is too long (accepted: up to "
                  "%d characters)", key, val, LMC_RUN_CONFIG_TEXT - 1);
    strcpy(dst, val);
    return LMC_SUCCESS;
}

static int
flag(const char *key, const char *val, int *x)
{
    if (strcmp(val, "0") == 0 || strcmp(val, "false") == 0)
        *x = 0;
    else if (strcmp(val, "1") == 0 || strcmp(val, "true") == 0)
        *x = 1;
    else
        BAD(key, val, "0, 1");
    return LMC_SUCCESS;
}

/* "MxN" with sides 1..16384. */
static int
shape(const char *key, const char *val, size_t *m, size_t *n,
      const char *accepted_nox, const char *accepted)
{
    const char *x = strchr(val, 'x');
    char rows[32];
    if (!x || (size_t)(x - val) >= sizeof rows)
        BAD(key, val, accepted_nox);
    memcpy(rows, val, (size_t)(x - val));
    rows[x - val] = '\0';
    if (parse_size(rows, m) || parse_size(x + 1, n) || *m == 0 || *n == 0 ||
        *m > 16384 || *n > 16384)
        BAD(key, val, accepted);
    return LMC_SUCCESS;
}

/* Re-reports the last error with "KEY: " in front (the message is copied
 * first: lmc_error writes the buffer lmc_last_error reads). */
static int
prefixed(const char *key)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", lmc_last_error());
    LMC_ERROR(LMC_EINVAL, "%s: %s", key, msg);
}

void
lmc_run_config_init(lmc_run_config *c)
{
    memset(c, 0, sizeof *c);
    c->pp = lmc_problem_params_default();
    c->mp = lmc_method_params_default();
    c->rp = lmc_run_params_default();
}

int
lmc_run_config_set(lmc_run_config *c, const char *key, const char *a)
{
    lmc_problem_params *pp = &c->pp;
    lmc_method_params *mp = &c->mp;
    lmc_run_params *rp = &c->rp;
    unsigned long ul;
    double v;

    if (strcmp(key, "problem") == 0)
    {
        if (!(c->problem = lmc_problem_find(a)))
            BAD(key, a, "see 'lmocheck list problems'");
    }
    else if (strcmp(key, "method") == 0)
    {
        if (!(c->method = lmc_method_find(a)))
            BAD(key, a, "see 'lmocheck list methods'");
    }
    else if (strcmp(key, "size") == 0)
        return shape(key, a, &pp->m, &pp->n, "MxN with positive integers",
                     "MxN with sides 1..16384");
    else if (strcmp(key, "rank") == 0 || strcmp(key, "dim") == 0 ||
             strcmp(key, "prompts") == 0 || strcmp(key, "iters") == 0)
    {
        if (parse_ulong(a, &ul) || ul == 0 || ul > 100000000ul)
            BAD(key, a, "integers 1..100000000");
        if (key[0] == 'r')
            pp->r = ul;
        else if (key[0] == 'd')
            pp->d = ul;
        else if (key[0] == 'p')
            pp->N = ul;
        else
            rp->iters = ul;
    }
    else if (strcmp(key, "kappa") == 0)
        return num(key, a, 1, INFINITY, &pp->kappa, "numbers >= 1");
    else if (strcmp(key, "sigma") == 0)
        return num(key, a, 0, INFINITY, &pp->sigma, "numbers >= 0");
    else if (strcmp(key, "init") == 0)
        return copy_text(c->init, key, a);
    else if (strcmp(key, "variant") == 0)
        return copy_text(c->variant, key, a);
    else if (strcmp(key, "lr") == 0)
    {
        LMC_TRY(num(key, a, 0, INFINITY, &mp->lr, "finite numbers > 0"));
        if (mp->lr == 0)
            BAD(key, a, "finite numbers > 0");
    }
    else if (strcmp(key, "step-rule") == 0)
    {
        if (strcmp(a, "constant") == 0)
            mp->step_rule = LMC_STEP_CONSTANT;
        else if (strncmp(a, "poly:", 5) == 0 &&
                 !parse_double(a + 5, &mp->step_p) && mp->step_p >= 0 &&
                 mp->step_p <= 4)
            mp->step_rule = LMC_STEP_POLY;
        else if (strncmp(a, "geometric:", 10) == 0 &&
                 !parse_double(a + 10, &mp->step_rho) && mp->step_rho > 0 &&
                 mp->step_rho <= 1)
            mp->step_rule = LMC_STEP_GEOMETRIC;
        else
            BAD(key, a, "constant, poly:P with P in [0, 4], geometric:RHO "
                "with RHO in (0, 1]");
    }
    else if (strcmp(key, "momentum") == 0)
    {
        if (parse_double(a, &mp->momentum) ||
            !(mp->momentum >= 0 && mp->momentum < 1))
            BAD(key, a, "numbers in [0, 1)");
    }
    else if (strcmp(key, "momentum-schedule") == 0)
    {
        const char *comma = strchr(a, ',');
        char cs[64];
        if (!comma || (size_t)(comma - a) >= sizeof cs)
            BAD(key, a, "C,Q with C > 0 and Q in [0, 4]");
        memcpy(cs, a, (size_t)(comma - a));
        cs[comma - a] = '\0';
        if (parse_double(cs, &mp->momentum_c) ||
            parse_double(comma + 1, &mp->momentum_q) ||
            !(mp->momentum_c > 0) ||
            !(mp->momentum_q >= 0 && mp->momentum_q <= 4))
            BAD(key, a, "C,Q with C > 0 and Q in [0, 4]");
        mp->momentum_poly = 1;
    }
    else if (strcmp(key, "gamma") == 0)
        return num(key, a, 0, 1, &mp->gamma, "numbers in [0, 1]");
    else if (strcmp(key, "beta2") == 0)
    {
        LMC_TRY(num(key, a, 0, 1, &mp->beta2, "numbers in [0, 1)"));
        if (mp->beta2 == 1)
            BAD(key, a, "numbers in [0, 1)");
    }
    else if (strcmp(key, "eps") == 0)
    {
        LMC_TRY(num(key, a, 0, INFINITY, &mp->eps, "numbers > 0"));
        if (mp->eps == 0)
            BAD(key, a, "numbers > 0");
    }
    else if (strcmp(key, "stochastic") == 0)
        return flag(key, a, &mp->stochastic);
    else if (strcmp(key, "oracle") == 0)
    {
        if (!(mp->oracle = lmc_inexact_find(a)))
            BAD(key, a, "exact, poly, inject-random, inject-adversarial, "
                "lowprec");
    }
    else if (strcmp(key, "schedule") == 0)
        return copy_text(c->schedule, key, a);
    else if (strcmp(key, "steps") == 0)
    {
        if (parse_size(a, &c->steps) || c->steps > 100000)
            BAD(key, a, "integers 0..100000");
        c->steps_set = 1;
    }
    else if (strcmp(key, "precision") == 0)
    {
        if (lmc_precision_parse(a, &mp->oracle_params.precision))
            BAD(key, a, "fp64, fp32, bf16");
    }
    else if (strcmp(key, "delta") == 0)
    {
        if (parse_double(a, &v) || !(v >= 0 && v < 1))
            BAD(key, a, "numbers in [0, 1); at delta >= 1 no bound holds");
        mp->oracle_params.delta = v;
    }
    else if (strcmp(key, "seed") == 0)
    {
        if (parse_ulong(a, &ul))
            BAD(key, a, "integers >= 0");
        pp->seed = mp->seed = mp->oracle_params.seed = ul;
    }
    else if (strcmp(key, "cap") == 0)
    {
        if (parse_double(a, &rp->f_cap))
            BAD(key, a, "finite numbers");
    }
    else if (strcmp(key, "tol") == 0)
        return num(key, a, 0, INFINITY, &rp->tol, "numbers >= 0");
    else if (strcmp(key, "no-delta") == 0)
    {
        int nd;
        LMC_TRY(flag(key, a, &nd));
        rp->measure_delta = !nd;
    }
    else
        LMC_ERROR(LMC_ENOTFOUND, "%s: unknown key (accepted: %s)", key,
                  lmc_run_config_keys);
    return LMC_SUCCESS;
}

int
lmc_run_config_finish(lmc_run_config *c)
{
    if (!c->problem || !c->method)
        LMC_ERROR(LMC_EINVAL, "problem and method are required (see "
                  "'lmocheck list problems', 'lmocheck list methods')");
    lmc_inexact_params *op = &c->mp.oracle_params;
    if (c->schedule[0] && lmc_schedule_get(c->schedule, &op->schedule))
        return prefixed("schedule");
    op->steps = c->steps_set ? c->steps : op->schedule.steps;
    if (lmc_schedule_check_steps(&op->schedule, op->steps))
        return prefixed("steps");
    return LMC_SUCCESS;
}

static void
summarize(const lmc_trace *tr, lmc_run_summary *s)
{
    const size_t last = tr->n - 1;
    s->iters = last;
    s->f_final = tr->f[last];
    s->gap_final = tr->gap[last];
    s->gap_first = tr->gap[0];
    s->gdual_final = tr->gdual[last];
    s->gfrob_final = tr->gfrob[last];
    s->ngrad = tr->ngrad;
    s->stop = tr->stop;
    s->diverged = tr->stop == LMC_STOP_DIVERGED || tr->stop == LMC_STOP_CAP;
    snprintf(s->why, sizeof s->why, "%s", tr->why);
    double gap_min = INFINITY, gd_min = INFINITY, gd_sum = 0, gf2 = 0;
    double m_sum = 0, d_sum = 0, d_max = -INFINITY;
    size_t m_n = 0, d_n = 0;
    for (size_t k = 0; k < tr->n; k++)
    {
        if (tr->gap[k] < gap_min)
            gap_min = tr->gap[k];
        if (tr->gdual[k] < gd_min)
            gd_min = tr->gdual[k];
        gd_sum += tr->gdual[k];
        gf2 += tr->gfrob[k] * tr->gfrob[k];
        if (!isnan(tr->merr[k]))
        {
            m_sum += tr->merr[k];
            m_n++;
        }
        if (k < last && !isnan(tr->delta[k]))
        {
            d_sum += tr->delta[k];
            d_n++;
            if (tr->delta[k] > d_max)
                d_max = tr->delta[k];
        }
    }
    const double n = (double)tr->n;
    /* A non-finite record (a diverged run) makes no minimum finite. */
    s->gap_min = isinf(gap_min) && gap_min > 0 ? NAN : gap_min;
    s->gdual_min = gd_min;
    s->gdual_avg = gd_sum / n;
    s->gfrob2_avg = gf2 / n;
    s->merr_avg = m_n ? m_sum / (double)m_n : NAN;
    s->delta_mean = d_n ? d_sum / (double)d_n : NAN;
    s->delta_max = d_n ? d_max : NAN;
}

int
lmc_run_config_exec(const lmc_run_config *c, const char *trace_path,
                    lmc_run_summary *s)
{
    memset(s, 0, sizeof *s);
    s->stop = LMC_STOP_NONE;
    lmc_problem_params pp = c->pp;
    pp.init = c->init[0] ? c->init : c->pp.init;
    pp.variant = c->variant[0] ? c->variant : c->pp.variant;
    int status;
    lmc_method *M = NULL;
    lmc_trace *tr = NULL;
    gsl_vector *x = NULL;
    lmc_problem *P = lmc_problem_alloc(c->problem, &pp);
    if (!P)
    {
        s->failed_at = 1;
        return LMC_EINVAL;
    }
    M = lmc_method_alloc(c->method, P, &c->mp);
    if (!M)
    {
        s->failed_at = 2;
        status = LMC_EDOM;
        goto out;
    }
    s->failed_at = 3;
    tr = lmc_trace_alloc(c->rp.iters, P->layout.nblocks);
    x = gsl_vector_alloc(P->layout.total);
    if (!tr || !x)
    {
        status = LMC_ENOMEM;
        lmc_error(__FILE__, __LINE__, status, "out of memory");
        goto out;
    }
    if ((status = lmc_problem_x0(P, x)) != LMC_SUCCESS)
        goto out;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((status = lmc_run(M, x, &c->rp, tr)) != LMC_SUCCESS)
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->seconds = (double)(t1.tv_sec - t0.tv_sec) +
                 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    s->failed_at = 4;
    if (trace_path &&
        (status = lmc_trace_write_csv(tr, trace_path)) != LMC_SUCCESS)
        goto out;
    summarize(tr, s);
    s->failed_at = 0;
    status = LMC_SUCCESS;
out:
    gsl_vector_free(x);
    lmc_trace_free(tr);
    lmc_method_free(M);
    lmc_problem_free(P);
    return status;
}

/* ------------------------------------------------------------------ */
/* Oracle evaluations. */

void
lmc_oracle_config_init(lmc_oracle_config *c)
{
    memset(c, 0, sizeof *c);
    c->source = &lmc_inexact_poly;
    c->norm = &lmc_oracle_spectral;
    strcpy(c->schedule, "jordan");
    c->precision = LMC_FP64;
    c->delta = 0.1;
    c->rows = c->cols = 64;
    strcpy(c->spectrum, "log");
    c->kappa = 1e3;
    c->seed = 1;
    c->round = LMC_ROUND_AMBIENT;
}

int
lmc_oracle_config_set(lmc_oracle_config *c, const char *key, const char *a)
{
    if (strcmp(key, "oracle") == 0)
    {
        if (!(c->source = lmc_inexact_find(a)))
            BAD(key, a, "exact, poly, inject-random, inject-adversarial, "
                "lowprec");
    }
    else if (strcmp(key, "norm") == 0)
    {
        if (!(c->norm = lmc_oracle_find(a)))
            BAD(key, a, "spectral, linf, frobenius, l1, rowl2");
    }
    else if (strcmp(key, "schedule") == 0)
    {
        lmc_schedule sc;
        if (lmc_schedule_get(a, &sc))
            return prefixed("schedule");
        return copy_text(c->schedule, key, a);
    }
    else if (strcmp(key, "steps") == 0)
    {
        if (parse_size(a, &c->steps) || c->steps > 100000)
            BAD(key, a, "integers 0..100000");
        c->steps_set = 1;
    }
    else if (strcmp(key, "precision") == 0)
    {
        if (lmc_precision_parse(a, &c->precision))
            BAD(key, a, "fp64, fp32, bf16");
    }
    else if (strcmp(key, "delta") == 0)
    {
        if (parse_double(a, &c->delta) || !(c->delta >= 0 && c->delta < 1))
            BAD(key, a, "numbers in [0, 1); at delta >= 1 no bound holds");
    }
    else if (strcmp(key, "shape") == 0)
        return shape(key, a, &c->rows, &c->cols,
                     "ROWSxCOLS with sides 1..16384",
                     "ROWSxCOLS with sides 1..16384");
    else if (strcmp(key, "spectrum") == 0)
    {
        if (strcmp(a, "log") && strcmp(a, "linear") && strcmp(a, "gauss") &&
            strncmp(a, "file:", 5))
            BAD(key, a, "log, linear, gauss, file:PATH");
        return copy_text(c->spectrum, key, a);
    }
    else if (strcmp(key, "kappa") == 0)
        return num(key, a, 1, INFINITY, &c->kappa, "finite numbers >= 1");
    else if (strcmp(key, "seed") == 0)
    {
        if (parse_ulong(a, &c->seed))
            BAD(key, a, "integers >= 0");
    }
    else if (strcmp(key, "round") == 0)
    {
        if ((c->round = lmc_round_mode_parse(a)) == -2)
            BAD(key, a, LMC_ROUND_NAMES);
    }
    else
        LMC_ERROR(LMC_ENOTFOUND, "%s: unknown key (accepted: %s)", key,
                  lmc_oracle_config_keys);
    return LMC_SUCCESS;
}

double
lmc_ortho_error(const gsl_matrix *s)
{
    const size_t m = s->size1, n = s->size2, k = m < n ? m : n;
    gsl_matrix *g = gsl_matrix_alloc(k, k);
    if (!g)
        return NAN;
    cblas_dsyrk(CblasRowMajor, CblasUpper,
                m <= n ? CblasNoTrans : CblasTrans, (int)k,
                (int)(m <= n ? n : m), 1.0, s->data, (int)s->tda, 0.0,
                g->data, (int)k);
    double sum = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = i; j < k; j++)
        {
            const double e = gsl_matrix_get(g, i, j) - (i == j ? 1.0 : 0.0);
            sum += (i == j ? 1.0 : 2.0) * e * e;
        }
    gsl_matrix_free(g);
    return sqrt(sum);
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int
lmc_oracle_eval(const lmc_inexact_type *T, const lmc_oracle_type *E,
                const lmc_inexact_params *p, const gsl_matrix *m,
                size_t repeat, int measure, gsl_matrix *s,
                lmc_oracle_outcome *o)
{
    o->delta_pred = o->delta_meas = o->frob_err = o->orth_err = NAN;
    o->seconds = NAN;
    lmc_inexact *q = lmc_inexact_alloc(T, E, m->size1, m->size2, p);
    if (!q)
        return LMC_ENOMEM;
    int status = lmc_inexact_predict(q, m, &o->delta_pred);
    double best = INFINITY;
    for (size_t i = 0; status == LMC_SUCCESS && i < repeat; i++)
    {
        /* inject-random draws a fresh error per call; reset it so the
         * reported S~ is the first draw of the seed. */
        if (i + 1 == repeat && T == &lmc_inexact_inject_random)
        {
            lmc_inexact_free(q);
            if (!(q = lmc_inexact_alloc(T, E, m->size1, m->size2, p)))
                return LMC_ENOMEM;
        }
        const double t0 = now();
        status = lmc_inexact_apply(q, m, s, NULL);
        const double dt = now() - t0;
        if (dt < best)
            best = dt;
    }
    if (isfinite(best))
        o->seconds = best;
    const int applied = status == LMC_SUCCESS;
    if (applied && measure)
    {
        status = lmc_inexact_measure(q, m, s, &o->delta_meas);
        if (status == LMC_SUCCESS)
            o->frob_err = lmc_frobenius(q->diff);
    }
    if (applied && E == &lmc_oracle_spectral)
        o->orth_err = lmc_ortho_error(s);
    lmc_inexact_free(q);
    return status;
}

int
lmc_oracle_config_exec(const lmc_oracle_config *c, lmc_oracle_outcome *o)
{
    o->delta_pred = o->delta_meas = o->frob_err = o->orth_err = NAN;
    o->seconds = 0;
    const lmc_inexact_type *T = c->source;
    if (T->spectral_only && c->norm != &lmc_oracle_spectral)
        LMC_ERROR(LMC_EINVAL, "oracle: %s approximates the spectral LMO "
                  "only; with norm %s use exact, inject-random, "
                  "inject-adversarial or lowprec", T->name, c->norm->name);
    lmc_inexact_params p = lmc_inexact_params_default();
    if (lmc_schedule_get(c->schedule, &p.schedule))
        return prefixed("schedule");
    p.steps = c->steps_set ? c->steps : p.schedule.steps;
    if (lmc_schedule_check_steps(&p.schedule, p.steps))
        return prefixed("steps");
    p.precision = c->precision;
    p.delta = T == &lmc_inexact_inject_random ||
                      T == &lmc_inexact_inject_adversarial
                  ? c->delta
                  : 0;
    p.seed = c->seed;

    const size_t k = c->rows < c->cols ? c->rows : c->cols;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double *sv = malloc(k * sizeof *sv);
    gsl_matrix *mat = gsl_matrix_alloc(c->rows, c->cols);
    gsl_matrix *s = gsl_matrix_alloc(c->rows, c->cols);
    int status = LMC_ENOMEM;
    if (!rng || !sv || !mat || !s)
    {
        lmc_error(__FILE__, __LINE__, status, "out of memory");
        goto done;
    }
    gsl_rng_set(rng, c->seed);
    if ((status = lmc_spectrum_values(c->spectrum, c->kappa, c->rows,
                                      c->cols, rng, sv)) ||
        (status = lmc_matrix_with_spectrum(mat, sv, rng)))
        goto done;
    {
        /* The evaluation (not the test matrix) in the requested mode. */
        const int saved = lmc_fe_set(c->round);
        status = lmc_oracle_eval(T, c->norm, &p, mat, 1, 1, s, o);
        lmc_fe_restore(saved);
    }
done:
    gsl_matrix_free(s);
    gsl_matrix_free(mat);
    free(sv);
    gsl_rng_free(rng);
    return status;
}
