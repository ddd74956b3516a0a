/* core/meta.h: provenance of every output srm writes.
 *
 * main() records the command line once; every output file then starts with `#` lines giving the
 * srm version, the command line, the seed (if any) and the date, so a figure can be traced to the
 * run that made it. Safetensors files carry the same facts in `__metadata__`. */
#ifndef SRM_META_H
#define SRM_META_H

#include <stdio.h>

#define SRM_VERSION "0.1.0"

void srm_meta_init(int argc, char **argv);
void srm_meta_set_seed(unsigned long seed);
int srm_meta_has_seed(void);
unsigned long srm_meta_seed(void);
const char *srm_meta_command(void); /* the full command line, shell-quoted where needed */
const char *srm_meta_date(void);    /* ISO 8601 UTC time of srm_meta_init */

/* Writes "# srm VERSION", "# command: ...", "# seed: ..." (when set), "# date: ...". */
void srm_meta_write(FILE *f);

#endif
