/* Finding the shipped files (reports/ *.report, templates/ *) at run
 * time: $CSM_DATADIR, then next to the source tree the binary was built
 * in (build/csmetrics -> ./), then the installed share folder. */
#ifndef CSM_CLI_RESOURCES_H
#define CSM_CLI_RESOURCES_H

/* Returns a new path to an existing file `rel` ("reports/board.report"),
 * or NULL when none of the places has it. */
char *csm_find_resource(const char *rel);

#endif
