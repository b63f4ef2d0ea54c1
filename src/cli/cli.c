/* cli/ - argument parsing and the commands.  A command is a row in the
 * command table: name, options it accepts, help text and a function.  A
 * command function returns a csm_error, which is the exit code; nothing
 * below main() exits. */
#include "csmetrics/cli.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csmetrics/export.h"
#include "csmetrics/pipeline.h"
#include "csmetrics/report_build.h"
#include "csmetrics/version.h"

#include "commands.h"

typedef struct opt_def {
    const char *name;
    bool has_arg;
    size_t offset; /* of the const char * or bool in csm_cli_opts */
} opt_def;

static const opt_def opt_defs[] = {
    {"data", true, offsetof(csm_cli_opts, data)},
    {"month", true, offsetof(csm_cli_opts, month)},
    {"out", true, offsetof(csm_cli_opts, out)},
    {"format", true, offsetof(csm_cli_opts, format)},
    {"config", true, offsetof(csm_cli_opts, config)},
    {"report", true, offsetof(csm_cli_opts, report)},
    {"style", true, offsetof(csm_cli_opts, style)},
    {"flagged", true, offsetof(csm_cli_opts, flagged)},
    {"ledger", true, offsetof(csm_cli_opts, ledger)},
    {"previous", true, offsetof(csm_cli_opts, previous)},
    {"previous-data", true, offsetof(csm_cli_opts, previous_data)},
    {"as-of", true, offsetof(csm_cli_opts, as_of)},
    {"paper", true, offsetof(csm_cli_opts, paper)},
    {"start", true, offsetof(csm_cli_opts, start)},
    {"seed", true, offsetof(csm_cli_opts, seed)},
    {"customers", true, offsetof(csm_cli_opts, customers)},
    {"months", true, offsetof(csm_cli_opts, months)},
    {"threads", true, offsetof(csm_cli_opts, threads)},
    {"json", false, offsetof(csm_cli_opts, json)},
    {"quiet", false, offsetof(csm_cli_opts, quiet)},
    {"verbose", false, offsetof(csm_cli_opts, verbose)},
    {"help", false, offsetof(csm_cli_opts, help)},
};

/* Options every command takes. */
static const char common_opts[] = " config report style quiet verbose help ";

static bool accepts(const csm_command *cmd, const char *name)
{
    char key[40];
    snprintf(key, sizeof key, " %s ", name);
    return strstr(common_opts, key) || strstr(cmd->options, key);
}

static void usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "csmetrics: %s \"%s\"\nTry 'csmetrics --help'.\n", what,
            arg);
}

static int parse(const csm_command *cmd, int argc, char **argv, csm_cli_opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (o->n_args >= 4) {
                usage_error("too many arguments at", a);
                return CSM_EUSAGE;
            }
            o->args[o->n_args++] = a;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const opt_def *d = NULL;
        for (size_t k = 0; k < sizeof opt_defs / sizeof *opt_defs; k++)
            if (strlen(opt_defs[k].name) == len &&
                strncmp(opt_defs[k].name, name, len) == 0)
                d = &opt_defs[k];
        if (!d || !accepts(cmd, d->name)) {
            fprintf(stderr, "csmetrics %s: unknown option \"%.*s\"\n",
                    cmd->name, (int)(len + 2), a);
            fprintf(stderr, "Try 'csmetrics %s --help'.\n", cmd->name);
            return CSM_EUSAGE;
        }
        char *base = (char *)o + d->offset;
        if (!d->has_arg) {
            if (eq) {
                usage_error("this option takes no value:", a);
                return CSM_EUSAGE;
            }
            *(bool *)(void *)base = true;
            continue;
        }
        const char *val = eq ? eq + 1 : NULL;
        if (!val) {
            if (i + 1 >= argc) {
                usage_error("this option needs a value:", a);
                return CSM_EUSAGE;
            }
            val = argv[++i];
        }
        *(const char **)(void *)base = val;
    }
    return CSM_OK;
}

void csm_cli_print_diags(const csm_diags *d, const csm_cli_opts *o)
{
    size_t errors = csm_diags_errors(d), warnings = csm_diags_warnings(d);
    if (errors)
        csm_diags_print(d, stderr, CSM_SEV_ERROR, 50);
    if (o->verbose)
        for (size_t i = 0; i < d->n; i++)
            if (d->items[i].severity == CSM_SEV_INFO)
                csm_diag_format(&d->items[i], stderr);
    if (o->verbose && warnings) {
        for (size_t i = 0, shown = 0; i < d->n && shown < 200; i++) {
            if (d->items[i].severity == CSM_SEV_WARNING) {
                csm_diag_format(&d->items[i], stderr);
                shown++;
            }
        }
    }
    if (errors || (warnings && !o->quiet))
        fprintf(stderr, "csmetrics: %zu error%s, %zu warning%s%s\n", errors,
                errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
                warnings && !o->verbose ? " (--verbose lists the warnings)"
                                        : "");
}

/* The sections a report definition of this kind may list, from the
 * registry, with their options: the reference for reports/ *.report. */
static void print_sections(const char *kind)
{
    char key[40];
    snprintf(key, sizeof key, " %s ", kind);
    printf("Sections for [section ID] in a %s report definition:\n", kind);
    for (size_t i = 0; i < csm_n_section_specs; i++) {
        const csm_section_spec *s = &csm_section_specs[i];
        if (!strstr(s->reports, key))
            continue;
        printf("  %-22s %s\n", s->id, s->doc);
        for (size_t k = 0; k < s->n_options; k++) {
            const csm_opt_spec *o = &s->options[k];
            printf("  %24s%s = %s (default %s): %s\n", "", o->name,
                   o->type == CSM_OPT_WORD   ? o->words
                   : o->type == CSM_OPT_BOOL ? "true|false"
                   : o->type == CSM_OPT_TEXT ? "text"
                                             : "number",
                   o->fallback ? o->fallback : "-", o->doc);
        }
    }
}

static void print_overview(FILE *out)
{
    fputs("csmetrics " CSM_VERSION
          " - Customer Success metrics from subscription snapshots\n\n"
          "Usage: csmetrics COMMAND [OPTIONS]\n\nCommands:\n",
          out);
    for (size_t i = 0; i < csm_n_commands; i++)
        fprintf(out, "  %-22s %s\n", csm_commands[i].usage_name,
                csm_commands[i].summary);
    fputs("\nCommon options: --config FILE, --report FILE, --style FILE, "
          "--quiet, --verbose,\n--help, --version.  'csmetrics COMMAND "
          "--help' describes a command.\n\nExit codes: 0 ok, 1 data error, "
          "2 usage error, 3 reconciliation mismatch,\n4 I/O error.\n",
          out);
}

int csm_cli_main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return CSM_EUSAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") ||
        !strcmp(name, "help")) {
        print_overview(stdout);
        return CSM_OK;
    }
    if (!strcmp(name, "--version")) {
        printf("csmetrics %s\n", CSM_VERSION);
        return CSM_OK;
    }
    const csm_command *cmd = NULL;
    int skip = 2;
    for (size_t i = 0; i < csm_n_commands && !cmd; i++) {
        const csm_command *c = &csm_commands[i];
        if (strcmp(c->name, name) != 0)
            continue;
        if (c->sub) {
            if (argc < 3 || strcmp(c->sub, argv[2]) != 0)
                continue;
            skip = 3;
        }
        cmd = c;
    }
    if (!cmd) {
        /* "report" without a known kind, or an unknown command. */
        bool family = false;
        for (size_t i = 0; i < csm_n_commands; i++)
            family = family || !strcmp(csm_commands[i].name, name);
        if (family && argc >= 3 && strcmp(argv[2], "--help") != 0)
            fprintf(stderr, "csmetrics %s: unknown kind \"%s\"\n", name,
                    argv[2]);
        else if (!family)
            fprintf(stderr, "csmetrics: unknown command \"%s\"\n", name);
        if (family) {
            for (size_t i = 0; i < csm_n_commands; i++)
                if (!strcmp(csm_commands[i].name, name))
                    fprintf(stderr, "  csmetrics %s\n",
                            csm_commands[i].usage_name);
        } else {
            fputs("Try 'csmetrics --help'.\n", stderr);
        }
        return CSM_EUSAGE;
    }
    csm_cli_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse(cmd, argc - skip, argv + skip, &o);
    if (rc != CSM_OK)
        return rc;
    if (o.help) {
        printf("Usage: csmetrics %s %s\n\n%s\n", cmd->usage_name,
               cmd->usage_args, cmd->help);
        if (cmd->sub && !strcmp(cmd->name, "report"))
            print_sections(cmd->sub);
        return CSM_OK;
    }
    return cmd->run(&o);
}
