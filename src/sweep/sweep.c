/* sweep/sweep.c -- declarative sweeps: spec files (libconfig), cells and
 * their keys, the SQLite store, the parallel runner, refinement, merge.
 *
 * A cell is a list of key/value pairs (base settings, axis values and,
 * for kind check, the theorem and configuration label).  Its canonical
 * text is "kind=K k1=v1 k2=v2 ..." with keys sorted (values with blanks
 * are quoted), numbers from the spec printed with %.17g; its key is the
 * FNV-1a 64-bit hash of that text + "\n" + the code version, as 16 hex
 * digits.  Results depend only on the cell's pairs, never on the number
 * of workers or the order cells run in.
 *
 * Threads: `workers` threads compute cells; the calling thread alone
 * owns the SQLite handle and writes each finished cell in one
 * transaction (cells + params + outcomes).
 */
#include "sweep.h"

#include "reference.h"
#include "runconfig.h"
#include "fpio.h"
#include "status.h"
#include "theorem.h"

#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef LMC_VERSION
#define LMC_VERSION "unknown"
#endif

/* OpenBLAS's own header cannot share a unit with GSL's CBLAS
 * (TOOLCHAIN.md pitfall 2): declared here. */
void openblas_set_num_threads(int n);

#define MAX_PAIRS 64
#define MAX_OUT 24
#define MAX_CELLS 10000000u
#define MAX_CHECK_CONFIGS 64
#define OUT_TEXT 512

enum
{
    KIND_RUN = 0,
    KIND_ORACLE = 1,
    KIND_CHECK = 2
};

static const char *const kind_names[] = {"run", "oracle", "check"};

/* Numeric outcomes per kind (refine.outcome must be one of them). */
static const char run_outcomes[] =
    "f_final, gap_final, gap_min, gap_first, gdual_final, gdual_min, "
    "gdual_avg, gfrob_final, gfrob2_avg, merr_avg, delta_mean, delta_max, "
    "ngrad, iters, diverged";
static const char oracle_outcomes[] =
    "delta_pred, delta_meas, frob_err, orth_err";
static const char check_outcomes[] = "measured, bound, ratio";

typedef struct
{
    char *key;
    char **vals;   /* values; for a variants axis, the variants' names */
    size_t n;
    int line;
    /* variants axis: variant j sets the pairs vk[j][m] = vv[j][m],
     * m < vn[j] (the axis key itself is only a label) */
    size_t *vn;
    char ***vk, ***vv;
} sw_axis;

struct lmc_sweep_spec
{
    config_t cfg;
    char *path;
    char name[64];
    int kind;
    char **bkey, **bval; /* base pairs (cell keys) */
    size_t nbase;
    sw_axis *axes;
    size_t naxes;
    /* kind check: the (theorem, label) points, outermost */
    const char **pt_theorem;
    char **pt_label;
    size_t npoints;
    /* refinement */
    int refine;
    size_t ref_axis;
    size_t ref_by[MAX_PAIRS];
    size_t ref_nby;
    char ref_outcome[64];
    size_t ref_points;
    size_t ncells; /* grid cells */
};

/* One cell: a grid index, optionally with the value of one axis replaced
 * (refinement). */
typedef struct
{
    size_t index;
    long over_axis; /* -1: none */
    char over_val[32];
    char key[17];
    char *config; /* canonical text, owned */
} sw_cell;

typedef struct sw_result
{
    struct sw_result *next;
    size_t cell;
    int ok;
    char error[OUT_TEXT];
    double seconds;
    size_t nout;
    const char *oname[MAX_OUT];
    double oval[MAX_OUT];      /* NaN: NULL */
    char otext[MAX_OUT][OUT_TEXT]; /* "" with has_text 0: numeric */
    int has_text[MAX_OUT];
} sw_result;

static atomic_int stop_flag;

void
lmc_sweep_request_stop(void)
{
    atomic_store(&stop_flag, 1);
}

int
lmc_sweep_stop_requested(void)
{
    return atomic_load(&stop_flag);
}

const char *
lmc_sweep_code_version(void)
{
    return LMC_VERSION;
}

lmc_sweep_options
lmc_sweep_options_default(void)
{
    lmc_sweep_options o = {0, 0, 1, 0, 0};
    return o;
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *
dup_str(const char *s)
{
    const size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* ------------------------------------------------------------------ */
/* Spec files. */

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
        for (size_t j = 0; j < a->n; j++)
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
    return kind_names[s->kind];
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

#define SPEC_ERR(S, LINE, ...)                                               \
    do                                                                       \
    {                                                                        \
        char msg_[1024];                                                     \
        snprintf(msg_, sizeof msg_, __VA_ARGS__);                            \
        lmc_error(__FILE__, __LINE__, LMC_EPARSE, "%s:%d: %s", (S)->path,    \
                  (LINE), msg_);                                             \
        return LMC_EPARSE;                                                   \
    } while (0)

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
        LMC_TRY(add_base(s, key, val));
    }
    return LMC_SUCCESS;
}

/* A variants axis: each element is a group { name = "N"; k = v; ... }
 * whose pairs all go into the cell (several keys moving together, e.g.
 * a method with its own step rule).  The pairs are validated with the
 * rest of the spec in spec_parse. */
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
                LMC_ERROR(LMC_ENOMEM, "out of memory");
            a->vn[j]++;
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
    char buf[LMC_RUN_CONFIG_TEXT];
    if (vals)
    {
        if (pts)
            SPEC_ERR(s, line_of(pts), "%s: points goes with log or linear, "
                     "not values", key);
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
        }
        return LMC_SUCCESS;
    }
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
    const sw_axis *A = &s->axes[ka];
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
    if (!outcome || !outcome_known(s->kind, outcome))
        SPEC_ERR(s, line_of(g), "refine.outcome: '%s' is not accepted "
                 "(accepted: %s)", outcome ? outcome : "",
                 s->kind == KIND_RUN ? run_outcomes : oracle_outcomes);
    snprintf(s->ref_outcome, sizeof s->ref_outcome, "%s", outcome);
    if (by)
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
            s->ref_by[s->ref_nby++] = (size_t)ib;
        }
    }
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

static int
spec_parse(lmc_sweep_spec *s)
{
    const config_setting_t *root = config_root_setting(&s->cfg);
    const config_setting_t *base = NULL, *axes = NULL, *refine = NULL;
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
            base = e;
        else if (strcmp(nm, "axes") == 0)
            axes = e;
        else if (strcmp(nm, "refine") == 0)
            refine = e;
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
        if (strcmp(kv, kind_names[k]) == 0)
            s->kind = k;
    if (s->kind < 0)
        SPEC_ERR(s, line_of(kind), "kind: %s%s%s (accepted: run, oracle, "
                 "check)", kv ? "'" : "", kv ? kv : "missing or not a string",
                 kv ? "' is not accepted" : "");

    scratch w;
    lmc_run_config_init(&w.run);
    lmc_oracle_config_init(&w.oracle);
    if (base)
        LMC_TRY(read_base(s, base, &w));

    if (axes)
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
            LMC_TRY(read_axis(s, config_setting_get_elem(axes, (unsigned)i),
                              a));
            s->naxes++;
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
                    for (int j = 0; j < i; j++)
                        if (axis_sets(&s->axes[j], k))
                            SPEC_ERR(s, a->line, "%s: set by two axes", k);
                }
            for (int j = 0; j < i; j++)
                if (strcmp(s->axes[j].key, a->key) == 0)
                    SPEC_ERR(s, a->line, "%s: two axes with the same key",
                             a->key);
            /* The configurations (labels) depend on set: base only. */
            if (s->kind == KIND_CHECK && (a->vn || strcmp(a->key, "seed")))
                SPEC_ERR(s, a->line, "%s: not an axis of kind check "
                         "(accepted: seed)", a->key);
            for (size_t j = 0; j < a->n; j++)
            {
                scratch w1 = w;
                for (size_t m = 0; a->vn && m < a->vn[j]; m++)
                    if (scratch_set(s->kind, &w1, a->vk[j][m], a->vv[j][m]))
                        SPEC_ERR(s, a->line, "%s: variant '%s': %s", a->key,
                                 a->vals[j], lmc_last_error());
                if (!a->vn && scratch_set(s->kind, &w1, a->key, a->vals[j]))
                    SPEC_ERR(s, a->line, "%s", lmc_last_error());
            }
        }
    }
    /* What needs several keys, on the first cell. */
    if (s->kind == KIND_RUN)
    {
        /* the first cell, and the first cell with each variant */
        for (size_t v = 0; v <= s->naxes; v++)
        {
            const size_t nj = v < s->naxes && s->axes[v].vn ? s->axes[v].n
                                                            : 1;
            for (size_t j = 0; j < nj; j++)
            {
                scratch w1 = w;
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
    }
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
    FILE *f = fopen(path, "r");
    if (!f)
    {
        lmc_error(__FILE__, __LINE__, LMC_EIO, "%s: cannot be read (%s)",
                  path, strerror(errno));
        lmc_sweep_spec_free(s);
        return NULL;
    }
    const int mode = lmc_fe_nearest(); /* numbers mean the same in every mode */
    const int ok = config_read(&s->cfg, f);
    lmc_fe_restore(mode);
    fclose(f);
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

/* ------------------------------------------------------------------ */
/* Cells. */

typedef struct
{
    const char *k[MAX_PAIRS], *v[MAX_PAIRS];
    size_t n;
} pairs;

/* The pairs of cell c (pointers into the spec and the cell), sorted. */
static void
cell_pairs(const lmc_sweep_spec *s, const sw_cell *c, pairs *p)
{
    p->n = 0;
    for (size_t i = 0; i < s->nbase; i++)
    {
        p->k[p->n] = s->bkey[i];
        p->v[p->n++] = s->bval[i];
    }
    size_t rest = c->index;
    for (size_t i = s->naxes; i-- > 0;)
    {
        const size_t d = rest % s->axes[i].n;
        rest /= s->axes[i].n;
        if (s->axes[i].vn) /* a variants axis: its pairs, not its key */
        {
            for (size_t m = 0; m < s->axes[i].vn[d]; m++)
            {
                p->k[p->n] = s->axes[i].vk[d][m];
                p->v[p->n++] = s->axes[i].vv[d][m];
            }
            continue;
        }
        p->k[p->n] = s->axes[i].key;
        p->v[p->n++] =
            (long)i == c->over_axis ? c->over_val : s->axes[i].vals[d];
    }
    if (s->kind == KIND_CHECK)
    {
        p->k[p->n] = "theorem";
        p->v[p->n++] = s->pt_theorem[rest];
        p->k[p->n] = "label";
        p->v[p->n++] = s->pt_label[rest];
    }
    /* Insertion sort by key (n <= MAX_PAIRS). */
    for (size_t i = 1; i < p->n; i++)
        for (size_t j = i; j > 0 && strcmp(p->k[j - 1], p->k[j]) > 0; j--)
        {
            const char *tk = p->k[j], *tv = p->v[j];
            p->k[j] = p->k[j - 1];
            p->v[j] = p->v[j - 1];
            p->k[j - 1] = tk;
            p->v[j - 1] = tv;
        }
}

static uint64_t
fnv1a(const char *text, uint64_t h)
{
    for (const unsigned char *q = (const unsigned char *)text; *q; q++)
    {
        h ^= *q;
        h *= 1099511628211ull;
    }
    return h;
}

/* Fills c->config (canonical text) and c->key. */
static int
cell_finish(const lmc_sweep_spec *s, sw_cell *c)
{
    pairs p;
    cell_pairs(s, c, &p);
    size_t len = 16;
    for (size_t i = 0; i < p.n; i++)
        len += strlen(p.k[i]) + 2 * strlen(p.v[i]) + 5;
    char *t = malloc(len);
    if (!t)
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    size_t o = (size_t)sprintf(t, "kind=%s", kind_names[s->kind]);
    for (size_t i = 0; i < p.n; i++)
    {
        const char *v = p.v[i];
        o += (size_t)sprintf(t + o, " %s=", p.k[i]);
        if (*v && !strpbrk(v, " \t\"\\"))
            o += (size_t)sprintf(t + o, "%s", v);
        else
        {
            t[o++] = '"';
            for (; *v; v++)
            {
                if (*v == '"' || *v == '\\')
                    t[o++] = '\\';
                t[o++] = *v;
            }
            t[o++] = '"';
            t[o] = '\0';
        }
    }
    uint64_t h = fnv1a(t, 14695981039346656037ull);
    h = fnv1a("\n", h);
    h = fnv1a(lmc_sweep_code_version(), h);
    snprintf(c->key, sizeof c->key, "%016llx", (unsigned long long)h);
    c->config = t;
    return LMC_SUCCESS;
}

static void
cells_free(sw_cell *c, size_t n)
{
    if (!c)
        return;
    for (size_t i = 0; i < n; i++)
        free(c[i].config);
    free(c);
}

/* The grid cells of this shard. */
static int
grid_cells(const lmc_sweep_spec *s, size_t shard, size_t nshards,
           sw_cell **out, size_t *n)
{
    const size_t cnt = s->ncells / nshards + 1;
    sw_cell *c = calloc(cnt, sizeof *c);
    if (!c)
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = shard; i < s->ncells; i += nshards)
    {
        c[k].index = i;
        c[k].over_axis = -1;
        const int st = cell_finish(s, &c[k]);
        k++;
        if (st)
        {
            cells_free(c, k);
            return st;
        }
    }
    *out = c;
    *n = k;
    return LMC_SUCCESS;
}

int
lmc_sweep_list(const lmc_sweep_spec *s, size_t shard, size_t nshards,
               void (*fn)(void *arg, const char *key, const char *config),
               void *arg)
{
    sw_cell *c;
    size_t n;
    if (nshards == 0 || shard >= nshards)
        LMC_ERROR(LMC_EINVAL, "shard %zu of %zu", shard, nshards);
    LMC_TRY(grid_cells(s, shard, nshards, &c, &n));
    for (size_t i = 0; i < n; i++)
        fn(arg, c[i].key, c[i].config);
    cells_free(c, n);
    return LMC_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Running one cell (any thread). */

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
    lmc_check_result cr;
    memset(&cr, 0, sizeof cr);
    cr.measured = cr.bound = cr.ratio = NAN;
    const double t0 = now();
    const int status = T->check(&cs[j], &o, &cr);
    r->seconds = now() - t0;
    out_text(r, "theorem", T->id);
    out_text(r, "label", cs[j].label);
    out_text(r, "problem", cs[j].problem);
    out_text(r, "method", cs[j].method);
    out_text(r, "kind", lmc_theorem_kind_name(T->kind));
    out_text(r, "provenance", T->provenance);
    if (cs[j].finding)
        out_text(r, "finding", cs[j].finding);
    if (status != LMC_SUCCESS)
    {
        r->ok = 0;
        snprintf(r->error, sizeof r->error, "%s", lmc_last_error());
        out_text(r, "verdict", "error");
    }
    else
    {
        out_text(r, "verdict", lmc_verdict_name(cr.verdict));
        out_num(r, "measured", cr.measured);
        out_num(r, "bound", cr.bound);
        out_num(r, "ratio", cr.ratio);
    }
    free(cs);
}

static void
cell_exec(const lmc_sweep_spec *s, const sw_cell *c, sw_result *r)
{
    pairs p;
    cell_pairs(s, c, &p);
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

/* ------------------------------------------------------------------ */
/* The store. */

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE IF NOT EXISTS cells(key TEXT PRIMARY KEY, sweep TEXT, "
    "  kind TEXT, config TEXT, version TEXT, status TEXT, error TEXT, "
    "  seconds REAL, UNIQUE(config, version));"
    "CREATE TABLE IF NOT EXISTS params(key TEXT, name TEXT, value TEXT, "
    "  num REAL, PRIMARY KEY(key, name));"
    "CREATE TABLE IF NOT EXISTS outcomes(key TEXT, name TEXT, value REAL, "
    "  text TEXT, PRIMARY KEY(key, name));"
    "INSERT OR IGNORE INTO meta VALUES('schema', '1');";

static int
db_err(sqlite3 *db, const char *path, const char *what)
{
    LMC_ERROR(LMC_EIO, "%s: %s: %s", path, what,
              db ? sqlite3_errmsg(db) : "cannot open");
}

static int
store_open(const char *path, sqlite3 **out)
{
    sqlite3 *db = NULL;
    *out = NULL;
    if (sqlite3_open_v2(path, &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
    {
        const int st = db_err(db, path, "cannot open the store");
        sqlite3_close(db);
        return st;
    }
    sqlite3_busy_timeout(db, 30000);
    /* WAL: readers (report) never block the writer; synchronous NORMAL
     * keeps every committed cell across a killed process. */
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
    {
        const int st = db_err(db, path, "not a sweep store");
        sqlite3_close(db);
        return st;
    }
    *out = db;
    return LMC_SUCCESS;
}

typedef struct
{
    sqlite3 *db;
    const char *path;
    sqlite3_stmt *has, *cell, *param, *outcome;
} store;

static void
store_close(store *st)
{
    sqlite3_finalize(st->has);
    sqlite3_finalize(st->cell);
    sqlite3_finalize(st->param);
    sqlite3_finalize(st->outcome);
    sqlite3_close(st->db);
    memset(st, 0, sizeof *st);
}

static int
store_init(store *st, const char *path)
{
    memset(st, 0, sizeof *st);
    st->path = path;
    LMC_TRY(store_open(path, &st->db));
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM cells WHERE key = ?1",
                           -1, &st->has, NULL) ||
        sqlite3_prepare_v2(st->db, "INSERT OR IGNORE INTO cells VALUES(?1, "
                           "?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1, &st->cell,
                           NULL) ||
        sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO params "
                           "VALUES(?1, ?2, ?3, ?4)", -1, &st->param, NULL) ||
        sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO outcomes "
                           "VALUES(?1, ?2, ?3, ?4)", -1, &st->outcome, NULL))
    {
        const int e = db_err(st->db, path, "cannot prepare");
        store_close(st);
        return e;
    }
    return LMC_SUCCESS;
}

static int
store_has(store *st, const char *key)
{
    sqlite3_reset(st->has);
    sqlite3_bind_text(st->has, 1, key, -1, SQLITE_STATIC);
    return sqlite3_step(st->has) == SQLITE_ROW;
}

static void
bind_real(sqlite3_stmt *q, int i, double v)
{
    /* SQLite stores NaN as NULL anyway; say so explicitly. */
    if (isnan(v))
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_double(q, i, v);
}

static int
step_done(sqlite3_stmt *q)
{
    const int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* One cell, one transaction. */
static int
store_put(store *st, const lmc_sweep_spec *s, const sw_cell *c,
          const sw_result *r)
{
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
        return db_err(st->db, st->path, "cannot begin");
    sqlite3_stmt *q = st->cell;
    sqlite3_bind_text(q, 1, c->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, s->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, kind_names[s->kind], -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, c->config, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 5, lmc_sweep_code_version(), -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 6, r->ok ? "ok" : "error", -1, SQLITE_STATIC);
    if (r->ok)
        sqlite3_bind_null(q, 7);
    else
        sqlite3_bind_text(q, 7, r->error, -1, SQLITE_STATIC);
    sqlite3_bind_double(q, 8, r->seconds);
    int bad = step_done(q);
    if (!bad && sqlite3_changes(st->db) == 0)
    {
        /* Another writer stored it meanwhile: keep theirs. */
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return LMC_SUCCESS;
    }
    pairs p;
    cell_pairs(s, c, &p);
    for (size_t i = 0; !bad && i < p.n; i++)
    {
        q = st->param;
        sqlite3_bind_text(q, 1, c->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, p.k[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 3, p.v[i], -1, SQLITE_STATIC);
        char *end;
        const double x = lmc_strtod(p.v[i], &end);
        if (*p.v[i] && !*end && isfinite(x))
            sqlite3_bind_double(q, 4, x);
        else
            sqlite3_bind_null(q, 4);
        bad = step_done(q);
    }
    for (size_t i = 0; !bad && i < r->nout; i++)
    {
        q = st->outcome;
        sqlite3_bind_text(q, 1, c->key, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, r->oname[i], -1, SQLITE_STATIC);
        if (r->has_text[i])
        {
            sqlite3_bind_null(q, 3);
            sqlite3_bind_text(q, 4, r->otext[i], -1, SQLITE_STATIC);
        }
        else
        {
            bind_real(q, 3, r->oval[i]);
            sqlite3_bind_null(q, 4);
        }
        bad = step_done(q);
    }
    if (bad || sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL))
    {
        const int e = db_err(st->db, st->path, "cannot store a cell");
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return e;
    }
    return LMC_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* The parallel runner. */

typedef struct
{
    const lmc_sweep_spec *s;
    const sw_cell *cells;
    const size_t *todo;
    size_t ntodo, next;
    size_t active;
    sw_result *head; /* finished, not yet written */
    int nomem;
    atomic_int abort; /* the store failed: take no new cell */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} pool;

static void *
worker(void *arg)
{
    pool *P = arg;
    for (;;)
    {
        pthread_mutex_lock(&P->mu);
        if (P->next >= P->ntodo || lmc_sweep_stop_requested() ||
            P->nomem || atomic_load(&P->abort))
        {
            P->active--;
            pthread_cond_signal(&P->cv);
            pthread_mutex_unlock(&P->mu);
            lmc_mp_free_thread_cache(); /* theorem checks ran MPFR */
            return NULL;
        }
        const size_t i = P->next++;
        pthread_mutex_unlock(&P->mu);
        sw_result *r = malloc(sizeof *r);
        if (r)
        {
            r->cell = P->todo[i];
            cell_exec(P->s, &P->cells[r->cell], r);
        }
        pthread_mutex_lock(&P->mu);
        if (r)
        {
            r->next = P->head;
            P->head = r;
        }
        else
            P->nomem = 1;
        pthread_cond_signal(&P->cv);
        pthread_mutex_unlock(&P->mu);
    }
}

static void
fmt_time(char *buf, size_t len, double t)
{
    if (!isfinite(t) || t < 0)
        snprintf(buf, len, "?");
    else if (t >= 3600)
        snprintf(buf, len, "%dh%02dm", (int)(t / 3600),
                 (int)fmod(t / 60, 60));
    else
        snprintf(buf, len, "%dm%02ds", (int)(t / 60), (int)fmod(t, 60));
}

/* Runs the cells not in the store; adds to st. */
static int
run_cells(const lmc_sweep_spec *s, store *db, const lmc_sweep_options *o,
          const sw_cell *cells, size_t n, lmc_sweep_stats *st,
          size_t shown_total, size_t *shown_done)
{
    size_t *todo = malloc((n + 1) * sizeof *todo), ntodo = 0;
    if (!todo)
        LMC_ERROR(LMC_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if (!store_has(db, cells[i].key))
            todo[ntodo++] = i;
    st->cells += n;
    st->done += n - ntodo;
    *shown_done += n - ntodo;
    if (o->dry_run || ntodo == 0)
    {
        free(todo);
        return LMC_SUCCESS;
    }
    size_t nw = o->workers;
    if (nw == 0)
    {
        const long c = sysconf(_SC_NPROCESSORS_ONLN);
        nw = c > 0 ? (size_t)c : 1;
    }
    if (nw > ntodo)
        nw = ntodo;
    pool P;
    memset(&P, 0, sizeof P);
    P.s = s;
    P.cells = cells;
    P.todo = todo;
    P.ntodo = ntodo;
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.cv, NULL);
    pthread_t *th = calloc(nw, sizeof *th);
    int status = LMC_SUCCESS;
    size_t started = 0;
    if (!th)
        status = LMC_ENOMEM;
    for (size_t i = 0; th && i < nw; i++)
    {
        pthread_mutex_lock(&P.mu);
        P.active++;
        pthread_mutex_unlock(&P.mu);
        if (pthread_create(&th[i], NULL, worker, &P))
        {
            pthread_mutex_lock(&P.mu);
            P.active--;
            pthread_mutex_unlock(&P.mu);
            break;
        }
        started++;
    }
    if (th && started == 0)
        status = LMC_ENOMEM;
    const double t0 = now();
    double last_shown = 0;
    size_t written = 0;
    pthread_mutex_lock(&P.mu);
    for (;;)
    {
        while (!P.head && P.active > 0)
            pthread_cond_wait(&P.cv, &P.mu);
        sw_result *list = P.head;
        P.head = NULL;
        const size_t active = P.active;
        pthread_mutex_unlock(&P.mu);
        while (list)
        {
            sw_result *r = list;
            list = r->next;
            if (status == LMC_SUCCESS)
            {
                const double w0 = now();
                status = store_put(db, s, &cells[r->cell], r);
                st->write_seconds += now() - w0;
                st->cell_seconds += r->seconds;
                st->ran++;
                st->errors += !r->ok;
                written++;
                ++*shown_done;
                if (status)
                    atomic_store(&P.abort, 1); /* workers stop taking */
            }
            free(r);
        }
        const double t = now();
        if (o->progress && (t - last_shown > 0.2 || active == 0))
        {
            last_shown = t;
            const double rate = (double)written / (t - t0);
            char eta[32];
            fmt_time(eta, sizeof eta,
                     (double)(ntodo - written) / (rate > 0 ? rate : NAN));
            fprintf(stderr, "\r\033[Ksweep %s: %zu/%zu cells (%zu stored "
                    "before), %.1f cells/s, ETA %s", s->name, *shown_done,
                    shown_total, st->done, rate, eta);
            fflush(stderr);
        }
        pthread_mutex_lock(&P.mu);
        if (P.active == 0 && !P.head)
            break;
    }
    pthread_mutex_unlock(&P.mu);
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    if (P.nomem && status == LMC_SUCCESS)
        status = LMC_ENOMEM;
    if (o->progress)
        fputs("\r\033[K", stderr);
    free(th);
    free(todo);
    pthread_mutex_destroy(&P.mu);
    pthread_cond_destroy(&P.cv);
    if (status == LMC_ENOMEM)
        LMC_ERROR(status, "out of memory");
    return status;
}

/* ------------------------------------------------------------------ */
/* Refinement. */

static int
cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The refinement cells from the stored grid (NULL, 0 if there are none). */
static int
refine_cells(const lmc_sweep_spec *s, store *db, const sw_cell *grid,
             size_t ngrid, sw_cell **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    const size_t ka = s->ref_axis, nk = s->axes[ka].n;
    /* Strides of every axis in the grid index. */
    size_t stride[MAX_PAIRS], ngroup = 1;
    size_t sacc = 1;
    for (size_t i = s->naxes; i-- > 0;)
    {
        stride[i] = sacc;
        sacc *= s->axes[i].n;
    }
    for (size_t b = 0; b < s->ref_nby; b++)
        ngroup *= s->axes[s->ref_by[b]].n;
    double *sum = calloc(ngroup * nk, sizeof *sum);
    size_t *cnt = calloc(ngroup * nk, sizeof *cnt);
    double *sorted = malloc(nk * sizeof *sorted);
    sqlite3_stmt *q = NULL;
    int status = LMC_ENOMEM;
    if (!sum || !cnt || !sorted)
        goto done;
    status = LMC_EIO;
    if (sqlite3_prepare_v2(db->db,
                           "SELECT c.status, "
                           "(SELECT value FROM outcomes WHERE key = c.key "
                           " AND name = ?2), "
                           "(SELECT value FROM outcomes WHERE key = c.key "
                           " AND name = 'diverged') "
                           "FROM cells c WHERE c.key = ?1",
                           -1, &q, NULL))
    {
        db_err(db->db, db->path, "cannot prepare");
        goto done;
    }
    for (size_t i = 0; i < ngrid; i++)
    {
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, grid[i].key, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, s->ref_outcome, -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_ROW)
            continue;
        const char *stt = (const char *)sqlite3_column_text(q, 0);
        if (!stt || strcmp(stt, "ok") ||
            sqlite3_column_type(q, 1) == SQLITE_NULL ||
            (sqlite3_column_type(q, 2) != SQLITE_NULL &&
             sqlite3_column_double(q, 2) != 0))
            continue;
        const double v = sqlite3_column_double(q, 1);
        if (!isfinite(v))
            continue;
        size_t g = 0;
        for (size_t b = 0; b < s->ref_nby; b++)
        {
            const size_t ax = s->ref_by[b];
            g = g * s->axes[ax].n + grid[i].index / stride[ax] % s->axes[ax].n;
        }
        const size_t j = grid[i].index / stride[ka] % nk;
        sum[g * nk + j] += v;
        cnt[g * nk + j]++;
    }
    for (size_t j = 0; j < nk; j++)
        sorted[j] = lmc_strtod(s->axes[ka].vals[j], NULL);
    qsort(sorted, nk, sizeof *sorted, cmp_double);
    /* Every group: the best grid value and its neighbours. */
    size_t cap = 0;
    for (size_t g = 0; g < ngroup; g++)
    {
        size_t best = nk;
        for (size_t j = 0; j < nk; j++)
            if (cnt[g * nk + j] &&
                (best == nk || sum[g * nk + j] / (double)cnt[g * nk + j] <
                                   sum[g * nk + best] /
                                       (double)cnt[g * nk + best]))
                best = j;
        if (best == nk)
            continue;
        const double vb = lmc_strtod(s->axes[ka].vals[best], NULL);
        size_t pos = 0;
        while (pos < nk && sorted[pos] != vb)
            pos++;
        const double lo = pos > 0 ? sorted[pos - 1] : vb;
        const double hi = pos + 1 < nk ? sorted[pos + 1] : vb;
        if (!(lo < hi))
            continue;
        /* Every grid index of this group with the key axis at 0. */
        for (size_t i = 0; i < s->ncells; i++)
        {
            if (i / stride[ka] % nk)
                continue;
            size_t gi = 0;
            for (size_t b = 0; b < s->ref_nby; b++)
            {
                const size_t ax = s->ref_by[b];
                gi = gi * s->axes[ax].n + i / stride[ax] % s->axes[ax].n;
            }
            if (gi != g)
                continue;
            for (size_t k = 1; k <= s->ref_points; k++)
            {
                const double u = (double)k / (double)(s->ref_points + 1);
                const double x =
                    lo > 0 ? pow(10, log10(lo) + u * (log10(hi) - log10(lo)))
                           : lo + u * (hi - lo);
                if (*nout == cap)
                {
                    cap = cap ? 2 * cap : 64;
                    sw_cell *c = realloc(*out, cap * sizeof *c);
                    if (!c)
                    {
                        status = LMC_ENOMEM;
                        goto done;
                    }
                    *out = c;
                }
                sw_cell *c = &(*out)[*nout];
                memset(c, 0, sizeof *c);
                c->index = i;
                c->over_axis = (long)ka;
                lmc_snprintf(c->over_val, sizeof c->over_val, "%.17g", x);
                if ((status = cell_finish(s, c)))
                    goto done;
                ++*nout;
            }
        }
    }
    status = LMC_SUCCESS;
done:
    sqlite3_finalize(q);
    free(sum);
    free(cnt);
    free(sorted);
    if (status)
    {
        cells_free(*out, *nout);
        *out = NULL;
        *nout = 0;
        if (status == LMC_ENOMEM)
            LMC_ERROR(status, "out of memory");
    }
    return status;
}

int
lmc_sweep_run(const lmc_sweep_spec *s, const char *db_path,
              const lmc_sweep_options *o, lmc_sweep_stats *st)
{
    memset(st, 0, sizeof *st);
    if (o->nshards == 0 || o->shard >= o->nshards)
        LMC_ERROR(LMC_EINVAL, "shard %zu of %zu (accepted: 0 <= shard < "
                  "nshards)", o->shard, o->nshards);
    /* Parallelism comes from the workers; one BLAS thread per cell. */
    openblas_set_num_threads(1);
    const double t0 = now();
    sw_cell *grid = NULL, *ref = NULL;
    size_t ngrid = 0, nref = 0, shown = 0;
    store db;
    LMC_TRY(store_init(&db, db_path));
    int status = grid_cells(s, o->shard, o->nshards, &grid, &ngrid);
    if (status == LMC_SUCCESS)
        status = run_cells(s, &db, o, grid, ngrid, st, ngrid, &shown);
    /* Refinement needs the whole grid: not per shard, not after a stop. */
    if (status == LMC_SUCCESS && s->refine && o->nshards == 1 &&
        !lmc_sweep_stop_requested())
    {
        int complete = 1;
        for (size_t i = 0; complete && i < ngrid; i++)
            complete = store_has(&db, grid[i].key);
        if (complete)
        {
            status = refine_cells(s, &db, grid, ngrid, &ref, &nref);
            if (status == LMC_SUCCESS)
                status = run_cells(s, &db, o, ref, nref, st, ngrid + nref,
                                   &shown);
        }
    }
    cells_free(grid, ngrid);
    cells_free(ref, nref);
    store_close(&db);
    st->interrupted = lmc_sweep_stop_requested();
    st->seconds = now() - t0;
    return status;
}

/* ------------------------------------------------------------------ */
/* Merge. */

static const char conflict_sql[] =
    "SELECT s.key FROM src.cells s JOIN main.cells m ON m.key = s.key "
    "WHERE s.status IS NOT m.status OR s.error IS NOT m.error "
    " OR (SELECT count(*) FROM src.outcomes WHERE key = s.key) != "
    "    (SELECT count(*) FROM main.outcomes WHERE key = s.key) "
    " OR EXISTS (SELECT 1 FROM src.outcomes so LEFT JOIN main.outcomes mo "
    "    ON mo.key = so.key AND mo.name = so.name WHERE so.key = s.key AND "
    "    (mo.name IS NULL OR so.value IS NOT mo.value OR "
    "     so.text IS NOT mo.text)) LIMIT 1";

static int
merge_one(sqlite3 *db, const char *out, const char *in)
{
    if (access(in, R_OK) != 0)
        LMC_ERROR(LMC_EIO, "%s: cannot be read (%s)", in, strerror(errno));
    sqlite3_stmt *q = NULL;
    int status = LMC_EIO;
    if (sqlite3_prepare_v2(db, "ATTACH DATABASE ?1 AS src", -1, &q, NULL))
        return db_err(db, out, "cannot attach");
    sqlite3_bind_text(q, 1, in, -1, SQLITE_STATIC);
    const int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    q = NULL;
    if (rc != SQLITE_DONE)
        return db_err(db, in, "cannot attach");
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL))
    {
        db_err(db, out, "cannot begin");
        goto detach;
    }
    if (sqlite3_prepare_v2(db, conflict_sql, -1, &q, NULL))
    {
        db_err(db, in, "not a sweep store");
        goto rollback;
    }
    const int step = sqlite3_step(q);
    if (step == SQLITE_ROW)
    {
        lmc_error(__FILE__, __LINE__, LMC_EINVAL, "%s: cell %s differs from "
                  "the one already in %s (same configuration and code "
                  "version, other outcomes)", in,
                  (const char *)sqlite3_column_text(q, 0), out);
        status = LMC_EINVAL;
        goto rollback;
    }
    if (step != SQLITE_DONE)
    {
        db_err(db, in, "cannot compare");
        goto rollback;
    }
    if (sqlite3_exec(db,
                     "INSERT OR IGNORE INTO main.cells SELECT * FROM "
                     "src.cells; INSERT OR IGNORE INTO main.params SELECT "
                     "* FROM src.params; INSERT OR IGNORE INTO "
                     "main.outcomes SELECT * FROM src.outcomes;",
                     NULL, NULL, NULL) ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL))
    {
        db_err(db, in, "cannot copy");
        goto rollback;
    }
    status = LMC_SUCCESS;
    goto detach;
rollback:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
detach:
    sqlite3_finalize(q);
    sqlite3_exec(db, "DETACH DATABASE src", NULL, NULL, NULL);
    return status;
}

int
lmc_sweep_merge(const char *out, const char *const *in, size_t n)
{
    sqlite3 *db;
    LMC_TRY(store_open(out, &db));
    int status = LMC_SUCCESS;
    for (size_t i = 0; i < n && status == LMC_SUCCESS; i++)
        status = merge_one(db, out, in[i]);
    sqlite3_close(db);
    return status;
}
