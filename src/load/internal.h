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

/* A column under construction: elements in chunks of CSM_CHUNK customers,
 * allocated when first written, so a growing customer count never copies
 * or over-allocates; finish gathers each column into one exact array. */
#define CSM_CHUNK_BITS 12
#define CSM_CHUNK ((size_t)1 << CSM_CHUNK_BITS)

typedef struct csm_col {
    unsigned char **chunks;
    size_t n_chunks;
    unsigned width; /* bytes per element */
    int kind;       /* 0: zero-filled, 1: attribute (filled with "missing") */
} csm_col;

/* Memory for a block's chunks: 2 MiB huge-page regions carved in order
 * and freed together once the block is gathered. */
typedef struct csm_arena {
    unsigned char **regions;
    size_t *region_bytes;
    size_t n_regions;
    unsigned char *cur;
    size_t left;
} csm_arena;

/* One month of data under construction. */
typedef struct csm_block {
    csm_month month;
    csm_arena arena;
    csm_col mrr, alt, present;
    csm_col attr[CSM_ATTR_COUNT];
    bool has_attr[CSM_ATTR_COUNT];
    int64_t total;
    long rows;
    size_t file; /* index of the file that holds this month */
} csm_block;

typedef struct csm_builder {
    csm_dataset *ds;
    const csm_config *cfg;
    csm_block **blocks; /* unordered while loading; pointers stay valid */
    size_t n_blocks, cap_blocks;
    size_t cap;                /* capacity of the per-customer arrays */
    csm_month *name_month;     /* per customer: month the name is from */
    csm_month *currency_month; /* per customer: month the currency is from */
    bool multi_currency;       /* a non-reporting currency occurred */
    pthread_mutex_t lock;
} csm_builder;

/* Element access (allocating the chunk on first use). */
int64_t *csm_block_mrr(csm_block *blk, uint32_t c);
int64_t *csm_block_alt(csm_block *blk, uint32_t c);
void csm_block_present(csm_block *blk, uint32_t c);
/* Stores an attribute value (CSM_NA allowed); string indexes must be below
 * 65535 (the caller checks), small values must fit their width. */
void csm_block_attr(csm_block *blk, csm_attr a, uint32_t c, int32_t v);

void csm_builder_init(csm_builder *b, csm_dataset *ds, const csm_config *cfg);
void csm_builder_free(csm_builder *b);
/* Returns the customer index of id, adding the customer when new. */
uint32_t csm_builder_customer(csm_builder *b, const char *id, size_t len);
/* Returns the block of month m, creating it for file `file`; sets *clash
 * to the other file's index when another file already holds month m. */
csm_block *csm_builder_block(csm_builder *b, csm_month m, size_t file,
                             size_t *clash);
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
csm_error csm_load_periods(csm_builder *b, const char *path, const char *name,
                           csm_month as_of, csm_diags *diag);
csm_error csm_load_costs(csm_dataset *ds, const char *path, const char *name,
                         csm_diags *diag);
csm_error csm_load_reasons(csm_dataset *ds, const char *path, const char *name,
                           csm_diags *diag);
csm_error csm_load_referrals(csm_dataset *ds, const char *path,
                             const char *name, csm_diags *diag);

/* Registers a source file for data-quality reporting; returns its index. */
size_t csm_dataset_add_file(csm_dataset *ds, const char *path, csm_month month);

#endif
