/* Replays every stored fuzzing input through the entry point that found it
 * (tests/unit/support/fuzz_entry.c, the same code the libFuzzer targets
 * run).  tests/fuzz/regressions/<target>/ holds one file per crash, leak,
 * timeout or broken contract that fuzzing found, plus hand-made inputs for
 * the bugs fixed with them; an entry aborts on a broken contract and ASan
 * fails the run on a leak or a bad access, so a bug that comes back fails
 * `make check`.
 *
 * Each input is copied into a buffer of exactly its size, as libFuzzer
 * does, so a read past the end is caught. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csmetrics/xalloc.h"
#include "support/fuzz_entry.h"
#include "support/testutil.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every file of tests/fuzz/regressions/<name>/; returns how many. */
static size_t replay_dir(const csm_fuzz_target *t)
{
    char *rel = csm_xasprintf("tests/fuzz/regressions/%s", t->name);
    char *dir = tu_path(rel);
    DIR *d = opendir(dir);
    size_t n = 0;
    if (d) {
        char **names = NULL;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            names = csm_xreallocarray(names, n + 1, sizeof *names);
            names[n++] = csm_xstrdup(e->d_name);
        }
        closedir(d);
        if (n > 1)
            qsort(names, n, sizeof *names, cmp_str);
        for (size_t i = 0; i < n; i++) {
            char *path = csm_xasprintf("%s/%s", dir, names[i]);
            size_t len = 0;
            char *text = tu_read(path, &len);
            assert_non_null(text);
            /* Exactly len bytes: no terminating NUL to hide an over-read. */
            uint8_t *exact = csm_xmalloc(len ? len : 1);
            memcpy(exact, text, len);
            fprintf(stderr, "replay %s/%s (%zu bytes)\n", t->name, names[i],
                    len);
            assert_int_equal(t->fn(exact, len), 0);
            free(exact);
            free(text);
            free(path);
            free(names[i]);
        }
        free(names);
    }
    free(dir);
    free(rel);
    return n;
}

static void test_replay_all(void **state)
{
    (void)state;
    size_t total = 0;
    for (size_t i = 0; i < csm_fuzz_n_targets; i++) {
        size_t n = replay_dir(&csm_fuzz_targets[i]);
        printf("NOTE: fuzz regressions: %zu input%s for %s\n", n,
               n == 1 ? "" : "s", csm_fuzz_targets[i].name);
        total += n;
    }
    /* The folder exists in the tree: an empty replay means a wrong path,
     * not a clean bill. */
    assert_true(total > 0);
}

/* The entries accept every edge case without a stored file too. */
static void test_entry_edges(void **state)
{
    (void)state;
    static const char *const inputs[] = {
        "",
        "\n",
        "\xef\xbb\xbf",
        "\"",
        "customer_id,mrr\n",
        "customer_id,mrr\nC1,1\n",
        "[section bridge]\n",
        "{\"a\":[1,2]}",
        "2024-02-29",
        ("\x02"
         "12.50"),
    };
    for (size_t t = 0; t < csm_fuzz_n_targets; t++)
        for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
            size_t len = strlen(inputs[i]);
            uint8_t *exact = csm_xmalloc(len ? len : 1);
            memcpy(exact, inputs[i], len);
            assert_int_equal(csm_fuzz_targets[t].fn(exact, len), 0);
            free(exact);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_all),
        cmocka_unit_test(test_entry_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
