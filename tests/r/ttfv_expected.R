# Expected values of tests/unit/test_ttfv.c: the subjects of
# fixtures/hand/ttfv as of 2024-04 (derived by hand in test_ttfv.c), fitted
# with survival::survfit and tested with coxph's score test.
# Run: Rscript tests/r/ttfv_expected.R
suppressMessages(library(survival))
p <- function(v) cat(paste(ifelse(is.na(v), "NA_", sprintf("%.17g", v)),
                           collapse = ", "), "\n")
d <- data.frame(
  id    = c("T1", "T2", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "U7",
            "U8", "U9", "U10", "U11"),
  entry = c(30.5, 59.5, 29.5, rep(-0.5, 11)),
  exit  = c(45, 180, 30, 30, 30, 55, 55, 75, 0, 44, 45, 80, 10, 10),
  event = c(1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1),
  seg   = c("SMB", "ENT", "ENT", "SMB", "ENT", "SMB", "ENT", "SMB", "SMB",
            "ENT", "ENT", "SMB", "ENT", ""),
  qtr   = c("2023-Q4", "2023-Q4", "2023-Q4", rep("2024-Q1", 9), "2024-Q2",
            "2024-Q1"))
show <- function(label, f) {
  cat("==", label, "\n")
  cat("time: "); p(f$time)
  cat("n.risk: "); p(f$n.risk)
  cat("n.event: "); p(f$n.event)
  cat("n.censor: "); p(f$n.censor)
  cat("surv: "); p(f$surv)
  cat("lower: "); p(f$lower)
  cat("upper: "); p(f$upper)
  tab <- summary(f)$table   # LCL/UCL columns are named after the level
  cat("median, LCL, UCL: ")
  p(tab[c("median", grep("LCL$", names(tab), value = TRUE),
          grep("UCL$", names(tab), value = TRUE))])
  # Without extend, as csm_km_at: times after the last row are dropped
  # (undefined in csmetrics).
  s <- tryCatch(summary(f, times = c(30, 60, 90)), error = function(e) NULL)
  if (is.null(s)) {
    cat("times kept: none (all after the last row)\n")
  } else {
    cat("times kept: "); p(s$time)
    cat("S: "); p(s$surv)
    cat("lower: "); p(s$lower)
    cat("upper: "); p(s$upper)
  }
}
for (type in c("log", "log-log", "plain")) {
  show(paste("overall", type),
       survfit(Surv(entry, exit, event) ~ 1, data = d, conf.type = type))
}
show("overall log, conf.int 0.9",
     survfit(Surv(entry, exit, event) ~ 1, data = d, conf.int = 0.9))
for (g in c("ENT", "SMB", ""))
  show(paste("segment", g),
       survfit(Surv(entry, exit, event) ~ 1, data = d[d$seg == g, ]))
for (g in unique(d$qtr))
  show(paste("quarter", g),
       survfit(Surv(entry, exit, event) ~ 1, data = d[d$qtr == g, ]))
named <- d[d$seg != "", ]
f <- coxph(Surv(entry, exit, event) ~ factor(seg), data = named,
           ties = "exact")
cat("log-rank ENT vs SMB (coxph exact score test): chisq, p: ")
p(c(f$score, 1 - pchisq(f$score, 1)))
cat("churned before value: Wilson 2/14, 1/7 (ENT), 1/6 (SMB), 2/10 (2024-Q1), 0/3, 0/1:\n")
for (x in list(c(2, 14), c(1, 7), c(1, 6), c(2, 10), c(0, 3), c(0, 1)))
  p(prop.test(x[1], x[2], correct = FALSE)$conf.int)
