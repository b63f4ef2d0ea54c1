/* The report command (internal to cli/). */
#ifndef CSM_CLI_REPORT_CMD_H
#define CSM_CLI_REPORT_CMD_H

#include "csmetrics/cli.h"
#include "csmetrics/pipeline.h"

/* Runs `report KIND` ("board", "at-risk", "reconcile"); returns the exit
 * code: 3 when a reconciliation does not tie (the report is written). */
int csm_cmd_report(const csm_cli_opts *o, const char *kind);

#endif
