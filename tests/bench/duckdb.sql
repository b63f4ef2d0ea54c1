-- The bench's peer: DuckDB computing, from the same CSV files, what
-- `csmetrics metrics --json` computes at its core: the MRR bridge of every
-- month (new, reactivation, expansion, contraction, churn), trailing
-- 12-month point-to-point retention for every month, and the renewal counts
-- (customers up for renewal, renewed) per month.  ${DATA} is replaced by
-- the data folder.  Amounts are converted with fx.csv like csmetrics does
-- (at the month's rate).
CREATE TEMP TABLE fx AS
  SELECT month::VARCHAR AS month, currency, rate::DOUBLE AS rate
  FROM read_csv('${DATA}/fx.csv', header = true, all_varchar = true);

CREATE TEMP TABLE rows AS
  SELECT customer_id,
         regexp_extract(filename, '(\d{4}-\d{2})\.csv$', 1) AS month,
         mrr::DECIMAL(18, 2) AS mrr,
         coalesce(nullif(currency, ''), 'USD') AS currency,
         nullif(term_end, '')::DATE AS term_end
  FROM read_csv('${DATA}/snapshots/*.csv', header = true, filename = true,
                all_varchar = true);

CREATE TEMP TABLE cm AS
  SELECT r.customer_id, r.month,
         sum(CASE WHEN r.currency = 'USD' THEN r.mrr
                  ELSE round(r.mrr * fx.rate, 2) END) AS mrr,
         min(r.term_end) AS term_end
  FROM rows r LEFT JOIN fx ON fx.month = r.month AND fx.currency = r.currency
  GROUP BY 1, 2;

CREATE TEMP TABLE months AS
  SELECT month, row_number() OVER (ORDER BY month) AS k
  FROM (SELECT DISTINCT month FROM cm);

CREATE TEMP TABLE grid AS
  SELECT c.customer_id, m.month, m.k,
         coalesce(cm.mrr, 0) AS mrr, cm.term_end
  FROM (SELECT DISTINCT customer_id FROM cm) c
  CROSS JOIN months m
  LEFT JOIN cm ON cm.customer_id = c.customer_id AND cm.month = m.month;

CREATE TEMP TABLE moves AS
  SELECT *,
         lag(mrr) OVER w AS prev,
         lag(term_end) OVER w AS prev_term_end,
         max(CASE WHEN mrr > 0 THEN 1 ELSE 0 END)
           OVER (PARTITION BY customer_id ORDER BY k
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS ever
  FROM grid
  WINDOW w AS (PARTITION BY customer_id ORDER BY k);

-- The MRR bridge.
SELECT month,
  sum(CASE WHEN mrr > 0 AND prev <= 0 AND ever = 0 THEN mrr ELSE 0 END) AS new,
  sum(CASE WHEN mrr > 0 AND prev <= 0 AND ever = 1 THEN mrr ELSE 0 END) AS reactivation,
  sum(CASE WHEN mrr > prev AND prev > 0 THEN mrr - prev ELSE 0 END) AS expansion,
  sum(CASE WHEN mrr < prev AND mrr > 0 THEN prev - mrr ELSE 0 END) AS contraction,
  sum(CASE WHEN mrr <= 0 AND prev > 0 THEN prev ELSE 0 END) AS churn,
  sum(mrr) AS closing
FROM moves WHERE k > 1 GROUP BY month ORDER BY month;

-- Trailing 12-month point-to-point retention.
SELECT b.month,
  count(*) AS base_logos,
  sum(CASE WHEN b.mrr > 0 THEN 1 ELSE 0 END) AS retained_logos,
  sum(a.mrr) AS base_mrr,
  sum(least(a.mrr, b.mrr)) / sum(a.mrr) AS grr,
  sum(b.mrr) / sum(a.mrr) AS nrr
FROM grid a JOIN grid b ON a.customer_id = b.customer_id AND b.k = a.k + 12
WHERE a.mrr > 0 GROUP BY b.month ORDER BY b.month;

-- Renewals: active in M-1 with term_end inside M (or month to month).
SELECT month,
  count(*) AS up_logos,
  sum(CASE WHEN mrr > 0 THEN 1 ELSE 0 END) AS renewed_logos
FROM moves
WHERE prev > 0 AND (prev_term_end IS NULL
      OR strftime(prev_term_end, '%Y-%m') = month)
GROUP BY month ORDER BY month;
