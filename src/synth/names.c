/* names.c - company names for synthetic customers.
 *
 * Real customer lists are messy, and that mess is what breaks CSV writers,
 * PDF fonts and column widths: commas ("Acme, Inc."), embedded quotes,
 * apostrophes, accents, CJK and Hangul, the odd line break pasted in from a
 * CRM.  So names are built from regional word lists that match the
 * customer's currency (a EUR customer is mostly German, French, Spanish,
 * Italian, Dutch or Nordic), and a fixed list of deliberately awkward names
 * is spread evenly over every data set of 20 or more customers.
 */
#include <stdbool.h>
#include <string.h>

#include "synth_internal.h"

#define WORDS(a) (sizeof(a) / sizeof *(a))

/* Purpose number of the name stream (see syn_stream). */
#define NAME_STREAM 7u

typedef struct curated {
    const char *name;
    int currency; /* the country the name suggests */
} curated;

/* The awkward cases, in order of importance: a data set smaller than this
 * list gets the first ones. */
static const curated curated_names[] = {
    {"Müller, Söhne & Co", SYN_EUR},
    {"Zoë \"ZZ\" Ltd", SYN_GBP},
    {"株式会社サンプル", SYN_USD},
    {"Nordlicht Analytics\nGmbH", SYN_EUR}, /* a line break from a CRM */
    {"Café Olé, S.A.", SYN_EUR},
    {"O'Brien & Daughters, Ltd.", SYN_GBP},
    {"\"Quoted\" Corporation", SYN_USD},
    {"北京数据科技有限公司", SYN_USD},
    {"Ærø Fisk A/S", SYN_EUR},
    {"Smith, Jones, and Partners, LLP", SYN_USD},
    {"Łódź Logistics Sp. z o.o.", SYN_EUR},
    {"Δέλτα Λογισμικό Α.Ε.", SYN_EUR},
    {"한빛소프트 주식회사", SYN_USD},
    {"São Paulo Dados Ltda.", SYN_USD},
    {"Crème Brûlée Bakery, Inc.", SYN_USD},
    {"Ñandú Studios, S.L.", SYN_EUR},
    {"Ünal Tekstil A.Ş.", SYN_EUR},
    {"The \"Best\" Widgets, Inc.", SYN_USD},
    {"Hôtel Château-Gaillard", SYN_EUR},
    {"MacLeod & Ó Súilleabháin Ltd", SYN_GBP},
};
#define N_CURATED (sizeof curated_names / sizeof *curated_names)

/* Index of the curated name of customer c, or -1.  Curated names sit at
 * c = k * n / N_CURATED, evenly over the installed base and the signups. */
static int curated_index(size_t c, size_t n)
{
    if (n < N_CURATED)
        return (int)c;
    for (size_t k = 0; k < N_CURATED; k++)
        if (k * n / N_CURATED == c)
            return (int)k;
    return -1;
}

int csm_synth_curated_currency(size_t c, size_t n)
{
    int k = curated_index(c, n);
    return k < 0 ? -1 : curated_names[k].currency;
}

/* --- United States and global, billed in USD */
static const char *const us_first[] = {
    "Blue",     "Summit",    "Northwind", "Granite",   "Harbor",    "Pioneer",
    "Crescent", "Redwood",   "Silver",    "Beacon",    "Evergreen", "Ironclad",
    "Lakeside", "Maple",     "Orchard",   "Prairie",   "Quantum",   "Riverbend",
    "Sterling", "Tidewater", "Vertex",    "Westfield", "Aurora",    "Cobalt",
    "Falcon",   "Keystone",  "Liberty",   "Meridian",  "Nimbus",    "Oakridge",
    "Bright",   "Cascade",   "Copper",    "Driftwood", "Ember",
};
static const char *const us_second[] = {
    "Analytics", "Logistics",     "Health",   "Labs",       "Systems",
    "Foods",     "Dynamics",      "Partners", "Software",   "Robotics",
    "Media",     "Energy",        "Capital",  "Retail",     "Bio",
    "Networks",  "Manufacturing", "Studios",  "Supply",     "Insurance",
    "Learning",  "Security",      "Mobility", "Outfitters", "Brewing",
};
static const char *const us_suffix[] = {
    "Inc.", "LLC", "Corp.", "Co.", "Group", "Holdings", "Technologies",
};
static const char *const us_surnames[] = {
    "Anderson", "O'Connor",   "Nguyen", "García", "Patel",
    "Kowalski", "Johnson",    "Rivera", "Kim",    "Schwartz",
    "D'Angelo", "Washington", "Brooks", "Okafor", "Hernández",
    "Goldberg", "Lindqvist",  "Murphy", "Tanaka", "Fitzpatrick",
};
static const char *const jp_names[] = {
    "山田製作所",   "未来テック",           "青空商事",
    "富士データ",   "桜ソリューションズ",   "東京ロジスティクス",
    "大阪システム", "北斗エンジニアリング",
};
static const char *const cn_names[] = {
    "上海云帆信息技术", "深圳星河电子", "杭州青山网络",
    "广州明月贸易",     "成都天府软件",
};
static const char *const kr_names[] = {
    "푸른데이터",
    "새벽물류",
    "한강테크",
    "별빛미디어",
};
static const char *const latam_first[] = {
    "Andina", "Pampa", "Sol de", "Cóndor", "Río", "Araucaria",
};
static const char *const latam_second[] = {
    "Tecnología", "Logística", "Alimentos",
    "Energía",    "Serviços",  "Comunicações",
};
static const char *const latam_suffix[] = {
    "S.A. de C.V.",
    "Ltda.",
    "S.A.",
    "SpA",
};

/* --- Euro area */
static const char *const de_names[] = {
    "Müller",   "Schröder",   "Weiß",   "Köhler", "Bäcker", "Groß",
    "Hoffmann", "Schäfer",    "Krüger", "Löwe",   "Fuchs",  "Jäger",
    "Brandt",   "Zimmermann", "Öztürk", "Wagner",
};
static const char *const de_trade[] = {
    "Maschinenbau",   "Logistik", "Datentechnik", "Versand", "Bau",
    "Medizintechnik", "Brauerei", "Handel",       "Elektro", "Feinmechanik",
};
static const char *const de_suffix[] = {
    "GmbH", "AG", "GmbH & Co. KG", "KG", "e.K.",
};
static const char *const fr_names[] = {
    "Lefèvre",  "Dubois",    "Chênevert", "Garnier", "Rousseau",
    "Bélanger", "Delacroix", "Fontaine",  "Mercier", "Benoît",
};
static const char *const fr_trade[] = {
    "Conseil",    "Logistique", "Édition",     "Énergie",
    "Hôtellerie", "Ingénierie", "Boulangerie", "Transports",
};
static const char *const fr_suffix[] = {"SAS", "S.A.", "SARL", "& Fils"};
static const char *const es_names[] = {
    "Muñoz", "Peña", "Ibáñez", "Núñez", "Castillo", "Ortega", "Gómez",
};
static const char *const es_trade[] = {
    "Distribuciones", "Construcciones", "Consultores",
    "Alimentación",   "Transportes",
};
static const char *const it_names[] = {
    "Bianchi", "Ferrari", "Esposito", "Colombo", "Ricci", "Marino", "De Luca",
};
static const char *const it_trade[] = {
    "Tessuti", "Meccanica", "Arredamenti", "Alimentari", "Trasporti",
};
static const char *const nl_names[] = {
    "de Vries", "van Dijk", "Bakker", "Jansen", "van den Berg", "Visser",
};
static const char *const nl_trade[] = {
    "Logistiek", "Techniek", "Bouw", "Handel", "Zorg", "Installatie",
};
static const char *const nordic_names[] = {
    "Mäkinen", "Järvinen", "Virtanen", "Østergaard",
    "Sjöberg", "Åkesson",  "Halonen",
};
static const char *const nordic_suffix[] = {"Oy", "AB", "A/S", "AS", "Oyj"};

/* --- United Kingdom and Ireland */
static const char *const uk_names[] = {
    "Smith",  "O'Brien",   "Patel",   "Hughes",   "Fitzgerald", "Khan",
    "Wright", "Llewellyn", "MacLeod", "Ó Briain", "Davies",     "Thornton",
};
static const char *const uk_place[] = {
    "Thames", "Pennine", "Highland", "Cotswold", "Albion",
    "Mersey", "Crown",   "Regent",   "Severn",   "Cairngorm",
};
static const char *const uk_trade[] = {
    "Engineering", "Consulting", "Foods", "Software",
    "Freight",     "Lettings",   "Print", "Ventures",
};

static const char *pick(csm_synth_rng *r, const char *const *words, size_t n)
{
    return words[syn_below(r, (uint32_t)n)];
}

#define PICK(r, a) pick((r), (a), WORDS(a))

/* Each word is drawn into a local before formatting: the order in which
 * a function's arguments are evaluated is unspecified in C (gcc and clang
 * differ), and the names must not depend on the compiler. */
static void name_usd(csm_synth_rng *r, csm_strbuf *b)
{
    uint32_t region = syn_below(r, 100);
    if (region < 6) {
        const char *w = PICK(r, jp_names);
        if (syn_below(r, 2))
            csm_strbuf_printf(b, "株式会社%s", w);
        else
            csm_strbuf_printf(b, "%s株式会社", w);
    } else if (region < 9) {
        csm_strbuf_printf(b, "%s有限公司", PICK(r, cn_names));
    } else if (region < 11) {
        csm_strbuf_printf(b, "%s 주식회사", PICK(r, kr_names));
    } else if (region < 16) {
        const char *w1 = PICK(r, latam_first);
        const char *w2 = PICK(r, latam_second);
        const char *w3 = PICK(r, latam_suffix);
        csm_strbuf_printf(b, "%s %s %s", w1, w2, w3);
    } else {
        uint32_t shape = syn_below(r, 10);
        if (shape < 5) {
            const char *w1 = PICK(r, us_first);
            const char *w2 = PICK(r, us_second);
            const char *w3 = PICK(r, us_suffix);
            csm_strbuf_printf(b, "%s %s %s", w1, w2, w3);
        } else if (shape < 7) { /* the classic comma that needs quoting */
            const char *w1 = PICK(r, us_first);
            const char *w2 = PICK(r, us_second);
            csm_strbuf_printf(b, "%s %s, Inc.", w1, w2);
        } else if (shape < 9) {
            const char *w1 = PICK(r, us_surnames);
            const char *w2 = PICK(r, us_surnames);
            const char *w3 = PICK(r, us_second);
            csm_strbuf_printf(b, "%s & %s %s", w1, w2, w3);
        } else {
            const char *w1 = PICK(r, us_first);
            const char *w2 = PICK(r, us_second);
            csm_strbuf_printf(b, "%s%s", w1, w2);
        }
    }
}

static void name_eur(csm_synth_rng *r, csm_strbuf *b)
{
    uint32_t region = syn_below(r, 100);
    const char *w1, *w2, *w3;
    if (region < 35) {
        bool pair = syn_below(r, 4) == 0;
        w1 = PICK(r, de_names);
        w2 = pair ? PICK(r, de_names) : PICK(r, de_trade);
        w3 = PICK(r, de_suffix);
        if (pair)
            csm_strbuf_printf(b, "%s & %s %s", w1, w2, w3);
        else
            csm_strbuf_printf(b, "%s %s %s", w1, w2, w3);
    } else if (region < 60) {
        w1 = PICK(r, fr_names);
        w2 = PICK(r, fr_trade);
        w3 = PICK(r, fr_suffix);
        csm_strbuf_printf(b, "%s %s %s", w1, w2, w3);
    } else if (region < 72) {
        w1 = PICK(r, es_trade);
        w2 = PICK(r, es_names);
        w3 = syn_below(r, 2) ? "S.L." : "S.A.";
        csm_strbuf_printf(b, "%s %s, %s", w1, w2, w3);
    } else if (region < 82) {
        w1 = PICK(r, it_trade);
        w2 = PICK(r, it_names);
        csm_strbuf_printf(b, "%s %s S.r.l.", w1, w2);
    } else if (region < 92) {
        w1 = PICK(r, nl_names);
        w2 = PICK(r, nl_trade);
        csm_strbuf_printf(b, "%s %s B.V.", w1, w2);
    } else {
        w1 = PICK(r, nordic_names);
        w2 = PICK(r, nordic_suffix);
        csm_strbuf_printf(b, "%s %s", w1, w2);
    }
}

static void name_gbp(csm_synth_rng *r, csm_strbuf *b)
{
    uint32_t shape = syn_below(r, 10);
    const char *w1, *w2;
    if (shape < 4) {
        w1 = PICK(r, uk_place);
        w2 = PICK(r, uk_trade);
        csm_strbuf_printf(b, "%s %s Ltd", w1, w2);
    } else if (shape < 7) {
        w1 = PICK(r, uk_names);
        w2 = PICK(r, uk_names);
        csm_strbuf_printf(b, "%s & %s Ltd", w1, w2);
    } else if (shape < 9) {
        w1 = PICK(r, uk_names);
        w2 = PICK(r, uk_trade);
        csm_strbuf_printf(b, "%s %s plc", w1, w2);
    } else {
        w1 = PICK(r, uk_place);
        w2 = PICK(r, uk_trade);
        csm_strbuf_printf(b, "The %s %s Company Ltd", w1, w2);
    }
}

void csm_synth_name(uint64_t seed, size_t c, size_t n, int currency,
                    csm_strbuf *b)
{
    int k = curated_index(c, n);
    if (k >= 0) {
        csm_strbuf_puts(b, curated_names[k].name);
        return;
    }
    csm_synth_rng r = syn_stream(seed, c, 0, NAME_STREAM);
    if (currency == SYN_EUR)
        name_eur(&r, b);
    else if (currency == SYN_GBP)
        name_gbp(&r, b);
    else
        name_usd(&r, b);
}

/* Customer Success managers.  Enterprise accounts get owners 0-3,
 * Mid-Market 4-7, SMB 8-11 (see model.c). */
const char *const csm_synth_owner_names[SYN_OWNERS] = {
    "Ana García",  "Jürgen Weiß",  "Siobhán O'Neill", "David Chen",
    "Zoë Martin",  "Priya Raman",  "Olivier Lefèvre", "Marcus Johnson",
    "Łucja Nowak", "Emily Carter", "Nguyễn Thị Lan",  "田中 さくら",
};
