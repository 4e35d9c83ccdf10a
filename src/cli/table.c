/* cli/table.c -- result tables printed in the format asked for on the
 * command line (the writers are the reports' own, rtable.h). */
#include "cli.h"

int
cli_table_print(const lmc_rtable *t, cli_format f, FILE *out)
{
    switch (f)
    {
    case CLI_CSV:
        lmc_rtable_csv(t, NULL, NULL, NULL, out);
        return 0;
    case CLI_JSON:
        lmc_rtable_json(t, out);
        return 0;
    case CLI_MD:
        break;
    }
    return lmc_rtable_md(t, out);
}
