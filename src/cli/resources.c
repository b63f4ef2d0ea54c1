#include "resources.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csmetrics/xalloc.h"

#ifndef CSM_SHARE_DIR
#define CSM_SHARE_DIR "/usr/local/share/csmetrics"
#endif

static char *exe_dir(void)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    return csm_xstrdup(buf);
}

static char *try(const char *dir, const char *rel)
{
    if (!dir || !*dir)
        return NULL;
    char *p = csm_xasprintf("%s/%s", dir, rel);
    if (access(p, R_OK) == 0)
        return p;
    free(p);
    return NULL;
}

char *csm_find_resource(const char *rel)
{
    char *p = try(getenv("CSM_DATADIR"), rel);
    if (p)
        return p;
    char *exe = exe_dir();
    if (exe) {
        /* build/csmetrics and build/san/csmetrics live below the source
         * tree; an installed bin/ has ../share/csmetrics beside it. */
        const char *ups[] = {"..", "../..", "../share/csmetrics"};
        for (size_t i = 0; i < 3 && !p; i++) {
            char *dir = csm_xasprintf("%s/%s", exe, ups[i]);
            p = try(dir, rel);
            free(dir);
        }
        free(exe);
        if (p)
            return p;
    }
    return try(CSM_SHARE_DIR, rel);
}
