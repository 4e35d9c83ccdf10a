/* textin.h -- bounded line reading for the small text inputs lmocheck
 * takes by path (schedule files, spectrum files).
 *
 * A path names anything open(2) opens: a regular file, but also
 * /dev/zero, a FIFO or a file that grows while it is read.  Each input
 * therefore has two bounds, checked while reading and never after the
 * fact: the whole input (LMC_TEXTIN_MAX_BYTES) and one line
 * (LMC_TEXTIN_MAX_LINE).  Binary data (a NUL byte) and directories are
 * refused.  Every refusal is one message naming the file, the line and
 * the limit or what would be accepted.
 */
#ifndef LMC_TEXTIN_H
#define LMC_TEXTIN_H

#include <stddef.h>
#include <stdio.h>

#define LMC_TEXTIN_MAX_BYTES (4u << 20) /* 4 MiB */
#define LMC_TEXTIN_MAX_LINE 1024        /* characters, without newline */

typedef struct lmc_textin
{
    FILE *f;
    const char *what;     /* "schedule file", for messages */
    const char *path;
    const char *accepted; /* "one 'a b c' per line", for messages */
    size_t bytes;         /* read so far */
    int lineno;           /* of the line last returned */
    char line[LMC_TEXTIN_MAX_LINE + 1];
} lmc_textin;

/* Opens path for reading.  what and accepted are kept (not copied) for
 * messages.  Errors: LMC_EIO (cannot be opened, a directory). */
int lmc_textin_open(lmc_textin *t, const char *what, const char *path,
                    const char *accepted);

/* Reads the next line into t->line (without its newline or a trailing
 * '\r') and sets *line to it, or sets *line = NULL at the end of the
 * input.  Errors: LMC_EPARSE (line too long, NUL byte, input too large),
 * LMC_EIO (read error).  Cost: one getc per byte. */
int lmc_textin_next(lmc_textin *t, char **line);

/* Closes the file; t may be closed twice, or never opened (t->f NULL). */
void lmc_textin_close(lmc_textin *t);

#endif /* LMC_TEXTIN_H */
