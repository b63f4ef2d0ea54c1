/* ledger.h - a billing ledger for reconciliation: MRR per customer for one
 * month, as the billing system reports it. */
#ifndef CSMETRICS_LEDGER_H
#define CSMETRICS_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "csmetrics/dataset.h"
#include "csmetrics/diag.h"
#include "csmetrics/error.h"

typedef struct csm_ledger_entry {
    char *customer_id;
    int64_t amount; /* reporting currency minor units, summed over rows */
    long line;      /* first row of the customer */
} csm_ledger_entry;

typedef struct csm_ledger {
    csm_ledger_entry *entries; /* in file order of first appearance */
    size_t n;
    long rows;
    int64_t total;
} csm_ledger;

/* Reads path (customer_id, mrr[, currency]); amounts in another currency
 * are converted at month's rate from the data set's fx table.  On success
 * CSM_OK and *out (free with csm_ledger_free); CSM_EDATA with every problem
 * in diag, or CSM_EIO. */
csm_error csm_ledger_load(const char *path, const csm_dataset *ds,
                          csm_month month, csm_ledger **out, csm_diags *diag);
void csm_ledger_free(csm_ledger *l);

#endif
