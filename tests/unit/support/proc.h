/* proc.h - running the csmetrics binary under test conditions: as an
 * unprivileged user, with a file-size limit (a full disk), in the
 * background to be killed, with its peak memory measured.  For the
 * hardening tests (test_bad_inputs.c, test_atomic_output.c). */
#ifndef CSM_PROC_H
#define CSM_PROC_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct tp_opts {
    /* Run as user and group 65534 (nobody) when we are root, through
     * setpriv; tp_can_drop_root() says whether that is possible. */
    bool as_nobody;
    /* RLIMIT_FSIZE in bytes for the child (0: none), with SIGXFSZ ignored
     * so that a write past it fails with EFBIG like a full disk. */
    long long fsize_limit;
    /* SOURCE_DATE_EPOCH for the child (NULL: inherited). */
    const char *epoch;
} tp_opts;

typedef struct tp_result {
    int status;      /* exit code, 128 + signal when killed, -1: no run */
    char *out, *err; /* captured stdout and stderr (never NULL) */
    long max_rss_kb; /* peak resident set size of the child */
} tp_result;

/* Runs $CSM_BIN with args (NULL-terminated, without the program name)
 * and waits for it.  Free the result with tp_free. */
void tp_run(const char *const *args, const tp_opts *o, tp_result *r);
void tp_free(tp_result *r);

/* Starts $CSM_BIN with args in the background (stdout and stderr to
 * /dev/null); returns its pid. */
pid_t tp_start(const char *const *args, const tp_opts *o);
/* Waits for pid; returns its exit code, or 128 + signal. */
int tp_wait(pid_t pid);

/* True when tests can run the binary without root's privileges (we are
 * not root, or setpriv can drop them). */
bool tp_can_drop_root(void);

/* Number of entries in dir, hidden ones included (-1 when unreadable);
 * when names is not NULL, a new string listing them, one per line. */
int tp_count_entries(const char *dir, char **names);

/* Whether user nobody (or we, when not root) may access path with mode
 * (R_OK, W_OK, X_OK): the unprivileged runs need the binary and the test
 * folders within reach. */
bool tp_nobody_can(const char *path, int mode);

#endif
