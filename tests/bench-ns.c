/* bench-ns.c -- Newton-Schulz (Jordan quintic, 5 steps) against DGEMM,
 * dgesdd and NumPy, with every ratio measured in one run.
 *
 * For an m x n block let k = min(m, n) (the Gram side) and l = max(m, n).
 * lmc_inexact_poly runs, per step, on the wide orientation:
 *   A = X X^T      dsyrk   k^2 l   flops (half of the 2 k^2 l of a GEMM:
 *                                  only one triangle is formed)
 *   A^2 = A A^T    dsyrk   k^3     (half of 2 k^3)
 *   B X            dsymm   2 k^2 l (B = b A + c A^2 symmetric, k x k)
 * "Useful flops" are the sum, 3 k^2 l + k^3 per step: the mathematically
 * needed work with symmetric kernels (the O(kl) elementwise work is not
 * counted).  The plain-GEMM-equivalent count 4 k^2 l + 2 k^3 per step
 * (what three dgemm calls would execute) is printed for reference.
 *
 * DGEMM reference: C = A B with A k x k and B k x l (the shape of B X;
 * n x n x n for squares; B A for a tall block, the shape of X B there),
 * 2 k^2 l flops, timed in the same run.
 *
 * Targets (issue): useful NS GFLOP/s >= 80% of DGEMM's, and C at least as
 * fast as NumPy doing the same five steps, where k >= 512; C >= 3x NumPy
 * where k <= 64 (the reason: NumPy's per-call overhead).  "n" in
 * the targets is read as the Gram side k, so a 1:4 rectangle n x 4n counts
 * as size n.  The column "C/NP max" is the ratio C would reach if its
 * useful flops ran at DGEMM's rate of the same run: where it is below a
 * target, no kernel sequence can meet it (NumPy is then bound by flops,
 * not overhead).  Verdicts are reported, never turned into a failure:
 * timings on a shared machine are noisy.  The exit status is 0 unless something
 * really failed (allocation, a library error, a NumPy result that does not
 * match ours, bad usage = 2).
 *
 * Timing: each measurement runs the kernel enough times to last at least
 * --min-time seconds (0.2), after one untimed warm-up call; the best of
 * --reps measurements (3) is kept.  CLOCK_MONOTONIC.
 *
 * The MPFR polar factor is timed by tests/bench-mp.c, so this program does
 * not depend on MPFR.
 */
#define _GNU_SOURCE /* dladdr, setenv */

#include "inexact.h"
#include "linalg.h"
#include "oracle.h"
#include "schedule.h"
#include "spectrum.h"
#include "status.h"

#include <dlfcn.h>
#include <errno.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* OpenBLAS's <cblas.h> cannot share a translation unit with GSL's
 * gsl_cblas.h (TOOLCHAIN.md pitfall 2): declare what we use by hand. */
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

#define STEPS 5
#define MAX_SHAPES 64
#define TARGET_FLOPS 0.80  /* useful NS GFLOP/s over DGEMM's, k >= 512 */
#define TARGET_NP_BIG 1.0  /* C/NumPy speed, k >= 512 */
#define TARGET_NP_SMALL 3.0 /* C/NumPy speed, k <= 64 */
#define BIG_K 512
#define SMALL_K 64
/* C and NumPy run the same polynomial with differently ordered roundings
 * (NumPy forms c A A as (c A) A and adds a X after B X; we form c A A^T,
 * then b A + ., and let dsymm add a X): the five steps amplify the ~1e-16
 * differences by at most the slope of the composed map (~485 near 0,
 * anchors 4.2).  Observed: <= 7e-14 relative for 16..2048; a coefficient
 * changed by 5e-5 relative moves the check by 3e-5, far above this. */
#define TOL_CHECK 1e-9

/* Squares 16..2048, 1:4 rectangles (wide; one tall for the right-side
 * dsymm path).  16 and 32 show the k <= 64 regime of the NumPy target. */
static const char *const default_shapes[] = {
    "16",     "32",      "64",       "128",      "256",      "512",
    "1024",   "2048",    "64x256",   "128x512",  "256x1024", "512x2048",
    "2048x512", NULL};

typedef struct
{
    size_t m, n;
} shape;

typedef struct
{
    int threads;
    int reps;
    double min_time;
    int quick;
    int numpy;
    int svd;
    const char *python;
    const char *script;
    unsigned long seed;
    size_t nshapes;
    shape shapes[MAX_SHAPES];
} options;

static double
now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A timed kernel: returns a status, 0 on success. */
typedef int kernel(void *ctx);

typedef struct
{
    kernel *f;
    void *ctx;
    long iters; /* calls per measurement, >= min_time long together */
    double best; /* best seconds per call */
} timing;

/* Best-of-reps seconds per call of each of the nk kernels.  After one
 * untimed warm-up call each (BLAS threads, page faults), the kernels are
 * measured in turn within every repetition, so that load from elsewhere
 * on a shared machine hits DGEMM and Newton-Schulz alike and their ratio
 * stays meaningful. */
static int
measure(timing *t, size_t nk, const options *o)
{
    for (size_t j = 0; j < nk; j++)
    {
        LMC_TRY(t[j].f(t[j].ctx));
        const double t0 = now();
        LMC_TRY(t[j].f(t[j].ctx));
        const double once = fmax(now() - t0, 1e-9);
        t[j].iters = (long)ceil(o->min_time / once);
        if (t[j].iters < 1)
            t[j].iters = 1;
        t[j].best = INFINITY;
    }
    for (int r = 0; r < o->reps; r++)
        for (size_t j = 0; j < nk; j++)
        {
            const double t0 = now();
            for (long i = 0; i < t[j].iters; i++)
                LMC_TRY(t[j].f(t[j].ctx));
            t[j].best = fmin(t[j].best, (now() - t0) / (double)t[j].iters);
        }
    return LMC_SUCCESS;
}

/* DGEMM in the orientation of the block: C = A B (k x k times k x l)
 * for a wide m x n, C = B A (l x k times k x k) for a tall one, the shapes
 * of dsymm's B X and X B in lmc_inexact_poly.  With two threads OpenBLAS
 * runs the tall product ~25% slower than the wide one here, so the
 * reference has to match. */
typedef struct
{
    size_t m, n, k;
    double *a, *b, *c;
} gemm_ctx;

static int
run_gemm(void *vctx)
{
    gemm_ctx *g = vctx;
    const int m = (int)g->m, n = (int)g->n, k = (int)g->k;
    if (g->m <= g->n)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0,
                    g->a, k, g->b, n, 0.0, g->c, n);
    else
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0,
                    g->b, n, g->a, k, 0.0, g->c, n);
    return LMC_SUCCESS;
}

typedef struct
{
    lmc_inexact *q;
    lmc_oracle *o;
    const gsl_matrix *m;
    gsl_matrix *s;
} oracle_ctx;

static int
run_ns(void *vctx)
{
    oracle_ctx *c = vctx;
    return lmc_inexact_apply(c->q, c->m, c->s, NULL);
}

static int
run_svd(void *vctx)
{
    oracle_ctx *c = vctx;
    return lmc_oracle_apply(c->o, c->m, c->s);
}

/* ------------------------------------------------------------------ */
/* NumPy side: tests/bench_ns.py through popen.                        */

/* Appends s to buf in single quotes for /bin/sh. */
static void
shell_quote(char *buf, size_t size, const char *s)
{
    size_t len = strlen(buf);
    if (len + 1 < size)
        buf[len++] = '\'';
    for (; *s && len + 5 < size; s++)
    {
        if (*s == '\'')
        {
            memcpy(buf + len, "'\\''", 4);
            len += 4;
        }
        else
            buf[len++] = *s;
    }
    if (len + 1 < size)
        buf[len++] = '\'';
    buf[len] = '\0';
}

/* Runs the script with extra arguments; collects stdout in out.
 * Returns the child's exit status, or -1 if it could not run. */
static int
run_python(const options *o, const char *extra, char *out, size_t size)
{
    char cmd[4096] = "";
    shell_quote(cmd, sizeof cmd, o->python);
    strncat(cmd, " ", sizeof cmd - strlen(cmd) - 1);
    shell_quote(cmd, sizeof cmd, o->script);
    strncat(cmd, " ", sizeof cmd - strlen(cmd) - 1);
    strncat(cmd, extra, sizeof cmd - strlen(cmd) - 1);
    strncat(cmd, " 2>&1", sizeof cmd - strlen(cmd) - 1);
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t len = 0;
    out[0] = '\0';
    char line[1024];
    while (fgets(line, sizeof line, p))
    {
        const size_t ll = strlen(line);
        if (len + ll + 1 < size)
        {
            memcpy(out + len, line, ll + 1);
            len += ll;
        }
    }
    const int st = pclose(p);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

/* Checks that NumPy can run; prints why not if it cannot. */
static int
numpy_probe(const options *o, char version[64])
{
    char out[4096];
    if (access(o->python, X_OK) != 0)
    {
        printf("NumPy not available: skipped (%s not found)\n", o->python);
        return 0;
    }
    if (!o->script || access(o->script, R_OK) != 0)
    {
        printf("NumPy not available: skipped (script %s not found; pass "
               "--numpy-script or set LMC_SOURCE_ROOT)\n",
               o->script ? o->script : "tests/bench_ns.py");
        return 0;
    }
    const int st = run_python(o, "--probe", out, sizeof out);
    if (st != 0 || sscanf(out, "numpy %63s", version) != 1)
    {
        printf("NumPy not available: skipped (%s has no numpy)\n",
               o->python);
        return 0;
    }
    return 1;
}

/* D_ij and w_ij of bench_ns.py (integer arithmetic: identical inputs). */
static void
deterministic(gsl_matrix *d, gsl_matrix *w)
{
    for (size_t i = 0; i < d->size1; i++)
        for (size_t j = 0; j < d->size2; j++)
        {
            const unsigned long long v = (7919ULL * i + 104729ULL * j + 13) %
                                         1009ULL;
            gsl_matrix_set(d, i, j, (double)v / 1009.0 - 0.5);
            gsl_matrix_set(w, i, j, (double)((3 * i + 5 * j) % 7) - 3.0);
        }
}

/* Times NumPy on one shape and compares its output on the deterministic
 * input with ours.  *sec = NAN if NumPy gave no timing; returns a status
 * (LMC_EINVAL when the results differ: the ratio would be meaningless). */
static int
numpy_shape(const options *o, lmc_inexact *q, size_t m, size_t n,
            double *sec)
{
    char extra[256], out[8192];
    *sec = NAN;
    snprintf(extra, sizeof extra,
             "--check --shape %zux%zu --reps %d --min-time %g --seed %lu", m,
             n, o->reps, o->min_time, o->seed);
    const int st = run_python(o, extra, out, sizeof out);
    double frob = NAN, wsum = NAN, t = NAN;
    size_t cm = 0, cn = 0, tm = 0, tn = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
    {
        if (strncmp(line, "check ", 6) == 0)
            sscanf(line, "check %zu %zu %lf %lf", &cm, &cn, &frob, &wsum);
        else if (strncmp(line, "time ", 5) == 0)
            sscanf(line, "time %zu %zu %lf", &tm, &tn, &t);
    }
    if (st != 0 || cm != m || cn != n || tm != m || tn != n ||
        !isfinite(frob) || !isfinite(wsum) || !(t > 0))
        LMC_ERROR(LMC_EPARSE, "bench_ns.py on %zux%zu: exit %d, output "
                  "not understood", m, n, st);
    /* Our result on the same input. */
    gsl_matrix *d = gsl_matrix_alloc(m, n), *w = gsl_matrix_alloc(m, n);
    gsl_matrix *s = gsl_matrix_alloc(m, n);
    int status = (d && w && s) ? LMC_SUCCESS : LMC_ENOMEM;
    double our_frob = NAN, our_wsum = 0;
    if (status == LMC_SUCCESS)
    {
        deterministic(d, w);
        status = lmc_inexact_apply(q, d, s, NULL);
    }
    if (status == LMC_SUCCESS)
    {
        our_frob = lmc_frobenius(s);
        our_wsum = lmc_inner(w, s);
    }
    gsl_matrix_free(d);
    gsl_matrix_free(w);
    gsl_matrix_free(s);
    LMC_TRY(status);
    /* |sum w S| <= ||w||_F ||S||_F <= 3 sqrt(mn) ||S||_F. */
    const double scale_w = 3.0 * sqrt((double)m * (double)n) * our_frob;
    if (!(fabs(frob - our_frob) <= TOL_CHECK * our_frob) ||
        !(fabs(wsum - our_wsum) <= TOL_CHECK * scale_w))
        LMC_ERROR(LMC_EINVAL, "NumPy and lmc_inexact_poly differ on "
                  "%zux%zu: ||S||_F %.17g vs %.17g, sum wS %.17g vs %.17g "
                  "(tol %g relative)", m, n, frob, our_frob, wsum, our_wsum,
                  TOL_CHECK);
    *sec = t;
    return LMC_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Options.                                                            */

static void
usage(FILE *out)
{
    fputs(
        "usage: bench-ns [OPTIONS]\n"
        "Times 5 Jordan Newton-Schulz steps (lmc_inexact_poly, fp64)\n"
        "against DGEMM, dgesdd and NumPy; prints rates and ratios.\n"
        "  --threads N       BLAS threads (default OPENBLAS_NUM_THREADS, "
        "else 1)\n"
        "  --sizes LIST      comma-separated N or MxN (default 16,32,64,128,"
        "256,\n"
        "                    512,1024,2048,64x256,128x512,256x1024,"
        "512x2048,2048x512)\n"
        "  --quick           keep only shapes with both sides <= 512\n"
        "  --reps N          best of N measurements (default 3)\n"
        "  --min-time S      seconds per measurement at least (default "
        "0.2)\n"
        "  --python PATH     interpreter with numpy (default "
        "/usr/bin/python3)\n"
        "  --numpy-script P  tests/bench_ns.py (default "
        "$LMC_SOURCE_ROOT/tests/bench_ns.py)\n"
        "  --no-numpy, --no-svd   skip those columns\n"
        "  --seed N          input seed (default 20261124)\n"
        "Environment: LMC_BENCH_QUICK=1, LMC_BENCH_SIZES, LMC_BENCH_REPS,\n"
        "LMC_BENCH_MIN_TIME set the same defaults; options win.\n"
        "Exit status: 0 (targets missed are reported, not failed), 1 an\n"
        "error, 2 bad usage.\n",
        out);
}

static int
bad_usage(const char *what, const char *value, const char *want)
{
    fprintf(stderr, "bench-ns: %s '%s': %s\n", what, value ? value : "",
            want);
    return 2;
}

static int
parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    const long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

static int
parse_sizes(const char *list, options *o)
{
    char buf[1024];
    if (strlen(list) >= sizeof buf)
        return 0;
    strcpy(buf, list);
    o->nshapes = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
    {
        long m, n;
        char *x = strchr(tok, 'x');
        if (x)
        {
            *x = '\0';
            if (!parse_int(tok, 1, 100000, &m) ||
                !parse_int(x + 1, 1, 100000, &n))
                return 0;
        }
        else if (!parse_int(tok, 1, 100000, &m))
            return 0;
        else
            n = m;
        if (o->nshapes == MAX_SHAPES)
            return 0;
        o->shapes[o->nshapes].m = (size_t)m;
        o->shapes[o->nshapes].n = (size_t)n;
        o->nshapes++;
    }
    return o->nshapes > 0;
}

static int
parse_options(int argc, char **argv, options *o)
{
    static char script[4096];
    const char *env;
    long v;
    o->threads = 1;
    o->reps = 3;
    o->min_time = 0.2;
    o->quick = 0;
    o->numpy = 1;
    o->svd = 1;
    o->python = "/usr/bin/python3";
    o->script = NULL;
    o->seed = 20261124;
    const char *sizes = NULL;
    if ((env = getenv("OPENBLAS_NUM_THREADS")) && *env)
    {
        if (!parse_int(env, 1, 1024, &v))
            return bad_usage("OPENBLAS_NUM_THREADS", env,
                             "want an integer >= 1");
        o->threads = (int)v;
    }
    if ((env = getenv("LMC_BENCH_QUICK")) && *env && strcmp(env, "0") != 0)
        o->quick = 1;
    if ((env = getenv("LMC_BENCH_SIZES")) && *env)
        sizes = env;
    if ((env = getenv("LMC_BENCH_REPS")) && *env)
    {
        if (!parse_int(env, 1, 1000, &v))
            return bad_usage("LMC_BENCH_REPS", env, "want 1..1000");
        o->reps = (int)v;
    }
    if ((env = getenv("LMC_BENCH_MIN_TIME")) && *env)
    {
        char *end;
        o->min_time = strtod(env, &end);
        if (*end || !(o->min_time >= 0 && o->min_time <= 60))
            return bad_usage("LMC_BENCH_MIN_TIME", env, "want 0..60 seconds");
    }
    if ((env = getenv("LMC_SOURCE_ROOT")) && *env)
    {
        snprintf(script, sizeof script, "%s/tests/bench_ns.py", env);
        o->script = script;
    }
    for (int i = 1; i < argc; i++)
    {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
        {
            usage(stdout);
            exit(0);
        }
        else if (strcmp(a, "--quick") == 0)
            o->quick = 1;
        else if (strcmp(a, "--no-numpy") == 0)
            o->numpy = 0;
        else if (strcmp(a, "--no-svd") == 0)
            o->svd = 0;
        else if (!val)
            return bad_usage("option", a, "unknown, or missing its value "
                             "(see --help)");
        else if (strcmp(a, "--threads") == 0)
        {
            if (!parse_int(val, 1, 1024, &v))
                return bad_usage("--threads", val, "want an integer >= 1");
            o->threads = (int)v;
            i++;
        }
        else if (strcmp(a, "--sizes") == 0)
        {
            sizes = val;
            i++;
        }
        else if (strcmp(a, "--reps") == 0)
        {
            if (!parse_int(val, 1, 1000, &v))
                return bad_usage("--reps", val, "want 1..1000");
            o->reps = (int)v;
            i++;
        }
        else if (strcmp(a, "--min-time") == 0)
        {
            char *end;
            o->min_time = strtod(val, &end);
            if (*end || !(o->min_time >= 0 && o->min_time <= 60))
                return bad_usage("--min-time", val, "want 0..60 seconds");
            i++;
        }
        else if (strcmp(a, "--python") == 0)
        {
            o->python = val;
            i++;
        }
        else if (strcmp(a, "--numpy-script") == 0)
        {
            o->script = val;
            i++;
        }
        else if (strcmp(a, "--seed") == 0)
        {
            if (!parse_int(val, 0, 2147483647L, &v))
                return bad_usage("--seed", val, "want 0..2^31-1");
            o->seed = (unsigned long)v;
            i++;
        }
        else
            return bad_usage("option", a, "unknown (see --help)");
    }
    if (sizes)
    {
        if (!parse_sizes(sizes, o))
            return bad_usage("sizes", sizes, "want a comma-separated list "
                             "of N or MxN, 1 <= N <= 100000, at most 64");
    }
    else
    {
        char all[512] = "";
        for (size_t i = 0; default_shapes[i]; i++)
        {
            strcat(all, i ? "," : "");
            strcat(all, default_shapes[i]);
        }
        parse_sizes(all, o);
    }
    if (o->quick)
    {
        size_t kept = 0;
        for (size_t i = 0; i < o->nshapes; i++)
            if (o->shapes[i].m <= 512 && o->shapes[i].n <= 512)
                o->shapes[kept++] = o->shapes[i];
        o->nshapes = kept;
        if (!kept)
            return bad_usage("--quick", sizes, "leaves no shape <= 512");
    }
    return 0;
}

/* ------------------------------------------------------------------ */

static const char *
verdict(double ratio, double target)
{
    if (!isfinite(ratio))
        return "-";
    return ratio >= target ? "ok" : "MISSED";
}

/* Everything measured on one shape. */
typedef struct
{
    double gemm, ns, svd, np;               /* seconds per call */
    double gemm_rate, ns_useful, ns_gemmeq; /* GFLOP/s */
} row;

/* Flop counts of the header comment, k <= l. */
static double
flops_gemm(double k, double l)
{
    return 2 * k * k * l;
}

static double
flops_ns_useful(double k, double l)
{
    return STEPS * (k * k * l + k * k * k + 2 * k * k * l);
}

static double
flops_ns_gemmeq(double k, double l)
{
    return STEPS * (4 * k * k * l + 2 * k * k * k);
}

static int
bench_shape(const options *o, size_t m, size_t n, gsl_rng *r, row *out)
{
    const size_t k = m < n ? m : n, l = m < n ? n : m;
    int status = LMC_SUCCESS;
    gemm_ctx g = {m, n, k, NULL, NULL, NULL};
    oracle_ctx c = {NULL, NULL, NULL, NULL};
    timing t[3] = {{run_gemm, &g, 0, 0}, {run_ns, &c, 0, 0},
                   {run_svd, &c, 0, 0}};
    gsl_matrix *a = gsl_matrix_alloc(m, n), *s = gsl_matrix_alloc(m, n);
    g.a = malloc(k * k * sizeof(double));
    g.b = malloc(k * l * sizeof(double));
    g.c = malloc(k * l * sizeof(double));
    lmc_inexact_params p = lmc_inexact_params_default();
    p.steps = STEPS;
    p.precision = LMC_FP64;
    out->gemm = out->ns = out->svd = out->np = NAN;
    out->gemm_rate = out->ns_useful = out->ns_gemmeq = NAN;
    if (!a || !s || !g.a || !g.b || !g.c)
    {
        status = LMC_ENOMEM;
        goto done;
    }
    if ((status = lmc_schedule_get("jordan", &p.schedule)))
        goto done;
    c.q = lmc_inexact_alloc(&lmc_inexact_poly, &lmc_oracle_spectral, m, n,
                            &p);
    c.o = lmc_oracle_alloc(&lmc_oracle_spectral, m, n);
    if (!c.q || !c.o)
    {
        status = LMC_ENOMEM;
        goto done;
    }
    /* Gaussian input (no data-dependent work in either kernel); DGEMM
     * reads the same numbers. */
    lmc_matrix_gaussian(a, r);
    for (size_t i = 0; i < k * k; i++)
        g.a[i] = a->data[i % (m * n)];
    for (size_t i = 0; i < k * l; i++)
    {
        g.b[i] = a->data[i];
        g.c[i] = 0;
    }
    c.m = a;
    c.s = s;
    if ((status = measure(t, o->svd ? 3 : 2, o)))
        goto done;
    out->gemm = t[0].best;
    out->ns = t[1].best;
    if (o->svd)
        out->svd = t[2].best;
    if (o->numpy && (status = numpy_shape(o, c.q, m, n, &out->np)))
        goto done;
    out->gemm_rate = flops_gemm((double)k, (double)l) / out->gemm * 1e-9;
    out->ns_useful = flops_ns_useful((double)k, (double)l) / out->ns * 1e-9;
    out->ns_gemmeq = flops_ns_gemmeq((double)k, (double)l) / out->ns * 1e-9;
done:
    gsl_matrix_free(a);
    gsl_matrix_free(s);
    free(g.a);
    free(g.b);
    free(g.c);
    lmc_inexact_free(c.q);
    lmc_oracle_free(c.o);
    return status;
}

/* The 1-minute load average, to read a noisy table by: the other core
 * busy means the 2-thread rows measured contention. */
static void
print_load(const char *when)
{
    char buf[128] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f)
    {
        if (!fgets(buf, sizeof buf, f))
            strcpy(buf, "?");
        fclose(f);
    }
    buf[strcspn(buf, "\n")] = '\0';
    printf("# load average %s: %s\n", when, buf);
}

int
main(int argc, char **argv)
{
    options o;
    const int u = parse_options(argc, argv, &o);
    if (u)
        return u;
    /* One line per failure, printed below from lmc_last_error(). */
    lmc_set_error_handler(lmc_error_handler_quiet);
    setvbuf(stdout, NULL, _IOLBF, 0);
    openblas_set_num_threads(o.threads);
    /* The NumPy child reads its thread count from the environment. */
    char tbuf[32];
    snprintf(tbuf, sizeof tbuf, "%d", o.threads);
    setenv("OPENBLAS_NUM_THREADS", tbuf, 1);

    /* Which library cblas_dgemm binds to (TOOLCHAIN.md pitfall 1: GSL's
     * reference CBLAS would make every rate meaningless).  dlsym rather
     * than a cast of the function pointer, which ISO C does not allow. */
    Dl_info info;
    void *sym = dlsym(RTLD_DEFAULT, "cblas_dgemm");
    const char *gemm_lib = sym && dladdr(sym, &info) && info.dli_fname
                               ? info.dli_fname
                               : "?";
    printf("# bench-ns: 5 Jordan Newton-Schulz steps (lmc_inexact_poly, "
           "fp64) vs DGEMM, dgesdd, NumPy\n");
    printf("# OpenBLAS: %s; core %s; threads %d (asked %d)\n",
           openblas_get_config(), openblas_get_corename(),
           openblas_get_num_threads(), o.threads);
    printf("# cblas_dgemm from %s%s\n", gemm_lib,
           strstr(gemm_lib, "openblas") ? ""
                                        : "  <-- NOT OpenBLAS: rates are "
                                          "meaningless");
    printf("# best of %d measurements, each >= %g s, kernels interleaved; "
           "seed %lu\n", o.reps, o.min_time, o.seed);
    print_load("at start");
    char npver[64] = "";
    int numpy = o.numpy && numpy_probe(&o, npver);
    if (numpy)
        printf("# NumPy %s via %s %s, OPENBLAS_NUM_THREADS=%d\n", npver,
               o.python, o.script, o.threads);
    else if (!o.numpy)
        printf("# NumPy: skipped (--no-numpy)\n");
    o.numpy = numpy;
    printf("#\n"
           "# k = min(m,n), l = max(m,n).  Flops of 5 steps:\n"
           "#   useful  = 5 (3 k^2 l + k^3): dsyrk X X^T (k^2 l) + dsyrk A "
           "A^T (k^3) + dsymm B X (2 k^2 l)\n"
           "#   gemm-eq = 5 (4 k^2 l + 2 k^3): the same products as three "
           "dgemm (reference only)\n"
           "# DGEMM: (k x k)(k x l), or (l x k)(k x k) if tall, 2 k^2 l flops.  NS/GEMM = useful NS "
           "GFLOP/s / DGEMM GFLOP/s,\n"
           "#   target >= %.2f where k >= %d.  SVD = dgesdd polar factor "
           "(lmc_oracle_spectral); SVD/NS = seconds over NS seconds.\n"
           "# C/NumPy = NumPy seconds / C seconds, target >= %.1f where k "
           ">= %d, >= %.1f where k <= %d.\n"
           "# C/NP max = NumPy seconds / (useful flops at DGEMM's rate): "
           "the best C/NumPy any NS code could reach.\n"
           "# Verdicts: ok / MISSED against the target, '-' where no target "
           "applies.  Misses do not fail.\n#\n",
           TARGET_FLOPS, BIG_K, TARGET_NP_BIG, BIG_K, TARGET_NP_SMALL,
           SMALL_K);
    printf("%-10s %9s %8s %10s %9s %9s %7s %-6s %9s %7s %9s %7s %-6s %8s\n",
           "shape", "DGEMM ms", "GF/s", "NS ms", "useful", "gemm-eq",
           "NS/GEMM", "", "SVD ms", "SVD/NS", "NumPy ms", "C/NumPy", "",
           "C/NP max");

    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
    {
        fprintf(stderr, "bench-ns: no memory for the random generator\n");
        return 1;
    }
    gsl_rng_set(r, o.seed);
    int status = LMC_SUCCESS;
    size_t missed = 0;
    for (size_t i = 0; i < o.nshapes && !status; i++)
    {
        const size_t m = o.shapes[i].m, n = o.shapes[i].n;
        const size_t k = m < n ? m : n;
        row w;
        status = bench_shape(&o, m, n, r, &w);
        if (status)
            break;
        char name[32];
        snprintf(name, sizeof name, "%zux%zu", m, n);
        const double ratio = w.ns_useful / w.gemm_rate;
        const double cnp = w.np / w.ns;
        const char *v1 = k >= BIG_K ? verdict(ratio, TARGET_FLOPS) : "-";
        const double np_target = k >= BIG_K     ? TARGET_NP_BIG
                                 : k <= SMALL_K ? TARGET_NP_SMALL
                                                : NAN;
        const char *v2 = isfinite(np_target) && isfinite(cnp)
                             ? verdict(cnp, np_target)
                             : "-";
        missed += (strcmp(v1, "MISSED") == 0) + (strcmp(v2, "MISSED") == 0);
        printf("%-10s %9.4g %8.1f %10.4g %9.1f %9.1f %7.3f %-6s ", name,
               1e3 * w.gemm, w.gemm_rate, 1e3 * w.ns, w.ns_useful,
               w.ns_gemmeq, ratio, v1);
        if (isfinite(w.svd))
            printf("%9.4g %7.2f ", 1e3 * w.svd, w.svd / w.ns);
        else
            printf("%9s %7s ", "-", "-");
        /* NS at DGEMM's rate would take ns * ratio seconds. */
        if (isfinite(w.np))
            printf("%9.4g %7.2f %-6s %8.2f\n", 1e3 * w.np, cnp, v2,
                   w.np / (w.ns * ratio));
        else
            printf("%9s %7s %-6s %8s\n", "-", "-", "-", "-");
    }
    gsl_rng_free(r);
    if (status)
    {
        fprintf(stderr, "bench-ns: failed: %s: %s\n", lmc_strerror(status),
                lmc_last_error());
        return 1;
    }
    print_load("at end");
    printf("# %zu target(s) missed (reported only)\n", missed);
    return 0;
}
