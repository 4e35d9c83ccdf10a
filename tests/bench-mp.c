/* bench-mp.c -- seconds for the MPFR polar factor (lmc_mp_polar).
 *
 * The reference "exact LMO" of the harness is polar(M) = U V^T computed by
 * scaled Newton in MPFR (src/mp/mp.h).  This program times it at 256 bits
 * on 64x64 and 128x128 inputs with a log-spaced spectrum of condition
 * number 100 (singular values 1 .. 1/100, random singular vectors), and
 * prints beside it the fp64 dgesdd polar factor's time and its distance
 * to the MPFR one (||P_fp64 - P_mp||_F, expected ~1e-14: a check that the
 * timed computation is the right one, not a test).
 *
 * Kept apart from bench-ns.c so that the fp64 benchmark does not depend on
 * MPFR.  Timing: best of --reps (default 3; a 128x128 takes ~2 s here),
 * no warm-up (MPFR has no threads or lazy setup worth one).
 * Exit status: 0, 1 on an error, 2 on bad usage.
 */
#include "linalg.h"
#include "mp/mp.h"
#include "spectrum.h"
#include "status.h"

#include <errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void openblas_set_num_threads(int);

#define MAX_SIZES 16

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
    fputs("usage: bench-mp [OPTIONS]\n"
          "Times the MPFR polar factor (lmc_mp_polar) of n x n matrices\n"
          "with a log-spaced spectrum.\n"
          "  --sizes LIST   comma-separated n (default 64,128)\n"
          "  --bits P       precision in bits (default 256)\n"
          "  --kappa K      condition number (default 100)\n"
          "  --reps N       best of N runs (default 3)\n"
          "  --seed N       seed of the singular vectors (default 20261124)\n"
          "Environment: LMC_BENCH_QUICK=1 keeps only n <= 64.\n"
          "Exit status: 0, 1 an error, 2 bad usage.\n",
          out);
}

static int
bad_usage(const char *what, const char *value, const char *want)
{
    fprintf(stderr, "bench-mp: %s '%s': %s\n", what, value ? value : "",
            want);
    return 2;
}

/* One size: seconds of the MPFR and the fp64 polar factor, their
 * distance, the Newton iteration count. */
static int
bench_size(size_t n, long bits, double kappa, int reps, gsl_rng *r,
           double *mp_sec, double *svd_sec, double *dist, int *iters)
{
    int status = LMC_SUCCESS;
    double *sv = malloc(n * sizeof(double));
    gsl_matrix *a = gsl_matrix_alloc(n, n), *p = gsl_matrix_alloc(n, n);
    lmc_svd *w = lmc_svd_alloc(n, n, 1);
    lmc_mp_mat *q = lmc_mp_mat_alloc(n, n, (mpfr_prec_t)bits);
    if (!sv || !a || !p || !w || !q)
    {
        status = LMC_ENOMEM;
        goto done;
    }
    if ((status = lmc_spectrum_values("log", kappa, n, n, r, sv)) ||
        (status = lmc_matrix_with_spectrum(a, sv, r)))
        goto done;
    *mp_sec = *svd_sec = INFINITY;
    for (int i = 0; i < reps; i++)
    {
        double t0 = now();
        if ((status = lmc_mp_polar(q, a, (mpfr_prec_t)bits, iters)))
            goto done;
        *mp_sec = fmin(*mp_sec, now() - t0);
        t0 = now();
        if ((status = lmc_svd_polar(w, a, lmc_svd_rank_rtol(n, n), p, NULL)))
            goto done;
        *svd_sec = fmin(*svd_sec, now() - t0);
    }
    status = lmc_mp_delta(p, q, NULL, NULL, dist);
done:
    free(sv);
    gsl_matrix_free(a);
    gsl_matrix_free(p);
    lmc_svd_free(w);
    lmc_mp_mat_free(q);
    return status;
}

int
main(int argc, char **argv)
{
    size_t sizes[MAX_SIZES] = {64, 128};
    size_t nsizes = 2;
    long bits = 256, reps = 3, v;
    double kappa = 100;
    unsigned long seed = 20261124;
    const char *env = getenv("LMC_BENCH_QUICK");
    const int quick = env && *env && strcmp(env, "0") != 0;
    for (int i = 1; i < argc; i++)
    {
        const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0)
        {
            usage(stdout);
            return 0;
        }
        if (!val)
            return bad_usage("option", opt, "unknown, or missing its value "
                             "(see --help)");
        i++;
        if (strcmp(opt, "--sizes") == 0)
        {
            char buf[256];
            if (strlen(val) >= sizeof buf)
                return bad_usage("--sizes", val, "too long");
            strcpy(buf, val);
            nsizes = 0;
            for (char *t = strtok(buf, ","); t; t = strtok(NULL, ","))
            {
                if (nsizes == MAX_SIZES || !parse_long(t, 1, 4096, &v))
                    return bad_usage("--sizes", val, "want at most 16 "
                                     "comma-separated n, 1 <= n <= 4096");
                sizes[nsizes++] = (size_t)v;
            }
            if (!nsizes)
                return bad_usage("--sizes", val, "empty");
        }
        else if (strcmp(opt, "--bits") == 0)
        {
            if (!parse_long(val, LMC_MP_PREC_MIN, 1L << 20, &bits))
                return bad_usage("--bits", val, "want 53 .. 2^20");
        }
        else if (strcmp(opt, "--kappa") == 0)
        {
            char *end;
            kappa = strtod(val, &end);
            if (*end || !(kappa >= 1 && kappa <= 1e12))
                return bad_usage("--kappa", val, "want 1 .. 1e12");
        }
        else if (strcmp(opt, "--reps") == 0)
        {
            if (!parse_long(val, 1, 100, &reps))
                return bad_usage("--reps", val, "want 1 .. 100");
        }
        else if (strcmp(opt, "--seed") == 0)
        {
            if (!parse_long(val, 0, 2147483647L, &v))
                return bad_usage("--seed", val, "want 0 .. 2^31-1");
            seed = (unsigned long)v;
        }
        else
            return bad_usage("option", opt, "unknown (see --help)");
    }
    /* The fp64 column is a side reference; one thread keeps it
     * comparable with the single-threaded MPFR code. */
    openblas_set_num_threads(1);
    lmc_set_error_handler(lmc_error_handler_quiet);
    setvbuf(stdout, NULL, _IOLBF, 0);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
    {
        fprintf(stderr, "bench-mp: no memory for the random generator\n");
        return 1;
    }
    gsl_rng_set(r, seed);
    printf("# bench-mp: polar factor U V^T by scaled Newton in MPFR "
           "(lmc_mp_polar), %ld bits\n"
           "# (+%d guard bits inside), log-spaced spectrum kappa %g, seed "
           "%lu, best of %ld; fp64 = dgesdd, 1 thread\n"
           "# dist = ||P_fp64 - P_mp||_F (a check of what was timed, "
           "~1e-14 expected)\n",
           bits, LMC_MP_GUARD_BITS, kappa, seed, reps);
    printf("%-10s %12s %6s %12s %10s\n", "n", "MPFR s", "iters", "fp64 s",
           "dist");
    int status = LMC_SUCCESS;
    for (size_t i = 0; i < nsizes && !status; i++)
    {
        if (quick && sizes[i] > 64)
        {
            printf("%-10zu skipped (LMC_BENCH_QUICK)\n", sizes[i]);
            continue;
        }
        double mp_sec = NAN, svd_sec = NAN, dist = NAN;
        int iters = -1;
        status = bench_size(sizes[i], bits, kappa, (int)reps, r, &mp_sec,
                            &svd_sec, &dist, &iters);
        if (!status)
        {
            char name[32];
            snprintf(name, sizeof name, "%zux%zu", sizes[i], sizes[i]);
            printf("%-10s %12.3f %6d %12.6f %10.2e\n", name, mp_sec, iters,
                   svd_sec, dist);
        }
    }
    gsl_rng_free(r);
    if (status)
    {
        fprintf(stderr, "bench-mp: failed: %s: %s\n", lmc_strerror(status),
                lmc_last_error());
        return 1;
    }
    return 0;
}
