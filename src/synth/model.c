/* model.c - one synthetic customer through one month.
 *
 * Every customer carries a hidden health (basis points, 0..10000) that
 * drifts towards a customer-specific level, is knocked down by events (the
 * champion leaves, first value never arrives, invoices go unpaid) and
 * drives everything a Customer Success team sees: usage, tickets, NPS,
 * payment, engagement, and whether the customer renews, expands, contracts
 * or leaves.  Because the snapshot's health inputs and the churn decision
 * share that one cause, a score computed from the inputs predicts churn the
 * way a real one does: well, but not perfectly.
 *
 * All rates are in parts per million (ppm) and all arithmetic is integer
 * (see synth_internal.h for why).  docs/synth.md lists the parameters.
 */
#include <string.h>

#include "synth_internal.h"

const char *const csm_synth_segment_names[SYN_SEGMENTS] = {"SMB", "Mid-Market",
                                                           "Enterprise"};
const char *const csm_synth_currency_codes[SYN_CURRENCIES] = {"USD", "EUR",
                                                              "GBP"};
const char *const csm_synth_plan_names[SYN_PLANS] = {
    "Starter",          "Team",
    "Business",         "Enterprise",
    "Analytics Add-on", "Premium Support",
    "API Access"};

/* Reasons a customer gives for leaving.  "Price, value for money" carries a
 * comma on purpose: reason texts need CSV quoting too. */
enum {
    R_ADOPTION,
    R_FEATURES,
    R_COMPETITOR,
    R_PRICE,
    R_SUPPORT,
    R_ONBOARDING,
    R_CHAMPION,
    R_BUDGET,
    R_ACQUIRED,
    R_BUSINESS,
    R_NONPAY
};
const csm_synth_reason csm_synth_reasons[] = {
    {"Low adoption", true},
    {"Missing features", true},
    {"Switched to competitor", true},
    {"Price, value for money", true},
    {"Poor support experience", true},
    {"Onboarding never completed", true},
    {"Champion left", false},
    {"Budget cuts", false},
    {"Acquired by another company", false},
    {"Went out of business", false},
    {"Non-payment", false},
};
const size_t csm_synth_n_reasons =
    sizeof csm_synth_reasons / sizeof *csm_synth_reasons;

/* List price per seat and month, minor units, per currency (USD, EUR,
 * GBP).  Local price lists are set by hand, not converted, as vendors do. */
static const int64_t seat_price[SYN_MAIN_PLANS][SYN_CURRENCIES] = {
    {2500, 2300, 2000}, /* Starter */
    {4500, 4200, 3600}, /* Team */
    {7000, 6500, 5600}, /* Business */
    {9500, 8800, 7600}, /* Enterprise */
};

/* Flat monthly add-on prices in USD cents per segment; other currencies
 * get a rounded local price (see addon_price). */
static const int64_t addon_usd[SYN_PLANS - SYN_MAIN_PLANS][SYN_SEGMENTS] = {
    {4900, 49000, 290000}, /* Analytics Add-on */
    {9900, 79000, 450000}, /* Premium Support */
    {2900, 19900, 150000}, /* API Access */
};
static const int64_t local_pct[SYN_CURRENCIES] = {100, 92, 79};

/* Segment mix, ppm (cumulative): 55% SMB, 33% Mid-Market, 12% Enterprise. */
static const int64_t segment_cum[SYN_SEGMENTS] = {550000, 880000, 1000000};
/* Currency mix, ppm (cumulative): 75% USD, 17% EUR, 8% GBP. */
static const int64_t currency_cum[SYN_CURRENCIES] = {750000, 920000, 1000000};
/* Term mix per segment, ppm (cumulative): monthly, annual, two-year. */
static const int64_t term_cum[SYN_SEGMENTS][3] = {
    {550000, 950000, 1000000}, /* SMB */
    {150000, 850000, 1000000}, /* Mid-Market */
    {0, 650000, 1000000},      /* Enterprise */
};
/* Share of customers sold add-ons (2-3 subscriptions), ppm. */
static const int64_t multi_ppm[SYN_SEGMENTS] = {100000, 250000, 450000};
/* Share that never reaches first value, ppm, before the health effect. */
static const int64_t never_value_ppm[SYN_SEGMENTS] = {140000, 90000, 50000};
/* Onboarding speed: percent applied to the first-value delay. */
static const int32_t value_delay_pct[SYN_SEGMENTS] = {80, 100, 140};
/* Ticket volume relative to SMB, percent: bigger accounts file more, but
 * health dominates (a raw ticket count should mean something). */
static const int64_t ticket_pct[SYN_SEGMENTS] = {100, 130, 170};
/* Extra chance of a CSM touch in a month, ppm. */
static const int64_t touch_bonus[SYN_SEGMENTS] = {0, 50000, 100000};

/* Purposes of the random streams (see syn_stream). */
enum { INIT_STREAM = 1, STEP_STREAM = 2 };

static int32_t clamp32(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int pick_cum(csm_synth_rng *r, const int64_t *cum, int n)
{
    int64_t u = syn_below(r, 1000000u);
    for (int i = 0; i < n; i++)
        if (u < cum[i])
            return i;
    return n - 1;
}

csm_day csm_synth_add_months(csm_day day, int months)
{
    int y, m, d;
    csm_day_to_ymd(day, &y, &m, &d);
    int total = y * 12 + (m - 1) + months;
    int ny = total / 12, nm = total % 12 + 1;
    int dim = csm_days_in_month(ny, nm);
    return csm_day_from_ymd(ny, nm, d > dim ? dim : d);
}

static int term_years(int term)
{
    return term == SYN_TWO_YEAR ? 2 : 1;
}

/* First anniversary of the term cycle (every 1 or 2 years from anchor)
 * strictly after `after`. */
static csm_day next_anniversary(csm_day anchor, int term, csm_day after)
{
    int step = 12 * term_years(term);
    int k = 1;
    if (after > anchor)
        k = (int)((after - anchor) / 366) / term_years(term);
    if (k < 1)
        k = 1;
    csm_day t = csm_synth_add_months(anchor, step * k);
    while (t <= after)
        t = csm_synth_add_months(anchor, step * ++k);
    /* add_months clamps Feb 29 per call, so k steps from the anchor never
     * drift; the loop above only ever moves forward. */
    return t;
}

/* q = 10000 - health, and its powers scaled back to 0..10000. */
static int64_t risk(const csm_synth_customer *cu, int power)
{
    int64_t q = SYN_H_MAX - (int64_t)cu->health;
    int64_t v = q;
    for (int i = 1; i < power; i++)
        v = v * q / SYN_H_MAX;
    return v;
}

static int64_t addon_price(int plan, int segment, int currency)
{
    int64_t usd = addon_usd[plan - SYN_MAIN_PLANS][segment];
    /* Round the local price to whole currency units, as a price list
     * would. */
    return (usd * local_pct[currency] / 100 + 50) / 100 * 100;
}

int64_t csm_synth_sub_mrr(const csm_synth_sub *s)
{
    return s->plan < SYN_MAIN_PLANS ? s->unit * (int64_t)s->seats : s->unit;
}

static uint32_t draw_seats(csm_synth_rng *r, int segment)
{
    /* u^2 skews towards small accounts, as real deal sizes are. */
    uint32_t u = syn_below(r, 1001);
    uint64_t u2 = (uint64_t)u * u; /* 0..1e6 */
    switch (segment) {
    case SYN_SMB:
        return 2 + (uint32_t)(38 * u2 / 1000000);
    case SYN_MID:
        return 25 + (uint32_t)(225 * u2 / 1000000);
    default:
        return 150 + (uint32_t)(1350 * u2 / 1000000);
    }
}

/* Per-seat price after the term discount (10% annual, 15% two-year) and a
 * negotiated one that grows with deal size. */
static int64_t draw_unit(csm_synth_rng *r, int plan, int segment, int currency,
                         int term)
{
    int64_t disc = term == SYN_ANNUAL ? 10 : term == SYN_TWO_YEAR ? 15 : 0;
    if (segment == SYN_MID)
        disc += 5 * syn_below(r, 3);
    else if (segment == SYN_ENT)
        disc += 10 + 5 * syn_below(r, 5);
    return seat_price[plan][currency] * (100 - disc) / 100;
}

static int main_plan(csm_synth_rng *r, int segment)
{
    bool upper = syn_chance(r, segment == SYN_SMB   ? 400000
                               : segment == SYN_MID ? 600000
                                                    : 650000);
    return segment + (upper ? 1 : 0);
}

static int n_subs(const csm_synth_customer *cu)
{
    int k = 0;
    for (int i = 0; i < SYN_MAX_SUBS; i++)
        k += cu->subs[i].used;
    return k;
}

/* Sells one add-on the customer does not have yet, into a free slot. */
static void add_addon(csm_synth_rng *r, csm_synth_customer *cu)
{
    int slot = -1;
    for (int i = 1; i < SYN_MAX_SUBS; i++)
        if (!cu->subs[i].used) {
            slot = i;
            break;
        }
    if (slot < 0)
        return;
    int plan = SYN_MAIN_PLANS + (int)syn_below(r, SYN_PLANS - SYN_MAIN_PLANS);
    for (int tries = 0; tries < SYN_PLANS; tries++) {
        bool taken = false;
        for (int i = 1; i < SYN_MAX_SUBS; i++)
            if (cu->subs[i].used && cu->subs[i].plan == plan)
                taken = true;
        if (!taken)
            break;
        plan = plan + 1 < SYN_PLANS ? plan + 1 : SYN_MAIN_PLANS;
    }
    csm_synth_sub *s = &cu->subs[slot];
    s->used = 1;
    s->plan = (uint8_t)plan;
    s->seats = 0;
    s->unit = addon_price(plan, cu->segment, cu->currency);
    s->seq = cu->next_seq++;
}

static void new_main(csm_synth_rng *r, csm_synth_customer *cu, int plan)
{
    csm_synth_sub *s = &cu->subs[0];
    s->used = 1;
    s->plan = (uint8_t)plan;
    s->seats = draw_seats(r, cu->segment);
    s->unit = draw_unit(r, plan, cu->segment, cu->currency, cu->term);
    s->seq = cu->next_seq++;
}

void csm_synth_init_customer(const csm_synth_world *w, size_t c,
                             int forced_currency)
{
    csm_synth_customer *cu = &w->cust[c];
    csm_synth_rng r = syn_stream(w->seed, c, cu->signup, INIT_STREAM);
    csm_day first = csm_month_first_day(w->start);
    bool base = cu->signup < 0;

    cu->segment = (uint8_t)pick_cum(&r, segment_cum, SYN_SEGMENTS);
    int cur = pick_cum(&r, currency_cum, SYN_CURRENCIES);
    cu->currency = (uint8_t)(forced_currency >= 0 ? forced_currency : cur);
    cu->term = (uint8_t)pick_cum(&r, term_cum[cu->segment], 3);
    /* Owners by segment: Enterprise 0-3, Mid-Market 4-7, SMB 8-11. */
    cu->owner =
        (uint8_t)((uint32_t)(SYN_ENT - cu->segment) * 4 + syn_below(&r, 4));
    cu->referred = (uint8_t)(!base && syn_chance(&r, 120000));

    /* Latent health level: triangular on 2500..9000, a little higher for
     * bigger accounts (more attention) and for referred customers (who
     * arrive with trust and a reference). */
    int32_t bh =
        2500 + (int32_t)syn_below(&r, 3251) + (int32_t)syn_below(&r, 3251);
    bh += cu->segment == SYN_ENT ? 1000 : cu->segment == SYN_MID ? 400 : 0;
    bh += cu->referred ? 500 : 0;
    cu->base_health = (uint16_t)clamp32(bh, 1500, 9500);
    cu->health = (uint16_t)clamp32(bh + syn_noise(&r, 1500), 200, 9800);

    cu->anchor = cu->contract_start;
    cu->spell_start = cu->contract_start;
    if (cu->term == SYN_MONTHLY)
        cu->term_end = CSM_NO_DATE;
    else
        cu->term_end = next_anniversary(cu->anchor, cu->term, first - 1);
    if (!base && cu->term != SYN_MONTHLY)
        cu->term_end =
            csm_synth_add_months(cu->contract_start, 12 * term_years(cu->term));

    /* First value: 5-150 days after the sale, sooner for small accounts
     * and healthy ones; some never get there, more so the unhealthy. */
    int64_t never =
        never_value_ppm[cu->segment] + (bh < 5000 ? (5000 - bh) * 60 : 0);
    if (syn_chance(&r, never)) {
        cu->first_value = CSM_NO_DATE;
    } else {
        int64_t u = (int64_t)syn_below(&r, 1000) * syn_below(&r, 1000);
        int64_t d = 145 * u / 1000000; /* median about 28 days */
        d = d * value_delay_pct[cu->segment] / 100;
        d = d * (130 - 60 * bh / SYN_H_MAX) / 100;
        cu->first_value = cu->contract_start + 5 + (csm_day)(d > 145 ? 145 : d);
    }

    cu->next_seq = 1;
    new_main(&r, cu, main_plan(&r, cu->segment));
    cu->addon_month = -1;
    cu->pending_addons = 0;
    if (syn_chance(&r, multi_ppm[cu->segment])) {
        int k = syn_chance(&r, 300000) ? 2 : 1;
        /* The installed base bought its add-ons long ago; new customers
         * buy half of them at signup and the rest in a later cross-sell. */
        int now = base ? k : (syn_chance(&r, 500000) ? 1 : 0);
        for (int i = 0; i < now; i++)
            add_addon(&r, cu);
        if (k > now) {
            cu->pending_addons = (uint8_t)(k - now);
            cu->addon_month = cu->signup + syn_range(&r, 2, 15);
        }
    }

    cu->nps = SYN_NO_NPS;
    if (base && syn_chance(&r, 500000))
        cu->nps = (uint8_t)clamp32(
            (10 + cu->health * 90 / SYN_H_MAX + syn_noise(&r, 25)) / 10, 0, 10);
    cu->last_engagement = cu->contract_start;
    if (base) {
        csm_day e = first - 1 - (csm_day)syn_below(&r, 75);
        cu->last_engagement = e > cu->contract_start ? e : cu->contract_start;
    }
    cu->dpd = 0;
    cu->champion = 0;
    cu->leaving = 0;
    cu->return_month = -1;
    cu->state = SYN_PENDING;
}

/* Why a customer leaves, given what was wrong; -1 when no reason was
 * recorded (about 15%: the data-quality gap the report lists). */
static int churn_reason(csm_synth_rng *r, const csm_synth_customer *cu,
                        bool nonpay, bool no_value)
{
    if (syn_chance(r, 150000))
        return -1;
    if (nonpay)
        return R_NONPAY;
    if (no_value && syn_chance(r, 600000))
        return R_ONBOARDING;
    if (cu->champion && syn_chance(r, 550000))
        return R_CHAMPION;
    uint32_t u = syn_below(r, 100);
    if (cu->health < 4500) {
        /* Unhappy customers mostly leave for reasons CS can act on. */
        return u < 30   ? R_ADOPTION
               : u < 50 ? R_FEATURES
               : u < 70 ? R_COMPETITOR
               : u < 85 ? R_PRICE
               : u < 95 ? R_SUPPORT
                        : R_BUDGET;
    }
    /* Healthy customers that leave mostly had it decided for them. */
    return u < 30   ? R_BUDGET
           : u < 50 ? R_ACQUIRED
           : u < 65 ? R_BUSINESS
           : u < 85 ? R_COMPETITOR
                    : R_PRICE;
}

/* Chance, ppm, that a customer who left for `reason` comes back. */
static int64_t return_ppm(int reason)
{
    switch (reason) {
    case R_NONPAY:
        return 300000; /* paid up */
    case R_BUDGET:
        return 250000; /* budget came back */
    case R_CHAMPION:
    case R_PRICE:
        return 150000;
    case -1:
        return 100000;
    default:
        return 80000;
    }
}

static void reactivate(csm_synth_rng *r, csm_synth_customer *cu, int m,
                       csm_day first, int dim)
{
    csm_day day = first + (csm_day)syn_below(r, (uint32_t)dim);
    int plan = cu->subs[0].used ? cu->subs[0].plan : main_plan(r, cu->segment);
    memset(cu->subs, 0, sizeof cu->subs);
    /* A returning customer signs a fresh contract (new subscriptions, a
     * term counted from the return) but keeps its original contract_start,
     * which the cohort and first-value logic key on. */
    new_main(r, cu, plan);
    cu->subs[0].seats =
        cu->subs[0].seats * (uint32_t)syn_range(r, 60, 100) / 100;
    if (cu->subs[0].seats < 1)
        cu->subs[0].seats = 1;
    cu->anchor = day;
    cu->spell_start = day;
    cu->spell_month = m;
    cu->term_end = cu->term == SYN_MONTHLY
                       ? CSM_NO_DATE
                       : csm_synth_add_months(day, 12 * term_years(cu->term));
    /* Whatever made them leave was fixed, or they would not be back. */
    cu->base_health = (uint16_t)clamp32(cu->base_health + 1000, 1500, 9500);
    cu->health = (uint16_t)clamp32(
        (cu->health > 5000 ? cu->health : 5000) + syn_noise(r, 600), 200, 9800);
    cu->dpd = 0;
    cu->champion = 0;
    cu->leaving = 0;
    cu->last_engagement = day;
    cu->return_month = -1;
    cu->state = SYN_ACTIVE;
}

static void change_seats(csm_synth_rng *r, csm_synth_sub *s, int up,
                         int32_t lo_pct, int32_t hi_pct)
{
    uint32_t d = s->seats * (uint32_t)syn_range(r, lo_pct, hi_pct) / 100;
    if (d < 1)
        d = 1;
    if (up)
        s->seats += d;
    else
        s->seats = s->seats > d ? s->seats - d : 1;
}

/* The commercial side of a renewal: seats follow health, prices go up,
 * healthy customers upgrade, unhappy ones drop add-ons. */
static void renewal_changes(csm_synth_rng *r, csm_synth_customer *cu)
{
    csm_synth_sub *ms = &cu->subs[0];
    if (cu->health > 6500) {
        if (syn_chance(r, 600000))
            change_seats(r, ms, 1, 5, 40);
    } else if (cu->health < 4000) {
        if (syn_chance(r, 500000))
            change_seats(r, ms, 0, 10, 40);
    } else if (syn_chance(r, 200000)) {
        change_seats(r, ms, (int)syn_below(r, 2), 1, 10);
    }
    if (syn_chance(r, 400000)) {
        int64_t pct = syn_range(r, 3, 7);
        for (int i = 0; i < SYN_MAX_SUBS; i++)
            if (cu->subs[i].used)
                cu->subs[i].unit += cu->subs[i].unit * pct / 100;
    }
    if (cu->health > 6000 && ms->plan + 1 < SYN_MAIN_PLANS &&
        syn_chance(r, 80000)) {
        /* Keep the customer's discount: scale by the list price ratio. */
        int from = ms->plan, to = ms->plan + 1;
        ms->unit = ms->unit * seat_price[to][cu->currency] /
                   seat_price[from][cu->currency];
        ms->plan = (uint8_t)to;
    }
    if (cu->health < 4000)
        for (int i = 1; i < SYN_MAX_SUBS; i++)
            if (cu->subs[i].used && syn_chance(r, 300000))
                cu->subs[i].used = 0;
}

/* The decision to leave comes before the leaving: month-to-month
 * customers decide with a chance of 0.2% + 16% (1 - health)^3 a month and
 * go within a month or two; customers under contract decide in the four
 * months before the renewal month, each month with a quarter of 0.8% +
 * 90% (1 - health)^3 (about that over the four).  Customers still waiting
 * for first value decide more readily.  A decided customer that recovers
 * (health above 6500) is won back with a chance of 15% a month: the saves
 * of the at-risk programme. */
static void decide(csm_synth_rng *r, csm_synth_customer *cu, bool no_value,
                   bool due, csm_day last)
{
    if (cu->leaving) {
        if (cu->health > 6500 && syn_chance(r, 150000))
            cu->leaving = 0;
        return;
    }
    int64_t p = 0;
    if (cu->term == SYN_MONTHLY)
        p = 2000 + 160000 * risk(cu, 3) / SYN_H_MAX;
    else if (!due && cu->term_end <= csm_synth_add_months(last, 4))
        p = (8000 + 900000 * risk(cu, 3) / SYN_H_MAX) / 4;
    if (p && no_value && last - cu->contract_start < 200)
        p += 50000 * risk(cu, 2) / SYN_H_MAX;
    if (p && syn_chance(r, p))
        cu->leaving = 1;
}

/* Changes that do not wait for a renewal. */
static void midterm_changes(csm_synth_rng *r, csm_synth_customer *cu,
                            csm_day last)
{
    csm_synth_sub *ms = &cu->subs[0];
    if (cu->term == SYN_MONTHLY) {
        /* Month-to-month customers resize whenever they like. */
        if (syn_chance(r, 40000)) {
            int up = cu->health > 6000   ? 1
                     : cu->health < 4000 ? 0
                                         : (int)syn_below(r, 2);
            change_seats(r, ms, up, 5, 25);
        }
        if (cu->health > 6000 && syn_chance(r, 15000)) {
            /* Converts to an annual contract for its 10% discount. */
            cu->term = SYN_ANNUAL;
            cu->term_end = next_anniversary(cu->anchor, cu->term, last + 90);
            for (int i = 0; i < SYN_MAX_SUBS; i++)
                if (cu->subs[i].used && cu->subs[i].plan < SYN_MAIN_PLANS)
                    cu->subs[i].unit = cu->subs[i].unit * 90 / 100;
        }
    } else if (cu->health > 6000 && syn_chance(r, 50000)) {
        /* Contracts only grow mid-term: a seat true-up. */
        change_seats(r, ms, 1, 5, 20);
    }
    if (cu->health < 3500)
        for (int i = 1; i < SYN_MAX_SUBS; i++)
            if (cu->subs[i].used && syn_chance(r, 30000))
                cu->subs[i].used = 0;
    if (cu->health > 7000 && n_subs(cu) < SYN_MAX_SUBS && syn_chance(r, 4000))
        add_addon(r, cu);
}

static void evolve_health(csm_synth_rng *r, csm_synth_customer *cu,
                          bool no_value, csm_day last)
{
    if (cu->champion > 0)
        cu->champion--; /* a new champion takes over when it reaches 0 */
    int32_t h = cu->health;
    if (cu->champion == 0 && syn_chance(r, 9000)) {
        cu->champion = (uint8_t)syn_range(r, 3, 10);
        h -= 1800;
    }
    int32_t target = cu->base_health;
    if (cu->champion)
        target -= 1200;
    if (no_value && last - cu->contract_start > 90)
        target -= 1500;
    if (cu->dpd > 30)
        target -= 800;
    if (cu->leaving)
        target -= 2500; /* a customer on its way out disengages */
    /* AR(1) towards the target: 10% of the gap closes each month, plus
     * noise with a standard deviation of 400, so the deviation from the
     * target has a standard deviation of about 900 and a half-life of
     * about six and a half months. */
    h += (target - h) * 10 / 100 + syn_noise(r, 1200);
    cu->health = (uint16_t)clamp32(h, 200, 9800);
    cu->base_health =
        (uint16_t)clamp32(cu->base_health + syn_noise(r, 240), 1500, 9500);
}

/* Fills the health inputs of the month's rows from the latent health. */
static void observe(csm_synth_rng *r, csm_synth_customer *cu, csm_synth_view *v,
                    bool no_value, csm_day first, int dim)
{
    /* 64-bit: rates in ppm times health in basis points overflow int. */
    int64_t h = cu->health;
    int64_t q = SYN_H_MAX - h;

    int32_t usage = (int32_t)(20 + 75 * h / SYN_H_MAX) + syn_noise(r, 12);
    if (no_value)
        usage = usage * 60 / 100; /* still onboarding */
    usage = clamp32(usage, 1, 100);
    memset(v->active_users, 0, sizeof v->active_users);
    v->active_users[0] = cu->subs[0].seats * (uint32_t)usage / 100;

    /* Open tickets ~ Binomial(20, lambda / 20), lambda = 0.2 + 8 (1-h)^2:
     * 0.5 for a thriving SMB, 4.1 at h = 0.3, 11 for a failing
     * Enterprise account. */
    int64_t lam100 = (20 + 800 * q / SYN_H_MAX * q / SYN_H_MAX) *
                     ticket_pct[cu->segment] / 100;
    int64_t p = lam100 * 500;
    if (p > 1000000)
        p = 1000000;
    int32_t t = 0;
    for (int i = 0; i < 20; i++)
        t += syn_chance(r, p);
    v->tickets = t;

    /* NPS survey: sent to a customer about twice a year, answered by 55%;
     * the last answer stands until the next. */
    if (syn_chance(r, 166667) && syn_chance(r, 550000))
        cu->nps = (uint8_t)clamp32(
            ((int32_t)(10 + h * 90 / SYN_H_MAX) + syn_noise(r, 25)) / 10, 0,
            10);

    /* Payment: healthy customers pay on time; a late invoice either gets
     * paid or ages by a month. */
    if (cu->dpd == 0) {
        if (syn_chance(r, 1500 + 150000 * q / SYN_H_MAX * q / SYN_H_MAX))
            cu->dpd = (uint16_t)syn_range(r, 1, 30);
    } else if (syn_chance(r, 550000 + 350000 * h / SYN_H_MAX)) {
        cu->dpd = 0;
    } else {
        cu->dpd = (uint16_t)(cu->dpd + dim > 365 ? 365 : cu->dpd + dim);
    }

    /* CSM touches: more often with healthy (responsive) and with bigger
     * accounts; 15% + 80% h^2 a month, plus the segment bonus. */
    if (syn_chance(r, 150000 + 800000 * h / SYN_H_MAX * h / SYN_H_MAX +
                          touch_bonus[cu->segment])) {
        csm_day d = first + (csm_day)syn_below(r, (uint32_t)dim);
        if (d < cu->spell_start)
            d = cu->spell_start;
        if (d > cu->last_engagement)
            cu->last_engagement = d;
    }

    /* A few teams keep their own score in the CRM. */
    v->health_score = -1;
    if (syn_chance(r, 30000))
        v->health_score =
            clamp32((int32_t)(h / 100) + syn_noise(r, 12), 0, 100);
}

void csm_synth_step(const csm_synth_world *w, size_t c, int m,
                    csm_synth_view *v)
{
    csm_synth_customer *cu = &w->cust[c];
    memset(v, 0, sizeof *v);
    v->reason = -1;
    v->health_score = -1;

    bool starting = false;
    if (cu->state == SYN_PENDING) {
        if (cu->signup < 0 ? m != 0 : m != cu->signup)
            return;
        cu->state = SYN_ACTIVE;
        cu->spell_month = m;
        starting = true;
        if (cu->signup >= 0)
            v->events |= SYN_EV_NEW;
    } else if (cu->state == SYN_CHURNED && cu->return_month != m) {
        return;
    }

    csm_month month = w->start + m;
    csm_day first = csm_month_first_day(month);
    csm_day last = csm_month_last_day(month);
    int dim = (int)(last - first + 1);
    csm_synth_rng r = syn_stream(w->seed, c, m, STEP_STREAM);

    if (cu->state == SYN_CHURNED) {
        reactivate(&r, cu, m, first, dim);
        v->events |= SYN_EV_REACTIVATED;
        starting = true;
    }

    bool no_value = cu->first_value == CSM_NO_DATE || cu->first_value > last;
    bool due = cu->term == SYN_MONTHLY || cu->term_end <= last;

    if (!starting) {
        evolve_health(&r, cu, no_value, last);
        decide(&r, cu, no_value, due, last);
        /* Churn: mostly customers who decided to leave, when their term
         * allows (every month for month-to-month); a few decide at the
         * last minute; rarely a sudden mid-term loss, by (1 - health)^4;
         * and after 60+ days unpaid. */
        bool nonpay = cu->dpd > 60 && syn_chance(&r, 400000);
        int64_t p;
        if (due && cu->term == SYN_MONTHLY)
            p = cu->leaving ? 500000 : 1000;
        else if (due)
            p = cu->leaving ? 900000 : 3000 + 150000 * risk(cu, 3) / SYN_H_MAX;
        else
            p = 300 + 15000 * risk(cu, 4) / SYN_H_MAX;
        if (nonpay || syn_chance(&r, p)) {
            int reason = churn_reason(&r, cu, nonpay, no_value);
            v->events |= SYN_EV_CHURNED;
            v->reason = reason;
            cu->state = SYN_CHURNED;
            /* First value that had not happened by the last active month
             * never will: the customer churned before reaching it. */
            if (cu->first_value != CSM_NO_DATE && cu->first_value >= first)
                cu->first_value = CSM_NO_DATE;
            cu->pending_addons = 0;
            cu->addon_month = -1;
            if (syn_chance(&r, return_ppm(reason)))
                cu->return_month = m + syn_range(&r, 2, 8);
            return;
        }
    }

    if (cu->term != SYN_MONTHLY && cu->term_end <= last) {
        /* Renewed (the installed base always renews in the first month:
         * it is defined as the customers live at its end). */
        cu->leaving = 0; /* renewed after all */
        if (!starting && cu->health < 3500 && syn_chance(&r, 100000)) {
            cu->term = SYN_MONTHLY; /* renews, but only month to month */
            cu->term_end = CSM_NO_DATE;
        } else {
            cu->term_end = next_anniversary(cu->anchor, cu->term, last);
        }
        renewal_changes(&r, cu);
    } else if (!starting) {
        midterm_changes(&r, cu, last);
    }

    if (cu->addon_month == m) {
        for (int i = 0; i < cu->pending_addons; i++)
            add_addon(&r, cu);
        cu->pending_addons = 0;
        cu->addon_month = -1;
    }

    observe(&r, cu, v, no_value, first, dim);

    /* Happy customers recommend the product; most such referrals do not
     * turn into customers (those that do are drawn at signup). */
    int64_t h3 =
        (int64_t)cu->health * cu->health / SYN_H_MAX * cu->health / SYN_H_MAX;
    if (syn_chance(&r, 1500 + 20000 * h3 / SYN_H_MAX)) {
        csm_day d = first + (csm_day)syn_below(&r, (uint32_t)dim);
        v->referral_day = d < cu->spell_start ? cu->spell_start : d;
        v->events |= SYN_EV_REFERRAL;
    }
    v->active = true;
}
