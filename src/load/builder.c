/* The data set under construction: customers are interned as files are
 * merged in whatever order workers finish; months arrive unordered.  The
 * finish step makes the result independent of that order: months sorted
 * and checked contiguous, customers sorted by id, strings sorted. */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csmetrics/sort.h"
#include "csmetrics/xalloc.h"

void csm_builder_init(csm_builder *b, csm_dataset *ds, const csm_config *cfg)
{
    memset(b, 0, sizeof *b);
    b->ds = ds;
    b->cfg = cfg;
    pthread_mutex_init(&b->lock, NULL);
}

/* Chunks live in the block's arena: freeing a column drops its chunk
 * table only; the arena goes in one piece. */
static void col_free(csm_col *col)
{
    free(col->chunks);
    col->chunks = NULL;
    col->n_chunks = 0;
}

static void *arena_alloc(csm_arena *a, size_t n)
{
    const size_t region = (size_t)2 << 20;
    if (a->left < n) {
        size_t len = n > region ? n : region;
        a->regions =
            csm_xreallocarray(a->regions, a->n_regions + 1, sizeof *a->regions);
        a->region_bytes = csm_xreallocarray(a->region_bytes, a->n_regions + 1,
                                            sizeof *a->region_bytes);
        a->cur = csm_huge_alloc(len, false);
        a->region_bytes[a->n_regions] = len;
        a->regions[a->n_regions++] = a->cur;
        a->left = len;
    }
    void *p = a->cur;
    a->cur += n;
    a->left -= n;
    return p;
}

static void arena_free(csm_arena *a)
{
    for (size_t i = 0; i < a->n_regions; i++)
        csm_huge_free(a->regions[i], a->region_bytes[i]);
    free(a->regions);
    free(a->region_bytes);
    memset(a, 0, sizeof *a);
}

static void block_free(csm_block *blk)
{
    arena_free(&blk->arena);
    col_free(&blk->mrr);
    col_free(&blk->alt);
    col_free(&blk->present);
    for (int a = 0; a < CSM_ATTR_COUNT; a++)
        col_free(&blk->attr[a]);
    free(blk);
}

void csm_builder_free(csm_builder *b)
{
    for (size_t i = 0; i < b->n_blocks; i++)
        block_free(b->blocks[i]);
    free(b->blocks);
    free(b->name_month);
    free(b->currency_month);
    pthread_mutex_destroy(&b->lock);
    memset(b, 0, sizeof *b);
}

/* Fills n elements at p with the column's "missing" value. */
static void fill_missing(const csm_col *col, unsigned char *p, size_t n)
{
    if (col->kind == 0) {
        memset(p, 0, n * col->width);
    } else if (col->width == 1) {
        memset(p, 0x80, n); /* INT8_MIN */
    } else if (col->width == 2) {
        memset(p, 0xFF, n * 2); /* UINT16_MAX */
    } else {
        int32_t *q = (int32_t *)(void *)p; /* chunks are 4-byte aligned */
        for (size_t i = 0; i < n; i++)
            q[i] = CSM_NA;
    }
}

static unsigned char *col_elem(csm_arena *arena, csm_col *col, uint32_t c)
{
    size_t k = (size_t)c >> CSM_CHUNK_BITS;
    if (k >= col->n_chunks) {
        size_t n = k + 1;
        col->chunks = csm_xreallocarray(col->chunks, n, sizeof *col->chunks);
        for (size_t i = col->n_chunks; i < n; i++)
            col->chunks[i] = NULL;
        col->n_chunks = n;
    }
    if (!col->chunks[k]) {
        col->chunks[k] = arena_alloc(arena, CSM_CHUNK * col->width);
        fill_missing(col, col->chunks[k], CSM_CHUNK);
    }
    return col->chunks[k] + ((size_t)c & (CSM_CHUNK - 1)) * col->width;
}

int64_t *csm_block_mrr(csm_block *blk, uint32_t c)
{
    return (int64_t *)(void *)col_elem(&blk->arena, &blk->mrr, c);
}

int64_t *csm_block_alt(csm_block *blk, uint32_t c)
{
    return (int64_t *)(void *)col_elem(&blk->arena, &blk->alt, c);
}

void csm_block_present(csm_block *blk, uint32_t c)
{
    *col_elem(&blk->arena, &blk->present, c) = 1;
}

void csm_block_attr(csm_block *blk, csm_attr a, uint32_t c, int32_t v)
{
    blk->has_attr[a] = true;
    unsigned char *p = col_elem(&blk->arena, &blk->attr[a], c);
    switch (csm_attr_width[a]) {
    case 1: {
        int8_t x = v == CSM_NA ? INT8_MIN : (int8_t)v;
        memcpy(p, &x, 1);
        break;
    }
    case 2: {
        uint16_t x = v == CSM_NA ? UINT16_MAX : (uint16_t)v;
        memcpy(p, &x, 2);
        break;
    }
    default:
        memcpy(p, &v, 4);
    }
}

uint32_t csm_builder_customer(csm_builder *b, const char *id, size_t len)
{
    csm_dataset *ds = b->ds;
    int added;
    uint32_t c = csm_strtab_intern(&ds->ids, id, len, &added);
    if (!added)
        return c;
    if (c >= b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        ds->names = csm_xreallocarray(ds->names, cap, sizeof *ds->names);
        ds->contract_start = csm_xreallocarray(ds->contract_start, cap,
                                               sizeof *ds->contract_start);
        ds->first_value =
            csm_xreallocarray(ds->first_value, cap, sizeof *ds->first_value);
        ds->currency_of =
            csm_xreallocarray(ds->currency_of, cap, sizeof *ds->currency_of);
        b->name_month =
            csm_xreallocarray(b->name_month, cap, sizeof *b->name_month);
        b->currency_month = csm_xreallocarray(b->currency_month, cap,
                                              sizeof *b->currency_month);
        b->cap = cap;
    }
    ds->names[c] = NULL;
    ds->contract_start[c] = CSM_NO_DATE;
    ds->first_value[c] = CSM_NO_DATE;
    ds->currency_of[c] = 0;
    b->name_month[c] = CSM_NO_MONTH;
    b->currency_month[c] = CSM_NO_MONTH;
    ds->n_customers = (size_t)c + 1;
    return c;
}

static void col_init(csm_col *col, unsigned width, int kind)
{
    memset(col, 0, sizeof *col);
    col->width = width;
    col->kind = kind;
}

csm_block *csm_builder_block(csm_builder *b, csm_month m, size_t file,
                             size_t *clash)
{
    for (size_t i = 0; i < b->n_blocks; i++) {
        if (b->blocks[i]->month == m) {
            if (b->blocks[i]->file != file && clash)
                *clash = b->blocks[i]->file;
            return b->blocks[i];
        }
    }
    if (b->n_blocks == b->cap_blocks) {
        b->cap_blocks = b->cap_blocks ? b->cap_blocks * 2 : 64;
        b->blocks =
            csm_xreallocarray(b->blocks, b->cap_blocks, sizeof *b->blocks);
    }
    csm_block *blk = csm_xcalloc(1, sizeof *blk);
    blk->month = m;
    blk->file = file;
    col_init(&blk->mrr, 8, 0);
    col_init(&blk->alt, 8, 0);
    col_init(&blk->present, 1, 0);
    for (int a = 0; a < CSM_ATTR_COUNT; a++)
        col_init(&blk->attr[a], csm_attr_width[a], 1);
    b->blocks[b->n_blocks++] = blk;
    return blk;
}

/* Gathers a column into out (n elements) in the order perm gives (new
 * index i = old customer perm[i]).  Typed copies: a memcpy call per
 * element costs more than the gather itself. */
#define GATHER(T)                                                              \
    do {                                                                       \
        T *dst = out;                                                          \
        T missing;                                                             \
        fill_missing(col, (unsigned char *)&missing, 1);                       \
        for (size_t i = 0; i < n; i++) {                                       \
            uint32_t c = perm[i];                                              \
            size_t k = (size_t)c >> CSM_CHUNK_BITS;                            \
            dst[i] = k < col->n_chunks && col->chunks[k]                       \
                         ? ((const T *)(const void *)                          \
                                col->chunks[k])[(size_t)c & (CSM_CHUNK - 1)]   \
                         : missing;                                            \
        }                                                                      \
    } while (0)

static void gather(csm_col *col, const uint32_t *perm, size_t n, void *out)
{
    switch (col->width) {
    case 1:
        GATHER(uint8_t);
        break;
    case 2:
        GATHER(uint16_t);
        break;
    case 4:
        GATHER(uint32_t);
        break;
    default:
        GATHER(uint64_t);
        break;
    }
    col_free(col);
}

/* One allocation for a column's n_months rows of n elements; the rows
 * point into it (see csm_dataset.slabs). */
static unsigned char *slab(csm_dataset *ds, size_t months, size_t n,
                           size_t width)
{
    size_t cells = months * n;
    size_t bytes = (cells > 0 ? cells : 1) * width;
    unsigned char *p = csm_huge_alloc(bytes, true);
    ds->slabs =
        csm_xreallocarray(ds->slabs, ds->n_slabs + 1, sizeof *ds->slabs);
    ds->slab_bytes = csm_xreallocarray(ds->slab_bytes, ds->n_slabs + 1,
                                       sizeof *ds->slab_bytes);
    ds->slab_bytes[ds->n_slabs] = bytes;
    ds->slabs[ds->n_slabs++] = p;
    return p;
}

static int cmp_block(const void *x, const void *y)
{
    const csm_block *a = *(csm_block *const *)x, *b = *(csm_block *const *)y;
    return (a->month > b->month) - (a->month < b->month);
}

/* qsort has no context argument in C11: the ids being sorted are passed
 * through this file-scope pointer, set only inside sort_customers, which
 * runs on one thread. */
static const csm_strtab *sort_ids;

static int cmp_customer(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return csm_customer_id_cmp(csm_strtab_get(sort_ids, a),
                               csm_strtab_get(sort_ids, b));
}

static int cmp_string(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return strcmp(csm_strtab_get(sort_ids, a), csm_strtab_get(sort_ids, b));
}

/* Rebuilds t in the order given by perm (new index i = old perm[i]). */
static void reorder_strtab(csm_strtab *t, const uint32_t *perm, uint32_t n)
{
    csm_strtab fresh = {0};
    for (uint32_t i = 0; i < n; i++)
        csm_strtab_intern(&fresh, t->strs[perm[i]], t->lens[perm[i]], NULL);
    csm_strtab_free(t);
    *t = fresh;
}

#define PERMUTE(T, arr)                                                        \
    do {                                                                       \
        T *fresh_ = csm_xmalloc((n ? n : 1) * sizeof(T));                      \
        for (size_t i_ = 0; i_ < n; i_++)                                      \
            fresh_[i_] = (arr)[perm[i_]];                                      \
        free(arr);                                                             \
        (arr) = fresh_;                                                        \
    } while (0)

static int cmp_index(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* Sorts customers by id; returns the permutation (new index i = old
 * index perm[i]) for the block columns, which finish gathers. */
static uint32_t *sort_customers(csm_builder *b)
{
    csm_dataset *ds = b->ds;
    size_t n = ds->n_customers;
    uint32_t *perm = csm_xmalloc((n ? n : 1) * sizeof *perm);
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    sort_ids = &ds->ids;
    csm_qsort(perm, n, sizeof *perm, cmp_customer);
    sort_ids = NULL;
    reorder_strtab(&ds->ids, perm, (uint32_t)n);
    PERMUTE(char *, ds->names);
    PERMUTE(csm_day, ds->contract_start);
    PERMUTE(csm_day, ds->first_value);
    PERMUTE(uint32_t, ds->currency_of);
    b->cap = n;
    return perm;
}

/* Strings are interned in the order files happen to be merged; sort them
 * (keeping "" at 0) and remap the string-valued columns. */
static void sort_strings(csm_builder *b)
{
    csm_dataset *ds = b->ds;
    uint32_t n = ds->strings.n;
    uint32_t *perm = csm_xmalloc((n ? n : 1) * sizeof *perm);
    for (uint32_t i = 0; i < n; i++)
        perm[i] = i;
    sort_ids = &ds->strings;
    csm_qsort(perm + 1, n - 1, sizeof *perm, cmp_string);
    sort_ids = NULL;
    uint32_t *inverse = csm_xmalloc((n ? n : 1) * sizeof *inverse);
    for (uint32_t i = 0; i < n; i++)
        inverse[perm[i]] = i;
    reorder_strtab(&ds->strings, perm, n);
    static const csm_attr string_attrs[] = {CSM_ATTR_SEGMENT, CSM_ATTR_PLAN,
                                            CSM_ATTR_OWNER};
    /* Runs after the columns moved from the blocks into the data set. */
    for (int k = 0; k < ds->n_months; k++) {
        for (size_t s = 0; s < 3; s++) {
            if (!ds->attr[string_attrs[s]])
                continue;
            uint16_t *col = ds->attr[string_attrs[s]][k];
            for (size_t c = 0; c < ds->n_customers; c++)
                if (col[c] != UINT16_MAX)
                    col[c] = (uint16_t)inverse[col[c]];
        }
    }
    for (size_t c = 0; c < ds->n_customers; c++)
        ds->currency_of[c] = inverse[ds->currency_of[c]];
    for (size_t i = 0; i < ds->n_fx; i++)
        ds->fx[i].currency = inverse[ds->fx[i].currency];
    csm_fx_sort(ds);
    for (size_t i = 0; i < ds->n_currencies; i++)
        ds->currencies[i] = inverse[ds->currencies[i]];
    csm_qsort(ds->currencies, ds->n_currencies, sizeof *ds->currencies,
              cmp_index);
    free(perm);
    free(inverse);
}

static void apply_past_due(csm_builder *b)
{
    csm_dataset *ds = b->ds;
    int limit = b->cfg->past_due_churn_days;
    if (limit < 0 || !ds->attr[CSM_ATTR_DAYS_PAST_DUE])
        return;
    for (int m = 0; m < ds->n_months; m++) {
        const int32_t *dpd = ds->attr[CSM_ATTR_DAYS_PAST_DUE][m];
        for (size_t c = 0; c < ds->n_customers; c++) {
            if (dpd[c] != CSM_NA && dpd[c] > limit && ds->mrr[m][c] > 0) {
                if (!ds->mrr_excluded)
                    ds->mrr_excluded = csm_xcalloc((size_t)ds->n_months,
                                                   sizeof *ds->mrr_excluded);
                if (!ds->mrr_excluded[m])
                    ds->mrr_excluded[m] =
                        csm_xcalloc(ds->n_customers ? ds->n_customers : 1,
                                    sizeof **ds->mrr_excluded);
                ds->mrr_excluded[m][c] = ds->mrr[m][c];
                /* Cannot overflow: the excluded part is a subset of the
                 * month's checked total of non-negative amounts. */
                ds->month_excluded[m] += ds->mrr[m][c];
                ds->mrr[m][c] = 0;
                if (ds->mrr_alt)
                    ds->mrr_alt[m][c] = 0;
            }
        }
    }
}

typedef struct gather_ctx {
    csm_builder *b;
    const uint32_t *perm;
    size_t n;
    bool attr_any[CSM_ATTR_COUNT];
    unsigned char *s_mrr, *s_present, *s_alt;
    unsigned char *s_attr[CSM_ATTR_COUNT];
} gather_ctx;

typedef struct gather_part {
    gather_ctx *g;
    size_t first, step; /* months first, first + step, ... */
} gather_part;

/* Gathers one month's block into the dataset's rows (in customer order)
 * and frees the block's chunks. */
static void gather_month(gather_ctx *g, size_t k)
{
    csm_builder *b = g->b;
    csm_dataset *ds = b->ds;
    size_t n = g->n;
    csm_block *blk = b->blocks[k];
    ds->mrr[k] = (int64_t *)(void *)(g->s_mrr + k * n * 8);
    gather(&blk->mrr, g->perm, n, ds->mrr[k]);
    ds->present[k] = g->s_present + k * n;
    gather(&blk->present, g->perm, n, ds->present[k]);
    if (ds->mrr_alt) {
        ds->mrr_alt[k] = (int64_t *)(void *)(g->s_alt + k * n * 8);
        gather(&blk->alt, g->perm, n, ds->mrr_alt[k]);
    } else {
        col_free(&blk->alt);
    }
    for (int a = 0; a < CSM_ATTR_COUNT; a++) {
        if (!g->attr_any[a]) {
            col_free(&blk->attr[a]);
            continue;
        }
        ds->attr[a][k] = g->s_attr[a] + k * n * csm_attr_width[a];
        gather(&blk->attr[a], g->perm, n, ds->attr[a][k]);
    }
    ds->month_total[k] = blk->total;
    ds->month_rows[k] = blk->rows;
    /* Each month has its own file: no two threads write one entry. */
    if (ds->source == CSM_SOURCE_SNAPSHOTS && blk->file < ds->n_files &&
        ds->files[blk->file].month == CSM_NO_MONTH)
        ds->files[blk->file].month = blk->month;
    arena_free(&blk->arena);
}

static void *gather_thread(void *arg)
{
    gather_part *p = arg;
    for (size_t k = p->first; k < p->g->b->n_blocks; k += p->step)
        gather_month(p->g, k);
    return NULL;
}

csm_error csm_builder_finish(csm_builder *b, csm_diags *diag)
{
    csm_dataset *ds = b->ds;
    if (b->n_blocks == 0) {
        csm_diags_add(diag, CSM_SEV_ERROR, "no-months", NULL,
                      "no snapshot month was loaded (expected at least one "
                      "snapshots/YYYY-MM.csv)");
        return CSM_EDATA;
    }
    csm_qsort(b->blocks, b->n_blocks, sizeof *b->blocks, cmp_block);
    bool gaps = false;
    /* Name the folder of the snapshot files in the message. */
    char *folder = NULL;
    if (ds->n_files) {
        const char *p = ds->files[0].path;
        const char *slash = strrchr(p, '/');
        folder = slash ? csm_xstrndup(p, (size_t)(slash - p)) : csm_xstrdup(p);
    }
    for (size_t i = 1; i < b->n_blocks; i++) {
        csm_month prev = b->blocks[i - 1]->month, cur = b->blocks[i]->month;
        for (csm_month m = prev + 1; m < cur; m++) {
            char a[CSM_DATE_BUFSZ], p[CSM_DATE_BUFSZ], n[CSM_DATE_BUFSZ];
            csm_loc loc = {.file = folder, .offset = -1};
            csm_diags_add(diag, CSM_SEV_ERROR, "month-missing", &loc,
                          "snapshot for %s is missing between %s and %s "
                          "(expected contiguous months)",
                          csm_month_format(m, a), csm_month_format(prev, p),
                          csm_month_format(cur, n));
            gaps = true;
        }
    }
    free(folder);
    if (gaps)
        return CSM_EDATA;
    size_t nb = b->n_blocks;
    int nm = (int)nb;
    uint32_t *perm = sort_customers(b);
    ds->first_month = b->blocks[0]->month;
    ds->n_months = nm;
    ds->mrr = csm_xcalloc(nb, sizeof *ds->mrr);
    ds->present = csm_xcalloc(nb, sizeof *ds->present);
    ds->month_total = csm_xcalloc(nb, sizeof *ds->month_total);
    ds->month_excluded = csm_xcalloc(nb, sizeof *ds->month_excluded);
    ds->month_rows = csm_xcalloc(nb, sizeof *ds->month_rows);
    if (b->multi_currency)
        ds->mrr_alt = csm_xcalloc(nb, sizeof *ds->mrr_alt);
    bool attr_any[CSM_ATTR_COUNT] = {false};
    for (size_t k = 0; k < nb; k++)
        for (int a = 0; a < CSM_ATTR_COUNT; a++)
            attr_any[a] = attr_any[a] || b->blocks[k]->has_attr[a];
    for (int a = 0; a < CSM_ATTR_COUNT; a++)
        if (attr_any[a])
            ds->attr[a] = csm_xcalloc(nb, sizeof *ds->attr[a]);
    size_t n = ds->n_customers;
    /* Each column is one slab; rows point into it. */
    unsigned char *s_mrr = slab(ds, nb, n, 8), *s_present = slab(ds, nb, n, 1);
    unsigned char *s_alt = ds->mrr_alt ? slab(ds, nb, n, 8) : NULL;
    unsigned char *s_attr[CSM_ATTR_COUNT] = {NULL};
    for (int a = 0; a < CSM_ATTR_COUNT; a++)
        if (attr_any[a])
            s_attr[a] = slab(ds, nb, n, csm_attr_width[a]);
    /* Gather month by month, freeing each month's chunks as it goes, so
     * the peak is the data plus one month per thread.  Months are
     * independent (each writes its own rows and frees its own block), so
     * they are shared out over the cores. */
    gather_ctx g = {.b = b,
                    .perm = perm,
                    .n = n,
                    .s_mrr = s_mrr,
                    .s_present = s_present,
                    .s_alt = s_alt};
    memcpy(g.attr_any, attr_any, sizeof g.attr_any);
    memcpy(g.s_attr, s_attr, sizeof g.s_attr);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t nt = cores > 1 ? (size_t)cores : 1;
    if (nt > 8)
        nt = 8;
    if (nt > nb)
        nt = nb;
    gather_part parts[8];
    pthread_t tids[8];
    bool started[8] = {false};
    for (size_t t = 0; t < nt; t++) {
        parts[t] = (gather_part){.g = &g, .first = t, .step = nt};
        if (t > 0)
            started[t] =
                pthread_create(&tids[t], NULL, gather_thread, &parts[t]) == 0;
    }
    gather_thread(&parts[0]);
    for (size_t t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(tids[t], NULL);
        else
            gather_thread(&parts[t]); /* no thread: do its share here */
    }
    free(perm);
    for (size_t c = 0; c < n; c++)
        if (!ds->names[c])
            ds->names[c] = csm_xstrdup("");
    sort_strings(b);
    apply_past_due(b);
    return CSM_OK;
}

static int cmp_fx(const void *x, const void *y)
{
    const csm_fx_rate *a = x, *b = y;
    if (a->currency != b->currency)
        return a->currency < b->currency ? -1 : 1;
    return (a->month > b->month) - (a->month < b->month);
}

const csm_rate *csm_fx_find(const csm_dataset *ds, const char *code,
                            csm_month m)
{
    uint32_t cur = csm_strtab_find(&ds->strings, code, strlen(code));
    if (cur == CSM_STRTAB_NONE || !ds->n_fx)
        return NULL;
    csm_fx_rate key = {.month = m, .currency = cur};
    const csm_fx_rate *hit =
        csm_bsearch(&key, ds->fx, ds->n_fx, sizeof *ds->fx, cmp_fx);
    return hit ? &hit->rate : NULL;
}

/* Used by the fx loader once all rates are read. */
void csm_fx_sort(csm_dataset *ds)
{
    csm_qsort(ds->fx, ds->n_fx, sizeof *ds->fx, cmp_fx);
}

size_t csm_dataset_add_file(csm_dataset *ds, const char *path, csm_month month)
{
    ds->files =
        csm_xreallocarray(ds->files, ds->n_files + 1, sizeof *ds->files);
    ds->files[ds->n_files] = (csm_source_file){
        .path = csm_xstrdup(path), .month = month, .rows = 0, .skipped = 0};
    return ds->n_files++;
}
