/* report/ - from metrics to the report model: the model itself, the
 * report definitions (reports/ *.report), the style, and the builders of
 * each section.  It formats nothing and writes no file. */
#include "csmetrics/report_model.h"

#include <stdlib.h>
#include <string.h>

#include "csmetrics/xalloc.h"

static char *dup_or_null(const char *s)
{
    return s ? csm_xstrdup(s) : NULL;
}

csm_cell csm_cell_text(const char *s)
{
    csm_cell c = {.kind = CSM_CELL_TEXT};
    c.v.text = csm_xstrdup(s ? s : "");
    return c;
}

csm_cell csm_cell_money(int64_t minor)
{
    csm_cell c = {.kind = CSM_CELL_MONEY};
    c.v.i = minor;
    return c;
}

csm_cell csm_cell_int(int64_t n)
{
    csm_cell c = {.kind = CSM_CELL_INT};
    c.v.i = n;
    return c;
}

csm_cell csm_cell_rate(csm_ratio r)
{
    if (!r.defined)
        return csm_cell_na();
    csm_cell c = {.kind = CSM_CELL_RATE, .decimals = 1};
    c.v.d = r.value;
    return c;
}

csm_cell csm_cell_number(double v, int decimals)
{
    csm_cell c = {.kind = CSM_CELL_NUMBER, .decimals = decimals};
    c.v.d = v;
    return c;
}

csm_cell csm_cell_number_ratio(csm_ratio r, int decimals)
{
    return r.defined ? csm_cell_number(r.value, decimals) : csm_cell_na();
}

csm_cell csm_cell_date(csm_day d)
{
    if (d == CSM_NO_DATE)
        return csm_cell_empty();
    csm_cell c = {.kind = CSM_CELL_DATE};
    c.v.day = d;
    return c;
}

csm_cell csm_cell_month(csm_month m)
{
    if (m == CSM_NO_MONTH)
        return csm_cell_empty();
    csm_cell c = {.kind = CSM_CELL_MONTH};
    c.v.month = m;
    return c;
}

csm_cell csm_cell_points(csm_ratio delta)
{
    if (!delta.defined)
        return csm_cell_na();
    csm_cell c = {.kind = CSM_CELL_POINTS, .decimals = 1};
    c.v.d = delta.value;
    return c;
}

csm_cell csm_cell_na(void)
{
    csm_cell c = {.kind = CSM_CELL_NA};
    return c;
}

csm_cell csm_cell_empty(void)
{
    csm_cell c = {.kind = CSM_CELL_EMPTY};
    return c;
}

csm_cell csm_cell_tone_set(csm_cell c, csm_cell_tone t)
{
    c.tone = t;
    return c;
}

csm_cell csm_cell_with_formula(csm_cell c, const char *formula)
{
    free(c.formula);
    c.formula = dup_or_null(formula);
    return c;
}

static void cell_free(csm_cell *c)
{
    if (c->kind == CSM_CELL_TEXT)
        free(c->v.text);
    free(c->formula);
}

static void strings_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void block_free(csm_block *b)
{
    free(b->title);
    free(b->caption);
    switch (b->kind) {
    case CSM_BLOCK_TILES:
        for (size_t i = 0; i < b->u.tiles.n_tiles; i++) {
            csm_tile *t = &b->u.tiles.tiles[i];
            free(t->label);
            cell_free(&t->value);
            cell_free(&t->previous);
            cell_free(&t->year_ago);
            cell_free(&t->mom);
            cell_free(&t->yoy);
            free(t->note);
            free(t->spark);
            free(t->spark_defined);
        }
        free(b->u.tiles.tiles);
        break;
    case CSM_BLOCK_TABLE: {
        csm_table *t = &b->u.table;
        free(t->id);
        for (size_t i = 0; i < t->n_columns; i++) {
            free(t->columns[i].id);
            free(t->columns[i].title);
        }
        free(t->columns);
        for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
            cell_free(&t->cells[i]);
        free(t->cells);
        break;
    }
    case CSM_BLOCK_CHART: {
        csm_chart *c = &b->u.chart;
        strings_free(c->x_labels, c->n_points);
        free(c->x_values);
        for (size_t i = 0; i < c->n_series; i++) {
            free(c->series[i].name);
            free(c->series[i].y);
            free(c->series[i].defined);
            free(c->series[i].lo);
            free(c->series[i].hi);
        }
        free(c->series);
        free(c->y_title);
        free(c->x_title);
        break;
    }
    case CSM_BLOCK_WATERFALL:
        for (size_t i = 0; i < b->u.waterfall.n_steps; i++)
            free(b->u.waterfall.steps[i].label);
        free(b->u.waterfall.steps);
        break;
    case CSM_BLOCK_HEATMAP: {
        csm_heatmap *h = &b->u.heatmap;
        strings_free(h->row_labels, h->n_rows);
        strings_free(h->col_labels, h->n_cols);
        free(h->values);
        free(h->defined);
        free(h->legend);
        free(h->row_title);
        free(h->col_title);
        break;
    }
    case CSM_BLOCK_NOTES:
        strings_free(b->u.notes.lines, b->u.notes.n_lines);
        break;
    }
}

csm_report *csm_report_new(const char *kind, const char *title)
{
    csm_report *r = csm_xcalloc(1, sizeof *r);
    r->kind = csm_xstrdup(kind);
    r->title = csm_xstrdup(title);
    r->month = CSM_NO_MONTH;
    return r;
}

void csm_report_free(csm_report *r)
{
    if (!r)
        return;
    for (size_t s = 0; s < r->n_sections; s++) {
        csm_section *sec = &r->sections[s];
        for (size_t b = 0; b < sec->n_blocks; b++)
            block_free(&sec->blocks[b]);
        free(sec->blocks);
        free(sec->id);
        free(sec->title);
    }
    free(r->sections);
    free(r->kind);
    free(r->title);
    free(r->subtitle);
    free(r->company);
    free(r->generated);
    free(r);
}

csm_section *csm_report_section(csm_report *r, const char *id,
                                const char *title)
{
    if (r->n_sections == r->cap_sections) {
        r->cap_sections = r->cap_sections ? r->cap_sections * 2 : 8;
        r->sections = csm_xreallocarray(r->sections, r->cap_sections,
                                        sizeof *r->sections);
    }
    csm_section *s = &r->sections[r->n_sections++];
    memset(s, 0, sizeof *s);
    s->id = csm_xstrdup(id);
    s->title = csm_xstrdup(title);
    return s;
}

static csm_block *new_block(csm_section *s, csm_block_kind kind,
                            const char *title)
{
    if (s->n_blocks == s->cap_blocks) {
        s->cap_blocks = s->cap_blocks ? s->cap_blocks * 2 : 4;
        s->blocks =
            csm_xreallocarray(s->blocks, s->cap_blocks, sizeof *s->blocks);
    }
    csm_block *b = &s->blocks[s->n_blocks++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    b->title = dup_or_null(title);
    return b;
}

csm_block *csm_section_tiles(csm_section *s, const char *title)
{
    return new_block(s, CSM_BLOCK_TILES, title);
}

csm_tile *csm_block_tile(csm_block *b, const char *label)
{
    size_t n = b->u.tiles.n_tiles;
    b->u.tiles.tiles =
        csm_xreallocarray(b->u.tiles.tiles, n + 1, sizeof *b->u.tiles.tiles);
    csm_tile *t = &b->u.tiles.tiles[n];
    memset(t, 0, sizeof *t);
    t->label = csm_xstrdup(label);
    t->value = t->previous = t->year_ago = t->mom = t->yoy = csm_cell_na();
    t->higher_is_better = true;
    b->u.tiles.n_tiles = n + 1;
    return t;
}

void csm_tile_spark(csm_tile *t, const double *v, const bool *defined, size_t n)
{
    free(t->spark);
    free(t->spark_defined);
    t->spark = csm_xmalloc((n ? n : 1) * sizeof *t->spark);
    t->spark_defined = csm_xmalloc((n ? n : 1) * sizeof *t->spark_defined);
    for (size_t i = 0; i < n; i++) {
        t->spark[i] = v[i];
        t->spark_defined[i] = defined ? defined[i] : true;
    }
    t->n_spark = n;
}

csm_block *csm_section_table(csm_section *s, const char *title,
                             const char *table_id)
{
    csm_block *b = new_block(s, CSM_BLOCK_TABLE, title);
    b->u.table.id = csm_xstrdup(table_id);
    return b;
}

void csm_table_column(csm_block *b, const char *id, const char *title,
                      csm_cell_kind kind, double width)
{
    csm_table *t = &b->u.table;
    t->columns =
        csm_xreallocarray(t->columns, t->n_columns + 1, sizeof *t->columns);
    t->columns[t->n_columns++] =
        (csm_column){csm_xstrdup(id), csm_xstrdup(title), kind, width};
}

void csm_table_row(csm_block *b, const csm_cell *cells)
{
    csm_table *t = &b->u.table;
    if (t->n_rows == t->cap_rows) {
        t->cap_rows = t->cap_rows ? t->cap_rows * 2 : 16;
        t->cells = csm_xreallocarray(t->cells, t->cap_rows * t->n_columns,
                                     sizeof *t->cells);
    }
    memcpy(t->cells + t->n_rows * t->n_columns, cells,
           t->n_columns * sizeof *cells);
    t->n_rows++;
}

csm_block *csm_section_chart(csm_section *s, const char *title,
                             csm_axis_format y_format)
{
    csm_block *b = new_block(s, CSM_BLOCK_CHART, title);
    b->u.chart.y_format = y_format;
    b->u.chart.y_from_zero = y_format != CSM_AXIS_RATE;
    return b;
}

void csm_chart_x(csm_block *b, const char *const *labels,
                 const double *x_values, size_t n)
{
    csm_chart *c = &b->u.chart;
    c->x_labels = csm_xcalloc(n ? n : 1, sizeof *c->x_labels);
    for (size_t i = 0; i < n; i++)
        c->x_labels[i] = csm_xstrdup(labels[i]);
    if (x_values) {
        c->x_values = csm_xmalloc((n ? n : 1) * sizeof *c->x_values);
        memcpy(c->x_values, x_values, n * sizeof *x_values);
    }
    c->n_points = n;
}

csm_series *csm_chart_series(csm_block *b, const char *name,
                             csm_series_style style, const double *y,
                             const bool *defined)
{
    csm_chart *c = &b->u.chart;
    size_t n = c->n_points;
    c->series =
        csm_xreallocarray(c->series, c->n_series + 1, sizeof *c->series);
    csm_series *s = &c->series[c->n_series++];
    memset(s, 0, sizeof *s);
    s->name = csm_xstrdup(name);
    s->style = style;
    s->palette = -1;
    s->y = csm_xmalloc((n ? n : 1) * sizeof *s->y);
    s->defined = csm_xmalloc((n ? n : 1) * sizeof *s->defined);
    for (size_t i = 0; i < n; i++) {
        s->y[i] = y[i];
        s->defined[i] = defined ? defined[i] : true;
    }
    return s;
}

void csm_series_band(csm_series *s, const double *lo, const double *hi,
                     size_t n)
{
    s->lo = csm_xmalloc((n ? n : 1) * sizeof *s->lo);
    s->hi = csm_xmalloc((n ? n : 1) * sizeof *s->hi);
    memcpy(s->lo, lo, n * sizeof *lo);
    memcpy(s->hi, hi, n * sizeof *hi);
}

csm_block *csm_section_waterfall(csm_section *s, const char *title)
{
    return new_block(s, CSM_BLOCK_WATERFALL, title);
}

void csm_waterfall_step_add(csm_block *b, const char *label, csm_step_kind kind,
                            int64_t amount)
{
    csm_waterfall *w = &b->u.waterfall;
    w->steps = csm_xreallocarray(w->steps, w->n_steps + 1, sizeof *w->steps);
    w->steps[w->n_steps++] =
        (csm_waterfall_step){csm_xstrdup(label), kind, amount};
}

static char **copy_labels(const char *const *v, size_t n)
{
    char **out = csm_xcalloc(n ? n : 1, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = csm_xstrdup(v[i]);
    return out;
}

csm_block *csm_section_heatmap(csm_section *s, const char *title,
                               const char *const *rows, size_t n_rows,
                               const char *const *cols, size_t n_cols,
                               const double *values, const bool *defined,
                               double scale_min, double scale_max,
                               const char *legend)
{
    csm_block *b = new_block(s, CSM_BLOCK_HEATMAP, title);
    csm_heatmap *h = &b->u.heatmap;
    h->row_labels = copy_labels(rows, n_rows);
    h->n_rows = n_rows;
    h->col_labels = copy_labels(cols, n_cols);
    h->n_cols = n_cols;
    size_t n = n_rows * n_cols;
    h->values = csm_xmalloc((n ? n : 1) * sizeof *h->values);
    h->defined = csm_xmalloc((n ? n : 1) * sizeof *h->defined);
    if (n) {
        memcpy(h->values, values, n * sizeof *values);
        memcpy(h->defined, defined, n * sizeof *defined);
    }
    h->scale_min = scale_min;
    h->scale_max = scale_max;
    h->legend = dup_or_null(legend);
    return b;
}

void csm_heatmap_titles(csm_block *b, const char *rows, const char *cols)
{
    csm_heatmap *h = &b->u.heatmap;
    free(h->row_title);
    free(h->col_title);
    h->row_title = dup_or_null(rows);
    h->col_title = dup_or_null(cols);
}

csm_block *csm_section_notes(csm_section *s, const char *title)
{
    return new_block(s, CSM_BLOCK_NOTES, title);
}

void csm_notes_add(csm_block *b, const char *line)
{
    size_t n = b->u.notes.n_lines;
    b->u.notes.lines =
        csm_xreallocarray(b->u.notes.lines, n + 1, sizeof *b->u.notes.lines);
    b->u.notes.lines[n] = csm_xstrdup(line);
    b->u.notes.n_lines = n + 1;
}

void csm_block_caption(csm_block *b, const char *caption)
{
    free(b->caption);
    b->caption = dup_or_null(caption);
}

const csm_table *csm_report_find_table(const csm_report *r, const char *id)
{
    for (size_t s = 0; s < r->n_sections; s++)
        for (size_t b = 0; b < r->sections[s].n_blocks; b++) {
            const csm_block *blk = &r->sections[s].blocks[b];
            if (blk->kind == CSM_BLOCK_TABLE &&
                strcmp(blk->u.table.id, id) == 0)
                return &blk->u.table;
        }
    return NULL;
}
