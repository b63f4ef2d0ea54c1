/* cli.h - the command line: parses arguments, runs a command, prints
 * diagnostics, and returns the process exit code (SPEC.md section 4). */
#ifndef CSMETRICS_CLI_H
#define CSMETRICS_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "csmetrics/diag.h"
#include "csmetrics/error.h"

/* Every option any command takes; a command's table row says which it
 * accepts.  Valid when zeroed. */
typedef struct csm_cli_opts {
    const char *data, *month, *out, *format, *config, *report, *style;
    const char *flagged, *ledger, *previous, *previous_data, *as_of, *paper;
    const char *start, *seed, *customers, *months, *threads;
    bool json, quiet, verbose, help;
    const char *args[4]; /* positional arguments after the command */
    int n_args;
} csm_cli_opts;

int csm_cli_main(int argc, char **argv);

/* Prints the diagnostics of a run the way every command does: errors (at
 * most 50), warnings only with --verbose, then a one-line count.  Returns
 * nothing; never exits. */
void csm_cli_print_diags(const csm_diags *d, const csm_cli_opts *o);

#endif
