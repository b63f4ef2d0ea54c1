/* Internal interfaces of the load stage; not installed, not for other
 * stages. */
#ifndef CSM_LOAD_INTERNAL_H
#define CSM_LOAD_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "csmetrics/config.h"
#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"

/* One month of data under construction, arrays sized to the builder's
 * customer capacity. */
typedef struct csm_block {
    csm_month month;
    int64_t *mrr;
    int64_t *alt;
    uint8_t *present;
    int32_t *attr[CSM_ATTR_COUNT];
    int64_t total;
    long rows;
    size_t file; /* index of the file that holds this month */
} csm_block;

typedef struct csm_builder {
    csm_dataset *ds;
    const csm_config *cfg;
    csm_block *blocks; /* unordered while loading */
    size_t n_blocks, cap_blocks;
    size_t cap; /* customer capacity of every array */
    csm_month *name_month;     /* per customer: month the name is from */
    csm_month *currency_month; /* per customer: month the currency is from */
    bool multi_currency;       /* a non-reporting currency occurred */
    pthread_mutex_t lock;
} csm_builder;

void csm_builder_init(csm_builder *b, csm_dataset *ds, const csm_config *cfg);
void csm_builder_free(csm_builder *b);
/* Returns the customer index of id, adding the customer when new. */
uint32_t csm_builder_customer(csm_builder *b, const char *id, size_t len);
/* Returns the block of month m, creating it for file `file`; sets *clash
 * to the other file's index when another file already holds month m. */
csm_block *csm_builder_block(csm_builder *b, csm_month m, size_t file,
                             size_t *clash);
/* Makes sure block k has an array for attribute a. */
int32_t *csm_builder_attr(csm_builder *b, csm_block *blk, csm_attr a);
/* Orders months (checking they are contiguous), sorts customers and
 * strings, applies the past-due policy and fills the data set.  Returns
 * CSM_OK or CSM_EDATA with diagnostics. */
csm_error csm_builder_finish(csm_builder *b, csm_diags *diag);

/* Exchange rate of currency code in month m from the loaded fx table, or
 * NULL when there is none. */
const csm_rate *csm_fx_find(const csm_dataset *ds, const char *code,
                            csm_month m);

/* Sorts the fx table by (currency, month) for csm_fx_find. */
void csm_fx_sort(csm_dataset *ds);

/* The loaders, each adding to the data set under construction. */
csm_error csm_load_fx(csm_dataset *ds, const char *path, const char *name,
                      csm_diags *diag);
csm_error csm_load_snapshots(csm_builder *b, const char *dir,
                             const char *shown_dir, int threads,
                             csm_diags *diag);
csm_error csm_load_snapshot_mem(csm_builder *b, const char *data, size_t len,
                                const char *name, csm_month month,
                                csm_diags *diag);
csm_error csm_load_periods(csm_builder *b, const char *path,
                           const char *name, csm_month as_of,
                           csm_diags *diag);
csm_error csm_load_costs(csm_dataset *ds, const char *path, const char *name,
                         csm_diags *diag);
csm_error csm_load_reasons(csm_dataset *ds, const char *path,
                           const char *name, csm_diags *diag);
csm_error csm_load_referrals(csm_dataset *ds, const char *path,
                             const char *name, csm_diags *diag);

/* Registers a source file for data-quality reporting; returns its index. */
size_t csm_dataset_add_file(csm_dataset *ds, const char *path,
                            csm_month month);

#endif
