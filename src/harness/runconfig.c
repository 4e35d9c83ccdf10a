/* runconfig.c -- run and oracle configurations from key/value pairs: the
 * option parsing of `lmocheck run` / `lmocheck oracle` as a library, the
 * run itself, and the summary of its trace.
 */
#include "runconfig.h"

#include "linalg.h"
#include "session.h"
#include "spectrum.h"
#include "fpio.h"
#include "status.h"

#include <ctype.h>
#include <errno.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

const char lmc_run_config_keys[] =
    "problem, size, rank, dim, prompts, kappa, sigma, init, variant, "
    "method, lr, step-rule, momentum, momentum-schedule, gamma, beta2, "
    "eps, stochastic, oracle, schedule, steps, precision, delta, iters, "
    "seed, cap, tol, no-delta, max-memory";

const char lmc_oracle_config_keys[] =
    "oracle, norm, schedule, steps, precision, delta, shape, spectrum, "
    "kappa, seed, round, max-memory";

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

/* ------------------------------------------------------------------ */
/* Memory bounds. */

int
lmc_parse_bytes(const char *s, double *bytes)
{
    char *end;
    errno = 0;
    double v = lmc_strtod(s, &end);
    if (end == s || errno == ERANGE || !isfinite(v) || !(v > 0))
        return 1;
    static const char units[] = "KMGT";
    const char *u = *end ? strchr(units, toupper((unsigned char)*end)) : NULL;
    if (u)
    {
        for (const char *p = units; p <= u; p++)
            v *= 1024;
        end++;
        if (*end == 'i')
            end++;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0')
        return 1;
    *bytes = v;
    return 0;
}

/* The "NAME: VALUE kB" line of a /proc file, in bytes; -1 if absent. */
static double
proc_kb(const char *path, const char *name)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[256];
    const size_t len = strlen(name);
    double v = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, name, len) == 0 && line[len] == ':')
        {
            unsigned long long kb;
            if (sscanf(line + len + 1, "%llu", &kb) == 1)
                v = 1024.0 * (double)kb;
            break;
        }
    fclose(f);
    return v;
}

double
lmc_memory_available(const char **what)
{
    double avail = proc_kb("/proc/meminfo", "MemAvailable");
    const char *src = "available (MemAvailable in /proc/meminfo)";
    if (avail < 0)
    {
        avail = INFINITY;
        src = "available";
    }
    /* A process limit below the free memory is the one that fails. */
    static const struct
    {
        int res;
        const char *field, *what;
    } lim[] = {{RLIMIT_AS, "VmSize", "left under the address-space limit "
                "(ulimit -v)"},
               {RLIMIT_DATA, "VmData", "left under the data-size limit "
                "(ulimit -d)"}};
    for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
    {
        struct rlimit rl;
        if (getrlimit(lim[i].res, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
            continue;
        const double used = proc_kb("/proc/self/status", lim[i].field);
        const double room = (double)rl.rlim_cur - (used > 0 ? used : 0);
        if (room < avail)
        {
            avail = room > 0 ? room : 0;
            src = lim[i].what;
        }
    }
    if (what)
        *what = src;
    return avail;
}

/* "12.3 GiB" */
static void
fmt_bytes(char *buf, size_t len, double b)
{
    static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB",
                                       "TiB", "PiB"};
    size_t u = 0;
    while (b >= 1024 && u + 1 < sizeof unit / sizeof unit[0])
    {
        b /= 1024;
        u++;
    }
    snprintf(buf, len, u ? "%.3g %s" : "%.0f %s", b, unit[u]);
}

int
lmc_memory_check(double need, double limit, const char *key,
                 const char *val)
{
    const char *what = NULL;
    const double lim = limit > 0 ? limit : lmc_memory_available(&what);
    if (!(need > lim))
        return LMC_SUCCESS;
    char nb[32], lb[32], than[160];
    fmt_bytes(nb, sizeof nb, need);
    fmt_bytes(lb, sizeof lb, lim);
    if (what)
        snprintf(than, sizeof than, "the %s %s", lb, what);
    else
        snprintf(than, sizeof than, "the max-memory limit of %s", lb);
    LMC_ERROR(LMC_EINVAL, "%s: '%s' needs about %s of memory, more than %s "
              "(accepted: a configuration within it; --max-memory SIZE sets "
              "the limit)", key, val, nb, than);
}

double
lmc_run_config_workspace(const lmc_run_config *c, const char **key)
{
    const lmc_problem_params *p = &c->pp;
    const double m = p->m ? (double)p->m : 64, n = p->n ? (double)p->n : 64;
    const double r = p->r ? (double)p->r : 16, d = p->d ? (double)p->d : 16;
    const double N = p->N ? (double)p->N : 64;
    const double w = (double)sizeof(double);
    /* The terms of lmc_run_config_workspace's bound (runconfig.h), by the
     * option they grow with. */
    const double term[] = {
        w * (6 * m * m + 7 * m * n + 30 * (1.5 * m * n + n)), /* size */
        w * 31 * (m + n) * r,                                 /* rank */
        w * 42 * d * d,                                       /* dim */
        w * 2 * N * d,                                        /* prompts */
        w * 30 * ((double)c->rp.iters + 1)};                  /* iters */
    static const char *const name[] = {"size", "rank", "dim", "prompts",
                                       "iters"};
    /* The key to name: the largest term among the options given (iters
     * always has a value), or "size" (the problem's default) when only
     * iters is and a default's term outweighs it. */
    const int given[] = {p->m || p->n, p->r != 0, p->d != 0, p->N != 0, 1};
    double total = 0, largest = 0;
    size_t top = 4;
    for (size_t i = 0; i < sizeof term / sizeof term[0]; i++)
    {
        total += term[i];
        if (term[i] > largest)
            largest = term[i];
        if (given[i] && term[i] > term[top])
            top = i;
    }
    if (top == 4 && term[4] < largest && !given[0] && !given[1] &&
        !given[2] && !given[3])
        top = 0;
    if (key)
        *key = name[top];
    return total;
}

void
lmc_run_config_init(lmc_run_config *c)
{
    memset(c, 0, sizeof *c);
    c->pp = lmc_problem_params_default();
    c->mp = lmc_method_params_default();
    c->rp = lmc_run_params_default();
}

/* The keys whose value is one number in an interval, as a table: where
 * the number is stored (an offset in the configuration) and what is
 * accepted.  The value is stored only if accepted. */
#define OPEN_LO 1u  /* lo itself is refused */
#define OPEN_HI 2u  /* hi itself is refused */
#define AS_COUNT 4u /* an integer, stored as a size_t (else a double) */

typedef struct
{
    const char *key;
    size_t at; /* offsetof the value in the configuration */
    double lo, hi;
    unsigned flags;
    const char *accepted;
} number_key;

#define RUN_AT(member) offsetof(lmc_run_config, member)
#define ORACLE_AT(member) offsetof(lmc_oracle_config, member)
#define DELTA_ACCEPTED "numbers in [0, 1); at delta >= 1 no bound holds"
#define COUNT_KEY(key, member)                                               \
    {key, RUN_AT(member), 1, 100000000, AS_COUNT, "integers 1..100000000"}

static const number_key run_numbers[] = {
    {"kappa", RUN_AT(pp.kappa), 1, INFINITY, 0, "numbers >= 1"},
    {"sigma", RUN_AT(pp.sigma), 0, INFINITY, 0, "numbers >= 0"},
    COUNT_KEY("rank", pp.r),
    COUNT_KEY("dim", pp.d),
    COUNT_KEY("prompts", pp.N),
    COUNT_KEY("iters", rp.iters),
    {"lr", RUN_AT(mp.lr), 0, INFINITY, OPEN_LO, "finite numbers > 0"},
    {"momentum", RUN_AT(mp.momentum), 0, 1, OPEN_HI, "numbers in [0, 1)"},
    {"gamma", RUN_AT(mp.gamma), 0, 1, 0, "numbers in [0, 1]"},
    {"beta2", RUN_AT(mp.beta2), 0, 1, OPEN_HI, "numbers in [0, 1)"},
    {"eps", RUN_AT(mp.eps), 0, INFINITY, OPEN_LO, "numbers > 0"},
    {"delta", RUN_AT(mp.oracle_params.delta), 0, 1, OPEN_HI,
     DELTA_ACCEPTED},
    {"cap", RUN_AT(rp.f_cap), -INFINITY, INFINITY, 0, "finite numbers"},
    {"tol", RUN_AT(rp.tol), 0, INFINITY, 0, "numbers >= 0"},
};

static const number_key oracle_numbers[] = {
    {"delta", ORACLE_AT(delta), 0, 1, OPEN_HI, DELTA_ACCEPTED},
    {"kappa", ORACLE_AT(kappa), 1, INFINITY, 0, "finite numbers >= 1"},
};

/* lmc_run_config_set and lmc_oracle_config_set try the table, then the
 * keys with a value of their own shape; each step returns NOT_THIS_KEY
 * for a key that is not its own. */
#define NOT_THIS_KEY (-1)

static int
set_number(void *config, const number_key *t, size_t n, const char *key,
           const char *a)
{
    size_t i = 0;
    while (i < n && strcmp(key, t[i].key) != 0)
        i++;
    if (i == n)
        return NOT_THIS_KEY;
    char *at = (char *)config + t[i].at;
    unsigned long ul;
    double x;
    if (t[i].flags & AS_COUNT)
    {
        if (parse_ulong(a, &ul) || !(ul >= t[i].lo && ul <= t[i].hi))
            BAD(key, a, t[i].accepted);
        *(size_t *)at = ul;
        return LMC_SUCCESS;
    }
    if (parse_double(a, &x) || !(x >= t[i].lo && x <= t[i].hi) ||
        ((t[i].flags & OPEN_LO) && x == t[i].lo) ||
        ((t[i].flags & OPEN_HI) && x == t[i].hi))
        BAD(key, a, t[i].accepted);
    *(double *)at = x;
    return LMC_SUCCESS;
}

/* Values both configurations take the same way. */

static int
max_memory(const char *key, const char *a, double *bytes)
{
    if (lmc_parse_bytes(a, bytes))
        BAD(key, a, "sizes > 0 with an optional K, M, G or T suffix, "
            "e.g. 2G");
    return LMC_SUCCESS;
}

/* An error source by name (oracle). */
static int
source(const char *key, const char *a, const lmc_inexact_type **T)
{
    if (!(*T = lmc_inexact_find(a)))
    {
        char names[256];
        lmc_inexact_names(names, sizeof names, 0, 0, ", ");
        BAD(key, a, names);
    }
    return LMC_SUCCESS;
}

/* The polynomial oracle's step count; *set records that it was given. */
static int
steps(const char *key, const char *a, size_t *q, int *set)
{
    if (parse_size(a, q) || *q > 100000)
        BAD(key, a, "integers 0..100000");
    *set = 1;
    return LMC_SUCCESS;
}

static int
precision(const char *key, const char *a, lmc_precision *p)
{
    if (lmc_precision_parse(a, p))
        BAD(key, a, "fp64, fp32, bf16");
    return LMC_SUCCESS;
}

static int
seed(const char *key, const char *a, unsigned long *s)
{
    if (parse_ulong(a, s))
        BAD(key, a, "integers >= 0");
    return LMC_SUCCESS;
}

/* step-rule: constant, poly:P or geometric:RHO. */
static int
step_rule(const char *key, const char *a, lmc_method_params *mp)
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
    return LMC_SUCCESS;
}

/* momentum-schedule: C,Q. */
static int
momentum_schedule(const char *key, const char *a, lmc_method_params *mp)
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
    return LMC_SUCCESS;
}

/* The run keys that are not in run_numbers. */
static int
set_run_key(lmc_run_config *c, const char *key, const char *a)
{
    lmc_method_params *mp = &c->mp;

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
        return shape(key, a, &c->pp.m, &c->pp.n, "MxN with positive integers",
                     "MxN with sides 1..16384");
    else if (strcmp(key, "init") == 0)
        return copy_text(c->init, key, a);
    else if (strcmp(key, "variant") == 0)
        return copy_text(c->variant, key, a);
    else if (strcmp(key, "step-rule") == 0)
        return step_rule(key, a, mp);
    else if (strcmp(key, "momentum-schedule") == 0)
        return momentum_schedule(key, a, mp);
    else if (strcmp(key, "stochastic") == 0)
        return flag(key, a, &mp->stochastic);
    else if (strcmp(key, "oracle") == 0)
        return source(key, a, &mp->oracle);
    else if (strcmp(key, "schedule") == 0)
        return copy_text(c->schedule, key, a);
    else if (strcmp(key, "steps") == 0)
        return steps(key, a, &c->steps, &c->steps_set);
    else if (strcmp(key, "precision") == 0)
        return precision(key, a, &mp->oracle_params.precision);
    else if (strcmp(key, "seed") == 0)
    {
        unsigned long s;
        LMC_TRY(seed(key, a, &s));
        c->pp.seed = mp->seed = mp->oracle_params.seed = s;
    }
    else if (strcmp(key, "no-delta") == 0)
    {
        int nd;
        LMC_TRY(flag(key, a, &nd));
        c->rp.measure_delta = !nd;
    }
    else if (strcmp(key, "max-memory") == 0)
        return max_memory(key, a, &c->max_memory);
    else
        return NOT_THIS_KEY;
    return LMC_SUCCESS;
}

#define COUNT(t) (sizeof(t) / sizeof((t)[0]))

int
lmc_run_config_set(lmc_run_config *c, const char *key, const char *a)
{
    int status = set_number(c, run_numbers, COUNT(run_numbers), key, a);
    if (status == NOT_THIS_KEY)
        status = set_run_key(c, key, a);
    if (status == NOT_THIS_KEY)
        LMC_ERROR(LMC_ENOTFOUND, "%s: unknown key (accepted: %s)", key,
                  lmc_run_config_keys);
    return status;
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
    const char *key;
    const double need = lmc_run_config_workspace(c, &key);
    char val[64];
    const lmc_problem_params *pp = &c->pp;
    if (strcmp(key, "size") == 0 && pp->m == 0)
        snprintf(val, sizeof val, "the problem's default");
    else if (strcmp(key, "size") == 0)
        snprintf(val, sizeof val, "%zux%zu", pp->m, pp->n);
    else
        snprintf(val, sizeof val, "%zu", key[0] == 'r'   ? pp->r
                                         : key[0] == 'd' ? pp->d
                                         : key[0] == 'p' ? pp->N
                                                         : c->rp.iters);
    return lmc_memory_check(need, c->max_memory, key, val);
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
        /* Minima over the finite records (a diverged run's best before it
         * blew up); sums and averages take every record, so a non-finite
         * one makes them NaN or Inf, never a number. */
        if (isfinite(tr->gap[k]) && tr->gap[k] < gap_min)
            gap_min = tr->gap[k];
        if (isfinite(tr->gdual[k]) && tr->gdual[k] < gd_min)
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
    /* No finite record (f* unknown, or divergence at x0): NaN. */
    s->gap_min = isinf(gap_min) ? NAN : gap_min;
    s->gdual_min = isinf(gd_min) ? NAN : gd_min;
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
    lmc_gsl_handler_install();
    lmc_problem_params pp = c->pp;
    pp.init = c->init[0] ? c->init : c->pp.init;
    pp.variant = c->variant[0] ? c->variant : c->pp.variant;
    lmc_session run;
    int status;
    s->failed_at = 1;
    if ((status = lmc_session_open(&run, c->problem, &pp)) != LMC_SUCCESS)
        goto out;
    s->failed_at = 2;
    if ((status = lmc_session_attach(&run, c->method, &c->mp)) !=
        LMC_SUCCESS)
        goto out;
    s->failed_at = 3;
    if ((status = lmc_session_start(&run, c->rp.iters)) != LMC_SUCCESS)
        goto out;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if ((status = lmc_session_run(&run, &c->rp)) != LMC_SUCCESS)
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->seconds = (double)(t1.tv_sec - t0.tv_sec) +
                 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    s->failed_at = 4;
    if (trace_path &&
        (status = lmc_trace_write_csv(run.tr, trace_path)) != LMC_SUCCESS)
        goto out;
    summarize(run.tr, s);
    s->failed_at = 0;
out:
    lmc_session_close(&run);
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
    const int status =
        set_number(c, oracle_numbers, COUNT(oracle_numbers), key, a);
    if (status != NOT_THIS_KEY)
        return status;
    if (strcmp(key, "oracle") == 0)
        return source(key, a, &c->source);
    else if (strcmp(key, "norm") == 0)
    {
        if (!(c->norm = lmc_oracle_find(a)))
        {
            char names[256];
            lmc_oracle_names(names, sizeof names);
            BAD(key, a, names);
        }
    }
    else if (strcmp(key, "schedule") == 0)
    {
        lmc_schedule sc;
        if (lmc_schedule_get(a, &sc))
            return prefixed("schedule");
        return copy_text(c->schedule, key, a);
    }
    else if (strcmp(key, "steps") == 0)
        return steps(key, a, &c->steps, &c->steps_set);
    else if (strcmp(key, "precision") == 0)
        return precision(key, a, &c->precision);
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
    else if (strcmp(key, "seed") == 0)
        return seed(key, a, &c->seed);
    else if (strcmp(key, "round") == 0)
    {
        if ((c->round = lmc_round_mode_parse(a)) == -2)
            BAD(key, a, LMC_ROUND_NAMES);
    }
    else if (strcmp(key, "max-memory") == 0)
        return max_memory(key, a, &c->max_memory);
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
    lmc_gsl_handler_install();
    lmc_inexact *q = lmc_inexact_alloc(T, E, m->size1, m->size2, p);
    if (!q)
        return LMC_ENOMEM;
    int status = lmc_inexact_predict(q, m, &o->delta_pred);
    double best = INFINITY;
    for (size_t i = 0; status == LMC_SUCCESS && i < repeat; i++)
    {
        /* A seeded source (inject-random) draws a fresh error per call;
         * reset it so the reported S~ is the first draw of the seed. */
        if (i + 1 == repeat && (T->uses & LMC_INEXACT_USES_SEED))
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

double
lmc_oracle_workspace(size_t rows, size_t cols, long mp_bits)
{
    const double m = (double)rows, n = (double)cols;
    const double k = rows < cols ? m : n, N = m * n, K2 = k * k;
    const double w = (double)sizeof(double);
    const double svd = lmc_svd_bytes(rows, cols);
    const double make = w * (N + 2 * k + m * k + n * k); /* M, factors */
    const double row = w * N                     /* S~ */
                       + svd + w * 2 * N         /* exact LMO, ref, diff */
                       + w * (2 * N + 2 * K2) + svd /* poly */
                       + w * K2;                 /* orthogonality error */
    double mp = 0;
    if (mp_bits > 0)
    {
        /* An mpfr_t is a 32-byte header plus its limbs; lmc_mp_polar
         * keeps a few iterates and products of M's shape. */
        const double limbs = 8.0 * ceil(((double)mp_bits + 64) / 64);
        mp = 8 * N * (32 + limbs) + svd;
    }
    return make + row + mp;
}

int
lmc_oracle_config_exec(const lmc_oracle_config *c, lmc_oracle_outcome *o)
{
    o->delta_pred = o->delta_meas = o->frob_err = o->orth_err = NAN;
    o->seconds = 0;
    lmc_gsl_handler_install();
    {
        char shape[64];
        snprintf(shape, sizeof shape, "%zux%zu", c->rows, c->cols);
        LMC_TRY(lmc_memory_check(lmc_oracle_workspace(c->rows, c->cols, 0),
                                 c->max_memory, "shape", shape));
    }
    const lmc_inexact_type *T = c->source;
    if (T->spectral_only && c->norm != &lmc_oracle_spectral)
    {
        char names[256];
        lmc_inexact_names(names, sizeof names, 0, 1, " or ");
        LMC_ERROR(LMC_EINVAL, "oracle: %s approximates the spectral LMO "
                  "only; with norm %s use %s", T->name, c->norm->name, names);
    }
    lmc_inexact_params p = lmc_inexact_params_default();
    if (lmc_schedule_get(c->schedule, &p.schedule))
        return prefixed("schedule");
    p.steps = c->steps_set ? c->steps : p.schedule.steps;
    if (lmc_schedule_check_steps(&p.schedule, p.steps))
        return prefixed("steps");
    p.precision = c->precision;
    p.delta = T->uses & LMC_INEXACT_USES_DELTA ? c->delta : 0;
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
