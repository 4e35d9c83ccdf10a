/* bench-run.c -- Muon iterations per second against NumPy doing the same
 * work in the same run, and the share of time spent in BLAS.
 *
 * Work per iteration (lsq, exact gradients): G = A^T (A X - B),
 * M = beta M + (1 - beta) G (M_1 = G), five Jordan Newton-Schulz steps on
 * M / (||M||_F + 1e-7), X <- X - eta X_5.  The C side runs
 * lmc_method_iterate of method "muon" with oracle "poly" (no delta
 * measurement, no trace); the NumPy side (bench_run.py) reads the same A,
 * B, X0 from a scratch file, runs the same loop, and writes its final
 * iterate, which must match the C iterate after the same steps (so the
 * two did the same work).  The BLAS share comes from interposing the
 * cblas entry points the C side uses (dgemm, dsyrk, dsymm): each call is
 * timed and forwarded to OpenBLAS through dlsym(RTLD_NEXT).
 *
 * Target: C/NumPy >= 2 iterations per second.  A missed target is
 * reported, not failed; the exit status is 1 only on a real error.
 *
 *   bench-run [--size N] [--iters K] [--reps R] [--python PY]
 *             [--script PATH] [--no-numpy]
 */
#define _GNU_SOURCE
#include "method.h"
#include "problem.h"
#include "status.h"

#include <dlfcn.h>
#include <gsl/gsl_cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../problems/lsq.h"

static double blas_seconds;
static int timing;

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Timed forwarding wrappers; the prototypes are gsl_cblas.h's (the same
 * ABI as OpenBLAS's cblas.h). */
#define REAL(fn, type)                                                       \
    static type real;                                                        \
    if (!real)                                                               \
        *(void **)&real = dlsym(RTLD_NEXT, #fn);

void
cblas_dgemm(const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE ta,
            const enum CBLAS_TRANSPOSE tb, const int m, const int n,
            const int k, const double alpha, const double *a, const int lda,
            const double *b, const int ldb, const double beta, double *c,
            const int ldc)
{
    typedef void (*fn_t)(const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE,
                         const enum CBLAS_TRANSPOSE, const int, const int,
                         const int, const double, const double *, const int,
                         const double *, const int, const double, double *,
                         const int);
    REAL(cblas_dgemm, fn_t)
    const double t0 = timing ? now() : 0;
    real(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (timing)
        blas_seconds += now() - t0;
}

void
cblas_dsyrk(const enum CBLAS_ORDER o, const enum CBLAS_UPLO u,
            const enum CBLAS_TRANSPOSE t, const int n, const int k,
            const double alpha, const double *a, const int lda,
            const double beta, double *c, const int ldc)
{
    typedef void (*fn_t)(const enum CBLAS_ORDER, const enum CBLAS_UPLO,
                         const enum CBLAS_TRANSPOSE, const int, const int,
                         const double, const double *, const int,
                         const double, double *, const int);
    REAL(cblas_dsyrk, fn_t)
    const double t0 = timing ? now() : 0;
    real(o, u, t, n, k, alpha, a, lda, beta, c, ldc);
    if (timing)
        blas_seconds += now() - t0;
}

void
cblas_dsymm(const enum CBLAS_ORDER o, const enum CBLAS_SIDE s,
            const enum CBLAS_UPLO u, const int m, const int n,
            const double alpha, const double *a, const int lda,
            const double *b, const int ldb, const double beta, double *c,
            const int ldc)
{
    typedef void (*fn_t)(const enum CBLAS_ORDER, const enum CBLAS_SIDE,
                         const enum CBLAS_UPLO, const int, const int,
                         const double, const double *, const int,
                         const double *, const int, const double, double *,
                         const int);
    REAL(cblas_dsymm, fn_t)
    const double t0 = timing ? now() : 0;
    real(o, s, u, m, n, alpha, a, lda, b, ldb, beta, c, ldc);
    if (timing)
        blas_seconds += now() - t0;
}

static int
write_all(FILE *f, const double *p, size_t n)
{
    return fwrite(p, sizeof *p, n, f) == n ? 0 : -1;
}

int
main(int argc, char **argv)
{
    size_t size = 256, iters = 20, reps = 3;
    const char *python = "/usr/bin/python3";
    const char *script = NULL;
    int numpy = 1;
    for (int i = 1; i < argc; i++)
    {
        if (!strcmp(argv[i], "--size") && i + 1 < argc)
            size = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
            iters = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--python") && i + 1 < argc)
            python = argv[++i];
        else if (!strcmp(argv[i], "--script") && i + 1 < argc)
            script = argv[++i];
        else if (!strcmp(argv[i], "--no-numpy"))
            numpy = 0;
        else
        {
            fprintf(stderr, "bench-run: unknown argument '%s' (accepted: "
                    "--size N, --iters K, --reps R, --python PY, --script "
                    "PATH, --no-numpy)\n", argv[i]);
            return 2;
        }
    }
    if (size < 2 || size > 4096 || iters < 1 || reps < 1)
    {
        fprintf(stderr, "bench-run: --size in 2..4096, --iters and --reps "
                "positive\n");
        return 2;
    }
    lmc_problem_params pp = lmc_problem_params_default();
    pp.m = pp.n = size;
    const lmc_problem_type *T = lmc_problem_find("lsq");
    if (!T)
    {
        fprintf(stderr, "bench-run: problem 'lsq' is not registered\n");
        return 1;
    }
    lmc_problem *P = lmc_problem_alloc(T, &pp);
    lmc_method_params mp = lmc_method_params_default();
    mp.lr = 0.02;
    mp.momentum = 0.9;
    mp.oracle = &lmc_inexact_poly;
    if (!P || lmc_schedule_get("jordan", &mp.oracle_params.schedule))
        return 1;
    mp.oracle_params.steps = 5;
    lmc_method *M = lmc_method_alloc(&lmc_method_muon, P, &mp);
    gsl_vector *x0 = gsl_vector_alloc(P->layout.total);
    gsl_vector *x = gsl_vector_alloc(P->layout.total);
    if (!M || !x0 || !x || lmc_problem_x0(P, x0))
        return 1;
    M->measure_delta = 0;
    const lmc_lsq_state *st = P->state;

    printf("# bench-run: Muon (EMA beta 0.9, eta 0.02), 5 Jordan NS steps, "
           "lsq %zux%zu, exact gradients\n", size, size);
    printf("# C: lmc_method_iterate, no trace, no delta measurement; best "
           "of %zu runs of %zu iterations\n", reps, iters);
    double best = INFINITY, share = 0;
    lmc_step_info info;
    for (size_t r = 0; r < reps; r++)
    {
        gsl_vector_memcpy(x, x0);
        if (lmc_method_set(M, x) || lmc_method_iterate(M, x, &info))
            return 1; /* warm-up step outside the clock */
        gsl_vector_memcpy(x, x0);
        lmc_method_set(M, x);
        blas_seconds = 0;
        timing = 1;
        const double t0 = now();
        for (size_t k = 0; k < iters; k++)
            if (lmc_method_iterate(M, x, &info))
                return 1;
        const double dt = now() - t0;
        timing = 0;
        if (dt < best)
        {
            best = dt;
            share = blas_seconds / dt;
        }
    }
    const double c_rate = (double)iters / best;
    printf("C      %10.1f it/s   %8.3f ms/it   BLAS share %.1f%%\n", c_rate,
           1e3 * best / (double)iters, 100 * share);

    if (!numpy || access(python, X_OK) != 0)
    {
        printf("NumPy not available: skipped\n");
        return 0;
    }
    char dir[] = "/tmp/bench-run.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char in[64], out[64], path[4096];
    snprintf(in, sizeof in, "%s/in.bin", dir);
    snprintf(out, sizeof out, "%s/out.bin", dir);
    if (!script)
    {
        const char *root = getenv("LMC_SOURCE_ROOT");
        snprintf(path, sizeof path, "%s/tests/bench_run.py",
                 root ? root : ".");
        script = path;
    }
    FILE *f = fopen(in, "wb");
    const size_t m = st->m, n = st->n, p = st->p;
    const double hdr[3] = {(double)p, (double)m, (double)n};
    int bad = !f || write_all(f, hdr, 3) ||
              write_all(f, st->a->data, p * m) ||
              write_all(f, st->b->data, p * n) ||
              write_all(f, x0->data, m * n);
    if (f)
        bad |= fclose(f) != 0;
    if (bad)
        return 1;
    char cmdline[8192];
    snprintf(cmdline, sizeof cmdline,
             "OPENBLAS_NUM_THREADS=1 %s %s --input %s --output %s --iters "
             "%zu --reps %zu",
             python, script, in, out, iters, reps);
    FILE *pipe = popen(cmdline, "r");
    double np_best = NAN;
    char line[256];
    while (pipe && fgets(line, sizeof line, pipe))
        if (sscanf(line, "seconds %lf", &np_best) == 1)
            break;
    const int rc = pipe ? pclose(pipe) : -1;
    if (rc != 0 || isnan(np_best))
    {
        printf("NumPy not available (exit %d): skipped\n", rc);
        return 0;
    }
    /* Same work: the C iterate after `iters` steps from x0 against
     * NumPy's.  Rounding differs (summation order), so compare with a
     * relative tolerance far above rounding and far below any difference
     * a wrong update would make. */
    gsl_vector_memcpy(x, x0);
    lmc_method_set(M, x);
    for (size_t k = 0; k < iters; k++)
        lmc_method_iterate(M, x, &info);
    gsl_vector *y = gsl_vector_alloc(m * n);
    f = fopen(out, "rb");
    bad = !f || fread(y->data, sizeof(double), m * n, f) != m * n;
    if (f)
        fclose(f);
    remove(in);
    remove(out);
    rmdir(dir);
    if (bad)
        return 1;
    double num = 0, den = 0;
    for (size_t i = 0; i < m * n; i++)
    {
        num += (x->data[i] - y->data[i]) * (x->data[i] - y->data[i]);
        den += x->data[i] * x->data[i];
    }
    const double rel = sqrt(num / den);
    const double np_rate = (double)iters / np_best;
    printf("NumPy  %10.1f it/s   %8.3f ms/it   (same final iterate: "
           "relative difference %.1e)\n", np_rate,
           1e3 * np_best / (double)iters, rel);
    if (!(rel < 1e-8))
    {
        printf("the two loops did different work: ratio not meaningful\n");
        return 1;
    }
    printf("C/NumPy %.2f   target >= 2: %s\n", c_rate / np_rate,
           c_rate / np_rate >= 2 ? "ok" : "MISSED (reported only)");
    gsl_vector_free(y);
    gsl_vector_free(x);
    gsl_vector_free(x0);
    lmc_method_free(M);
    lmc_problem_free(P);
    return 0;
}
