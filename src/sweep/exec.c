/* sweep/exec.c -- running one cell (any thread): the cell's pairs go
 * through the configuration setters of its kind, the configuration runs,
 * and its outcomes are collected into a sw_result for the store.
 */
#include "impl.h"

#include "checkpoint.h"
#include "runconfig.h"
#include "theorem.h"

#include <math.h>

static void
out_num(sw_result *r, const char *name, double v)
{
    r->oname[r->nout] = name;
    r->oval[r->nout] = v;
    r->has_text[r->nout] = 0;
    r->nout++;
}

static void
out_text(sw_result *r, const char *name, const char *t)
{
    r->oname[r->nout] = name;
    r->oval[r->nout] = NAN;
    snprintf(r->otext[r->nout], OUT_TEXT, "%s", t);
    r->has_text[r->nout] = 1;
    r->nout++;
}

/* Records an error: prefix + the library's message. */
static void
fail(sw_result *r, const char *prefix)
{
    r->ok = 0;
    snprintf(r->error, sizeof r->error, "%s%s", prefix, lmc_last_error());
}

static void
exec_run(const pairs *p, sw_result *r)
{
    lmc_run_config c;
    lmc_run_config_init(&c);
    for (size_t i = 0; i < p->n; i++)
        if (lmc_run_config_set(&c, p->k[i], p->v[i]))
        {
            fail(r, "");
            return;
        }
    if (lmc_run_config_finish(&c))
    {
        fail(r, "");
        return;
    }
    lmc_run_summary s;
    if (lmc_run_config_exec(&c, NULL, &s))
    {
        char pre[256];
        if (s.failed_at == 1)
            snprintf(pre, sizeof pre, "problem %s: ", c.problem->name);
        else if (s.failed_at == 2)
            snprintf(pre, sizeof pre, "method %s does not fit problem %s: ",
                     c.method->name, c.problem->name);
        else
            pre[0] = '\0';
        {
            fail(r, pre);
            return;
        }
    }
    r->seconds = s.seconds;
    out_num(r, "f_final", s.f_final);
    out_num(r, "gap_final", s.gap_final);
    out_num(r, "gap_min", s.gap_min);
    out_num(r, "gap_first", s.gap_first);
    out_num(r, "gdual_final", s.gdual_final);
    out_num(r, "gdual_min", s.gdual_min);
    out_num(r, "gdual_avg", s.gdual_avg);
    out_num(r, "gfrob_final", s.gfrob_final);
    out_num(r, "gfrob2_avg", s.gfrob2_avg);
    out_num(r, "merr_avg", s.merr_avg);
    out_num(r, "delta_mean", s.delta_mean);
    out_num(r, "delta_max", s.delta_max);
    out_num(r, "ngrad", (double)s.ngrad);
    out_num(r, "iters", (double)s.iters);
    out_num(r, "diverged", s.diverged);
    out_text(r, "stop", lmc_stop_name(s.stop));
    out_text(r, "why", s.why);
    if (s.stop == LMC_STOP_ERROR)
    {
        r->ok = 0;
        snprintf(r->error, sizeof r->error, "%s", s.why);
    }
}

static void
exec_oracle(const pairs *p, sw_result *r)
{
    lmc_oracle_config c;
    lmc_oracle_config_init(&c);
    for (size_t i = 0; i < p->n; i++)
        if (lmc_oracle_config_set(&c, p->k[i], p->v[i]))
        {
            fail(r, "");
            return;
        }
    lmc_oracle_outcome o;
    if (lmc_oracle_config_exec(&c, &o))
    {
        fail(r, "");
        return;
    }
    r->seconds = o.seconds;
    out_num(r, "delta_pred", o.delta_pred);
    out_num(r, "delta_meas", o.delta_meas);
    out_num(r, "frob_err", o.frob_err);
    out_num(r, "orth_err", o.orth_err);
}

static void
exec_check(const pairs *p, sw_result *r)
{
    const char *th = "", *label = "", *set = "quick";
    unsigned long seed = 1;
    for (size_t i = 0; i < p->n; i++)
    {
        if (strcmp(p->k[i], "theorem") == 0)
            th = p->v[i];
        else if (strcmp(p->k[i], "label") == 0)
            label = p->v[i];
        else if (strcmp(p->k[i], "set") == 0)
            set = p->v[i];
        else if (strcmp(p->k[i], "seed") == 0)
            seed = strtoul(p->v[i], NULL, 10);
    }
    const lmc_theorem *T = lmc_theorem_find(th);
    if (!T)
    {
        r->ok = 0;
        snprintf(r->error, sizeof r->error, "theorem '%s' is not registered",
                 th);
        return;
    }
    lmc_check_options o = {.full = strcmp(set, "full") == 0,
                           .bound_scale = 1.0, .seed_base = seed};
    lmc_check_config *cs = calloc(MAX_CHECK_CONFIGS, sizeof *cs);
    if (!cs)
    {
        r->ok = 0;
        snprintf(r->error, sizeof r->error, "out of memory");
        return;
    }
    size_t n = T->configs(&o, cs, MAX_CHECK_CONFIGS), j;
    if (n > MAX_CHECK_CONFIGS)
        n = MAX_CHECK_CONFIGS;
    for (j = 0; j < n && strcmp(cs[j].label, label); j++)
        ;
    if (j == n)
    {
        r->ok = 0;
        snprintf(r->error, sizeof r->error, "%s has no configuration '%s'",
                 th, label);
        free(cs);
        return;
    }
    /* Nominal environment only: a sweep's check cell is the point as
     * the entry defines it (the ensemble is `check`'s business). */
    size_t nm;
    const lmc_ensemble_member *m = lmc_ensemble_members(LMC_ENSEMBLE_NONE,
                                                        &nm);
    lmc_ensemble_out eo;
    lmc_point_outcome po;
    const double t0 = now();
    lmc_point_check(T, &cs[j], &o, m, nm, &eo, &po);
    r->seconds = now() - t0;
    out_text(r, "theorem", T->id);
    out_text(r, "label", cs[j].label);
    out_text(r, "problem", cs[j].problem);
    out_text(r, "method", cs[j].method);
    out_text(r, "kind", lmc_theorem_kind_name(T->kind));
    out_text(r, "provenance", T->provenance);
    /* The classification (a TODO, a failure) follows from the stored
     * verdict and finding; the store keeps those two. */
    if (cs[j].finding)
        out_text(r, "finding", cs[j].finding);
    out_text(r, "verdict", po.verdict);
    if (po.sum.status != LMC_SUCCESS)
    {
        r->ok = 0;
        /* The check's message in full (nothing reports an error after
         * the check; the member's copy is cut at 255 characters). */
        snprintf(r->error, sizeof r->error, "%s", lmc_last_error());
    }
    else
    {
        out_num(r, "measured", po.sum.r.measured);
        out_num(r, "bound", po.sum.r.bound);
        out_num(r, "ratio", po.sum.r.ratio);
    }
    free(cs);
}

void
lmc_sweep_cell_exec(const lmc_sweep_spec *s, const sw_cell *c, sw_result *r)
{
    pairs p;
    lmc_sweep_cell_pairs(s, c, &p);
    r->ok = 1;
    r->nout = 0;
    r->error[0] = '\0';
    r->seconds = 0; /* a refused configuration takes no time */
    if (s->kind == KIND_RUN)
        exec_run(&p, r);
    else if (s->kind == KIND_ORACLE)
        exec_oracle(&p, r);
    else
        exec_check(&p, r);
}

