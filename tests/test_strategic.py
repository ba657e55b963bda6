"""The strategic deterrence estimator (issue 11, item 3): ``sim.estimate.strategic_deterrence``,
the ``egame12`` model of the R package ``games`` (Kenkel and Signorino 2014)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.errors import ConfigError
from sim.estimate import strategic_core, strategic_deterrence, strategic_deterrence_formula

DATA = Path(__file__).resolve().parent / "data"
REFERENCE = json.loads((DATA / "games_egame12_reference.json").read_text())
WAR_FORMULA = "esc + war ~ s_wt_re1 + revis1 | 0 | regime1 | balanc + regime2"
SIM_FORMULA = "y ~ x1 | 0 | x2 | z + x3"
MODELS = [("probit", "agent"), ("logit", "agent"), ("probit", "private")]


def _reference(name: str) -> dict:
    return next(f for f in REFERENCE["fits"] if f["name"] == name and f["tight"])


def _simulate(rng, n, b, errors="agent", link="probit"):
    """Outcomes drawn by letting simulated players act on shocked utilities (not from the
    estimator's probability formulas).  Covariates: x1 (u11), x2 (u14), z and x3 (u24)."""
    x1, x2, x3 = rng.standard_normal((3, n))
    z = (rng.random(n) < 0.4).astype(float)
    u11 = b[0] + b[1] * x1
    u14 = b[2] + b[3] * x2
    u24 = b[4] + b[5] * z + b[6] * x3
    draw = rng.standard_normal if link == "probit" else rng.logistic
    if errors == "agent":
        # agent error: a shock on each action's expected utility, for each player
        fight = u24 + draw(size=n) > 0 + draw(size=n)
        p4 = (stats.norm if link == "probit" else stats.logistic).cdf(u24 / np.sqrt(2))
        # the challenger's expected utility of challenging uses the defender's choice probabilities
        challenge = p4 * u14 + (1 - p4) * 0 + draw(size=n) > u11 + draw(size=n)
    else:
        # private information: a shock on each outcome's utility, known only to its owner
        pi11, pi13, pi14, pi23, pi24 = rng.standard_normal((5, n))
        fight = u24 + pi24 > 0 + pi23
        p4 = stats.norm.cdf(u24 / np.sqrt(2))
        challenge = (1 - p4) * (0 + pi13) + p4 * (u14 + pi14) > u11 + pi11
    y = np.where(challenge, np.where(fight, 4, 3), 1)
    one = np.ones(n)
    return y, np.column_stack([one, x1]), np.zeros((n, 0)), np.column_stack([one, x2]), np.column_stack([one, z, x3])


def _direct_outcome_probabilities(b, X11, X13, X14, X24, link, errors):
    """The tree solved by hand from Kenkel and Signorino (2014), eqs. for egame12."""
    F = stats.norm.cdf if link == "probit" else stats.logistic.cdf
    k = np.cumsum([0, X11.shape[1], X13.shape[1], X14.shape[1], X24.shape[1]])
    u11, u13, u14, u24 = (X @ b[k[j]:k[j + 1]] for j, X in enumerate((X11, X13, X14, X24)))
    p4 = F(u24 / np.sqrt(2))
    p3 = 1 - p4
    scale = np.sqrt(2) if errors == "agent" else np.sqrt(1 + p3 ** 2 + p4 ** 2)
    p2 = F((p3 * u13 + p4 * u14 - u11) / scale)
    return np.column_stack([1 - p2, p2 * p3, p2 * p4])


@pytest.fixture(scope="module")
def war():
    return pd.read_csv(DATA / "war1800.csv")


@pytest.fixture(scope="module")
def simdata():
    return pd.read_csv(DATA / "strategic_sim.csv")


@pytest.mark.parametrize("link, errors", MODELS)
def test_likelihood_equals_direct_computation(link, errors):
    rng = np.random.default_rng(1)
    y, *X = _simulate(rng, 300, [0.3, 1.0, -0.5, 0.8, 0.3, -1.0, 0.7])
    X13 = rng.standard_normal((300, 1))  # give u13 a regressor too
    X = [X[0], X13, X[2], X[3]]
    b = rng.normal(0, 0.8, size=sum(x.shape[1] for x in X))
    design = strategic_core.Design.build(y, X)
    P = _direct_outcome_probabilities(b, *X, link, errors)
    expected = np.log(P[np.arange(300), np.searchsorted([1, 3, 4], y)])
    np.testing.assert_allclose(strategic_core.loglik_obs(b, design, link, errors), expected, rtol=1e-12)
    assert strategic_core.loglik_and_grad(b, design, link, errors)[0] == pytest.approx(expected.sum(), rel=1e-12)
    # and at the fitted coefficients, through the public result
    fit = strategic_deterrence(y, *X, link=link, errors=errors)
    Pf = _direct_outcome_probabilities(fit.coef, *X, link, errors)
    np.testing.assert_allclose(fit.predict(), Pf, rtol=1e-12)
    assert fit.log_likelihood == pytest.approx(np.log(Pf[np.arange(300), np.searchsorted([1, 3, 4], y)]).sum(),
                                               rel=1e-12)


@pytest.mark.parametrize("link, errors", MODELS)
def test_analytic_gradient_equals_finite_differences(link, errors):
    rng = np.random.default_rng(2)
    y, X11, _, X14, X24 = _simulate(rng, 400, [0.3, 1.0, -0.5, 0.8, 0.3, -1.0, 0.7])
    X = [X11, rng.standard_normal((400, 2)), X14, X24]
    design = strategic_core.Design.build(y, X)
    for b in rng.normal(0, 1.0, size=(3, design.n_coef)):
        _, grad = strategic_core.loglik_and_grad(b, design, link, errors)
        h = 1e-6
        fd = np.array([(strategic_core.loglik_and_grad(b + h * e, design, link, errors)[0]
                        - strategic_core.loglik_and_grad(b - h * e, design, link, errors)[0]) / (2 * h)
                       for e in np.eye(b.size)])
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-5)
        np.testing.assert_allclose(strategic_core.scores(b, design, link, errors).sum(axis=0), grad, rtol=1e-12)


@pytest.mark.parametrize("link", ["probit", "logit"])
def test_defender_alone_is_a_probit_or_logit(war, link):
    """Only challenged cases and only X24: the challenger's choice carries no information
    (p2 = 1/2), so b24 = sqrt(2) x (the binary probit/logit of war on X24) and the log-likelihood
    is the binary one plus n log(1/2)."""
    import statsmodels.api as sm

    d = war[war.esc == 1].dropna(subset=["regime2"])
    Z = np.column_stack([np.ones(len(d)), d.balanc, d.regime2 == "dem", d.regime2 == "mixed"]).astype(float)
    y = np.where(d.war == 1, 4, 3)
    fit = strategic_deterrence(y, None, None, None, Z, link=link)
    ref = (sm.Probit if link == "probit" else sm.Logit)(d.war.to_numpy(float), Z).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(fit.coef, np.sqrt(2) * ref.params, rtol=1e-6)
    np.testing.assert_allclose(fit.se, np.sqrt(2) * ref.bse, rtol=1e-4)
    assert fit.log_likelihood == pytest.approx(ref.llf + len(d) * np.log(0.5), abs=1e-8)


@pytest.mark.parametrize("errors", ["agent", "private"])
def test_parameter_recovery_coverage(errors):
    """100 simulated data sets (n = 800) from known coefficients: each coefficient's 95% Wald
    interval covers the truth in 88..99 of them.  Under the nominal rate the count is
    Binomial(100, 0.95); P(count <= 87) = 0.003 and P(count = 100) = 0.006, so the bounds hold
    with probability ~0.99 per coefficient and a miscalibrated interval (coverage 0.85, say, or
    SEs twice too large, coverage ~1) falls outside them."""
    truth = np.array([0.3, 1.0, -0.5, 0.8, 0.3, -1.0, 0.7])
    ss = np.random.SeedSequence(2014)
    covered = np.zeros(truth.size, int)
    for child in ss.spawn(100):
        y, *X = _simulate(np.random.default_rng(child), 800, truth, errors=errors)
        fit = strategic_deterrence(y, *X, errors=errors)
        assert fit.converged
        covered += np.abs(fit.coef - truth) <= 1.959964 * fit.se
    assert np.all((covered >= 88) & (covered <= 99)), covered


@pytest.mark.parametrize("link, errors", MODELS)
@pytest.mark.parametrize("dataset", ["war1800", "sim"])
def test_matches_r_games_egame12(dataset, link, errors, war, simdata):
    ref = _reference(f"{dataset}_{link}_{errors}")
    data, formula = (war, WAR_FORMULA) if dataset == "war1800" else (simdata, SIM_FORMULA)
    fit = strategic_deterrence_formula(data, formula, link=link, errors=errors)
    assert fit.n == ref["n"]
    assert [n.split(":", 1)[1] for n in fit.names] == [n.split(":", 1)[1] for n in ref["coef_names"]]
    np.testing.assert_allclose(fit.coef, ref["coef"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(fit.se, ref["se"], rtol=1e-4)
    assert fit.log_likelihood == pytest.approx(ref["log_likelihood"], abs=1e-6)
    np.testing.assert_allclose(fit.predict()[0], ref["predicted_first"], rtol=1e-5)


def test_r_reference_reproduces_the_published_leblang_fit():
    """The R pipeline that made the reference (games 1.1.2 installed from its repository)
    reproduces Kenkel and Signorino (2014), Table 1 (Leblang 2003, private information, n = 7240)
    to the printed digits; the data themselves are not shipped (see tests/data/README.md)."""
    pub, ref = REFERENCE["published_leb1"], _reference("leblang2003_probit_private")
    assert ref["n"] == pub["n"] == 7240
    np.testing.assert_allclose(ref["coef"], pub["coef"], atol=1.5e-4)
    assert ref["log_likelihood"] == pytest.approx(pub["log_likelihood"], abs=1e-4)


def test_formula_and_arrays_agree(war):
    d = war.dropna()
    fit = strategic_deterrence_formula(d, WAR_FORMULA)
    one = np.ones(len(d))
    X11 = pd.DataFrame({"(Intercept)": one, "s_wt_re1": d.s_wt_re1, "revis1": d.revis1})
    X14 = np.column_stack([one, d.regime1 == "dem", d.regime1 == "mixed"]).astype(float)
    X24 = np.column_stack([one, d.balanc, d.regime2 == "dem", d.regime2 == "mixed"]).astype(float)
    y = np.where(d.esc == 0, 1, np.where(d.war == 1, 4, 3))
    arrays = strategic_deterrence(y, X11, np.zeros((len(d), 0)), X14, X24)
    np.testing.assert_allclose(arrays.coef, fit.coef, rtol=1e-8)
    assert arrays.names[:3] == ("u11:(Intercept)", "u11:s_wt_re1", "u11:revis1")
    assert arrays.names[3] == "u14:x0"


def test_result_table_predict_information_criteria(simdata):
    fit = strategic_deterrence_formula(simdata, SIM_FORMULA)
    table = fit.table()
    assert list(table.columns) == ["term", "utility", "estimate", "se", "z", "p", "ci_low", "ci_high"]
    assert list(table.utility) == ["u11", "u11", "u14", "u14", "u24", "u24", "u24"]
    np.testing.assert_allclose(table.ci_high - table.ci_low, 2 * 1.959964 * fit.se, rtol=1e-6)
    assert fit.aic == pytest.approx(2 * 7 - 2 * fit.log_likelihood)
    assert fit.bic == pytest.approx(7 * np.log(1000) - 2 * fit.log_likelihood)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), fit.se)
    # new covariate values: a strong defender (u24 high) makes war the likelier answer to a challenge
    new = fit.predict(np.array([[1.0, 0.0]] * 2), np.zeros((2, 0)), np.array([[1.0, 0.0]] * 2),
                      np.array([[1.0, 0.0, -2.0], [1.0, 0.0, 2.0]]))
    assert new.shape == (2, 3)
    np.testing.assert_allclose(new.sum(axis=1), 1.0)
    assert new[1, 2] / new[1].sum() > new[0, 2] and new[1, 2] / (new[1, 1] + new[1, 2]) > 0.5
    assert isinstance(sim.StrategicFit, type) and sim.strategic_deterrence is strategic_deterrence


def test_bootstrap_is_reproducible_and_near_the_wald_errors(simdata):
    fit = strategic_deterrence_formula(simdata, SIM_FORMULA)
    a, b = fit.bootstrap(60, seed=7), fit.bootstrap(60, seed=7)
    np.testing.assert_array_equal(a.draws, b.draws)
    assert a.draws.shape == (60 - a.n_failed, 7) and a.n_failed <= 2
    assert np.all(a.lower < fit.coef) and np.all(fit.coef < a.upper)
    # with n = 1000 the bootstrap and Hessian standard errors agree within sampling error of 60 draws
    assert np.all(np.abs(a.se / fit.se - 1) < 0.35), a.se / fit.se
    assert not np.array_equal(fit.bootstrap(5, seed=8).draws, a.draws[:5])


@pytest.mark.parametrize("kwargs, field", [
    ({"y": [1, 2, 3, 4]}, "y"),
    ({"X13": np.ones((3, 1))}, "X13"),
    ({"link": "cauchit"}, "link"),
    ({"errors": "public"}, "errors"),
    ({"link": "logit", "errors": "private"}, "link"),
    ({"X11": [[1.0, np.nan]] * 4}, "X11"),
])
def test_bad_input_is_one_line_config_error(kwargs, field):
    rng = np.random.default_rng(3)
    args = {"y": [1, 3, 4, 1], "X11": rng.standard_normal((4, 1)), "X13": None, "X14": None,
            "X24": rng.standard_normal((4, 1))}
    args.update(kwargs)
    with pytest.raises(ConfigError) as err:
        strategic_deterrence(args.pop("y"), args.pop("X11"), args.pop("X13"), args.pop("X14"), args.pop("X24"),
                             **args)
    assert err.value.field == field and "\n" not in str(err.value)


def test_unidentified_models_are_refused(war):
    n = 50
    one = np.ones((n, 1))
    y = np.tile([1, 3, 4, 1, 4], 10)
    with pytest.raises(ConfigError, match="all three"):
        strategic_deterrence(y, one, one, one, one)
    with pytest.raises(ConfigError, match="linearly dependent"):
        strategic_deterrence(y, np.column_stack([one, 2 * one]), None, None, one)
    with pytest.raises(ConfigError, match="not in the data"):
        strategic_deterrence_formula(war, "esc + war ~ nope | 0 | 1 | 1")
    with pytest.raises(ConfigError, match="four equations"):
        strategic_deterrence_formula(war, "esc + war ~ s_wt_re1 | 0 | 1")
