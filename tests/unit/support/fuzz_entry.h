/* fuzz_entry.h - the fuzzing entry points, shared by the libFuzzer
 * targets (tests/fuzz/fuzz_main.c, one binary per entry) and by the
 * regression replay of `make check` (tests/unit/test_fuzz_replay.c), so a
 * stored input goes through exactly the code that found it.
 *
 * Each entry takes arbitrary bytes, calls one parser the way csmetrics does,
 * checks the parser's contract (return code agrees with the diagnostics,
 * nothing is left allocated, accepted values round-trip) and returns 0.
 * A broken contract calls csm_fuzz_fail(), which prints what broke and
 * aborts, so libFuzzer records the input and the replay test fails. */
#ifndef CSM_FUZZ_ENTRY_H
#define CSM_FUZZ_ENTRY_H

#include <stddef.h>
#include <stdint.h>

typedef int (*csm_fuzz_fn)(const uint8_t *data, size_t size);

/* The CSV snapshot loader on a whole file (csm_load_snapshot_buffer), then
 * every metric and the JSON document on what it accepted. */
int csm_fuzz_snapshot(const uint8_t *data, size_t size);
/* A whole data folder (several files in one input, see fuzz_entry.c):
 * csm_load_run, every metric, the JSON and the board's report model. */
int csm_fuzz_folder(const uint8_t *data, size_t size);
/* The CSV reader alone, block boundaries anywhere: every block size must
 * deliver the same records as one big block. */
int csm_fuzz_csv(const uint8_t *data, size_t size);
/* csm_money_parse (first byte: decimals), csm_rate_parse. */
int csm_fuzz_money(const uint8_t *data, size_t size);
/* csm_date_parse, csm_month_parse. */
int csm_fuzz_date(const uint8_t *data, size_t size);
/* csm_report_def_parse with the registered section specs. */
int csm_fuzz_report_def(const uint8_t *data, size_t size);
/* csm_style_parse and csm_style_expand. */
int csm_fuzz_style(const uint8_t *data, size_t size);
/* csm_config_parse and the policy echo. */
int csm_fuzz_config(const uint8_t *data, size_t size);
/* csm_json_parse (the --previous reader). */
int csm_fuzz_json(const uint8_t *data, size_t size);

typedef struct csm_fuzz_target {
    const char *name; /* folder name under tests/fuzz/regressions/ */
    csm_fuzz_fn fn;
} csm_fuzz_target;

extern const csm_fuzz_target csm_fuzz_targets[];
extern const size_t csm_fuzz_n_targets;

/* Prints "fuzz contract broken: WHAT" to stderr and aborts. */
void csm_fuzz_fail(const char *what)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((noreturn))
#endif
    ;

#endif
