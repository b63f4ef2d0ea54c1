#include "testutil.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csmetrics/load.h"
#include "csmetrics/xalloc.h"

extern char **environ;

char *tu_path(const char *rel)
{
    const char *root = getenv("CSM_ROOT");
    return csm_xasprintf("%s/%s", root ? root : ".", rel);
}

static int counter;

char *tu_tempdir(const char *tag)
{
    const char *base = getenv("CSM_TMP");
    if (!base)
        base = "/tmp";
    mkdir(base, 0777);
    char *dir =
        csm_xasprintf("%s/%s-%ld-%d", base, tag, (long)getpid(), counter++);
    tu_rmtree(dir);
    mkdir(dir, 0777);
    return dir;
}

void tu_write(const char *dir, const char *name, const char *data, size_t len)
{
    char *path = csm_xasprintf("%s/%s", dir, name);
    /* Create parent folders. */
    for (char *p = path + strlen(dir) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0777);
            *p = '/';
        }
    }
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
    free(path);
}

void tu_rmtree(const char *dir)
{
    char *cmd = csm_xasprintf("rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        /* best effort */
    }
    free(cmd);
}

csm_error tu_load(const char *dir, const csm_config *cfg, csm_dataset **ds,
                  csm_diags *diag)
{
    csm_config def;
    csm_config_defaults(&def);
    csm_load_options lo = {.data_dir = dir, .threads = 2};
    return csm_load_run(&lo, cfg ? cfg : &def, ds, diag);
}

char *tu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = csm_xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            buf = csm_xrealloc(buf, cap);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

int tu_run(const char *const *args, char **out, char **err)
{
    const char *bin = getenv("CSM_BIN");
    if (!bin)
        bin = "build/san/csmetrics";
    char *tmp = tu_tempdir("run");
    char *o = csm_xasprintf("%s/out", tmp), *e = csm_xasprintf("%s/err", tmp);
    size_t n = 0;
    while (args[n])
        n++;
    char **argv = csm_xcalloc(n + 2, sizeof *argv);
    argv[0] = (char *)bin;
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, o, O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&fa, 2, e, O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    pid_t pid;
    int status = -1;
    if (posix_spawn(&pid, bin, &fa, NULL, argv, environ) == 0) {
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
            status = -1;
        else
            status = WEXITSTATUS(status);
    }
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    char *so = tu_read(o, NULL), *se = tu_read(e, NULL);
    if (out)
        *out = so ? so : csm_xstrdup("");
    else
        free(so);
    if (err)
        *err = se ? se : csm_xstrdup("");
    else
        free(se);
    free(o);
    free(e);
    tu_rmtree(tmp);
    free(tmp);
    return status;
}

long long tu_mrr(const csm_dataset *ds, const char *id, const char *month)
{
    csm_month m;
    if (csm_month_parse(month, strlen(month), &m) != CSM_DATE_OK)
        return -999;
    uint32_t c = csm_ds_find_customer(ds, id);
    int k = csm_dataset_month_index(ds, m);
    if (c == CSM_NO_CUSTOMER || k < 0)
        return -999;
    return ds->mrr[k][c];
}
