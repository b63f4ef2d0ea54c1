# Expected Wilson intervals of tests/unit/test_cohorts.c (early churn of
# fixtures/hand/cohorts; the x/n are derived by hand in the test).
# Run: Rscript tests/r/cohorts_expected.R
p <- function(v) cat(paste(sprintf("%.17g", v), collapse = ", "), "\n")
for (x in list(c(2, 3), c(1, 3), c(3, 6), c(1, 1), c(2, 6)))
  suppressWarnings(p(prop.test(x[1], x[2], correct = FALSE)$conf.int))
cat("level 0.9, 3 of 6: ")
suppressWarnings(p(prop.test(3, 6, conf.level = 0.9, correct = FALSE)$conf.int))
