/* synth_internal.h - what the files of src/synth share; not a public API.
 *
 * synth.c drives the run and writes the files; model.c moves one customer
 * through one month; names.c makes up names.  Everything here is integer
 * arithmetic on purpose: floating-point results may differ between
 * compilers and CPUs (contraction into FMA, libm), and the data set must be
 * byte-identical for a seed everywhere.
 */
#ifndef CSMETRICS_SYNTH_INTERNAL_H
#define CSMETRICS_SYNTH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "csmetrics/date.h"
#include "csmetrics/strbuf.h"

/* ------------------------------------------------------------------ PRNG
 * splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014; constants from Vigna's reference code).  Every
 * (customer, month, purpose) gets its own stream derived by hashing, so a
 * decision never depends on how many numbers another customer drew: adding
 * a rule for one kind of event does not reshuffle the whole data set. */
typedef struct csm_synth_rng {
    uint64_t s;
} csm_synth_rng;

static inline uint64_t syn_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static inline uint64_t syn_next(csm_synth_rng *r)
{
    r->s += 0x9E3779B97F4A7C15u;
    return syn_mix(r->s);
}

/* Stream for (seed, who, month, purpose); who = customer index or
 * SYN_WHO_WORLD for draws that belong to no customer. */
#define SYN_WHO_WORLD UINT64_C(0xFFFFFFFFFFFF)
static inline csm_synth_rng syn_stream(uint64_t seed, uint64_t who, int month,
                                       unsigned purpose)
{
    uint64_t h = syn_mix(seed ^ 0x5851F42D4C957F2Du);
    h = syn_mix(h ^ (who + 1) * 0x9E3779B97F4A7C15u);
    h = syn_mix(h ^ ((uint64_t)(uint32_t)month + 0x1000) * 0xC2B2AE3D27D4EB4Fu);
    h = syn_mix(h ^ ((uint64_t)purpose + 1) * 0x165667B19E3779F9u);
    csm_synth_rng r = {h};
    return r;
}

/* Uniform in [0, n) for n <= 2^32 (multiply-shift; the bias of at most
 * n / 2^32 is far below anything the data set could show). */
static inline uint32_t syn_below(csm_synth_rng *r, uint32_t n)
{
    return (uint32_t)(((syn_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static inline int32_t syn_range(csm_synth_rng *r, int32_t lo, int32_t hi)
{
    return lo + (int32_t)syn_below(r, (uint32_t)(hi - lo + 1));
}

/* True with probability ppm / 1,000,000. */
static inline bool syn_chance(csm_synth_rng *r, int64_t ppm)
{
    return (int64_t)syn_below(r, 1000000u) < ppm;
}

/* Roughly normal noise in [-amp, amp]: the mean of three uniforms (standard
 * deviation amp / 3), cheap and free of libm. */
static inline int32_t syn_noise(csm_synth_rng *r, int32_t amp)
{
    int32_t s = syn_range(r, -amp, amp) + syn_range(r, -amp, amp) +
                syn_range(r, -amp, amp);
    return s / 3;
}

/* ------------------------------------------------------------- the model */
enum { SYN_SMB = 0, SYN_MID = 1, SYN_ENT = 2, SYN_SEGMENTS = 3 };
enum { SYN_USD = 0, SYN_EUR = 1, SYN_GBP = 2, SYN_CURRENCIES = 3 };
enum { SYN_MONTHLY = 0, SYN_ANNUAL = 1, SYN_TWO_YEAR = 2 };
enum { SYN_PENDING = 0, SYN_ACTIVE = 1, SYN_CHURNED = 2 };

/* Health is kept in basis points: 0 = certain to leave, 10000 = thriving. */
#define SYN_H_MAX 10000

#define SYN_MAX_SUBS 3
#define SYN_NO_NPS 255

/* Plans: the first SYN_MAIN_PLANS are priced per seat, the rest are add-ons
 * with a flat monthly price. */
#define SYN_MAIN_PLANS 4
#define SYN_PLANS 7

typedef struct csm_synth_sub {
    int64_t unit;   /* per-seat price (main) or flat price (add-on), minor
                       units of the customer's currency, after discount */
    uint32_t seats; /* licensed users; 0 for add-ons */
    uint16_t seq;   /* subscription number within the customer, from 1 */
    uint8_t plan;   /* index into the plan table */
    uint8_t used;   /* 1 when this slot holds a live subscription */
} csm_synth_sub;

typedef struct csm_synth_customer {
    csm_day contract_start; /* initial sale; never changes */
    csm_day anchor;         /* day the current term cycle counts from */
    csm_day term_end;       /* CSM_NO_DATE for month-to-month */
    csm_day first_value;    /* reached or planned; CSM_NO_DATE = never */
    csm_day last_engagement;
    csm_day spell_start;  /* first day of the current active spell */
    int32_t signup;       /* month index of the sale, < 0 for the base */
    int32_t return_month; /* planned reactivation, -1 = none */
    int32_t addon_month;  /* planned cross-sell, -1 = none */
    int32_t spell_month;  /* month index the current spell began */
    uint16_t health, base_health;
    uint16_t dpd;      /* days past due */
    uint16_t next_seq; /* next subscription number */
    uint8_t segment, currency, term, owner, state;
    uint8_t nps;            /* last answer, SYN_NO_NPS = never answered */
    uint8_t champion;       /* months until a new champion, 0 = none lost */
    uint8_t pending_addons; /* add-ons still to sell at addon_month */
    uint8_t referred;       /* 1 when a referral brought the customer in */
    uint8_t leaving;        /* 1 = has decided to leave at the next chance */
    csm_synth_sub subs[SYN_MAX_SUBS];
} csm_synth_customer;

/* What happened to a customer in a month, and the values to write. */
enum {
    SYN_EV_NEW = 1, /* signed up this month */
    SYN_EV_REACTIVATED = 2,
    SYN_EV_CHURNED = 4, /* first month no longer active */
    SYN_EV_REFERRAL = 8 /* referred someone who has not signed up */
};

typedef struct csm_synth_view {
    unsigned events;
    bool active;          /* has rows this month */
    int reason;           /* index into the reason table, -1 none */
    csm_day referral_day; /* with SYN_EV_REFERRAL */
    uint32_t active_users[SYN_MAX_SUBS];
    int32_t tickets;
    int32_t health_score; /* supplied score, -1 blank */
} csm_synth_view;

typedef struct csm_synth_world {
    uint64_t seed;
    int months;
    csm_month start;
    size_t n;      /* customers */
    size_t n_base; /* customers live before the first month */
    csm_synth_customer *cust;
} csm_synth_world;

/* Tables. */
extern const char *const csm_synth_segment_names[SYN_SEGMENTS];
extern const char *const csm_synth_currency_codes[SYN_CURRENCIES];
extern const char *const csm_synth_plan_names[SYN_PLANS];

typedef struct csm_synth_reason {
    const char *text;
    bool controllable;
} csm_synth_reason;
extern const csm_synth_reason csm_synth_reasons[];
extern const size_t csm_synth_n_reasons;

#define SYN_OWNERS 12
extern const char *const csm_synth_owner_names[SYN_OWNERS];

/* Adds months to a day, clamping the day of month (Jan 31 + 1 = Feb 28). */
csm_day csm_synth_add_months(csm_day day, int months);

/* Sets up customer c (segment, currency, plans, term, first value, latent
 * health, ...).  w->cust[c].signup (month index, < 0 for the installed
 * base) and contract_start must already be set.  forced_currency >= 0
 * overrides the drawn currency (for curated names), -1 draws it. */
void csm_synth_init_customer(const csm_synth_world *w, size_t c,
                             int forced_currency);

/* Moves customer c through month m (0-based) and fills *v. */
void csm_synth_step(const csm_synth_world *w, size_t c, int m,
                    csm_synth_view *v);

/* MRR of one subscription, in minor units. */
int64_t csm_synth_sub_mrr(const csm_synth_sub *s);

/* The currency customer c's curated name implies, or -1 when customer c
 * (of n) has no curated name. */
int csm_synth_curated_currency(size_t c, size_t n);
/* Appends customer c's name (raw UTF-8; may hold commas, quotes and a line
 * break) to b: its curated name, or one drawn from word lists of the
 * region its currency suggests. */
void csm_synth_name(uint64_t seed, size_t c, size_t n, int currency,
                    csm_strbuf *b);

#endif
