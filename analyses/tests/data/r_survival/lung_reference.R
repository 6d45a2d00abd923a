# Reference values for analyses/tests/test_kaplan_meier.py and test_cox_ph.py.
# Run: Rscript lung_reference.R > lung_reference.out
# Data: the NCCTG lung cancer data as the survival package ships it (survival::lung);
# lifelines.datasets.load_lung() is the same table with status recoded 1/2 -> 0/1.
library(survival)
options(digits = 15)
cat("R:", R.version.string, "\nsurvival:", format(packageVersion("survival")), "\n")
v <- function(name, x) cat(sprintf("%s = %s\n", name, paste(sprintf("%.15g", x), collapse = " ")))

cat("\n## survfit(Surv(time, status) ~ sex, data = lung)  (conf.type = 'log', the default)\n")
km <- survfit(Surv(time, status) ~ sex, data = lung)
print(km)
q <- quantile(km, probs = 0.5)
v("median", q$quantile); v("median_lower", q$lower); v("median_upper", q$upper)
s <- summary(km, censored = TRUE)
tab <- data.frame(strata = s$strata, time = s$time, n.risk = s$n.risk, n.event = s$n.event,
                  n.censor = s$n.censor, surv = s$surv, lower = s$lower, upper = s$upper)
write.csv(format(tab, digits = 15), "lung_km_by_sex.csv", row.names = FALSE)

cat("\n## survfit(Surv(time, status) ~ 1, data = lung)\n")
km1 <- survfit(Surv(time, status) ~ 1, data = lung)
q1 <- quantile(km1, probs = 0.5)
v("median_all", q1$quantile); v("median_all_lower", q1$lower); v("median_all_upper", q1$upper)

cat("\n## survdiff(Surv(time, status) ~ sex, data = lung)\n")
sd <- survdiff(Surv(time, status) ~ sex, data = lung)
print(sd)
v("logrank_chisq", sd$chisq); v("logrank_p", pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE))
v("logrank_observed", sd$obs); v("logrank_expected", sd$exp)

cat("\n## survdiff(Surv(time, status) ~ ph.ecog, data = lung)  (4 groups, one NA dropped)\n")
sd4 <- survdiff(Surv(time, status) ~ ph.ecog, data = lung)
print(sd4)
v("logrank_ecog_chisq", sd4$chisq); v("logrank_ecog_p", pchisq(sd4$chisq, sum(sd4$n > 0) - 1, lower.tail = FALSE))

cox_report <- function(label, fit) {
  cat("\n## ", label, "\n", sep = "")
  print(summary(fit))
  v(paste0(label, " coef"), coef(fit)); v(paste0(label, " se"), sqrt(diag(vcov(fit))))
  v(paste0(label, " z"), coef(fit) / sqrt(diag(vcov(fit))))
  v(paste0(label, " p"), 2 * pnorm(-abs(coef(fit) / sqrt(diag(vcov(fit))))))
  v(paste0(label, " loglik"), fit$loglik)
  v(paste0(label, " concordance"), fit$concordance["concordance"])
  v(paste0(label, " n_events"), c(fit$n, fit$nevent))
  z <- cox.zph(fit)  # transform = "km", terms = TRUE, global = TRUE
  print(z)
  v(paste0(label, " zph_chisq"), z$table[, "chisq"]); v(paste0(label, " zph_p"), z$table[, "p"])
}
ctl <- coxph.control(eps = 1e-12, iter.max = 50)
cox_report("cox_sex", coxph(Surv(time, status) ~ sex, data = lung))
cox_report("cox_sex_tight", coxph(Surv(time, status) ~ sex, data = lung, control = ctl))
cox_report("cox_age_sex", coxph(Surv(time, status) ~ age + sex, data = lung))
cox_report("cox_age_sex_tight", coxph(Surv(time, status) ~ age + sex, data = lung, control = ctl))
cox_report("cox_age2_sex_ecog", coxph(Surv(time, status) ~ age + I(age^2) + sex + factor(ph.ecog),
                                      data = subset(lung, ph.ecog < 3), control = ctl))
