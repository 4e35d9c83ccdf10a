/* schedule.c -- built-in and file-read coefficient schedules, and the
 * scalar map p^(q) that predicts the error of a polynomial orthogonalizer.
 *
 * Coefficients are facts from public code (THEORY.md O2):
 *   cubic Newton-Schulz (1.5, -0.5, 0), any number of steps;
 *   Jordan's quintic (3.4445, -4.7750, 2.0315), 5 steps, eps 1e-7
 *     (KellerJordan/Muon; also pytorch/pytorch PR 160213);
 *   Polar Express, 5 steps, input divided by 1.01 ||M||_F
 *     (Amsel, Persson, Musco, Gower 2025; the tuples used in nanochat).
 */
#include "schedule.h"
#include "fpio.h"
#include "status.h"
#include "textin.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const lmc_schedule cubic = {
    .name = "cubic",
    .coef = {{1.5, -0.5, 0.0}},
    .len = 1,
    .cyclic = 1,
    .steps = 5,
    .divisor = 1.0,
    .eps = 0.0,
};

static const lmc_schedule jordan = {
    .name = "jordan",
    .coef = {{3.4445, -4.7750, 2.0315}},
    .len = 1,
    .cyclic = 1,
    .steps = 5,
    .divisor = 1.0,
    .eps = 1e-7,
};

static const lmc_schedule polar_express = {
    .name = "polar-express",
    .coef = {{8.156554524902461, -22.48329292557795, 15.878769915207462},
             {4.042929935166739, -2.808917465908714, 0.5000178451051316},
             {3.8916678022926607, -2.772484153217685, 0.5060648178503393},
             {3.285753657755655, -2.3681294933425376, 0.46449024233003106},
             {2.3465413258596377, -1.7097828382687081, 0.42323551169305323}},
    .len = 5,
    .cyclic = 0,
    .steps = 5,
    .divisor = 1.01,
    .eps = 1e-7,
};

const lmc_schedule *const lmc_schedules[] = {&cubic, &jordan, &polar_express,
                                             NULL};

int
lmc_schedule_get(const char *name, lmc_schedule *out)
{
    if (strncmp(name, "file:", 5) == 0)
        return lmc_schedule_read(name + 5, out);
    for (size_t i = 0; lmc_schedules[i]; i++)
        if (strcmp(lmc_schedules[i]->name, name) == 0)
        {
            *out = *lmc_schedules[i];
            return LMC_SUCCESS;
        }
    LMC_ERROR(LMC_ENOTFOUND, "unknown schedule '%s' (accepted: cubic, jordan, "
              "polar-express, file:PATH)", name);
}

/* Parses one finite number token; returns 0 on success. */
static int
parse_number(const char *tok, double *x)
{
    char *end;
    errno = 0;
    *x = lmc_strtod(tok, &end);
    return (end == tok || *end != '\0' || errno == ERANGE || !isfinite(*x));
}

#define SCHEDULE_ACCEPTED "one 'a b c' per line, 'divisor D', 'eps E'"

int
lmc_schedule_read(const char *path, lmc_schedule *out)
{
    memset(out, 0, sizeof *out);
    lmc_textin in;
    LMC_TRY(lmc_textin_open(&in, "schedule file", path, SCHEDULE_ACCEPTED));
    const char *base = strrchr(path, '/');
    snprintf(out->name, sizeof out->name, "file:%s", base ? base + 1 : path);
    out->divisor = 1.0;
    out->eps = 0.0;
    char *line;
    int status;
    while ((status = lmc_textin_next(&in, &line)) == LMC_SUCCESS && line)
    {
        const int lineno = in.lineno;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *tok[4];
        int n = 0;
        for (char *save, *t = strtok_r(line, " \t\r\n,", &save); t;
             t = strtok_r(NULL, " \t\r\n,", &save))
        {
            if (n == 4)
            {
                n++;
                break;
            }
            tok[n++] = t;
        }
        if (n == 0)
            continue;
        double v[3];
        if (n == 2 && (strcmp(tok[0], "divisor") == 0 ||
                       strcmp(tok[0], "eps") == 0))
        {
            const int is_div = tok[0][0] == 'd';
            if (parse_number(tok[1], &v[0]) || v[0] < 0 ||
                (is_div && v[0] == 0))
            {
                lmc_error(__FILE__, __LINE__, LMC_EPARSE,
                          "%s:%d: %s needs a finite %s number, got '%.40s'",
                          path, lineno, tok[0],
                          is_div ? "positive" : "non-negative", tok[1]);
                status = LMC_EPARSE;
                goto done;
            }
            if (is_div)
                out->divisor = v[0];
            else
                out->eps = v[0];
            continue;
        }
        if (n != 3 || parse_number(tok[0], &v[0]) ||
            parse_number(tok[1], &v[1]) || parse_number(tok[2], &v[2]))
        {
            lmc_error(__FILE__, __LINE__, LMC_EPARSE,
                      "%s:%d: not a schedule line (accepted: three finite "
                      "numbers 'a b c', 'divisor D', 'eps E', '#' comments)",
                      path, lineno);
            status = LMC_EPARSE;
            goto done;
        }
        if (out->len == LMC_SCHEDULE_MAX_LEN)
        {
            lmc_error(__FILE__, __LINE__, LMC_EPARSE,
                      "%s:%d: more than %d steps (accepted: up to %d "
                      "triples)", path, lineno, LMC_SCHEDULE_MAX_LEN,
                      LMC_SCHEDULE_MAX_LEN);
            status = LMC_EPARSE;
            goto done;
        }
        memcpy(out->coef[out->len++], v, sizeof v);
    }
    if (status == LMC_SUCCESS && out->len == 0)
    {
        lmc_error(__FILE__, __LINE__, LMC_EPARSE,
                  "%s: no coefficient triples (want one 'a b c' per line)",
                  path);
        status = LMC_EPARSE;
    }
    out->steps = out->len;
done:
    lmc_textin_close(&in);
    return status;
}

const double *
lmc_schedule_coef(const lmc_schedule *s, size_t j)
{
    if (j < s->len)
        return s->coef[j];
    return s->cyclic ? s->coef[s->len - 1] : NULL;
}

int
lmc_schedule_check_steps(const lmc_schedule *s, size_t steps)
{
    if (!s->cyclic && steps > s->len)
        LMC_ERROR(LMC_EINVAL, "schedule '%s' has %zu steps; %zu requested "
                  "(accepted: 0..%zu)", s->name, s->len, steps, s->len);
    return LMC_SUCCESS;
}

double
lmc_schedule_map(const lmc_schedule *s, size_t steps, double x)
{
    for (size_t j = 0; j < steps; j++)
    {
        const double *c = lmc_schedule_coef(s, j);
        if (!c)
            return NAN;
        const double x2 = x * x;
        x = x * (c[0] + x2 * (c[1] + x2 * c[2]));
    }
    return x;
}

/* Near the fixed point the error e = x - 1 is carried directly: with
 * x = 1 + e, p(x) - 1 = k0 + k1 e + k2 e^2 + k3 e^3 + k4 e^4 + k5 e^5 where
 *   k0 = a + b + c - 1, k1 = a + 3b + 5c, k2 = 3b + 10c,
 *   k3 = b + 10c, k4 = 5c, k5 = c
 * (binomial expansion of a x + b x^3 + c x^5).  Forming p(x) and then
 * subtracting 1 loses everything below eps; this form keeps the absolute
 * accuracy of e (for cubic Newton-Schulz k0 = k1 = 0 exactly, so e
 * squares each step as in exact arithmetic).  Far from 1, x itself is
 * carried, which keeps the relative accuracy of small singular values. */
double
lmc_schedule_map_error(const lmc_schedule *s, size_t steps, double x)
{
    int near = fabs(x - 1) < 0.5;
    double e = x - 1;
    for (size_t j = 0; j < steps; j++)
    {
        const double *c = lmc_schedule_coef(s, j);
        if (!c)
            return NAN;
        if (!near)
        {
            const double x2 = x * x;
            x = x * (c[0] + x2 * (c[1] + x2 * c[2]));
            e = x - 1;
            near = fabs(e) < 0.5;
            continue;
        }
        const double k0 = (c[0] - 1) + c[1] + c[2];
        const double k1 = c[0] + 3 * c[1] + 5 * c[2];
        const double k2 = 3 * c[1] + 10 * c[2], k3 = c[1] + 10 * c[2];
        const double k4 = 5 * c[2], k5 = c[2];
        e = k0 + e * (k1 + e * (k2 + e * (k3 + e * (k4 + e * k5))));
        x = 1 + e;
    }
    return e;
}

int
lmc_schedule_predict(const lmc_schedule *s, size_t steps, const double *sv,
                     size_t n, double frob, double *delta)
{
    LMC_TRY(lmc_schedule_check_steps(s, steps));
    if (!(frob >= 0) || !isfinite(frob))
        LMC_ERROR(LMC_EINVAL, "Frobenius norm must be finite and >= 0, got %g",
                  frob);
    const double d = s->divisor * frob + s->eps;
    double worst = 0;
    for (size_t i = 0; i < n; i++)
    {
        if (!(sv[i] >= 0) || !isfinite(sv[i]))
            LMC_ERROR(LMC_EINVAL, "singular value %zu is %g", i, sv[i]);
        if (sv[i] == 0)
            continue;
        const double e = fabs(lmc_schedule_map_error(s, steps, sv[i] / d));
        if (e > worst)
            worst = e;
    }
    *delta = worst;
    return LMC_SUCCESS;
}
