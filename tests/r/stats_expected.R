# Regenerates every R-derived expected value in tests/unit/test_stats.c.
# Not run by `make check` (the unit tests do not need R); run it by hand:
#     Rscript tests/r/stats_expected.R
# Produced the committed values with R 4.2.2 and survival 3.5-3.
library(survival)
p <- function(v) cat(paste(ifelse(is.na(v), "NA_", sprintf("%.17g", v)),
                           collapse = ", "), "\n")
types <- c("log", "log-log", "plain")

km_show <- function(name, f) {
  cat("==", name, f$conf.type, "\n")
  cat("time     "); p(f$time)
  cat("n.risk   "); p(f$n.risk)
  cat("n.event  "); p(f$n.event)
  cat("n.censor "); p(f$n.censor)
  cat("surv     "); p(f$surv)
  cat("std.err  "); p(ifelse(is.finite(f$std.err), f$std.err, NA))
  cat("lower    "); p(f$lower)
  cat("upper    "); p(f$upper)
  lv <- f$conf.int
  cat("median   ")
  p(summary(f)$table[c("median", paste0(lv, "LCL"), paste0(lv, "UCL"))])
  q <- quantile(f, 0.5)
  cat("quantile "); p(c(q$quantile, q$lower, q$upper))
}

cat("######## proportions: wilson lo, hi, clopper-pearson lo, hi\n")
for (cs in list(c(0, 10, 0.95), c(10, 10, 0.95), c(3, 10, 0.95),
                c(1, 1000, 0.999), c(999, 1000, 0.999), c(17, 23, 0.5),
                c(50, 100, 0.9), c(1, 1, 0.95), c(0, 1, 0.95),
                c(7, 13, 0.8), c(2, 5000, 0.99))) {
  x <- cs[1]; n <- cs[2]; l <- cs[3]
  cat(x, n, l, ": ")
  p(c(suppressWarnings(prop.test(x, n, conf.level = l,
                                 correct = FALSE)$conf.int),
      binom.test(x, n, conf.level = l)$conf.int))
}

cat("######## Kaplan-Meier\n")
A.time   <- c(1,2,2,2,3,4,4,5,5,6,8,8,9,10,10,12,14,14,16,20)
A.status <- c(1,1,1,0,1,1,0,0,0,1,1,1,0,1,0,1,0,1,0,0)
B.entry <- c(0, 0, 3, 5, 1, 0, 3, 2, 0, 6, 4, 0, 7, 1)
B.exit  <- c(4, 6, 6, 9, 3, 2, 8, 6, 10, 12, 6, 5, 11, 9)
B.event <- c(1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1)
C.time <- c(5, 8, 12, 12, 15, 20, 25, 30, 30, 40)
C.status <- c(1, 0, 1, 0, 0, 1, 0, 0, 0, 0)
D.time <- 1:6; D.status <- c(1, 1, 1, 0, 1, 0)
E.time <- 1:4; E.status <- c(1, 1, 0, 0)
F.time <- c(3, 5, 5, 9); F.status <- c(0, 0, 0, 0)
for (TYPE in types) {
  km_show("A", survfit(Surv(A.time, A.status) ~ 1, conf.type = TYPE))
  f <- survfit(Surv(B.entry, B.exit, B.event) ~ 1, conf.type = TYPE)
  km_show("B", f)
  s <- summary(f, times = c(0.5, 1, 6, 7.5, 12))
  cat("B at 0.5, 1, 6, 7.5, 12: surv, lower, upper, se(-log S)\n")
  p(s$surv); p(s$lower); p(s$upper); p(s$std.err / s$surv)
  km_show("C", survfit(Surv(C.time, C.status) ~ 1, conf.type = TYPE))
  km_show("D", survfit(Surv(D.time, D.status) ~ 1, conf.type = TYPE))
  km_show("E", survfit(Surv(E.time, E.status) ~ 1, conf.type = TYPE))
  km_show("F", survfit(Surv(F.time, F.status) ~ 1, conf.type = TYPE))
  km_show("G", survfit(Surv(7, 1) ~ 1, conf.type = TYPE))
  km_show("H", survfit(Surv(7, 0) ~ 1, conf.type = TYPE))
  f <- survfit(Surv(A.time, A.status) ~ 1, conf.type = TYPE, conf.int = 0.9)
  s <- summary(f, times = c(0, 1, 3.5, 10, 20))
  cat("A 0.9", TYPE, "at 0, 1, 3.5, 10, 20: surv, lower, upper, median\n")
  p(s$surv); p(s$lower); p(s$upper)
  p(summary(f)$table[c("median", "0.9LCL", "0.9UCL")])
}

cat("######## log-rank\n")
LR.time   <- c(3,5,5,7,8,8,8,10,12,12,15,4,5,6,8,9,9,11,14)
LR.status <- c(1,1,0,1,1,1,0,1,0,1,0,1,1,1,1,0,1,1,0)
LR.g      <- c(0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,1,2,2,2)
LR.entry  <- c(0,1,0,2,0,3,1,0,4,0,2,0,0,1,3,0,2,0,5)
s <- survdiff(Surv(LR.time, LR.status) ~ LR.g)
cat("survdiff 3 groups: chisq, p / obs / exp\n")
p(c(s$chisq, s$pvalue)); p(s$obs); p(s$exp)
s <- survdiff(Surv(LR.time, LR.status) ~ (LR.g > 0))
cat("survdiff 2 groups: chisq, p / exp\n")
p(c(s$chisq, s$pvalue)); p(s$exp)
for (ties in c("exact", "breslow")) {
  f <- coxph(Surv(LR.entry, LR.time, LR.status) ~ factor(LR.g), ties = ties)
  cat("coxph score, entry, 3 groups,", ties, ": ")
  p(c(f$score, 1 - pchisq(f$score, 2)))
}
T3.time   <- c(2,4.5,5,7,8,9.5,10,12,13,3,6,6.5,8.5,11,14,15)
T3.status <- c(1,1,0,1,1,0,1,1,0,1,1,0,1,1,1,0)
T3.entry  <- c(0,1,2,0,3,0,4,1,0,0,2,0,1,5,0,3)
T3.g      <- c(0,0,0,0,0,0,0,0,0,1,1,1,1,1,1,1)
for (ties in c("breslow", "exact")) {
  f <- coxph(Surv(T3.entry, T3.time, T3.status) ~ factor(T3.g), ties = ties)
  cat("coxph score, entry, no tied events,", ties, ": ")
  p(c(f$score, 1 - pchisq(f$score, 1)))
}

cat("######## trend: intercept, slope, se, p / confint at .95 .9 .5 .999\n")
trend <- function(x, y) {
  f <- lm(y ~ x); cf <- summary(f)$coefficients
  p(c(cf[1, 1], cf[2, 1], cf[2, 2], cf[2, 4]))
  for (l in c(0.95, 0.9, 0.5, 0.999)) p(confint(f, level = l)[2, ])
}
trend(1:12, c(1.02,1.01,1.03,1.00,0.99,1.01,0.98,0.97,0.99,0.96,0.97,0.95))
trend(1:8, c(5.1, 4.9, 5.3, 5.0, 4.8, 5.2, 5.1, 4.9))
trend(c(0, 1.5, 2, 4, 7), c(10, 12.5, 13, 17.2, 22.9))
trend(c(1, 2, 3), c(2, 2.5, 4.5))

cat("######## AUC\n")
sc <- c(0.9,0.8,0.8,0.7,0.6,0.6,0.6,0.5,0.3,0.2)
pos <- c(1,1,0,1,0,1,0,0,1,0)
auc <- function(a, b) suppressWarnings(wilcox.test(a, b)$statistic) /
  (length(a) * length(b))
p(auc(sc[pos == 1], sc[pos == 0])); p(auc(sc[pos == 0], sc[pos == 1]))
sc2 <- c(72,45,88,60,60,31,95,77,52,60,40,83,66,29,90)
stay <- c(1,0,1,1,0,0,1,1,0,1,0,1,0,0,1)
p(auc(sc2[stay == 1], sc2[stay == 0]))

cat("######## quantiles\n")
x <- c(3.2, 1.5, 7.7, 1.5, 9.0, 4.4, 2.1, 6.3, 4.4, 8.8)
p(quantile(x, c(0, 0.1, 0.25, 0.33, 0.5, 0.9, 1)))
p(median(x)); p(median(x[1:9]))
