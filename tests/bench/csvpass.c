/* csvpass - the bench's floor: one bare libcsv pass over every CSV file in
 * DIR/snapshots (and the other files in DIR), counting fields and rows and
 * nothing else.  csmetrics must load and compute within 1.2x of this.
 *   usage: csvpass DIR */
#include <csv.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long long fields, rows;

static void on_field(void *s, size_t len, void *data)
{
    (void)s;
    (void)len;
    (void)data;
    fields++;
}

static void on_row(int c, void *data)
{
    (void)c;
    (void)data;
    rows++;
}

static int pass(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_APPEND_NULL);
    static char buf[256 * 1024];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        if (csv_parse(&p, buf, (size_t)n, on_field, on_row, NULL) != (size_t)n)
            break;
    csv_fini(&p, on_field, on_row, NULL);
    csv_free(&p);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: csvpass DIR\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/snapshots", argv[1]);
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        return 1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/snapshots/%s", argv[1], e->d_name);
        pass(path);
    }
    closedir(d);
    const char *aux[] = {"fx.csv", "costs.csv", "churn_reasons.csv",
                         "referrals.csv"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", argv[1], aux[i]);
        pass(path);
    }
    printf("%llu rows, %llu fields\n", rows, fields);
    return 0;
}
