# Reference values for analyses/tests/test_logistic_regression.py.
# Run: Rscript glm_reference.R > glm_reference.out
# spector.csv: Spector & Mazzeo (1980), as statsmodels.datasets.spector ships it.
library(survival)  # for the lung data
options(digits = 15)
cat("R:", R.version.string, "\n")
v <- function(name, x) cat(sprintf("%s = %s\n", name, paste(sprintf("%.15g", x), collapse = " ")))
report <- function(label, fit) {
  cat("\n## ", label, "\n", sep = ""); print(summary(fit))
  s <- summary(fit)$coefficients
  v(paste(label, "coef"), s[, 1]); v(paste(label, "se"), s[, 2]); v(paste(label, "z"), s[, 3]); v(paste(label, "p"), s[, 4])
  v(paste(label, "loglik"), logLik(fit)); v(paste(label, "aic"), AIC(fit)); v(paste(label, "deviance"), deviance(fit))
  v(paste(label, "iter"), fit$iter)
}
spector <- read.csv("spector.csv")
report("spector", glm(GRADE ~ GPA + TUCE + PSI, family = binomial, data = spector, control = glm.control(epsilon = 1e-14, maxit = 50)))
lung2 <- subset(lung, ph.ecog < 3)
lung2$dead <- lung2$status == 2
report("lung", glm(dead ~ age + sex + factor(ph.ecog), family = binomial, data = lung2, control = glm.control(epsilon = 1e-14, maxit = 50)))
