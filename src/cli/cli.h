/* cli/cli.h -- shared pieces of the lmocheck command line.
 *
 * Exit codes: 0 success, 1 a check failed or a computation failed,
 * 2 bad usage (one line on stderr naming the input and what is accepted).
 */
#ifndef LMC_CLI_H
#define LMC_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "rtable.h"

#define LMC_EXIT_OK 0
#define LMC_EXIT_FAIL 1
#define LMC_EXIT_USAGE 2

/* A list of option values: "--steps 1,3 --steps 5" gives {1, 3, 5}. */
typedef struct
{
    char **v;
    size_t n;
} cli_list;

/* Splits text at commas and appends the pieces; 0 on success. */
int cli_list_add(cli_list *l, const char *text);
void cli_list_free(cli_list *l);

/* Prints "lmocheck CMD: message" on stderr (one line). */
void cli_fail(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Strict parsers; 0 on success.  They accept the whole string only. */
int cli_parse_double(const char *s, double *x);
int cli_parse_size(const char *s, size_t *x);
int cli_parse_ulong(const char *s, unsigned long *x);

/* A subcommand's options: the next one of argv (getopt_long over lo and
 * -h; ':' for a missing value, '?' for an unknown option, nothing
 * printed), starting over at argv[1] while *started is 0 (set then). */
struct option;
int cli_next_option(int argc, char **argv, const struct option *lo,
                    int *started);
/* Reports the option getopt_long refused with ch (':' a missing value,
 * else unknown) as "lmocheck cmd: ..." pointing to 'lmocheck cmd --help';
 * returns -1. */
int cli_option_refused(const char *cmd, int ch, char **argv);

/* Output tables (rtable.h) are printed as Markdown, CSV or JSON. */
typedef enum
{
    CLI_MD,
    CLI_CSV,
    CLI_JSON
} cli_format;

int cli_parse_format(const char *s, cli_format *f);

/* One option of a --help text: "  OPT" padded to column indent, then
 * text word-wrapped at 70 columns with continuation lines indented to
 * indent, then "[dflt]" (unless NULL) at column dcol, on a line of its
 * own if the text reaches that column.  For texts that name a registry's
 * members, so the help cannot miss one. */
void cli_help_option(FILE *out, const char *opt, int indent,
                     const char *text, int dcol, const char *dflt);

/* Appends name to the list in buf (a string of len bytes), after ", "
 * unless the list is empty; truncates, always terminated. */
void cli_names_add(char *buf, size_t len, const char *name);

/* Prints t in format f; 0, or LMC_ENOMEM (nothing printed). */
int cli_table_print(const lmc_rtable *t, cli_format f, FILE *out);

int cmd_oracle(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif /* LMC_CLI_H */
