/* t-noalloc.c -- apply, norm, dual_norm, predict and delta measurement
 * never allocate: workspaces are sized at _alloc.
 *
 * The test program counts malloc, calloc and realloc calls with
 * alloccount.h (interposed, forwarding to glibc).
 * Every oracle and every error source is applied once to warm up
 * (OpenBLAS sets up its buffers on first use), then again while counting:
 * the count must be 0.  Negative control: a deliberate allocation inside
 * the counting window is seen.
 */
#include "tap.h"
#include "alloccount.h"

#include "inexact.h"
#include "oracle.h"
#include "spectrum.h"
#include "status.h"

#include <stdlib.h>
#include <string.h>

int
main(void)
{
    /* valgrind and ASan own malloc; every point here counts. */
    if (!alloc_count_available())
    {
        printf("1..0 # SKIP %s\n", alloc_count_unavailable());
        return 0;
    }
    const unsigned long seed = tap_begin(11);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    const size_t shapes[][2] = {{9, 9}, {12, 5}, {5, 12}};
    for (size_t is = 0; is < 3; is++)
    {
        const size_t m = shapes[is][0], n = shapes[is][1];
        gsl_matrix *a = gsl_matrix_alloc(m, n), *s = gsl_matrix_alloc(m, n);
        lmc_matrix_gaussian(a, r);
        for (size_t io = 0; lmc_oracle_types[io]; io++)
        {
            const lmc_oracle_type *E = lmc_oracle_types[io];
            lmc_oracle *o = lmc_oracle_alloc(E, m, n);
            double v;
            int st = lmc_oracle_apply(o, a, s);
            st |= lmc_oracle_norm(o, a, &v) | lmc_oracle_dual_norm(o, a, &v);
            alloc_count_start();
            st |= lmc_oracle_apply(o, a, s);
            st |= lmc_oracle_norm(o, a, &v);
            st |= lmc_oracle_dual_norm(o, a, &v);
            const long k = alloc_count_stop();
            tap_ok(st == LMC_SUCCESS && k == 0,
                   "%s on %zux%zu: apply, norm, dual norm allocate nothing "
                   "(%ld calls)", E->name, m, n, k);
            lmc_oracle_free(o);
            for (size_t it = 0; lmc_inexact_types[it]; it++)
            {
                const lmc_inexact_type *T = lmc_inexact_types[it];
                if (T->spectral_only && E != &lmc_oracle_spectral)
                    continue;
                const lmc_precision precs[] = {LMC_FP64, LMC_FP32, LMC_BF16};
                const int np = (T == &lmc_inexact_poly ||
                                T == &lmc_inexact_lowprec) ? 3 : 1;
                for (int ip = 0; ip < np; ip++)
                {
                    lmc_inexact_params p = lmc_inexact_params_default();
                    p.delta = 0.3;
                    p.precision = precs[ip];
                    lmc_inexact *q = lmc_inexact_alloc(T, E, m, n, &p);
                    double d1, d2;
                    int st2 = q ? LMC_SUCCESS : LMC_ENOMEM;
                    if (q)
                    {
                        st2 |= lmc_inexact_apply(q, a, s, &d1);
                        st2 |= lmc_inexact_predict(q, a, &d2);
                        alloc_count_start();
                        st2 |= lmc_inexact_apply(q, a, s, &d1);
                        st2 |= lmc_inexact_predict(q, a, &d2);
                    }
                    const long k2 = alloc_count_stop();
                    tap_ok(st2 == LMC_SUCCESS && k2 == 0,
                           "%s(%s, %s) on %zux%zu: apply with delta "
                           "measurement and predict allocate nothing "
                           "(%ld calls)", T->name, E->name,
                           lmc_precision_name(p.precision), m, n, k2);
                    lmc_inexact_free(q);
                }
            }
        }
        gsl_matrix_free(a);
        gsl_matrix_free(s);
    }
    /* Negative control: the counter sees an allocation. */
    alloc_count_start();
    void *volatile p = malloc(16);
    const long k = alloc_count_stop();
    free(p);
    tap_ok(k == 1, "negative control: an allocation in the window is "
           "counted (%ld)", k);
    gsl_rng_free(r);
    return tap_end();
}
