/* textin.c -- bounded line reading for schedule and spectrum files. */
#include "textin.h"
#include "status.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int
lmc_textin_open(lmc_textin *t, const char *what, const char *path,
                const char *accepted)
{
    memset(t, 0, sizeof *t);
    t->what = what;
    t->path = path;
    t->accepted = accepted;
    struct stat st;
    /* A directory opens fine with fopen(.., "r") and fails only at the
     * first read (EISDIR): say what it is before that. */
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        LMC_ERROR(LMC_EIO, "%s '%s': is a directory (accepted: a text file, "
                  "%s)", what, path, accepted);
    t->f = fopen(path, "r");
    if (!t->f)
        LMC_ERROR(LMC_EIO, "%s '%s': %s", what, path, strerror(errno));
    return LMC_SUCCESS;
}

int
lmc_textin_next(lmc_textin *t, char **line)
{
    size_t len = 0;
    int c, started = 0;
    *line = NULL;
    while ((c = getc(t->f)) != EOF)
    {
        if (!started)
        {
            started = 1;
            t->lineno++;
        }
        if (++t->bytes > LMC_TEXTIN_MAX_BYTES)
            LMC_ERROR(LMC_EPARSE, "%s '%s': larger than %u bytes (accepted: "
                      "text files up to %u MiB, %s)", t->what, t->path,
                      LMC_TEXTIN_MAX_BYTES, LMC_TEXTIN_MAX_BYTES >> 20,
                      t->accepted);
        if (c == '\n')
            break;
        if (c == '\0')
            LMC_ERROR(LMC_EPARSE, "%s:%d: a NUL byte: binary data (accepted: "
                      "a text file, %s)", t->path, t->lineno, t->accepted);
        if (len == LMC_TEXTIN_MAX_LINE)
            LMC_ERROR(LMC_EPARSE, "%s:%d: line longer than %d characters "
                      "(accepted: lines up to %d characters, %s)", t->path,
                      t->lineno, LMC_TEXTIN_MAX_LINE, LMC_TEXTIN_MAX_LINE,
                      t->accepted);
        t->line[len++] = (char)c;
    }
    if (ferror(t->f))
        LMC_ERROR(LMC_EIO, "%s '%s': read error after %zu bytes (%s)",
                  t->what, t->path, t->bytes, strerror(errno));
    if (!started)
        return LMC_SUCCESS; /* end of input */
    if (len > 0 && t->line[len - 1] == '\r')
        len--;
    t->line[len] = '\0';
    *line = t->line;
    return LMC_SUCCESS;
}

void
lmc_textin_close(lmc_textin *t)
{
    if (t->f)
        fclose(t->f);
    t->f = NULL;
}
