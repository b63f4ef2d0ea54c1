#include "csmetrics/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csmetrics/xalloc.h"

/* Pending temporaries, for removal from a signal handler.  A fixed table of
 * fixed buffers: the handler must not touch the heap. */
#define MAX_PENDING 64
#define PENDING_PATH 4096
static char pending[MAX_PENDING][PENDING_PATH];
static volatile sig_atomic_t pending_used[MAX_PENDING];

static void track(const char *p)
{
    if (strlen(p) >= PENDING_PATH)
        return;
    for (int i = 0; i < MAX_PENDING; i++) {
        if (!pending_used[i]) {
            memcpy(pending[i], p, strlen(p) + 1);
            /* The handler must see the whole path before the flag. */
            atomic_signal_fence(memory_order_seq_cst);
            pending_used[i] = 1;
            return;
        }
    }
}

static void untrack(const char *p)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        if (pending_used[i] && strcmp(pending[i], p) == 0) {
            pending_used[i] = 0;
            return;
        }
    }
}

void csm_atomic_cleanup(void)
{
    for (int i = 0; i < MAX_PENDING; i++) {
        if (pending_used[i]) {
            unlink(pending[i]);
            pending_used[i] = 0;
        }
    }
}

static char *make_template(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = slash ? slash + 1 : path;
    return csm_xasprintf("%.*s.%s.tmp-XXXXXX", (int)dirlen, path, base);
}

static void io_diag(csm_diags *diag, const char *path, const char *what,
                    int err)
{
    if (diag) {
        csm_loc loc = {.file = path, .offset = -1};
        csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc, "cannot %s: %s", what,
                      strerror(err));
    }
}

/* Signals that remove pending temporaries (see src/main.c). */
static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

static int make_temp_fd(const char *path, char **tmp_out)
{
    char *tmp = make_template(path);
    /* A signal between mkstemp and track() would leave the file behind:
     * hold the signals until it is registered. */
    sigset_t old;
    block_signals(&old);
    int fd = mkstemp(tmp);
    if (fd >= 0)
        track(tmp);
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        free(tmp);
        errno = e;
        return -1;
    }
    /* mkstemp creates 0600; reports are ordinary files. */
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, 0666 & ~um) != 0) {
        /* Not fatal: the file is still ours and readable by us. */
    }
    *tmp_out = tmp;
    return fd;
}

csm_error csm_atomic_open(csm_atomic_file *f, const char *path, csm_diags *diag)
{
    memset(f, 0, sizeof *f);
    char *tmp;
    int fd = make_temp_fd(path, &tmp);
    if (fd < 0) {
        io_diag(diag, path, "create a file in its folder", errno);
        return CSM_EIO;
    }
    f->fp = fdopen(fd, "wb");
    if (!f->fp) {
        int e = errno;
        close(fd);
        unlink(tmp);
        untrack(tmp);
        free(tmp);
        io_diag(diag, path, "open the temporary file", e);
        return CSM_EIO;
    }
    f->tmp_path = tmp;
    f->path = csm_xstrdup(path);
    return CSM_OK;
}

static int sync_path(const char *p)
{
    int fd = open(p, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* Finished temporaries waiting for csm_atomic_publish (staging on). */
static bool staging;
static char **staged_tmp, **staged_path;
static size_t n_staged;

static void stage(const char *tmp, const char *path)
{
    staged_tmp =
        csm_xreallocarray(staged_tmp, n_staged + 1, sizeof *staged_tmp);
    staged_path =
        csm_xreallocarray(staged_path, n_staged + 1, sizeof *staged_path);
    staged_tmp[n_staged] = csm_xstrdup(tmp);
    staged_path[n_staged] = csm_xstrdup(path);
    n_staged++;
}

/* Renames tmp over path now, or keeps it for csm_atomic_publish.  A kept
 * temporary stays registered, so a signal still removes it. */
static int finish_rename(const char *tmp, const char *path)
{
    if (staging) {
        stage(tmp, path);
        return 0;
    }
    return rename(tmp, path);
}

void csm_atomic_stage_begin(void)
{
    staging = true;
}

static void stage_end(void)
{
    for (size_t i = 0; i < n_staged; i++) {
        free(staged_tmp[i]);
        free(staged_path[i]);
    }
    free(staged_tmp);
    free(staged_path);
    staged_tmp = staged_path = NULL;
    n_staged = 0;
    staging = false;
}

csm_error csm_atomic_publish(csm_diags *diag)
{
    csm_error rc = CSM_OK;
    for (size_t i = 0; i < n_staged; i++) {
        if (rc == CSM_OK && rename(staged_tmp[i], staged_path[i]) != 0) {
            io_diag(diag, staged_path[i], "write", errno);
            rc = CSM_EIO;
        }
        if (rc != CSM_OK)
            unlink(staged_tmp[i]);
        untrack(staged_tmp[i]);
    }
    stage_end();
    return rc;
}

void csm_atomic_unstage(void)
{
    for (size_t i = 0; i < n_staged; i++) {
        unlink(staged_tmp[i]);
        untrack(staged_tmp[i]);
    }
    stage_end();
}

csm_error csm_atomic_commit(csm_atomic_file *f, csm_diags *diag)
{
    if (!f->fp)
        return CSM_EIO;
    int failed = ferror(f->fp);
    int e = failed ? EIO : 0;
    if (fflush(f->fp) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    if (!failed && fsync(fileno(f->fp)) != 0 && errno != EINVAL) {
        failed = 1;
        e = errno;
    }
    if (fclose(f->fp) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    f->fp = NULL;
    bool kept = staging && !failed;
    if (!failed && finish_rename(f->tmp_path, f->path) != 0) {
        failed = 1;
        e = errno;
    }
    if (failed) {
        io_diag(diag, f->path, "write", e);
        unlink(f->tmp_path);
    }
    if (!kept)
        untrack(f->tmp_path);
    free(f->tmp_path);
    free(f->path);
    f->tmp_path = f->path = NULL;
    return failed ? CSM_EIO : CSM_OK;
}

void csm_atomic_abort(csm_atomic_file *f)
{
    if (f->fp)
        fclose(f->fp);
    if (f->tmp_path) {
        unlink(f->tmp_path);
        untrack(f->tmp_path);
    }
    free(f->tmp_path);
    free(f->path);
    memset(f, 0, sizeof *f);
}

char *csm_atomic_temp_path(const char *path)
{
    char *tmp;
    int fd = make_temp_fd(path, &tmp);
    if (fd < 0)
        return NULL;
    close(fd);
    return tmp;
}

csm_error csm_atomic_rename(char *tmp, const char *path, csm_diags *diag)
{
    csm_error rc = CSM_OK;
    if (sync_path(tmp) != 0 && errno != EINVAL) {
        io_diag(diag, path, "write", errno);
        rc = CSM_EIO;
    } else if (finish_rename(tmp, path) != 0) {
        io_diag(diag, path, "write", errno);
        rc = CSM_EIO;
    }
    if (rc != CSM_OK)
        unlink(tmp);
    if (rc != CSM_OK || !staging)
        untrack(tmp);
    free(tmp);
    return rc;
}

void csm_atomic_discard(char *tmp)
{
    if (!tmp)
        return;
    unlink(tmp);
    untrack(tmp);
    free(tmp);
}
