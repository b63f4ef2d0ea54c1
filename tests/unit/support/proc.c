#include "proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csmetrics/xalloc.h"
#include "testutil.h"

#define SETPRIV "/usr/bin/setpriv"

static const char *bin_path(void)
{
    const char *bin = getenv("CSM_BIN");
    return bin ? bin : "build/san/csmetrics";
}

bool tp_can_drop_root(void)
{
    return getuid() != 0 || access(SETPRIV, X_OK) == 0;
}

/* argv for execv: the binary (behind setpriv when dropping root). */
static char **make_argv(const char *const *args, const tp_opts *o)
{
    size_t n = 0;
    while (args[n])
        n++;
    char **argv = csm_xcalloc(n + 8, sizeof *argv);
    size_t k = 0;
    if (o && o->as_nobody && getuid() == 0) {
        argv[k++] = (char *)SETPRIV;
        argv[k++] = (char *)"--reuid=65534";
        argv[k++] = (char *)"--regid=65534";
        argv[k++] = (char *)"--clear-groups";
        argv[k++] = (char *)"--";
    }
    argv[k++] = (char *)bin_path();
    for (size_t i = 0; i < n; i++)
        argv[k++] = (char *)args[i];
    return argv;
}

/* In the child, after fork: limits, environment, redirections, exec. */
static void child(char **argv, const tp_opts *o, const char *out,
                  const char *err)
{
    if (o && o->fsize_limit > 0) {
        signal(SIGXFSZ, SIG_IGN); /* ignored dispositions survive exec */
        struct rlimit rl = {(rlim_t)o->fsize_limit, (rlim_t)o->fsize_limit};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            _exit(126);
    }
    if (o && o->epoch)
        setenv("SOURCE_DATE_EPOCH", o->epoch, 1);
    int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
        _exit(126);
    close(fo);
    close(fe);
    execv(argv[0], argv);
    _exit(127);
}

static int decode(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

void tp_run(const char *const *args, const tp_opts *o, tp_result *r)
{
    memset(r, 0, sizeof *r);
    r->status = -1;
    char *tmp = tu_tempdir("proc");
    char *out = csm_xasprintf("%s/out", tmp),
         *err = csm_xasprintf("%s/err", tmp);
    char **argv = make_argv(args, o);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child(argv, o, out, err);
    if (pid > 0) {
        int st;
        struct rusage ru;
        memset(&ru, 0, sizeof ru);
        if (wait4(pid, &st, 0, &ru) == pid) {
            r->status = decode(st);
            r->max_rss_kb = ru.ru_maxrss;
        }
    }
    free(argv);
    r->out = tu_read(out, NULL);
    r->err = tu_read(err, NULL);
    if (!r->out)
        r->out = csm_xstrdup("");
    if (!r->err)
        r->err = csm_xstrdup("");
    free(out);
    free(err);
    tu_rmtree(tmp);
    free(tmp);
}

void tp_free(tp_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

pid_t tp_start(const char *const *args, const tp_opts *o)
{
    char **argv = make_argv(args, o);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child(argv, o, "/dev/null", "/dev/null");
    free(argv);
    return pid;
}

int tp_wait(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return decode(st);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int tp_count_entries(const char *dir, char **names)
{
    DIR *d = opendir(dir);
    if (names)
        *names = NULL;
    if (!d)
        return -1;
    char **v = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        v = csm_xreallocarray(v, n + 1, sizeof *v);
        v[n++] = csm_xstrdup(e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_str);
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(v[i]) + 1;
    char *all = csm_xmalloc(len);
    all[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(all, v[i]);
        strcat(all, "\n");
        free(v[i]);
    }
    free(v);
    if (names)
        *names = all;
    else
        free(all);
    return (int)n;
}

bool tp_nobody_can(const char *path, int mode)
{
    if (getuid() != 0)
        return access(path, mode) == 0;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        _exit(access(path, mode) == 0 ? 0 : 1);
    }
    return pid > 0 && tp_wait(pid) == 0;
}
