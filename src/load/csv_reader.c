/* load/ - turns files into a csm_dataset: the CSV reader (libcsv), column
 * schemas, field parsers, snapshot folders (parallel), subscription periods
 * and the auxiliary files.  It checks syntax and row-level rules; it
 * computes no metric. */
#include "csmetrics/csv_reader.h"

#include <csv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csmetrics/strbuf.h"
#include "csmetrics/xalloc.h"

size_t csm_utf8_invalid_at(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            cp = c & 0x07u;
        } else {
            return i;
        }
        if (i + n > len)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0u) != 0x80u)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return i;
        i += n;
    }
    return len;
}

typedef struct reader {
    const char *name;
    csm_csv_record_fn fn;
    void *ctx;
    csm_diags *diag;
    size_t max_record;

    /* The record being assembled: field texts in one arena. */
    char *arena;
    size_t arena_len, arena_cap;
    size_t *starts, *lens;
    char **ptrs;
    size_t n_fields, cap_fields;

    long line;             /* current physical line (1-based) */
    long long line_offset; /* byte offset of the current line */
    bool need_start;       /* no record is in progress */
    long rec_line;         /* where the record in progress started */
    long long rec_offset;
    long number;
    csm_error status; /* first error, stops everything */
    char **header;    /* names from the first record, for messages */
    size_t n_header;
} reader;

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 5, 6)))
#endif
static void
fail(reader *r, csm_error err, long line, int field, const char *fmt, ...)
{
    if (r->status != CSM_OK)
        return;
    r->status = err;
    csm_loc loc = {.file = r->name, .line = line, .field = field, .offset = -1};
    if (field > 0 && (size_t)field <= r->n_header)
        loc.column = r->header[field - 1];
    csm_strbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    csm_strbuf_vprintf(&b, fmt, ap);
    va_end(ap);
    csm_diags_add(r->diag, CSM_SEV_ERROR, "csv-syntax", &loc, "%s",
                  csm_strbuf_str(&b));
    csm_strbuf_free(&b);
}

/* True when every byte of s[0..len) is below 0x80; eight at a time. */
static bool is_ascii(const char *s, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ULL)
            return false;
    }
    for (; i < len; i++)
        if ((unsigned char)s[i] & 0x80u)
            return false;
    return true;
}

/* The record in progress started in the segment being parsed (see
 * feed()), so on the current physical line. */
static void note_start(reader *r)
{
    if (!r->need_start)
        return;
    r->rec_line = r->line;
    r->rec_offset = r->line_offset;
    r->need_start = false;
}

static void too_long(reader *r)
{
    char detail[64];
    snprintf(detail, sizeof detail, "%zu bytes", r->max_record);
    fail(r, CSM_EDATA, r->rec_line, 0,
         "record is longer than %s (expected a CSV row: is a quote "
         "unbalanced, or is this not a CSV file?)",
         detail);
}

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->status != CSM_OK)
        return;
    note_start(r);
    /* The record's size as delivered, checked before it grows: the same
     * records fail whatever the block size. */
    if (r->arena_len + len + 1 > r->max_record) {
        too_long(r);
        return;
    }
    const char *text = s ? s : "";
    if (r->n_fields == r->cap_fields) {
        r->cap_fields = r->cap_fields ? r->cap_fields * 2 : 32;
        r->starts =
            csm_xreallocarray(r->starts, r->cap_fields, sizeof *r->starts);
        r->lens = csm_xreallocarray(r->lens, r->cap_fields, sizeof *r->lens);
        r->ptrs = csm_xreallocarray(r->ptrs, r->cap_fields, sizeof *r->ptrs);
    }
    if (r->arena_len + len + 1 > r->arena_cap) {
        size_t cap = r->arena_cap ? r->arena_cap : 4096;
        while (cap < r->arena_len + len + 1)
            cap *= 2;
        r->arena = csm_xrealloc(r->arena, cap);
        r->arena_cap = cap;
    }
    memcpy(r->arena + r->arena_len, text, len);
    r->arena[r->arena_len + len] = '\0';
    r->starts[r->n_fields] = r->arena_len;
    r->lens[r->n_fields] = len;
    r->arena_len += len + 1;
    r->n_fields++;

    /* Most fields are plain ASCII: then they are valid UTF-8 and hold no
     * byte order mark, and the byte-by-byte checks can be skipped. */
    if (is_ascii(text, len))
        return;
    int field = (int)(r->n_fields > 1000000 ? 1000000 : r->n_fields);
    size_t bad = csm_utf8_invalid_at(text, len);
    if (bad < len) {
        char detail[96];
        snprintf(detail, sizeof detail, "byte 0x%02X at position %zu",
                 (unsigned char)text[bad], bad + 1);
        fail(r, CSM_EDATA, r->rec_line, field,
             "invalid UTF-8 (%s; expected UTF-8 text: re-export the file as "
             "UTF-8)",
             detail);
        return;
    }
    /* U+FEFF is only allowed as the first bytes of the file. */
    for (const char *p = memchr(text, 0xEF, len); p;
         p = memchr(p + 1, 0xEF, len - (size_t)(p + 1 - text))) {
        size_t i = (size_t)(p - text);
        if (i + 2 < len && (unsigned char)text[i + 1] == 0xBB &&
            (unsigned char)text[i + 2] == 0xBF) {
            fail(r, CSM_EDATA, r->rec_line, field,
                 "byte order mark inside the file%s (expected it only at the "
                 "very start: were two files concatenated?)",
                 "");
            return;
        }
        if (i + 1 >= len)
            break;
    }
}

static void on_row(int term, void *data)
{
    (void)term;
    reader *r = data;
    note_start(r);
    r->need_start = true;
    if (r->status != CSM_OK) {
        r->n_fields = 0;
        r->arena_len = 0;
        return;
    }
    for (size_t i = 0; i < r->n_fields; i++)
        r->ptrs[i] = r->arena + r->starts[i];
    csm_csv_record rec = {
        .n_fields = r->n_fields,
        .fields = r->ptrs,
        .lens = r->lens,
        .line = r->rec_line,
        .offset = r->rec_offset,
        .number = ++r->number,
    };
    if (r->number == 1 && !r->header) {
        size_t n = r->n_fields < 4096 ? r->n_fields : 4096;
        r->header = csm_xcalloc(n ? n : 1, sizeof *r->header);
        for (size_t i = 0; i < n; i++)
            r->header[i] = csm_xstrndup(r->ptrs[i], r->lens[i]);
        r->n_header = n;
    }
    csm_error rc = r->fn(r->ctx, &rec);
    if (rc != CSM_OK && r->status == CSM_OK)
        r->status = rc;
    r->n_fields = 0;
    r->arena_len = 0;
}

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

#define FIELD_STEP ((size_t)64 << 10)

typedef struct feeder {
    reader r;
    struct csv_parser p;
    long long offset; /* bytes consumed so far */
} feeder;

static void feeder_init(feeder *f, const char *name, const csm_csv_options *opt,
                        csm_csv_record_fn fn, void *ctx, csm_diags *diag)
{
    memset(f, 0, sizeof *f);
    f->r.name = name;
    f->r.fn = fn;
    f->r.ctx = ctx;
    f->r.diag = diag;
    f->r.max_record =
        opt && opt->max_record_bytes ? opt->max_record_bytes : (size_t)1 << 20;
    f->r.line = 1;
    f->r.need_start = true;
    csv_init(&f->p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    csv_set_space_func(&f->p, no_space);
    /* libcsv grows a field's buffer by a fixed step (128 bytes by
     * default): a 1 MiB field took 8,192 reallocs, each a full copy under
     * ASan or valgrind.  Start at 64 KiB; feed() doubles the step as a
     * field grows. */
    csv_set_blk_size(&f->p, FIELD_STEP);
}

static void feeder_free(feeder *f)
{
    csv_free(&f->p);
    free(f->r.arena);
    free(f->r.starts);
    free(f->r.lens);
    free(f->r.ptrs);
    for (size_t i = 0; i < f->r.n_header; i++)
        free(f->r.header[i]);
    free(f->r.header);
}

/* Feeds one block; returns false once reading must stop. */
static bool is_bom(const char *s, size_t len)
{
    return len >= 3 && (unsigned char)s[0] == 0xEF &&
           (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF;
}

/* Skips a leading byte order mark (the drivers call this on the first
 * three or more bytes, never on a partial block). */
static size_t skip_bom(feeder *f, const char *buf, size_t len)
{
    if (!is_bom(buf, len))
        return 0;
    f->offset = 3;
    f->r.line_offset = 3;
    return 3;
}

static bool feed(feeder *f, const char *buf, size_t len)
{
    reader *r = &f->r;
    const char *nul = memchr(buf, '\0', len);
    size_t usable = nul ? (size_t)(nul - buf) : len;
    size_t pos = 0;
    /* Segments end at a line feed at the latest, so every byte of one is on
     * r->line: a record that starts while a segment is parsed starts on
     * that line, wherever the blocks were cut.  libcsv itself skips empty
     * lines (its state stays "row not begun"). */
    while (pos < usable && r->status == CSM_OK) {
        const char *nl = memchr(buf + pos, '\n', usable - pos);
        size_t seg = nl ? (size_t)(nl - (buf + pos)) + 1 : usable - pos;
        /* Feed at most the record's remaining room plus one byte, so the
         * size limit trips at the same byte (before any later error in
         * the record) whatever the block size.  Rows far below the limit
         * still go in whole lines. */
        size_t used = r->arena_len + f->p.entry_pos;
        size_t room = used < r->max_record ? r->max_record - used : 0;
        if (seg > room + 1)
            seg = room + 1;
        bool line_end = nl && buf + pos + seg == nl + 1;
        size_t done = csv_parse(&f->p, buf + pos, seg, on_field, on_row, r);
        if (done != seg && r->status == CSM_OK) {
            if (csv_error(&f->p) == CSV_EPARSE)
                fail(r, CSM_EDATA, r->line, (int)r->n_fields + 1,
                     "malformed quoting%s: a quote inside an unquoted field "
                     "or text after a closing quote (expected RFC 4180: "
                     "\"a \"\"quoted\"\" field\")",
                     "");
            else
                fail(r, CSM_EDATA, r->line, 0, "%s",
                     csv_strerror(csv_error(&f->p)));
        }
        /* Geometric growth of libcsv's field buffer (see feeder_init). */
        if (f->p.entry_size > f->p.blk_size)
            csv_set_blk_size(&f->p, f->p.entry_size);
        /* pstate 0 is libcsv's ROW_NOT_BEGUN: otherwise a record is in
         * progress, begun in this segment if not before. */
        if (f->p.pstate != 0 && r->status == CSM_OK) {
            note_start(r);
            /* Bound memory by the record, not the file: a field without
             * end (a 1 GB line, an unbalanced quote) stops here. */
            if (r->arena_len + f->p.entry_pos > r->max_record)
                too_long(r);
        }
        pos += seg;
        f->offset += (long long)seg;
        if (line_end) {
            r->line++;
            r->line_offset = f->offset;
        }
    }
    if (nul && r->status == CSM_OK) {
        fail(r, CSM_EDATA, r->line, 0,
             "NUL byte in the file%s (expected text: is this a binary or "
             "UTF-16 file?)",
             "");
    }
    return r->status == CSM_OK;
}

static csm_error finish(feeder *f, bool any_bytes)
{
    reader *r = &f->r;
    if (r->status == CSM_OK) {
        if (csv_fini(&f->p, on_field, on_row, r) != 0 && r->status == CSM_OK) {
            char detail[32];
            snprintf(detail, sizeof detail, "%ld", r->rec_line);
            fail(r, CSM_EDATA, r->rec_line, (int)r->n_fields + 1,
                 "unterminated quoted field in the record starting at line "
                 "%s (expected a closing quote)",
                 detail);
        }
    }
    if (r->status == CSM_OK && (!any_bytes || r->number == 0)) {
        fail(r, CSM_EDATA, 0, 0,
             "the file is empty%s (expected a header row and data rows)", "");
    }
    return r->status;
}

csm_error csm_csv_read_buffer(const char *data, size_t len, const char *name,
                              const csm_csv_options *opt, csm_csv_record_fn fn,
                              void *ctx, csm_diags *diag)
{
    feeder f;
    feeder_init(&f, name ? name : "<buffer>", opt, fn, ctx, diag);
    size_t block = opt && opt->block_size ? opt->block_size : 256u << 10;
    size_t pos = skip_bom(&f, data, len);
    while (pos < len) {
        size_t n = len - pos < block ? len - pos : block;
        if (!feed(&f, data + pos, n))
            break;
        pos += n;
    }
    csm_error rc = finish(&f, len > 0);
    feeder_free(&f);
    return rc;
}

csm_error csm_csv_read_file(const char *path, const char *name,
                            const csm_csv_options *opt, csm_csv_record_fn fn,
                            void *ctx, csm_diags *diag)
{
    const char *shown = name ? name : path;
    csm_loc loc = {.file = shown, .offset = -1};
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc,
                      "cannot open: %s (expected a readable CSV file)",
                      strerror(errno));
        return CSM_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        csm_diags_add(
            diag, CSM_SEV_ERROR, "io", &loc, "%s (expected a regular CSV file)",
            S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file");
        close(fd);
        return CSM_EIO;
    }
    feeder f;
    feeder_init(&f, shown, opt, fn, ctx, diag);
    size_t block = opt && opt->block_size ? opt->block_size : 256u << 10;
    /* At least 4 bytes, so a byte order mark fits the first block; raised
     * before the allocation, which must hold a whole block. */
    if (block < 4)
        block = 4;
    char *buf = csm_xmalloc(block);
    bool any = false, first = true;
    size_t have = 0; /* bytes kept at the start of buf */
    csm_error rc = CSM_OK;
    for (;;) {
        ssize_t n = read(fd, buf + have, block - have);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            csm_diags_add(diag, CSM_SEV_ERROR, "io", &loc, "cannot read: %s",
                          strerror(errno));
            rc = CSM_EIO;
            break;
        }
        size_t avail = have + (size_t)n;
        /* The first block must hold 3 bytes (or the whole file) before a
         * byte order mark can be recognised. */
        if (first && n > 0 && avail < 3) {
            have = avail;
            continue;
        }
        if (avail == 0)
            break;
        any = true;
        size_t start = first ? skip_bom(&f, buf, avail) : 0;
        first = false;
        have = 0;
        if (!feed(&f, buf + start, avail - start) || n == 0)
            break;
    }
    if (rc == CSM_OK)
        rc = finish(&f, any);
    free(buf);
    close(fd);
    feeder_free(&f);
    return rc;
}
