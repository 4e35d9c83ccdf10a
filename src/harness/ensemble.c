/* ensemble.c -- fp-environment ensembles of a check point (ensemble.h). */
#include "ensemble.h"
#include "fpio.h"
#include "status.h"

#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const lmc_ensemble_member members[] = {
    /* The nominal member leaves the caller's mode as it is (normally
     * round to nearest; a whole run can be put in another mode from
     * outside, as tests/cross-env.py does). */
    {"nominal", LMC_ROUND_AMBIENT, 0},
    {"upward", FE_UPWARD, 0},
    {"downward", FE_DOWNWARD, 0},
    {"toward-zero", FE_TOWARDZERO, 0},
    {"x0+ulp#1", LMC_ROUND_AMBIENT, 1},
    {"x0+ulp#2", LMC_ROUND_AMBIENT, 2},
};

const lmc_ensemble_member *
lmc_ensemble_members(lmc_ensemble_kind k, size_t *n)
{
    *n = k == LMC_ENSEMBLE_NONE ? 1 : k == LMC_ENSEMBLE_ROUNDING ? 4 : 6;
    return members;
}

static const char *const kind_names[] = {"none", "rounding", "full"};

const char *
lmc_ensemble_name(lmc_ensemble_kind k)
{
    return (unsigned)k < 3 ? kind_names[k] : "?";
}

int
lmc_ensemble_parse(const char *s)
{
    for (int k = 0; k < 3; k++)
        if (strcmp(s, kind_names[k]) == 0)
            return k;
    return -1;
}

void
lmc_ensemble_run(const lmc_theorem *T, const lmc_check_config *c,
                 const lmc_check_options *o, const lmc_ensemble_member *m,
                 lmc_ensemble_out *out)
{
    memset(out, 0, sizeof *out);
    lmc_check_result *r = &out->r;
    r->measured = r->bound = r->ratio = NAN;
    r->slope = r->slope_lo = r->slope_hi = NAN;
    r->depart_step = -1;
    r->depart_tol = NAN;
    lmc_check_config cm = *c;
    cm.perturb = m->perturb;
    const int saved = lmc_fe_set(m->round);
    out->status = T->check(&cm, o, r);
    lmc_fe_restore(saved);
    if (out->status != LMC_SUCCESS)
        snprintf(out->error, sizeof out->error, "%s", lmc_last_error());
}

const char *
lmc_ensemble_word(const lmc_ensemble_out *out)
{
    if (out->status == LMC_ENSEMBLE_CRASHED)
        return "crashed";
    if (out->status != LMC_SUCCESS)
        return "error";
    return lmc_verdict_name(out->r.verdict);
}

void
lmc_ensemble_summarize(const lmc_ensemble_member *m,
                       const lmc_ensemble_out *out, size_t n,
                       lmc_ensemble_summary *s)
{
    memset(s, 0, sizeof *s);
    s->status = out[0].status;
    s->r = out[0].r;
    if (out[0].status != LMC_SUCCESS)
        snprintf(s->r.detail, sizeof s->r.detail, "%s", out[0].error);
    s->measured_min = s->bound_min = INFINITY;
    s->measured_max = s->bound_max = -INFINITY;
    size_t agree = 0;
    for (size_t i = 0; i < n; i++)
    {
        if (out[i].status == LMC_SUCCESS)
        {
            /* fmin/fmax skip NaN: a member without a number adds none. */
            s->measured_min = fmin(s->measured_min, out[i].r.measured);
            s->measured_max = fmax(s->measured_max, out[i].r.measured);
            s->bound_min = fmin(s->bound_min, out[i].r.bound);
            s->bound_max = fmax(s->bound_max, out[i].r.bound);
        }
        agree += strcmp(lmc_ensemble_word(&out[i]),
                        lmc_ensemble_word(&out[0])) == 0;
    }
    if (!isfinite(s->measured_min))
        s->measured_min = s->measured_max = NAN;
    if (!isfinite(s->bound_min))
        s->bound_min = s->bound_max = NAN;
    if (agree == n)
        return;
    /* Members disagree: the verdict is not a property of the
     * mathematics.  Name every member's verdict, then the nominal
     * detail. */
    s->fragile = 1;
    s->status = LMC_SUCCESS;
    s->r.verdict = LMC_FRAGILE;
    char buf[sizeof s->r.detail];
    size_t len = (size_t)snprintf(buf, sizeof buf, "members disagree:");
    for (size_t i = 0; i < n && len < sizeof buf; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, " %s %s%s",
                                m[i].name, lmc_ensemble_word(&out[i]),
                                i + 1 < n ? "," : ";");
    if (len < sizeof buf)
        snprintf(buf + len, sizeof buf - len, " nominal: %.*s",
                 (int)(sizeof buf - len),
                 out[0].status == LMC_SUCCESS ? out[0].r.detail
                                              : out[0].error);
    memcpy(s->r.detail, buf, sizeof buf);
}
