/* ref-c1.c -- C1 (theorems/c1.c) decided on MPFR reference trajectories:
 * the exact-arithmetic verdict of each configuration beside the fp64 one.
 *
 * Built, not run by the test suite (minutes of MPFR work).  For each of
 * C1's configurations (lmocheck check --theorem C1 --full, or --quick)
 * it runs C1's own check three ways and prints verdict, best radius and
 * ties: on the fp64 runs (what check decides), and with every run's
 * outcome taken from the reference trajectory of lsq + lmo + poly in MPFR
 * at --bits and at --cmp-bits (c1.c's settings.c1.bits): the same search, ties
 * and decision code, only the outcomes differ.
 *
 * --agree measures, on a sample (each q, grid points jstart-2..jstart+2,
 * the first three seeds), how far the trajectories agree: the first step
 * at which the --bits and --cmp-bits references differ by more than
 * 1e-10 relative in the parameters (lmc_traj_depart), the same for the
 * fp64 run against the --cmp-bits reference at 1e-10 and at 1e-2, and
 * the largest change of the run outcome y = ln(mean gap of the last
 * quarter) between them; and the cost per step of the reference.
 *
 *   OPENBLAS_NUM_THREADS=1 build/tests/ref-c1 --agree
 *   OPENBLAS_NUM_THREADS=1 build/tests/ref-c1 [--bits 128] [--cmp-bits 256]
 *
 * Options: --bits B (default 128), --cmp-bits B2 (default 256; 0: only
 * --bits), --iters K (horizon, default C1's 200), --quick (check's quick
 * set), --setup k (only configuration k of the set, 0-based), --seed S
 * (seed base, default 1), --agree (the sample above instead of the
 * decisions).  Exit status: 0, 1 on an error, 2 on bad usage.
 */
#include "common.h"
#include "lsq.h"
#include "status.h"
#include "traj_mp.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CONFIGS 8

static double
now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int
parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    const long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

static void
usage(FILE *out)
{
    fputs("usage: ref-c1 [--bits B] [--cmp-bits B2] [--iters K] [--quick]\n"
          "              [--setup k] [--seed S] [--agree]\n"
          "C1 decided on MPFR reference trajectories beside fp64 (see the\n"
          "file header).\n", out);
}

/* The reference of run at bits (iterates kept). */
static int
reference(const lmc_check_run *run, unsigned bits, lmc_traj **out,
          double *secs)
{
    lmc_traj_problem tp;
    LMC_TRY(lmc_thm_traj_problem(run->P, &tp));
    const size_t K = run->tr->cap - 1;
    lmc_traj *tr = lmc_traj_alloc(run->P->layout.total, K, 1);
    if (!tr)
        return LMC_ENOMEM;
    const lmc_traj_options o = {.prec = bits, .iters = K};
    const double t0 = now();
    const int status = lmc_traj_run(tr, &tp, run->M->type, &run->M->params,
                                    run->x0->data, &o);
    *secs = now() - t0;
    if (status != LMC_SUCCESS)
    {
        lmc_traj_free(tr);
        return status;
    }
    *out = tr;
    return LMC_SUCCESS;
}

/* ln of C1's outcome, the mean of gap over the last quarter. */
static double
outcome(const double *gap, size_t K)
{
    return log(lmc_thm_c1_quarter_mean(gap, K));
}

/* The first step t < n with ||xs_t - X_t||_F > tol ||X_t||_F for the
 * reference iterates X_t of ref; -1 if none. */
static long
first_apart(const lmc_traj *ref, const double *xs, size_t n, double tol)
{
    return lmc_traj_depart(ref, xs, n, tol, NULL);
}

static int
agree(const lmc_check_config *c, unsigned long sb, unsigned bits,
      unsigned bits2)
{
    int j0, per_decade;
    size_t q[3];
    LMC_TRY(lmc_thm_c1_setup(c, &j0, &per_decade, q));
    long min_ref = -1, min_fp_tight = -1, min_fp_loose = -1;
    double dy_ref = 0, dy_fp = 0, secs = 0, secs2 = 0;
    size_t steps = 0, runs = 0;
    const size_t S = c->nseeds < 3 ? c->nseeds : 3;
    for (int qi = 0; qi < 3; qi++)
        for (int j = j0 - 2; j <= j0 + 2; j++)
            for (size_t s = 0; s < S; s++)
            {
                lmc_check_config ci = *c;
                ci.mp.lr = pow(10, j / (double)per_decade);
                ci.mp.oracle_params.steps = q[qi];
                ci.pp.seed = sb + s;
                ci.no_iterates = 0;
                lmc_check_run run;
                LMC_TRY(lmc_check_run_exec(&ci, sb, &run));
                lmc_traj *a = NULL, *b = NULL;
                double ta, tb;
                int st = reference(&run, bits, &a, &ta);
                if (st == LMC_SUCCESS)
                    st = reference(&run, bits2, &b, &tb);
                if (st != LMC_SUCCESS)
                {
                    lmc_traj_free(a);
                    lmc_check_run_free(&run);
                    return st;
                }
                const size_t K = run.tr->n - 1;
                secs += ta;
                secs2 += tb;
                steps += K;
                runs++;
                /* -1 (never apart) counts as K + 1 in the minimum */
                const long dr = first_apart(b, a->xs, a->n, 1e-10);
                const long dt = first_apart(b, run.tr->xs, run.tr->n, 1e-10);
                const long dl = first_apart(b, run.tr->xs, run.tr->n, 1e-2);
#define FOLD(m, d) m = ((d) < 0 ? (long)K + 1 : (d)) < (m) || (m) < 0 \
                           ? ((d) < 0 ? (long)K + 1 : (d)) : (m)
                FOLD(min_ref, dr);
                FOLD(min_fp_tight, dt);
                FOLD(min_fp_loose, dl);
#undef FOLD
                const double ya = outcome(a->err, K), yb = outcome(b->err, K);
                const double yf = outcome(run.tr->gap, K);
                dy_ref = fmax(dy_ref, fabs(ya - yb));
                dy_fp = fmax(dy_fp, fabs(yf - yb));
                if (!isfinite(ya) || !isfinite(yb) || !isfinite(yf))
                    dy_fp = dy_ref = INFINITY;
                lmc_traj_free(a);
                lmc_traj_free(b);
                lmc_check_run_free(&run);
            }
    printf("# %s\n", c->label);
    printf("  sample: q = %zu/%zu/%zu, j = %d..%d (t = 10^(j/%d)), seeds "
           "%lu..%lu: %zu runs of %zu steps\n", q[0], q[1], q[2], j0 - 2,
           j0 + 2, per_decade, sb, sb + S - 1, runs, steps / runs);
    printf("  cost per step: %.3f ms at %u bits, %.3f ms at %u bits\n",
           1e3 * secs / (double)steps, bits, 1e3 * secs2 / (double)steps,
           bits2);
    printf("  %u vs %u bits: first step apart by > 1e-10 relative: %ld "
           "(%ld = never); max |dy| = %.3g\n", bits, bits2, min_ref,
           (long)(steps / runs) + 1, dy_ref);
    printf("  fp64 vs %u bits: first step apart by > 1e-10: %ld, by > 1e-2: "
           "%ld; max |dy| = %.3g\n", bits2, min_fp_tight, min_fp_loose,
           dy_fp);
    fflush(stdout);
    return LMC_SUCCESS;
}

static int
decide(const lmc_theorem *T, const lmc_check_config *c,
       const lmc_check_options *o, unsigned bits)
{
    lmc_check_config ci = *c;
    ci.settings.c1.bits = bits;
    lmc_check_result r;
    memset(&r, 0, sizeof r);
    const double t0 = now();
    LMC_TRY(T->check(&ci, o, &r));
    printf("  %-10s %-10s (%.0f s) %s\n", bits ? "" : "fp64",
           lmc_verdict_name(r.verdict), now() - t0, r.detail);
    fflush(stdout);
    return LMC_SUCCESS;
}

int
main(int argc, char **argv)
{
    long bits = 128, bits2 = 256, iters = 0, setup = -1, seed = 1;
    int quick = 0, do_agree = 0;
    for (int i = 1; i < argc; i++)
    {
        const char *a = argv[i];
        const int has = i + 1 < argc;
        if (strcmp(a, "--bits") == 0 && has &&
            parse_long(argv[++i], 53, 65536, &bits))
            continue;
        if (strcmp(a, "--cmp-bits") == 0 && has &&
            parse_long(argv[++i], 0, 65536, &bits2) &&
            (bits2 == 0 || bits2 >= 53))
            continue;
        if (strcmp(a, "--iters") == 0 && has &&
            parse_long(argv[++i], 4, 100000, &iters))
            continue;
        if (strcmp(a, "--setup") == 0 && has &&
            parse_long(argv[++i], 0, MAX_CONFIGS - 1, &setup))
            continue;
        if (strcmp(a, "--seed") == 0 && has &&
            parse_long(argv[++i], 0, 1L << 30, &seed))
            continue;
        if (strcmp(a, "--quick") == 0)
        {
            quick = 1;
            continue;
        }
        if (strcmp(a, "--agree") == 0)
        {
            do_agree = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0)
        {
            usage(stdout);
            return 0;
        }
        fprintf(stderr, "ref-c1: bad option or value '%s'\n", a);
        usage(stderr);
        return 2;
    }
    if (do_agree && bits2 == 0)
    {
        fputs("ref-c1: --agree needs --cmp-bits > 0\n", stderr);
        return 2;
    }
    const lmc_theorem *T = lmc_theorem_find("C1");
    if (!T)
    {
        fputs("ref-c1: no theorem C1\n", stderr);
        return 1;
    }
    lmc_check_options o;
    memset(&o, 0, sizeof o);
    o.full = !quick;
    o.bound_scale = 1;
    o.seed_base = (unsigned long)seed;
    lmc_check_config cfg[MAX_CONFIGS];
    const size_t n = T->configs(&o, cfg, MAX_CONFIGS);
    if (n > MAX_CONFIGS || (setup >= 0 && (size_t)setup >= n))
    {
        fprintf(stderr, "ref-c1: %zu configurations (want --setup < %zu)\n",
                n, n);
        return 2;
    }
    for (size_t k = 0; k < n; k++)
    {
        if (setup >= 0 && (size_t)setup != k)
            continue;
        lmc_check_config *c = &cfg[k];
        if (iters)
            c->rp.iters = (size_t)iters;
        int status;
        if (do_agree)
            status = agree(c, o.seed_base, (unsigned)bits, (unsigned)bits2);
        else
        {
            printf("# %s (seeds %lu..%lu, K = %zu)\n", c->label, o.seed_base,
                   o.seed_base + c->nseeds - 1, c->rp.iters);
            status = decide(T, c, &o, 0);
            if (status == LMC_SUCCESS)
                status = decide(T, c, &o, (unsigned)bits);
            if (status == LMC_SUCCESS && bits2)
                status = decide(T, c, &o, (unsigned)bits2);
        }
        if (status != LMC_SUCCESS)
        {
            fprintf(stderr, "ref-c1: %s: %s\n", c->label,
                    lmc_last_error());
            return 1;
        }
    }
    return 0;
}
