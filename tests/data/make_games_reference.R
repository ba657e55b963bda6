## Reference fits of the strategic deterrence model by the R package games (egame12),
## for tests/test_strategic.py.  Run from the repository root:
##     Rscript tests/data/make_games_reference.R
## Writes tests/data/war1800.csv (the package's war1800 data set, the variables the fits use),
## tests/data/strategic_sim.csv (a simulated data set) and
## tests/data/games_egame12_reference.json (coefficients, standard errors, log-likelihoods).
## Two fits per specification: egame12's defaults, and the same with a tight BFGS tolerance
## (reltol = 1e-14, iterlim = 5000), so that the optimum is known to more digits than the
## default stopping rule gives.
suppressPackageStartupMessages(library(games))

out <- "tests/data"
data("war1800")
war <- war1800[, c("year", "esc", "war", "s_wt_re1", "revis1", "regime1", "balanc", "regime2")]
war$regime1 <- as.character(war$regime1)
war$regime2 <- as.character(war$regime2)
write.csv(war, file.path(out, "war1800.csv"), row.names = FALSE)

## simulated agent-error probit data with known coefficients
set.seed(20141)
n <- 1000
sim <- data.frame(x1 = rnorm(n), x2 = rnorm(n), x3 = rnorm(n), z = rbinom(n, 1, 0.4))
u11 <- 0.5 + 1.0 * sim$x1
u14 <- -0.5 + 0.8 * sim$x2
u24 <- 0.3 - 1.0 * sim$z + 0.7 * sim$x3
p4 <- pnorm(u24, sd = sqrt(2))
p2 <- pnorm((1 - p4) * 0 + p4 * u14 - u11, sd = sqrt(2))
chal <- runif(n) < p2
fight <- runif(n) < p4
sim$y <- ifelse(chal, ifelse(fight, 4, 3), 1)
write.csv(sim, file.path(out, "strategic_sim.csv"), row.names = FALSE)

fit_one <- function(name, formula, data, link, type, tight) {
    args <- list(formula, data = data, link = link, type = type)
    if (tight) args <- c(args, list(reltol = 1e-14, iterlim = 5000))
    m <- do.call(egame12, args)
    list(name = name, formula = paste(deparse(formula), collapse = " "), link = link, type = type,
         tight = tight,
         coef_names = names(coef(m)), coef = unname(coef(m)), se = unname(sqrt(diag(vcov(m)))),
         log_likelihood = sum(m$log.likelihood), n = length(m$y),
         iterations = m$convergence$iter, code = m$convergence$code,
         predicted_first = unname(as.numeric(predict(m)[1, ])))
}

f_war <- Formula(esc + war ~ s_wt_re1 + revis1 | 0 | regime1 | balanc + regime2)
f_sim <- Formula(y ~ x1 | 0 | x2 | z + x3)
## Leblang (2003) currency attacks, the JSS paper's leb1 (Kenkel and Signorino 2014, Section 4 and
## Table 1): 7,240 observations, 19 coefficients.  The data are not exported (redistributed by the
## games package with the author's permission); only the fit is recorded.
data("leblang2003")
f_leb <- Formula(outcome ~ capcont + lreserves + overval + creditgrow + USinterest + service +
    contagion + prioratt - 1 | 1 | 1 | unifgov + lexports + preelec + postelec + rightgov +
    realinterest + capcont + lreserves)
fits <- list()
for (tight in c(FALSE, TRUE)) {
    fits[[length(fits) + 1]] <- fit_one("war1800_probit_agent", f_war, war1800, "probit", "agent", tight)
    fits[[length(fits) + 1]] <- fit_one("war1800_logit_agent", f_war, war1800, "logit", "agent", tight)
    fits[[length(fits) + 1]] <- fit_one("war1800_probit_private", f_war, war1800, "probit", "private", tight)
    fits[[length(fits) + 1]] <- fit_one("sim_probit_agent", f_sim, sim, "probit", "agent", tight)
    fits[[length(fits) + 1]] <- fit_one("sim_logit_agent", f_sim, sim, "logit", "agent", tight)
    fits[[length(fits) + 1]] <- fit_one("sim_probit_private", f_sim, sim, "probit", "private", tight)
    fits[[length(fits) + 1]] <- fit_one("leblang2003_probit_private", f_leb, leblang2003, "probit", "private", tight)
}

## minimal JSON writer (no jsonlite dependency)
js <- function(x) {
    if (is.list(x)) {
        if (is.null(names(x))) return(paste0("[", paste(sapply(x, js), collapse = ", "), "]"))
        return(paste0("{", paste(sprintf("\"%s\": %s", names(x), sapply(x, js)), collapse = ", "), "}"))
    }
    if (is.character(x)) {
        s <- sprintf("\"%s\"", gsub("\"", "\\\\\"", x))
    } else if (is.logical(x)) {
        s <- ifelse(x, "true", "false")
    } else {
        s <- sprintf("%.17g", x)
    }
    if (length(x) == 1 && !grepl("coef|se|predicted", "")) return(s)
    paste0("[", paste(s, collapse = ", "), "]")
}
scalarise <- function(f) {
    for (k in names(f)) if (!(k %in% c("coef_names", "coef", "se", "predicted_first")) && length(f[[k]]) == 1)
        f[[k]] <- I(f[[k]])
    f
}
js2 <- function(x) {
    if (inherits(x, "AsIs")) return(js(unclass(x))[[1]] |> (\(s) sub("^\\[(.*)\\]$", "\\1", s))())
    if (is.list(x)) {
        if (is.null(names(x))) return(paste0("[\n", paste(sapply(x, js2), collapse = ",\n"), "\n]"))
        return(paste0("{", paste(sprintf("\"%s\": %s", names(x), sapply(x, js2)), collapse = ", "), "}"))
    }
    js(x)
}
meta <- list(R_version = I(R.version.string), games_version = I(as.character(packageVersion("games"))),
             maxLik_version = I(as.character(packageVersion("maxLik"))),
             Formula_version = I(as.character(packageVersion("Formula"))),
             source = I("R/games 1.1.2 installed from github.com/brentonk/games (HEAD 4f64937), egame12 defaults (sbi start, BFGS)"),
             published_leb1 = list(
                 source = I("Kenkel and Signorino (2014), JSS 56(8), Table 1 (leb1; SEs there are bootstrap SEs)"),
                 coef = c(-0.4525, 0.2292, -0.4413, -0.0648, -0.0505, -0.0288, -0.1159, -0.1218, -3.6648,
                          -3.1385, 0.4269, -0.3568, -0.1997, 1.6632, 1.0623, -0.9358, 1.7955, 0.0656, 0.3099),
                 log_likelihood = I(-482.0155), n = I(7240)),
             fits = lapply(fits, scalarise))
writeLines(js2(meta), file.path(out, "games_egame12_reference.json"))
cat("wrote", file.path(out, "games_egame12_reference.json"), "\n")
