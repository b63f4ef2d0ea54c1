/* report_model.h - the format-neutral report model.
 *
 * The report stage turns computed metrics into this model: a report holds
 * sections (in the order the report definition lists them), a section holds
 * blocks (KPI tiles, tables, charts, heatmaps, notes).  Renderers (XLSX,
 * PDF) only lay blocks out: every number they show is already here, every
 * undefined value is CSM_CELL_NA ("n/a"), every label is final text.  A
 * renderer never reads the data set or the metrics.
 *
 * Memory: a csm_report owns everything reachable from it, including every
 * string (copied in by the csm_report_* helpers); csm_report_free releases
 * it all.  Blocks are built with the helpers below, never by hand.
 */
#ifndef CSMETRICS_REPORT_MODEL_H
#define CSMETRICS_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/date.h"
#include "csmetrics/ratio.h"

/* ------------------------------------------------------------- cells */

typedef enum csm_cell_kind {
    CSM_CELL_EMPTY = 0,
    CSM_CELL_NA,     /* a value that is not defined: shown as "n/a" */
    CSM_CELL_TEXT,   /* customer text: never interpreted as a formula */
    CSM_CELL_MONEY,  /* int64 minor units of the report's currency */
    CSM_CELL_INT,    /* a count */
    CSM_CELL_RATE,   /* a fraction: 0.973 shown as 97.3% */
    CSM_CELL_NUMBER, /* a plain double (days, months, a ratio like 3.2x) */
    CSM_CELL_DATE,   /* csm_day */
    CSM_CELL_MONTH,  /* csm_month, shown as 2025-03 */
    CSM_CELL_POINTS  /* a change of a rate in percentage points: 0.012
                        shown as "+1.2 pts" (never as a relative %) */
} csm_cell_kind;

/* How a cell wants to look; renderers map these to the style's colours. */
typedef enum csm_cell_tone {
    CSM_TONE_NONE = 0,
    CSM_TONE_GOOD,  /* positive change, recovered, renewed */
    CSM_TONE_BAD,   /* negative change, churned */
    CSM_TONE_GREEN, /* health bands */
    CSM_TONE_YELLOW,
    CSM_TONE_RED,
    CSM_TONE_MUTED, /* not yet observed, pending */
    CSM_TONE_STRONG /* totals, headline values */
} csm_cell_tone;

typedef struct csm_cell {
    csm_cell_kind kind;
    csm_cell_tone tone;
    union {
        char *text;      /* CSM_CELL_TEXT (owned) */
        int64_t i;       /* MONEY, INT */
        double d;        /* RATE, NUMBER */
        csm_day day;     /* DATE */
        csm_month month; /* MONTH */
    } v;
    int decimals; /* NUMBER: digits after the point (RATE: of the percent) */
    /* Optional live formula for spreadsheet renderers, in the neutral
     * syntax below; the value above is its correct cached result and is
     * what non-spreadsheet renderers show.  Owned; NULL when none.
     *
     * Neutral formula syntax (translated by the XLSX renderer into A1
     * references wherever the tables land):
     *   SUM(t.col)                   sum of column `col` of table id `t`
     *   SUMIF(t.keycol, "text", t.col)
     *   t.col[rowkey]                one cell: the row whose first column
     *                                (its key) equals rowkey
     *   + - and parentheses between those terms, and integer constants.
     * Column ids are the csm_column.id strings. */
    char *formula;
} csm_cell;

/* Cell constructors (text is copied). */
csm_cell csm_cell_text(const char *s);
csm_cell csm_cell_money(int64_t minor);
csm_cell csm_cell_int(int64_t n);
csm_cell csm_cell_rate(csm_ratio r); /* NA when undefined */
csm_cell csm_cell_number(double v, int decimals);
csm_cell csm_cell_number_ratio(csm_ratio r, int decimals); /* NA if undef */
csm_cell csm_cell_date(csm_day d); /* EMPTY for CSM_NO_DATE */
csm_cell csm_cell_month(csm_month m);
csm_cell csm_cell_points(csm_ratio delta); /* NA when undefined */
csm_cell csm_cell_na(void);
csm_cell csm_cell_empty(void);
/* Returns c with tone t / with a formula (copied). */
csm_cell csm_cell_tone_set(csm_cell c, csm_cell_tone t);
csm_cell csm_cell_with_formula(csm_cell c, const char *formula);

/* ------------------------------------------------------------- blocks */

typedef enum csm_block_kind {
    CSM_BLOCK_TILES = 0, /* a row/grid of KPI tiles */
    CSM_BLOCK_TABLE,
    CSM_BLOCK_CHART,
    CSM_BLOCK_WATERFALL,
    CSM_BLOCK_HEATMAP,
    CSM_BLOCK_NOTES
} csm_block_kind;

/* A KPI tile: the value now, a month ago and a year ago, the changes, and
 * a sparkline of the last months. */
typedef struct csm_tile {
    char *label;           /* "NRR (12 months)" */
    csm_cell value;        /* current */
    csm_cell previous;     /* a month earlier (NA when not available) */
    csm_cell year_ago;     /* twelve months earlier */
    csm_cell mom;          /* change vs previous: RATE points or MONEY ... */
    csm_cell yoy;          /* change vs year ago */
    bool higher_is_better; /* colours the arrows */
    char *note;            /* "95% CI 91.2-96.0%, n = 412" or NULL */
    double *spark;         /* sparkline values, oldest first */
    bool *spark_defined;
    size_t n_spark;
} csm_tile;

typedef struct csm_column {
    char *id;           /* stable id, used by formulas ("delta") */
    char *title;        /* header text */
    csm_cell_kind kind; /* what the column holds (for number formats) */
    double width;       /* relative width hint; 0 = auto */
} csm_column;

typedef struct csm_table {
    char *id; /* stable id ("ledger"), unique in the report */
    csm_column *columns;
    size_t n_columns;
    csm_cell *cells; /* row-major, n_rows * n_columns */
    size_t n_rows, cap_rows;
    size_t total_rows; /* last rows that are totals (styled strong) */
    bool detail;       /* a long detail list: autofilter, may span
                          pages, constant-memory friendly */
} csm_table;

typedef enum csm_series_style {
    CSM_SERIES_LINE = 0,
    CSM_SERIES_STEP, /* step line (Kaplan-Meier) */
    CSM_SERIES_BAR,
    CSM_SERIES_STACKED /* stacked bars: all STACKED series stack */
} csm_series_style;

typedef struct csm_series {
    char *name;
    csm_series_style style;
    double *y; /* [n_points]; ignored where !defined */
    bool *defined;
    double *lo, *hi;    /* optional band (NULL when none) */
    int palette;        /* index into the style's series colours; -1 auto */
    csm_cell_tone tone; /* when not NONE, the tone's colour (good, bad,
                           band green/yellow/red, muted) wins over the
                           palette: churned in `bad`, bands in theirs */
} csm_series;

typedef enum csm_axis_format {
    CSM_AXIS_MONEY = 0, /* values in major units of the currency */
    CSM_AXIS_RATE,      /* fractions shown as percent */
    CSM_AXIS_COUNT,
    CSM_AXIS_NUMBER
} csm_axis_format;

typedef struct csm_chart {
    char **x_labels;  /* [n_points] category labels ("2025-03", "30") */
    double *x_values; /* [n_points] numeric x for STEP charts, or NULL */
    size_t n_points;
    csm_series *series;
    size_t n_series;
    csm_axis_format y_format;
    char *y_title, *x_title; /* may be NULL */
    bool y_from_zero;
} csm_chart;

typedef enum csm_step_kind {
    CSM_STEP_START = 0, /* opening bar from zero */
    CSM_STEP_UP,
    CSM_STEP_DOWN,  /* amount is positive, drawn downwards */
    CSM_STEP_DELTA, /* signed (fx) */
    CSM_STEP_TOTAL  /* closing bar from zero */
} csm_step_kind;

typedef struct csm_waterfall_step {
    char *label;
    csm_step_kind kind;
    int64_t amount; /* minor units */
} csm_waterfall_step;

typedef struct csm_waterfall {
    csm_waterfall_step *steps;
    size_t n_steps;
} csm_waterfall;

typedef struct csm_heatmap {
    char **row_labels; /* cohorts */
    size_t n_rows;
    char **col_labels; /* months since start */
    size_t n_cols;
    double *values;              /* row-major; fractions */
    bool *defined;               /* unobserved cells are blank */
    double scale_min, scale_max; /* colour scale ends */
    char *legend;    /* "Revenue retention (MRR at age k / at age 0)" */
    char *row_title; /* "Signup quarter", or NULL */
    char *col_title; /* "Months since start", or NULL */
} csm_heatmap;

typedef struct csm_block {
    csm_block_kind kind;
    char *title;   /* may be NULL */
    char *caption; /* one-line explanation or verdict, may be NULL */
    union {
        struct {
            csm_tile *tiles;
            size_t n_tiles;
        } tiles;
        csm_table table;
        csm_chart chart;
        csm_waterfall waterfall;
        csm_heatmap heatmap;
        struct {
            char **lines;
            size_t n_lines;
        } notes;
    } u;
} csm_block;

typedef struct csm_section {
    char *id;       /* definition id ("bridge") */
    char *title;    /* from the report definition */
    bool landscape; /* a hint for paged renderers: lay the section out on
                       landscape pages (a wide customer list) */
    csm_block *blocks;
    size_t n_blocks, cap_blocks;
} csm_section;

typedef struct csm_report {
    char *kind;     /* "board", "at-risk", "reconcile" */
    char *title;    /* "Board pack" */
    char *subtitle; /* "March 2025" */
    char *company;
    char currency[4];
    int currency_decimals;
    csm_month month;
    char *generated; /* "2025-04-02", from SOURCE_DATE_EPOCH when set */
    long long generated_epoch; /* seconds, for document properties */
    csm_section *sections;
    size_t n_sections, cap_sections;
} csm_report;

/* --------------------------------------------------------- building */

csm_report *csm_report_new(const char *kind, const char *title);
void csm_report_free(csm_report *r);
csm_section *csm_report_section(csm_report *r, const char *id,
                                const char *title);
/* Each returns a new block appended to s (pointers stay valid until the
 * next block is added to the same section). */
csm_block *csm_section_tiles(csm_section *s, const char *title);
csm_tile *csm_block_tile(csm_block *b, const char *label);
void csm_tile_spark(csm_tile *t, const double *v, const bool *defined,
                    size_t n);
csm_block *csm_section_table(csm_section *s, const char *title,
                             const char *table_id);
void csm_table_column(csm_block *b, const char *id, const char *title,
                      csm_cell_kind kind, double width);
/* Appends a row of n_columns cells (moved in: the table owns them). */
void csm_table_row(csm_block *b, const csm_cell *cells);
csm_block *csm_section_chart(csm_section *s, const char *title,
                             csm_axis_format y_format);
void csm_chart_x(csm_block *b, const char *const *labels,
                 const double *x_values, size_t n);
csm_series *csm_chart_series(csm_block *b, const char *name,
                             csm_series_style style, const double *y,
                             const bool *defined);
void csm_series_band(csm_series *s, const double *lo, const double *hi,
                     size_t n);
csm_block *csm_section_waterfall(csm_section *s, const char *title);
void csm_waterfall_step_add(csm_block *b, const char *label, csm_step_kind kind,
                            int64_t amount);
csm_block *csm_section_heatmap(csm_section *s, const char *title,
                               const char *const *rows, size_t n_rows,
                               const char *const *cols, size_t n_cols,
                               const double *values, const bool *defined,
                               double scale_min, double scale_max,
                               const char *legend);
/* Axis titles of a heatmap (copied; either may be NULL). */
void csm_heatmap_titles(csm_block *b, const char *rows, const char *cols);
csm_block *csm_section_notes(csm_section *s, const char *title);
void csm_notes_add(csm_block *b, const char *line);
void csm_block_caption(csm_block *b, const char *caption);

/* Looks a table up by id across the report, or NULL. */
const csm_table *csm_report_find_table(const csm_report *r, const char *id);

#endif
