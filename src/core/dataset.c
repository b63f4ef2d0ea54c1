#include "csmetrics/dataset.h"

#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"

const uint8_t csm_attr_width[CSM_ATTR_COUNT] = {
    [CSM_ATTR_TERM_END] = 4,      [CSM_ATTR_LAST_ENGAGEMENT] = 4,
    [CSM_ATTR_ACTIVE_USERS] = 4,  [CSM_ATTR_LICENSED_USERS] = 4,
    [CSM_ATTR_OPEN_TICKETS] = 4,  [CSM_ATTR_NPS] = 1,
    [CSM_ATTR_DAYS_PAST_DUE] = 4, [CSM_ATTR_CHAMPION_LEFT] = 1,
    [CSM_ATTR_HEALTH_SCORE] = 1,  [CSM_ATTR_SEGMENT] = 2,
    [CSM_ATTR_PLAN] = 2,          [CSM_ATTR_OWNER] = 2,
};

int csm_dataset_month_index(const csm_dataset *ds, csm_month m)
{
    if (m == CSM_NO_MONTH)
        return -1;
    int i = m - ds->first_month;
    return i >= 0 && i < ds->n_months ? i : -1;
}

csm_month csm_dataset_month(const csm_dataset *ds, int index)
{
    return ds->first_month + index;
}

const char *csm_ds_string(const csm_dataset *ds, int32_t index)
{
    if (index == CSM_NA || index < 0)
        return "";
    return csm_strtab_get(&ds->strings, (uint32_t)index);
}

const char *csm_ds_customer_id(const csm_dataset *ds, size_t c)
{
    return csm_strtab_get(&ds->ids, (uint32_t)c);
}

uint32_t csm_ds_find_customer(const csm_dataset *ds, const char *id)
{
    uint32_t i = csm_strtab_find(&ds->ids, id, strlen(id));
    return i == CSM_STRTAB_NONE ? CSM_NO_CUSTOMER : i;
}

csm_dataset *csm_dataset_new(const char *cur, int decimals)
{
    csm_dataset *ds = csm_xcalloc(1, sizeof *ds);
    memcpy(ds->currency, cur, 3);
    ds->currency[3] = '\0';
    ds->decimals = decimals;
    ds->first_month = CSM_NO_MONTH;
    csm_strtab_intern(&ds->strings, "", 0, NULL);
    return ds;
}

static void free_rows(void **rows, int n, bool each)
{
    if (!rows)
        return;
    for (int m = 0; each && m < n; m++)
        free(rows[m]);
    free(rows);
}

void csm_dataset_free(csm_dataset *ds)
{
    if (!ds)
        return;
    for (size_t c = 0; c < ds->n_customers && ds->names; c++)
        free(ds->names[c]);
    free(ds->names);
    free(ds->contract_start);
    free(ds->first_value);
    free(ds->currency_of);
    csm_strtab_free(&ds->ids);
    bool each = ds->n_slabs == 0;
    free_rows((void **)ds->mrr, ds->n_months, each);
    free_rows((void **)ds->mrr_alt, ds->n_months, each);
    free_rows((void **)ds->present, ds->n_months, each);
    free_rows((void **)ds->mrr_excluded, ds->n_months, true);
    for (int a = 0; a < CSM_ATTR_COUNT; a++)
        free_rows(ds->attr[a], ds->n_months, each);
    for (size_t i = 0; i < ds->n_slabs; i++)
        csm_huge_free(ds->slabs[i], ds->slab_bytes[i]);
    free(ds->slabs);
    free(ds->slab_bytes);
    free(ds->month_total);
    free(ds->month_excluded);
    free(ds->month_rows);
    csm_strtab_free(&ds->strings);
    free(ds->costs);
    free(ds->reasons);
    free(ds->referrals);
    free(ds->fx);
    free(ds->currencies);
    for (size_t i = 0; i < ds->n_files; i++)
        free(ds->files[i].path);
    free(ds->files);
    for (size_t i = 0; i < ds->n_unknown_columns; i++)
        free(ds->unknown_columns[i]);
    free(ds->unknown_columns);
    free(ds);
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int csm_customer_id_cmp(const char *a, const char *b)
{
    if (all_digits(a) && all_digits(b)) {
        const char *x = a, *y = b;
        while (*x == '0' && x[1])
            x++;
        while (*y == '0' && y[1])
            y++;
        size_t lx = strlen(x), ly = strlen(y);
        if (lx != ly)
            return lx < ly ? -1 : 1;
        int r = strcmp(x, y);
        if (r)
            return r;
        /* "007" and "7" are the same number but different ids: order them
         * by their text so the order stays total. */
    }
    return strcmp(a, b);
}
