/* Atomic output under fault: `report board` on a generated data set
 * (synth, 2,000 customers over 36 months), killed at many points while it
 * renders.  What the output folder may hold afterwards:
 *
 * - SIGKILL (cannot be caught): under each report name, either the
 *   previous complete file (byte-identical to before the run), the new
 *   complete file, or nothing; never a truncated or other file.  Hidden
 *   temporaries (".NAME.tmp-XXXXXX") may remain: nothing can remove them.
 * - SIGTERM (and SIGINT, SIGHUP: the same handler): the same, and no
 *   temporary at all.
 *
 * "New complete" is the output of an uninterrupted run of the same
 * command; SOURCE_DATE_EPOCH makes it byte-for-byte reproducible.  The
 * previous report comes from a data set of another seed with the same
 * months, so it has the same file names and different bytes. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "csmetrics/xalloc.h"
#include "support/proc.h"
#include "support/testutil.h"

#define EPOCH "1700000000"
#define MAX_FILES 8

typedef struct report_set {
    size_t n;
    char *name[MAX_FILES];
    char *data[MAX_FILES];
    size_t len[MAX_FILES];
} report_set;

static void set_read(report_set *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    char *names;
    int n = tp_count_entries(dir, &names);
    assert_true(n > 0 && n <= MAX_FILES);
    char *save = NULL;
    for (char *t = strtok_r(names, "\n", &save); t;
         t = strtok_r(NULL, "\n", &save)) {
        char *p = csm_xasprintf("%s/%s", dir, t);
        s->name[s->n] = csm_xstrdup(t);
        s->data[s->n] = tu_read(p, &s->len[s->n]);
        assert_non_null(s->data[s->n]);
        s->n++;
        free(p);
    }
    free(names);
}

static void set_free(report_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->name[i]);
        free(s->data[i]);
    }
    memset(s, 0, sizeof *s);
}

static int set_find(const report_set *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->name[i], name) == 0)
            return (int)i;
    return -1;
}

static void set_write(const report_set *s, const char *dir)
{
    for (size_t i = 0; i < s->n; i++)
        tu_write(dir, s->name[i], s->data[i], s->len[i]);
}

static void synth(const char *seed, const char *out)
{
    const char *a[] = {"synth",  "--customers", "2000",  "--months", "36",
                       "--seed", seed,          "--out", out,        NULL};
    tp_result r;
    tp_run(a, NULL, &r);
    if (r.status != 0)
        fprintf(stderr, "synth: %s\n", r.err);
    assert_int_equal(r.status, 0);
    tp_free(&r);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(double ms)
{
    struct timespec ts = {
        (time_t)(ms / 1e3),
        (long)((ms - (double)(time_t)(ms / 1e3) * 1e3) * 1e6)};
    nanosleep(&ts, NULL);
}

/* True once dir holds a hidden entry (a temporary being written). */
static bool has_temporary(const char *dir, int *n_tmp)
{
    char *names;
    int n = tp_count_entries(dir, &names);
    int k = 0;
    bool at_start = true;
    for (char *p = names; n > 0 && p && *p; p++) {
        if (at_start && *p == '.')
            k++;
        at_start = *p == '\n';
    }
    free(names);
    if (n_tmp)
        *n_tmp = k;
    return k > 0;
}

typedef struct outcome {
    int killed_rendering; /* the signal came while a temporary existed */
    int old_files, new_files, temporaries;
} outcome;

/* Checks dir after an interrupted run: every visible file is a complete
 * old or new one; with `prev`, no old file disappeared.  Counts (and
 * removes) the hidden temporaries left. */
static void check_folder(const char *dir, const report_set *old_set, bool prev,
                         const report_set *new_set, outcome *o)
{
    char *names;
    int n = tp_count_entries(dir, &names);
    assert_true(n >= 0);
    char *save = NULL;
    for (char *t = strtok_r(names, "\n", &save); t;
         t = strtok_r(NULL, "\n", &save)) {
        char *p = csm_xasprintf("%s/%s", dir, t);
        if (t[0] == '.') {
            o->temporaries++;
            unlink(p);
            free(p);
            continue;
        }
        size_t len;
        char *bytes = tu_read(p, &len);
        int i = set_find(new_set, t);
        if (i < 0 || !bytes) {
            fprintf(stderr, "unexpected file %s\n", p);
            fail();
        }
        bool is_new =
            len == new_set->len[i] && memcmp(bytes, new_set->data[i], len) == 0;
        int k = set_find(old_set, t);
        bool is_old = prev && k >= 0 && len == old_set->len[k] &&
                      memcmp(bytes, old_set->data[k], len) == 0;
        if (!is_new && !is_old) {
            fprintf(stderr,
                    "%s is neither the previous nor the new report (%zu "
                    "bytes; new %zu)\n",
                    p, len, new_set->len[i]);
            fail();
        }
        o->new_files += is_new && !is_old;
        o->old_files += is_old;
        free(bytes);
        free(p);
    }
    free(names);
    if (prev) {
        for (size_t i = 0; i < old_set->n; i++) {
            char *p = csm_xasprintf("%s/%s", dir, old_set->name[i]);
            if (access(p, F_OK) != 0) {
                fprintf(stderr, "the previous %s is gone\n", p);
                fail();
            }
            free(p);
        }
    }
}

typedef struct fixture {
    char *tmp;
    char *data_old, *data_new;
    report_set old_set, new_set;
    double full_ms;   /* an uninterrupted run */
    double render_ms; /* from its first temporary to its end */
} fixture;

static int setup(void **state)
{
    fixture *f = csm_xcalloc(1, sizeof *f);
    f->tmp = tu_tempdir("atomic");
    f->data_old = csm_xasprintf("%s/old-data", f->tmp);
    f->data_new = csm_xasprintf("%s/new-data", f->tmp);
    synth("7", f->data_old);
    synth("8", f->data_new);
    const char *datas[2] = {f->data_old, f->data_new};
    report_set *sets[2] = {&f->old_set, &f->new_set};
    for (int i = 0; i < 2; i++) {
        char *out = csm_xasprintf("%s/ref-%d", f->tmp, i);
        const char *a[] = {"report",   "board",         "--data",
                           datas[i],   "--out",         out,
                           "--format", "pdf,xlsx,json", NULL};
        tp_opts o = {.epoch = EPOCH};
        tp_result r;
        double t0 = now_ms();
        tp_run(a, &o, &r);
        f->full_ms = now_ms() - t0;
        if (r.status != 0)
            fprintf(stderr, "report: %s\n", r.err);
        assert_int_equal(r.status, 0);
        tp_free(&r);
        set_read(sets[i], out);
        free(out);
    }
    /* Calibration: how long the render phase lasts (from the first
     * temporary to the end), so the signals below fall inside it. */
    char *cal = csm_xasprintf("%s/calibrate", f->tmp);
    char *mk = csm_xasprintf("mkdir -p '%s'", cal);
    assert_int_equal(system(mk), 0);
    const char *a[] = {"report",  "board", "--data",   f->data_new,
                       "--out",   cal,     "--format", "pdf,xlsx,json",
                       "--quiet", NULL};
    tp_opts o = {.epoch = EPOCH};
    double t0 = now_ms(), t_tmp = -1;
    pid_t pid = tp_start(a, &o);
    for (;;) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            break;
        if (t_tmp < 0 && has_temporary(cal, NULL))
            t_tmp = now_ms();
        sleep_ms(0.2);
    }
    double t_end = now_ms();
    f->render_ms = t_tmp < 0 ? (t_end - t0) / 2 : t_end - t_tmp;
    free(mk);
    free(cal);
    assert_int_equal(f->old_set.n, 3);
    assert_int_equal(f->new_set.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(f->old_set.name[i], f->new_set.name[i]);
        assert_true(f->old_set.len[i] != f->new_set.len[i] ||
                    memcmp(f->old_set.data[i], f->new_set.data[i],
                           f->old_set.len[i]) != 0);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    set_free(&f->old_set);
    set_free(&f->new_set);
    tu_rmtree(f->tmp);
    free(f->tmp);
    free(f->data_old);
    free(f->data_new);
    free(f);
    return 0;
}

/* One interrupted run: start, wait for the first temporary (or a fixed
 * time when `from_start`), wait `delay` ms more, send sig. */
static void interrupted_run(fixture *f, int run, int sig, bool prev,
                            bool from_start, double delay, outcome *o)
{
    char *out = csm_xasprintf("%s/out-%d-%d", f->tmp, sig, run);
    tu_rmtree(out);
    char *mk = csm_xasprintf("mkdir -p '%s'", out);
    assert_int_equal(system(mk), 0);
    free(mk);
    if (prev)
        set_write(&f->old_set, out);
    const char *a[] = {"report",  "board", "--data",   f->data_new,
                       "--out",   out,     "--format", "pdf,xlsx,json",
                       "--quiet", NULL};
    tp_opts opts = {.epoch = EPOCH};
    pid_t pid = tp_start(a, &opts);
    assert_true(pid > 0);
    double t0 = now_ms();
    bool seen = from_start;
    int status = -1;
    /* Poll every 0.2 ms; give up waiting (and let it finish) after 60 s. */
    while (!seen && now_ms() - t0 < 60000) {
        int st;
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            break;
        }
        seen = has_temporary(out, NULL);
        if (!seen)
            sleep_ms(0.2);
    }
    if (status < 0) {
        sleep_ms(delay);
        o->killed_rendering += has_temporary(out, NULL);
        kill(pid, sig);
        status = tp_wait(pid);
    }
    /* Finished normally, or ended by the signal (the handler re-raises
     * it after removing the temporaries). */
    assert_true(status == 0 || status == 128 + sig);
    int before = o->temporaries;
    check_folder(out, &f->old_set, prev, &f->new_set, o);
    if (sig != SIGKILL && o->temporaries != before) {
        fprintf(stderr, "%d temporaries left after signal %d\n",
                o->temporaries - before, sig);
        fail();
    }
    tu_rmtree(out);
    free(out);
}

static void run_series(fixture *f, int sig, int runs)
{
    outcome o = {0};
    for (int i = 0; i < runs; i++) {
        /* Delays spread over the whole render, the first ones dense: the
         * workbook, then the PDF, then the JSON, then the renames. */
        double delay = f->render_ms * (double)(i * i) / (double)(runs * runs);
        bool prev = i % 2 == 0;
        bool from_start = i % 5 == 4; /* also during load and compute */
        interrupted_run(f, i, sig, prev, from_start,
                        from_start ? f->full_ms * 0.3 * (i % 3) : delay, &o);
    }
    printf("NOTE: signal %d: %d runs (a run %.0f ms, rendering %.0f ms), %d "
           "stopped while rendering; files found: %d previous, %d new; %d "
           "temporar%s left\n",
           sig, runs, f->full_ms, f->render_ms, o.killed_rendering, o.old_files,
           o.new_files, o.temporaries, o.temporaries == 1 ? "y" : "ies");
    /* The test means something only if it did interrupt renders. */
    assert_true(o.killed_rendering > 0);
}

static void test_sigkill_during_render(void **state)
{
    run_series(*state, SIGKILL, 12);
}

static void test_sigterm_leaves_no_temporary(void **state)
{
    run_series(*state, SIGTERM, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigkill_during_render),
        cmocka_unit_test(test_sigterm_leaves_no_temporary),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
