/* cli/args.c -- option value lists, strict number parsing, one-line
 * errors. */
#include "cli.h"
#include "fpio.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int
cli_list_add(cli_list *l, const char *text)
{
    const char *p = text;
    for (;;)
    {
        const char *comma = strchr(p, ',');
        const size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
        if (!nv)
            return -1;
        l->v = nv;
        l->v[l->n] = malloc(len + 1);
        if (!l->v[l->n])
            return -1;
        memcpy(l->v[l->n], p, len);
        l->v[l->n][len] = '\0';
        l->n++;
        if (!comma)
            return 0;
        p = comma + 1;
    }
}

void
cli_list_free(cli_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void
cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "lmocheck%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int
cli_parse_double(const char *s, double *x)
{
    char *end;
    errno = 0;
    *x = lmc_strtod(s, &end);
    return end == s || *end != '\0' || errno == ERANGE || !isfinite(*x);
}

int
cli_parse_ulong(const char *s, unsigned long *x)
{
    char *end;
    if (*s == '-' || *s == '+' || *s == '\0')
        return 1;
    errno = 0;
    *x = strtoul(s, &end, 10);
    return *end != '\0' || errno == ERANGE;
}

int
cli_parse_size(const char *s, size_t *x)
{
    unsigned long v;
    if (cli_parse_ulong(s, &v))
        return 1;
    *x = (size_t)v;
    return 0;
}

int
cli_parse_format(const char *s, cli_format *f)
{
    if (strcmp(s, "md") == 0)
        *f = CLI_MD;
    else if (strcmp(s, "csv") == 0)
        *f = CLI_CSV;
    else if (strcmp(s, "json") == 0)
        *f = CLI_JSON;
    else
        return 1;
    return 0;
}

/* Help text wraps at this column (the hand-set lines of the help texts
 * keep to it too). */
#define HELP_WIDTH 70

void
cli_help_option(FILE *out, const char *opt, int indent, const char *text,
                int dcol, const char *dflt)
{
    int col = fprintf(out, "  %-*s", indent - 2, opt);
    for (const char *w = text; *w;)
    {
        const size_t len = strcspn(w, " ");
        if (col > indent && col + 1 + (int)len > HELP_WIDTH)
            col = fprintf(out, "\n%*s", indent, "") - 1;
        else if (col > indent)
            col += fprintf(out, " ");
        col += fprintf(out, "%.*s", (int)len, w);
        w += len;
        w += strspn(w, " ");
    }
    if (dflt)
    {
        if (col >= dcol)
            col = fprintf(out, "\n") - 1;
        fprintf(out, "%*s[%s]", dcol - col, "", dflt);
    }
    fputc('\n', out);
}

void
cli_names_add(char *buf, size_t len, const char *name)
{
    const size_t used = strlen(buf);
    if (used + 1 < len)
        snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
}

int
cli_next_option(int argc, char **argv, const struct option *lo,
                int *started)
{
    if (!*started)
    {
        opterr = 0; /* the caller reports, in one line */
        optind = 1;
        *started = 1;
    }
    return getopt_long(argc, argv, ":h", lo, NULL);
}

int
cli_option_refused(const char *cmd, int ch, char **argv)
{
    if (ch == ':')
        cli_fail(cmd, "%s needs a value (see 'lmocheck %s --help')",
                 argv[optind - 1], cmd);
    else
        cli_fail(cmd, "unknown option '%s' (see 'lmocheck %s --help')",
                 argv[optind - 1], cmd);
    return -1;
}
