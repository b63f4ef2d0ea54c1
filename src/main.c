/* csmetrics entry point: library policies are set here, once, and the
 * command line takes over. */
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "csmetrics/atomic_file.h"
#include "csmetrics/cli.h"
#include "csmetrics/stats.h"

/* A killed run must not leave temporary report files behind. */
static void on_signal(int sig)
{
    csm_atomic_cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

int main(int argc, char **argv)
{
    /* Text in the user's locale, numbers always with '.' (LC_NUMERIC stays
     * "C"): output must not depend on the machine. */
    setlocale(LC_CTYPE, "");
    csm_stats_init(); /* GSL error handler off: every status is checked */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    return csm_cli_main(argc, argv);
}
