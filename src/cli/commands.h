/* The command table (internal to cli/). */
#ifndef CSM_CLI_COMMANDS_H
#define CSM_CLI_COMMANDS_H

#include <stddef.h>

#include "csmetrics/cli.h"
#include "csmetrics/pipeline.h"

typedef struct csm_command {
    const char *name;       /* "metrics", "report" */
    const char *sub;        /* "board" for "report board", else NULL */
    const char *usage_name; /* "report board" */
    const char *usage_args; /* "--data DIR [--month YYYY-MM] ..." */
    const char *summary;    /* one line */
    const char *options;    /* " data month json " accepted options */
    const char *help;       /* full help text */
    int (*run)(const csm_cli_opts *o);
} csm_command;

extern const csm_command csm_commands[];
extern const size_t csm_n_commands;

/* Shared by commands: parse --threads, load the data set. */
csm_error csm_cmd_load(const csm_cli_opts *o, csm_run *run);

#endif
