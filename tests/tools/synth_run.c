/* synth_run.c - runs csm_synth_run without the csmetrics command line.
 *
 * For timing the generator and for making data sets until `csmetrics
 * synth` exists.  Not built by the Makefile; build it with
 *   make && cc -std=c11 -O2 -Iinclude tests/tools/synth_run.c \
 *       build/libcsm.a -o build/synth_run
 * and run
 *   build/synth_run CUSTOMERS MONTHS SEED START(YYYY-MM or -) OUT_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csmetrics/synth.h"

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s CUSTOMERS MONTHS SEED START OUT_DIR\n",
                argv[0]);
        return 2;
    }
    csm_synth_options opt = {
        .customers = (size_t)strtoull(argv[1], NULL, 10),
        .months = atoi(argv[2]),
        .seed = strtoull(argv[3], NULL, 10),
        .start = CSM_NO_MONTH,
    };
    if (strcmp(argv[4], "-") != 0 &&
        csm_month_parse(argv[4], strlen(argv[4]), &opt.start) != CSM_DATE_OK) {
        fprintf(stderr, "%s: bad start month %s\n", argv[0], argv[4]);
        return 2;
    }
    csm_diags diag = {0};
    csm_error rc = csm_synth_run(&opt, argv[5], &diag);
    csm_diags_print(&diag, stderr, CSM_SEV_INFO, 50);
    csm_diags_free(&diag);
    return (int)rc;
}
