/* sweep/spec.c -- spec files: reading a libconfig spec and validating
 * every value through the configuration setters of its kind, so that a
 * bad spec fails when read, naming its line, not when a cell runs.
 */
#include "impl.h"

#include "runconfig.h"
#include "fpio.h"
#include "theorem.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const lmc_sweep_kind_names[] = {"run", "oracle", "check"};

/* Numeric outcomes per kind (refine.outcome must be one of them). */
static const char run_outcomes[] =
    "f_final, gap_final, gap_min, gap_first, gdual_final, gdual_min, "
    "gdual_avg, gfrob_final, gfrob2_avg, merr_avg, delta_mean, delta_max, "
    "ngrad, iters, diverged";
static const char oracle_outcomes[] =
    "delta_pred, delta_meas, frob_err, orth_err";
static const char check_outcomes[] = "measured, bound, ratio";


void
lmc_sweep_spec_free(lmc_sweep_spec *s)
{
    if (!s)
        return;
    config_destroy(&s->cfg);
    free(s->path);
    for (size_t i = 0; i < s->nbase; i++)
    {
        free(s->bkey[i]);
        free(s->bval[i]);
    }
    free(s->bkey);
    free(s->bval);
    for (size_t i = 0; i < s->naxes; i++)
    {
        sw_axis *a = &s->axes[i];
        for (size_t j = 0; a->vals && j < a->n; j++)
        {
            free(a->vals[j]);
            for (size_t m = 0; a->vn && m < a->vn[j]; m++)
            {
                free(a->vk[j][m]);
                free(a->vv[j][m]);
            }
            if (a->vk)
                free(a->vk[j]);
            if (a->vv)
                free(a->vv[j]);
        }
        free(a->vals);
        free(a->vn);
        free(a->vk);
        free(a->vv);
        free(a->key);
    }
    free(s->axes);
    for (size_t i = 0; i < s->npoints; i++)
        free(s->pt_label[i]);
    free(s->pt_label);
    free(s->pt_theorem);
    for (size_t i = 0; i < s->nfiles; i++)
        free(s->fval[i]);
    free(s->fval);
    free(s->fhash);
    free(s);
}

const char *
lmc_sweep_spec_name(const lmc_sweep_spec *s)
{
    return s->name;
}

const char *
lmc_sweep_spec_kind(const lmc_sweep_spec *s)
{
    return lmc_sweep_kind_names[s->kind];
}

int
lmc_sweep_spec_string(const lmc_sweep_spec *s, const char *path,
                      const char **out)
{
    return config_lookup_string(&s->cfg, path, out) == CONFIG_TRUE ? 0 : -1;
}

int
lmc_sweep_spec_number(const lmc_sweep_spec *s, const char *path,
                      double *out)
{
    const config_setting_t *e = config_lookup(&s->cfg, path);
    if (!e)
        return -1;
    switch (config_setting_type(e))
    {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        *out = (double)config_setting_get_int64(e);
        return 0;
    case CONFIG_TYPE_FLOAT:
        *out = config_setting_get_float(e);
        return 0;
    default: return -1;
    }
}

const void *
lmc_sweep_spec_config(const lmc_sweep_spec *s)
{
    return &s->cfg;
}

size_t
lmc_sweep_spec_cells(const lmc_sweep_spec *s)
{
    return s->ncells;
}

/* Text of a scalar setting; -1 if it is not a scalar. */
static int
scalar_text(const config_setting_t *e, char *buf, size_t len)
{
    switch (config_setting_type(e))
    {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        snprintf(buf, len, "%lld", (long long)config_setting_get_int64(e));
        return 0;
    case CONFIG_TYPE_FLOAT:
        lmc_snprintf(buf, len, "%.17g", config_setting_get_float(e));
        return 0;
    case CONFIG_TYPE_STRING:
        snprintf(buf, len, "%s", config_setting_get_string(e));
        return 0;
    case CONFIG_TYPE_BOOL:
        snprintf(buf, len, "%d", config_setting_get_bool(e) ? 1 : 0);
        return 0;
    default: return -1;
    }
}

static int
line_of(const config_setting_t *e)
{
    const int l = e ? (int)config_setting_source_line(e) : 0;
    return l > 0 ? l : 1;
}

/* Applies key=val to a scratch configuration of the spec's kind. */
typedef struct
{
    lmc_run_config run;
    lmc_oracle_config oracle;
} scratch;

static int
check_key_set(const char *key, const char *val)
{
    if (strcmp(key, "set") == 0)
    {
        if (strcmp(val, "quick") && strcmp(val, "full"))
            LMC_ERROR(LMC_EINVAL, "set: '%s' is not accepted (accepted: "
                      "quick, full)", val);
    }
    else if (strcmp(key, "seed") == 0)
    {
        char *end;
        errno = 0;
        (void)strtoul(val, &end, 10);
        if (!*val || *val == '-' || *val == '+' || *end || errno)
            LMC_ERROR(LMC_EINVAL, "seed: '%s' is not accepted (accepted: "
                      "integers >= 0)", val);
    }
    else
        LMC_ERROR(LMC_ENOTFOUND, "%s: unknown key (accepted: set, "
                  "theorems, seed)", key);
    return LMC_SUCCESS;
}

static int
scratch_set(int kind, scratch *w, const char *key, const char *val)
{
    if (kind == KIND_RUN)
        return lmc_run_config_set(&w->run, key, val);
    if (kind == KIND_ORACLE)
        return lmc_oracle_config_set(&w->oracle, key, val);
    return check_key_set(key, val);
}

static int
add_base(lmc_sweep_spec *s, const char *key, const char *val)
{
    char **k = realloc(s->bkey, (s->nbase + 1) * sizeof *k);
    if (!k)
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    s->bkey = k;
    char **v = realloc(s->bval, (s->nbase + 1) * sizeof *v);
    if (!v)
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    s->bval = v;
    s->bkey[s->nbase] = dup_str(key);
    s->bval[s->nbase] = dup_str(val);
    s->nbase++;
    if (!s->bkey[s->nbase - 1] || !s->bval[s->nbase - 1])
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    return LMC_SUCCESS;
}

static int
read_base(lmc_sweep_spec *s, const config_setting_t *g, scratch *w)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        SPEC_ERR(s, line_of(g), "base: not a group (accepted: { key = "
                 "value; ... })");
    const int n = config_setting_length(g);
    for (int i = 0; i < n; i++)
    {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(e);
        char val[LMC_RUN_CONFIG_TEXT];
        if (s->kind == KIND_CHECK && strcmp(key, "theorems") == 0)
        {
            if (!config_setting_is_aggregate(e) ||
                config_setting_length(e) == 0)
                SPEC_ERR(s, line_of(e), "theorems: not a non-empty list "
                         "(accepted: [\"T2\", ...])");
            const int nt = config_setting_length(e);
            for (int j = 0; j < nt; j++)
            {
                const config_setting_t *t =
                    config_setting_get_elem(e, (unsigned)j);
                const char *id = config_setting_get_string(t);
                if (!id || !lmc_theorem_find(id))
                    SPEC_ERR(s, line_of(t), "theorems: '%s' is not a "
                             "registered theorem (see 'lmocheck check "
                             "--list')", id ? id : "(not a string)");
            }
            continue;
        }
        if (scalar_text(e, val, sizeof val))
            SPEC_ERR(s, line_of(e), "%s: not a number or string", key);
        if (scratch_set(s->kind, w, key, val))
            SPEC_ERR(s, line_of(e), "%s", lmc_last_error());
        LMC_TRY(lmc_sweep_file_hash(s, key, val, line_of(e)));
        LMC_TRY(add_base(s, key, val));
    }
    return LMC_SUCCESS;
}

/* A variants axis: each element is a group { name = "N"; k = v; ... }
 * whose pairs all go into the cell (several keys moving together, e.g.
 * a method with its own step rule).  The pairs are validated with the
 * rest of the spec in check_axis. */
static int
read_variants(lmc_sweep_spec *s, const config_setting_t *vars, sw_axis *a)
{
    if (!config_setting_is_list(vars) || config_setting_length(vars) == 0)
        SPEC_ERR(s, line_of(vars), "%s: variants is not a non-empty list "
                 "(accepted: ( { name = \"N\"; k = v; ... }, ... ))",
                 a->key);
    a->n = (size_t)config_setting_length(vars);
    a->vals = calloc(a->n, sizeof *a->vals);
    a->vn = calloc(a->n, sizeof *a->vn);
    a->vk = calloc(a->n, sizeof *a->vk);
    a->vv = calloc(a->n, sizeof *a->vv);
    if (!a->vals || !a->vn || !a->vk || !a->vv)
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    for (size_t j = 0; j < a->n; j++)
    {
        const config_setting_t *g = config_setting_get_elem(vars, (unsigned)j);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
            SPEC_ERR(s, line_of(g), "%s: a variant is not a group "
                     "(accepted: { name = \"N\"; k = v; ... })", a->key);
        const char *name = NULL;
        const int m = config_setting_length(g);
        if (!(a->vk[j] = calloc((size_t)m + 1, sizeof *a->vk[j])) ||
            !(a->vv[j] = calloc((size_t)m + 1, sizeof *a->vv[j])))
            LMC_ERROR(LMC_ENOMEM, "out of memory");
        for (int i = 0; i < m; i++)
        {
            const config_setting_t *e = config_setting_get_elem(g,
                                                                (unsigned)i);
            const char *nm = config_setting_name(e);
            char buf[LMC_RUN_CONFIG_TEXT];
            if (strcmp(nm, "name") == 0)
            {
                if (!(name = config_setting_get_string(e)) || !*name)
                    SPEC_ERR(s, line_of(e), "%s: name is not a non-empty "
                             "string", a->key);
                continue;
            }
            if (scalar_text(e, buf, sizeof buf))
                SPEC_ERR(s, line_of(e), "%s: not a number or string", nm);
            for (size_t k = 0; k < a->vn[j]; k++)
                if (strcmp(a->vk[j][k], nm) == 0)
                    SPEC_ERR(s, line_of(e), "%s: set twice in one variant",
                             nm);
            if (!(a->vk[j][a->vn[j]] = dup_str(nm)) ||
                !(a->vv[j][a->vn[j]] = dup_str(buf)))
            {
                a->vn[j] += a->vk[j][a->vn[j]] != NULL; /* freed with s */
                LMC_ERROR(LMC_ENOMEM, "out of memory");
            }
            a->vn[j]++;
            LMC_TRY(lmc_sweep_file_hash(s, nm, buf, line_of(e)));
        }
        if (!name)
            SPEC_ERR(s, line_of(g), "%s: a variant has no name (accepted: "
                     "name = \"N\")", a->key);
        if (a->vn[j] == 0)
            SPEC_ERR(s, line_of(g), "%s: variant '%s' sets nothing", a->key,
                     name);
        for (size_t k = 0; k < j; k++)
            if (strcmp(a->vals[k], name) == 0)
                SPEC_ERR(s, line_of(g), "%s: two variants named '%s'",
                         a->key, name);
        if (!(a->vals[j] = dup_str(name)))
            LMC_ERROR(LMC_ENOMEM, "out of memory");
    }
    return LMC_SUCCESS;
}

/* An axis "values = [v1, v2, ...]": each value as written. */
static int
read_values(lmc_sweep_spec *s, const config_setting_t *vals, sw_axis *a)
{
    const char *key = a->key;
    char buf[LMC_RUN_CONFIG_TEXT];
    if (!config_setting_is_aggregate(vals) ||
        config_setting_length(vals) == 0)
        SPEC_ERR(s, line_of(vals), "%s: values is empty (accepted: a "
                 "non-empty list [v1, v2, ...])", key);
    a->n = (size_t)config_setting_length(vals);
    if (!(a->vals = calloc(a->n, sizeof *a->vals)))
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    for (size_t j = 0; j < a->n; j++)
    {
        const config_setting_t *e =
            config_setting_get_elem(vals, (unsigned)j);
        if (scalar_text(e, buf, sizeof buf))
            SPEC_ERR(s, line_of(e), "%s: a value is not a number or "
                     "string", key);
        if (!(a->vals[j] = dup_str(buf)))
            LMC_ERROR(LMC_ENOMEM, "out of memory");
        LMC_TRY(lmc_sweep_file_hash(s, key, buf, line_of(e)));
    }
    return LMC_SUCCESS;
}

/* An axis "log = [lo, hi]; points = N;" (or linear): N values from lo
 * to hi, evenly spaced in log10 or linearly. */
static int
read_grid(lmc_sweep_spec *s, const config_setting_t *grid,
          const config_setting_t *pts, int is_log, sw_axis *a)
{
    const char *key = a->key;
    char buf[LMC_RUN_CONFIG_TEXT];
    const char *gn = is_log ? "log" : "linear";
    double lo, hi;
    if (config_setting_length(grid) != 2 ||
        !config_setting_is_number(config_setting_get_elem(grid, 0)) ||
        !config_setting_is_number(config_setting_get_elem(grid, 1)))
        SPEC_ERR(s, line_of(grid), "%s: %s is not [lo, hi] (accepted: two "
                 "numbers)", key, gn);
    lo = config_setting_get_float_elem(grid, 0);
    hi = config_setting_get_float_elem(grid, 1);
    if (config_setting_type(config_setting_get_elem(grid, 0)) !=
        CONFIG_TYPE_FLOAT)
        lo = (double)config_setting_get_int64_elem(grid, 0);
    if (config_setting_type(config_setting_get_elem(grid, 1)) !=
        CONFIG_TYPE_FLOAT)
        hi = (double)config_setting_get_int64_elem(grid, 1);
    if (is_log && !(lo > 0 && hi > 0))
        SPEC_ERR(s, line_of(grid), "%s: log = [%g, %g] (accepted: lo > 0 "
                 "and hi > 0)", key, lo, hi);
    if (!(isfinite(lo) && isfinite(hi)) || lo == hi)
        SPEC_ERR(s, line_of(grid), "%s: %s = [%g, %g] (accepted: finite, "
                 "lo != hi)", key, gn, lo, hi);
    if (!pts || (config_setting_type(pts) != CONFIG_TYPE_INT &&
                 config_setting_type(pts) != CONFIG_TYPE_INT64))
        SPEC_ERR(s, pts ? line_of(pts) : a->line, "%s: points missing or "
                 "not an integer (accepted: integers 2..100000)", key);
    const long long np = config_setting_get_int64(pts);
    if (np < 2 || np > 100000)
        SPEC_ERR(s, line_of(pts), "%s: points = %lld (accepted: integers "
                 "2..100000)", key, np);
    a->n = (size_t)np;
    if (!(a->vals = calloc(a->n, sizeof *a->vals)))
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    for (size_t j = 0; j < a->n; j++)
    {
        /* Endpoints exactly as written. */
        const double u = (double)j / (double)(a->n - 1);
        const double llo = is_log ? log10(lo) : lo;
        const double lhi = is_log ? log10(hi) : hi;
        const double x = j == 0            ? lo
                         : j + 1 == a->n ? hi
                         : is_log        ? pow(10, llo + u * (lhi - llo))
                                         : lo + u * (hi - lo);
        lmc_snprintf(buf, sizeof buf, "%.17g", x);
        if (!(a->vals[j] = dup_str(buf)))
            LMC_ERROR(LMC_ENOMEM, "out of memory");
    }
    return LMC_SUCCESS;
}

static int
read_axis(lmc_sweep_spec *s, const config_setting_t *g, sw_axis *a)
{
    a->line = line_of(g);
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        SPEC_ERR(s, a->line, "axes: an element is not a group (accepted: "
                 "{ key = \"K\"; values = [...]; } or log/linear = [lo, "
                 "hi]; points = N;)");
    const config_setting_t *vals = NULL, *grid = NULL, *pts = NULL;
    const config_setting_t *vars = NULL;
    int is_log = 0;
    const char *key = NULL;
    const int n = config_setting_length(g);
    for (int i = 0; i < n; i++)
    {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        const char *nm = config_setting_name(e);
        if (strcmp(nm, "key") == 0)
        {
            if (!(key = config_setting_get_string(e)))
                SPEC_ERR(s, line_of(e), "key: not a string (accepted: a "
                         "configuration key)");
        }
        else if (strcmp(nm, "values") == 0)
            vals = e;
        else if (strcmp(nm, "variants") == 0)
            vars = e;
        else if (strcmp(nm, "log") == 0 || strcmp(nm, "linear") == 0)
        {
            if (grid)
                SPEC_ERR(s, line_of(e), "%s: a second grid in one axis "
                         "(accepted: one of values, log, linear)", nm);
            grid = e;
            is_log = nm[1] == 'o';
        }
        else if (strcmp(nm, "points") == 0)
            pts = e;
        else
            SPEC_ERR(s, line_of(e), "%s: unknown axis setting (accepted: "
                     "key, values, log, linear, points, variants)", nm);
    }
    if (!key)
        SPEC_ERR(s, a->line, "axes: an axis has no key (accepted: key = "
                 "\"NAME\")");
    if (!(a->key = dup_str(key)))
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    if (vars)
    {
        if (vals || grid || pts)
            SPEC_ERR(s, line_of(vars), "%s: variants goes alone (accepted: "
                     "variants = ( { name = \"N\"; k = v; ... }, ... ))",
                     key);
        return read_variants(s, vars, a);
    }
    if (!vals == !grid)
        SPEC_ERR(s, a->line, "%s: give exactly one of values, log, linear "
                 "(accepted: values = [...]; log = [lo, hi]; linear = [lo, "
                 "hi])", key);
    if (vals)
    {
        if (pts)
            SPEC_ERR(s, line_of(pts), "%s: points goes with log or linear, "
                     "not values", key);
        return read_values(s, vals, a);
    }
    return read_grid(s, grid, pts, is_log, a);
}

static int
outcome_known(int kind, const char *name)
{
    const char *list = kind == KIND_RUN      ? run_outcomes
                       : kind == KIND_ORACLE ? oracle_outcomes
                                             : check_outcomes;
    const size_t n = strlen(name);
    for (const char *p = strstr(list, name); p; p = strstr(p + 1, name))
        if ((p == list || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

static long
axis_find(const lmc_sweep_spec *s, const char *key)
{
    for (size_t i = 0; i < s->naxes; i++)
        if (strcmp(s->axes[i].key, key) == 0)
            return (long)i;
    return -1;
}

/* refine.key: a numeric axis whose key takes values between its grid
 * points (g: the refine group, for the line of an error). */
static int
check_refine_key(lmc_sweep_spec *s, const config_setting_t *g,
                 const char *key)
{
    const sw_axis *A = &s->axes[s->ref_axis];
    if (A->vn)
        SPEC_ERR(s, line_of(g), "refine.key: '%s' is a variants axis "
                 "(accepted: the key of a numeric axis)", key);
    for (size_t j = 0; j < A->n; j++)
    {
        char *end;
        const double x = lmc_strtod(A->vals[j], &end);
        if (*end || !isfinite(x))
            SPEC_ERR(s, A->line, "refine.key: axis %s has the non-numeric "
                     "value '%s' (accepted: a numeric axis)", key,
                     A->vals[j]);
    }
    /* Refined values lie between grid values: the key must take them
     * (an integer key such as seed or steps cannot be refined). */
    if (A->n >= 2)
    {
        const double a0 = lmc_strtod(A->vals[0], NULL);
        const double a1 = lmc_strtod(A->vals[1], NULL);
        char mid[64];
        lmc_snprintf(mid, sizeof mid, "%.17g",
                 a0 > 0 && a1 > 0 ? sqrt(a0 * a1) : 0.5 * (a0 + a1));
        scratch w;
        lmc_run_config_init(&w.run);
        lmc_oracle_config_init(&w.oracle);
        if (scratch_set(s->kind, &w, key, mid))
            SPEC_ERR(s, line_of(g), "refine.key: '%s' does not take values "
                     "between its grid points (%s) (accepted: a key with "
                     "real values, e.g. lr)", key, lmc_last_error());
    }
    return LMC_SUCCESS;
}

/* refine.by: distinct axis keys other than refine.key (axis ka). */
static int
read_refine_by(lmc_sweep_spec *s, const config_setting_t *by, long ka)
{
    if (!config_setting_is_aggregate(by))
        SPEC_ERR(s, line_of(by), "refine.by: not a list (accepted: "
                 "[\"axis key\", ...])");
    const int nb = config_setting_length(by);
    for (int j = 0; j < nb; j++)
    {
        const config_setting_t *e =
            config_setting_get_elem(by, (unsigned)j);
        const char *b = config_setting_get_string(e);
        const long ib = b ? axis_find(s, b) : -1;
        if (ib < 0 || ib == ka)
            SPEC_ERR(s, line_of(e), "refine.by: '%s' is not accepted "
                     "(accepted: axis keys other than refine.key)",
                     b ? b : "");
        /* Distinct axes other than the key: fewer than naxes <=
         * MAX_PAIRS / 2 entries, so ref_by cannot overflow. */
        for (size_t k = 0; k < s->ref_nby; k++)
            if (s->ref_by[k] == (size_t)ib)
                SPEC_ERR(s, line_of(e), "refine.by: '%s' is listed "
                         "twice (accepted: distinct axis keys other "
                         "than refine.key)", b);
        if (s->ref_nby == MAX_PAIRS)
            SPEC_ERR(s, line_of(e), "refine.by: more than %d keys "
                     "(accepted: distinct axis keys)", MAX_PAIRS);
        s->ref_by[s->ref_nby++] = (size_t)ib;
    }
    return LMC_SUCCESS;
}

static int
read_refine(lmc_sweep_spec *s, const config_setting_t *g)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        SPEC_ERR(s, line_of(g), "refine: not a group (accepted: { key = "
                 "\"K\"; by = [...]; outcome = \"O\"; points = N; })");
    if (s->kind == KIND_CHECK)
        SPEC_ERR(s, line_of(g), "refine: not available for kind \"check\" "
                 "(accepted: kinds run, oracle)");
    const char *key = NULL, *outcome = NULL;
    const config_setting_t *by = NULL, *pts = NULL;
    const int n = config_setting_length(g);
    for (int i = 0; i < n; i++)
    {
        const config_setting_t *e = config_setting_get_elem(g, (unsigned)i);
        const char *nm = config_setting_name(e);
        if (strcmp(nm, "key") == 0)
            key = config_setting_get_string(e);
        else if (strcmp(nm, "outcome") == 0)
            outcome = config_setting_get_string(e);
        else if (strcmp(nm, "by") == 0)
            by = e;
        else if (strcmp(nm, "points") == 0)
            pts = e;
        else
            SPEC_ERR(s, line_of(e), "refine.%s: unknown setting (accepted: "
                     "key, by, outcome, points)", nm);
    }
    const long ka = key ? axis_find(s, key) : -1;
    if (ka < 0)
        SPEC_ERR(s, line_of(g), "refine.key: '%s' is not an axis key "
                 "(accepted: the key of a numeric axis)", key ? key : "");
    s->ref_axis = (size_t)ka;
    LMC_TRY(check_refine_key(s, g, key));
    if (!outcome || !outcome_known(s->kind, outcome))
        SPEC_ERR(s, line_of(g), "refine.outcome: '%s' is not accepted "
                 "(accepted: %s)", outcome ? outcome : "",
                 s->kind == KIND_RUN ? run_outcomes : oracle_outcomes);
    snprintf(s->ref_outcome, sizeof s->ref_outcome, "%s", outcome);
    if (by)
        LMC_TRY(read_refine_by(s, by, ka));
    if (!pts || config_setting_type(pts) != CONFIG_TYPE_INT ||
        config_setting_get_int(pts) < 1 || config_setting_get_int(pts) > 1000)
        SPEC_ERR(s, pts ? line_of(pts) : line_of(g), "refine.points: "
                 "missing or out of range (accepted: integers 1..1000)");
    s->ref_points = (size_t)config_setting_get_int(pts);
    s->refine = 1;
    return LMC_SUCCESS;
}

/* kind check: enumerate (theorem, label) points. */
static int
read_points(lmc_sweep_spec *s, const config_setting_t *base)
{
    const config_setting_t *ths =
        base ? config_setting_get_member(base, "theorems") : NULL;
    const char *set = "quick";
    for (size_t i = 0; i < s->nbase; i++)
        if (strcmp(s->bkey[i], "set") == 0)
            set = s->bval[i];
    lmc_check_options o = {.full = strcmp(set, "full") == 0,
                           .bound_scale = 1.0, .seed_base = 1};
    lmc_check_config *cs = calloc(MAX_CHECK_CONFIGS, sizeof *cs);
    if (!cs)
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    int status = LMC_SUCCESS;
    for (size_t i = 0; lmc_theorems[i] && status == LMC_SUCCESS; i++)
    {
        const lmc_theorem *T = lmc_theorems[i];
        if (ths)
        {
            int in = 0;
            for (int j = 0; j < config_setting_length(ths); j++)
            {
                const char *id = config_setting_get_string_elem(ths,
                                                                (unsigned)j);
                in |= id && strcmp(id, T->id) == 0;
            }
            if (!in)
                continue;
        }
        size_t n = T->configs(&o, cs, MAX_CHECK_CONFIGS);
        if (n > MAX_CHECK_CONFIGS)
            n = MAX_CHECK_CONFIGS;
        const char **pt = realloc(s->pt_theorem,
                                  (s->npoints + n + 1) * sizeof *pt);
        if (pt)
            s->pt_theorem = pt;
        char **pl = realloc(s->pt_label, (s->npoints + n + 1) * sizeof *pl);
        if (pl)
            s->pt_label = pl;
        if (!pt || !pl)
        {
            status = LMC_ENOMEM;
            break;
        }
        for (size_t j = 0; j < n; j++)
        {
            s->pt_theorem[s->npoints] = T->id;
            if (!(s->pt_label[s->npoints] = dup_str(cs[j].label)))
            {
                status = LMC_ENOMEM;
                break;
            }
            s->npoints++;
        }
    }
    free(cs);
    if (status)
        LMC_ERROR(status, "out of memory");
    if (s->npoints == 0)
        SPEC_ERR(s, base ? line_of(base) : 1, "theorems: no configuration "
                 "to check");
    return LMC_SUCCESS;
}

/* 1 if axis a sets key k (its own key, or a key of one of its
 * variants). */
static int
axis_sets(const sw_axis *a, const char *k)
{
    if (!a->vn)
        return strcmp(a->key, k) == 0;
    for (size_t j = 0; j < a->n; j++)
        for (size_t m = 0; m < a->vn[j]; m++)
            if (strcmp(a->vk[j][m], k) == 0)
                return 1;
    return 0;
}

/* The top-level settings: name and kind read into s, base, axes and
 * refine returned (NULL when absent), anything else refused. */
static int
read_root(lmc_sweep_spec *s, const config_setting_t **base,
          const config_setting_t **axes, const config_setting_t **refine)
{
    const config_setting_t *root = config_root_setting(&s->cfg);
    *base = *axes = *refine = NULL;
    const config_setting_t *name = NULL, *kind = NULL;
    const int n = config_setting_length(root);
    for (int i = 0; i < n; i++)
    {
        const config_setting_t *e =
            config_setting_get_elem(root, (unsigned)i);
        const char *nm = config_setting_name(e);
        if (strcmp(nm, "name") == 0)
            name = e;
        else if (strcmp(nm, "kind") == 0)
            kind = e;
        else if (strcmp(nm, "base") == 0)
            *base = e;
        else if (strcmp(nm, "axes") == 0)
            *axes = e;
        else if (strcmp(nm, "refine") == 0)
            *refine = e;
        else if (strcmp(nm, "report") != 0)
            SPEC_ERR(s, line_of(e), "%s: unknown setting (accepted: name, "
                     "kind, base, axes, refine, report)", nm);
    }
    const char *nv = name ? config_setting_get_string(name) : NULL;
    if (!nv || !*nv || strlen(nv) >= sizeof s->name ||
        strspn(nv, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(nv))
        SPEC_ERR(s, line_of(name), "name: %s%s%s (accepted: a string of "
                 "a-z, 0-9 and '-', up to 63 characters)",
                 nv ? "'" : "", nv ? nv : "missing or not a string",
                 nv ? "' is not accepted" : "");
    strcpy(s->name, nv);
    const char *kv = kind ? config_setting_get_string(kind) : NULL;
    s->kind = -1;
    for (int k = 0; kv && k < 3; k++)
        if (strcmp(kv, lmc_sweep_kind_names[k]) == 0)
            s->kind = k;
    if (s->kind < 0)
        SPEC_ERR(s, line_of(kind), "kind: %s%s%s (accepted: run, oracle, "
                 "check)", kv ? "'" : "", kv ? kv : "missing or not a string",
                 kv ? "' is not accepted" : "");
    return LMC_SUCCESS;
}

/* Axis i (read): every key it sets is set nowhere else (base, axes
 * before it), it is an axis its kind accepts, and each of its values
 * (or variants) is accepted on top of the base configuration w. */
static int
check_axis(lmc_sweep_spec *s, size_t i, const scratch *w)
{
    const sw_axis *a = &s->axes[i];
    /* Every key this axis sets must be set nowhere else. */
    const size_t nk = a->vn ? a->n : 1;
    for (size_t v = 0; v < nk; v++)
        for (size_t m = 0; m < (a->vn ? a->vn[v] : 1); m++)
        {
            const char *k = a->vn ? a->vk[v][m] : a->key;
            if (a->vn && strcmp(k, a->key) == 0)
                SPEC_ERR(s, a->line, "%s: a variant sets the "
                         "axis's own key", k);
            for (size_t j = 0; j < s->nbase; j++)
                if (strcmp(s->bkey[j], k) == 0)
                    SPEC_ERR(s, a->line, "%s: set both in base and "
                             "in axes (accepted: one of them)", k);
            for (size_t j = 0; j < i; j++)
                if (axis_sets(&s->axes[j], k))
                    SPEC_ERR(s, a->line, "%s: set by two axes", k);
        }
    for (size_t j = 0; j < i; j++)
        if (strcmp(s->axes[j].key, a->key) == 0)
            SPEC_ERR(s, a->line, "%s: two axes with the same key",
                     a->key);
    /* The configurations (labels) depend on set: base only. */
    if (s->kind == KIND_CHECK && (a->vn || strcmp(a->key, "seed")))
        SPEC_ERR(s, a->line, "%s: not an axis of kind check "
                 "(accepted: seed)", a->key);
    for (size_t j = 0; j < a->n; j++)
    {
        scratch w1 = *w;
        for (size_t m = 0; a->vn && m < a->vn[j]; m++)
            if (scratch_set(s->kind, &w1, a->vk[j][m], a->vv[j][m]))
                SPEC_ERR(s, a->line, "%s: variant '%s': %s", a->key,
                         a->vals[j], lmc_last_error());
        if (!a->vn && scratch_set(s->kind, &w1, a->key, a->vals[j]))
            SPEC_ERR(s, a->line, "%s", lmc_last_error());
    }
    return LMC_SUCCESS;
}

/* The axes list: every axis read (check_axis), at most MAX_PAIRS / 2
 * of them. */
static int
read_axes(lmc_sweep_spec *s, const config_setting_t *axes, const scratch *w)
{
    if (config_setting_type(axes) != CONFIG_TYPE_LIST &&
        config_setting_type(axes) != CONFIG_TYPE_ARRAY)
        SPEC_ERR(s, line_of(axes), "axes: not a list (accepted: ( { key "
                 "= \"K\"; values = [...]; }, ... ))");
    const int na = config_setting_length(axes);
    if (na == 0)
        SPEC_ERR(s, line_of(axes), "axes: empty (accepted: one or more "
                 "axes)");
    if (na > MAX_PAIRS / 2)
        SPEC_ERR(s, line_of(axes), "axes: %d axes (accepted: up to %d)",
                 na, MAX_PAIRS / 2);
    if (!(s->axes = calloc((size_t)na, sizeof *s->axes)))
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    for (int i = 0; i < na; i++)
    {
        sw_axis *a = &s->axes[i];
        /* Counted before it is read, so that lmc_sweep_spec_free
         * frees what a failed read_axis allocated. */
        s->naxes++;
        LMC_TRY(read_axis(s, config_setting_get_elem(axes, (unsigned)i),
                          a));
        LMC_TRY(check_axis(s, (size_t)i, w));
    }
    return LMC_SUCCESS;
}

/* Kind run: what needs several keys (lmc_run_config_finish), on the
 * first cell and on the first cell with each variant. */
static int
check_first_cells(lmc_sweep_spec *s, const config_setting_t *base,
                  const scratch *w)
{
    /* the first cell, and the first cell with each variant */
    for (size_t v = 0; v <= s->naxes; v++)
    {
        const size_t nj = v < s->naxes && s->axes[v].vn ? s->axes[v].n
                                                        : 1;
        for (size_t j = 0; j < nj; j++)
        {
            scratch w1 = *w;
            for (size_t i = 0; i < s->naxes; i++)
            {
                const sw_axis *a = &s->axes[i];
                const size_t d = i == v ? j : 0;
                for (size_t m = 0; a->vn && m < a->vn[d]; m++)
                    (void)lmc_run_config_set(&w1.run, a->vk[d][m],
                                             a->vv[d][m]);
                if (!a->vn)
                    (void)lmc_run_config_set(&w1.run, a->key,
                                             a->vals[0]);
            }
            if (lmc_run_config_finish(&w1.run))
                SPEC_ERR(s, line_of(base), "base: %s%s%s%s",
                         v < s->naxes && s->axes[v].vn ? "variant '"
                                                       : "",
                         v < s->naxes && s->axes[v].vn
                             ? s->axes[v].vals[j] : "",
                         v < s->naxes && s->axes[v].vn ? "': " : "",
                         lmc_last_error());
        }
    }
    return LMC_SUCCESS;
}

/* The keys a cell sets (base, the most of each axis, theorem and label)
 * are at most MAX_PAIRS. */
static int
check_pairs(lmc_sweep_spec *s, const config_setting_t *base,
            const config_setting_t *axes)
{
    size_t npairs = s->nbase + 2; /* + theorem, label of kind check */
    for (size_t i = 0; i < s->naxes; i++)
    {
        size_t most = 1;
        for (size_t j = 0; s->axes[i].vn && j < s->axes[i].n; j++)
            most = s->axes[i].vn[j] > most ? s->axes[i].vn[j] : most;
        npairs += most;
    }
    if (npairs > MAX_PAIRS)
        SPEC_ERR(s, line_of(axes ? axes : base), "axes: a cell would set "
                 "%zu keys (accepted: up to %d)", npairs, MAX_PAIRS);
    return LMC_SUCCESS;
}

/* Validates the parsed spec into s.  The steps run in this order, so a
 * spec with several errors reports the same first one whatever else it
 * holds. */
static int
spec_parse(lmc_sweep_spec *s)
{
    const config_setting_t *base, *axes, *refine;
    LMC_TRY(read_root(s, &base, &axes, &refine));
    scratch w;
    lmc_run_config_init(&w.run);
    lmc_oracle_config_init(&w.oracle);
    if (base)
        LMC_TRY(read_base(s, base, &w));
    if (axes)
        LMC_TRY(read_axes(s, axes, &w));
    if (s->kind == KIND_RUN)
        LMC_TRY(check_first_cells(s, base, &w));
    LMC_TRY(check_pairs(s, base, axes));
    if (s->kind == KIND_CHECK)
        LMC_TRY(read_points(s, base));
    if (refine)
        LMC_TRY(read_refine(s, refine));

    double total = s->kind == KIND_CHECK ? (double)s->npoints : 1.0;
    for (size_t i = 0; i < s->naxes; i++)
        total *= (double)s->axes[i].n;
    if (total > MAX_CELLS)
        SPEC_ERR(s, line_of(axes), "axes: %.0f cells (accepted: up to %u)",
                 total, MAX_CELLS);
    s->ncells = (size_t)total;
    return LMC_SUCCESS;
}

/* libconfig 1.5 reads an integer written without L as a 32-bit int and
 * silently keeps the low 32 bits (iters = 4294967297 becomes 1, also in
 * hex), and one with L as a saturated 64-bit one: the parsed setting
 * cannot tell.  So the text is scanned first, skipping strings and
 * comments, and an integer literal outside its type's range is refused,
 * naming the setting it belongs to (the last "name =" or "name :"). */
static int
check_integers(const char *path, const char *t)
{
    char key[64] = "";
    int line = 1;
    for (const char *q = t; *q;)
    {
        const unsigned char ch = (unsigned char)*q;
        if (ch == '\n')
        {
            line++;
            q++;
        }
        else if (ch == '"') /* a string, with escapes */
        {
            for (q++; *q && *q != '"'; q++)
            {
                if (*q == '\\' && q[1])
                    q++;
                line += *q == '\n';
            }
            q += *q == '"';
        }
        else if (ch == '#' || (ch == '/' && q[1] == '/'))
            q += strcspn(q, "\n");
        else if (ch == '/' && q[1] == '*')
        {
            const char *e = strstr(q + 2, "*/");
            const char *stop = e ? e + 2 : q + strlen(q);
            for (; q < stop; q++)
                line += *q == '\n';
        }
        else if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                 ch == '*') /* a setting name (libconfig's) */
        {
            const size_t n = strspn(q, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
                                       "klmnopqrstuvwxyz0123456789-_*");
            const char *r = q + n;
            r += strspn(r, " \t\r\n");
            if (*r == '=' || *r == ':')
                snprintf(key, sizeof key, "%.*s", (int)n, q);
            q += n;
        }
        else if ((ch >= '0' && ch <= '9') ||
                 ((ch == '-' || ch == '+') && q[1] >= '0' && q[1] <= '9'))
        {
            const char *start = q;
            const int neg = ch == '-';
            q += ch == '-' || ch == '+';
            const int hex = q[0] == '0' && (q[1] == 'x' || q[1] == 'X');
            const char *digits = q + (hex ? 2 : 0);
            const size_t nd = hex ? strspn(digits, "0123456789abcdefABCDEF")
                                  : strspn(digits, "0123456789");
            q = digits + nd;
            if (!hex && (*q == '.' || *q == 'e' || *q == 'E'))
            {
                /* a float: skip it */
                q += strspn(q, "0123456789.eE+-");
                continue;
            }
            const int wide = *q == 'L';
            q += strspn(q, "L");
            /* The value's magnitude, saturating above 2^64. */
            unsigned long long m = 0;
            int over = 0;
            for (size_t i = 0; i < nd; i++)
            {
                const int d = digits[i] <= '9'   ? digits[i] - '0'
                              : digits[i] <= 'F' ? digits[i] - 'A' + 10
                                                 : digits[i] - 'a' + 10;
                const unsigned base = hex ? 16 : 10;
                if (m > (~0ull - (unsigned)d) / base)
                    over = 1;
                else
                    m = m * base + (unsigned)d;
            }
            const unsigned long long lim =
                wide ? (neg ? 9223372036854775808ull : 9223372036854775807ull)
                     : (neg ? 2147483648ull : 2147483647ull);
            if (over || m > lim)
                LMC_ERROR(LMC_EPARSE, "%s:%d: %s: integer %.*s is out of "
                          "range (accepted: %s)", path, line,
                          key[0] ? key : "(value)", (int)(q - start), start,
                          wide ? "-9223372036854775808..9223372036854775807 "
                                 "with L"
                               : "-2147483648..2147483647, or larger with "
                                 "L as in 4294967297L");
        }
        else
            q++;
    }
    return LMC_SUCCESS;
}

lmc_sweep_spec *
lmc_sweep_spec_read(const char *path)
{
    lmc_sweep_spec *s = calloc(1, sizeof *s);
    if (!s)
        LMC_ERROR_NULL(LMC_ENOMEM, "out of memory");
    config_init(&s->cfg);
    if (!(s->path = dup_str(path)))
    {
        lmc_sweep_spec_free(s);
        LMC_ERROR_NULL(LMC_ENOMEM, "out of memory");
    }
    /* The whole text (a spec is small; a bound, so that /dev/zero or a
     * FIFO named as a spec cannot hang or exhaust memory). */
    const size_t cap = (size_t)1 << 20;
    char *text = malloc(cap + 1);
    if (!text)
    {
        lmc_sweep_spec_free(s);
        LMC_ERROR_NULL(LMC_ENOMEM, "out of memory");
    }
    const int fd = open(path, O_RDONLY | O_NONBLOCK);
    struct stat sb;
    size_t len = 0;
    const char *why = NULL;
    if (fd < 0)
        why = strerror(errno);
    else if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        why = "not a regular file";
    else
    {
        ssize_t n = 0;
        while (len <= cap &&
               (n = read(fd, text + len, cap + 1 - len)) > 0)
            len += (size_t)n;
        if (n < 0)
            why = strerror(errno);
        else if (len > cap)
            why = "longer than 1 MiB";
    }
    if (fd >= 0)
        close(fd);
    if (why)
    {
        lmc_error(__FILE__, __LINE__, LMC_EIO, "%s: cannot be read (%s)",
                  path, why);
        free(text);
        lmc_sweep_spec_free(s);
        return NULL;
    }
    text[len] = '\0';
    if (check_integers(path, text))
    {
        free(text);
        lmc_sweep_spec_free(s);
        return NULL;
    }
    /* numbers mean the same in every rounding mode */
    const int mode = lmc_fe_nearest();
    const int ok = config_read_string(&s->cfg, text);
    lmc_fe_restore(mode);
    free(text);
    if (ok != CONFIG_TRUE)
    {
        lmc_error(__FILE__, __LINE__, LMC_EPARSE, "%s:%d: syntax: %s (see "
                  "'lmocheck sweep --help')", path,
                  config_error_line(&s->cfg), config_error_text(&s->cfg));
        lmc_sweep_spec_free(s);
        return NULL;
    }
    if (spec_parse(s))
    {
        lmc_sweep_spec_free(s);
        return NULL;
    }
    return s;
}

