"""Tests for sim.crisis.bargaining (tying-hands crisis bargaining, PBE) and its figure.

The brute-force checker below is written from the game tree alone (terminal payoffs,
sequential rationality, Bayes' rule) and shares no formula with the module.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.optimize import brentq

from sim.crisis.bargaining import (COMMITTED, POOLING_DETERRED, SEMI_SEPARATING, SEPARATING, PARAMS, tying_hands,
                            tying_hands_curve, tying_hands_from_params)
from sim.errors import ConfigError
from sim.viz.bargaining import tying_hands_figure

TOL = 1e-9


# --------------------------------------------------------------------- independent game tree
def terminal(prm, t, threat, press=0, fight=0):
    """(Defender, Challenger) payoffs at a terminal node of the game tree; t in 'RU'."""
    if not threat:
        return 0.0, 1.0                                    # quiet: Challenger takes the stake
    if not press:
        return 1.0, 0.0                                    # Challenger backs down
    if fight:
        w = prm["war_value_resolved"] if t == "R" else prm["war_value_unresolved"]
        return w, prm["challenger_war"]                    # war
    return -prm["audience_cost"], 1.0                      # Defender backs down, pays audience cost


def press_minus_back(prm, mu, f):
    """Challenger's gain from pressing rather than backing down, belief mu, fight probs f."""
    def pressed(t):
        return f[t] * terminal(prm, t, 1, 1, 1)[1] + (1 - f[t]) * terminal(prm, t, 1, 1, 0)[1]
    return mu * pressed("R") + (1 - mu) * pressed("U") - terminal(prm, "R", 1, 0)[1]


def threat_gain(prm, t, r, ft):
    """Type t's payoff from threatening minus staying quiet, press prob r, own fight prob ft."""
    after = ft * terminal(prm, t, 1, 1, 1)[0] + (1 - ft) * terminal(prm, t, 1, 1, 0)[0]
    return (1 - r) * terminal(prm, t, 1, 0)[0] + r * after - terminal(prm, t, 0)[0]


def fight_gain(prm, t):
    return terminal(prm, t, 1, 1, 1)[0] - terminal(prm, t, 1, 1, 0)[0]


def mixed_ok(prob, gain, tol=TOL):
    """A probability of taking an action is a best response to its gain over the alternative."""
    return (prob <= tol or gain >= -tol) and (prob >= 1 - tol or gain <= tol)


def is_pbe(prm, q, r, f, tol=TOL):
    """q, f: dicts by type; r: press prob.  Sequential rationality + Bayes (or some off-path belief)."""
    p = prm["prior"]
    for t in "RU":
        if not mixed_ok(f[t], fight_gain(prm, t), tol) or not mixed_ok(q[t], threat_gain(prm, t, r, f[t]), tol):
            return False
    mass = p * q["R"] + (1 - p) * q["U"]
    beliefs = [p * q["R"] / mass] if mass > 0 else np.linspace(0, 1, 2001)
    return any(mixed_ok(r, press_minus_back(prm, mu, f), tol) for mu in beliefs)


def enumerate_pbe(prm):
    """All PBE at a generic point (no indifference except where an equilibrium needs it)."""
    p, found = prm["prior"], []
    for fR, fU in itertools.product([0.0, 1.0], repeat=2):
        f = {"R": fR, "U": fU}
        if not (mixed_ok(fR, fight_gain(prm, "R")) and mixed_ok(fU, fight_gain(prm, "U"))):
            continue
        rs = {0.0, 1.0}
        for t in "RU":
            g0, g1 = threat_gain(prm, t, 0, f[t]), threat_gain(prm, t, 1, f[t])
            if g0 * g1 < 0:
                rs.add(brentq(lambda r: threat_gain(prm, t, r, f[t]), 0, 1, xtol=1e-14))
        rs |= set(np.linspace(0, 1, 201))                 # off-path mixtures
        for r in sorted(rs):
            indiff = [t for t in "RU" if abs(threat_gain(prm, t, r, f[t])) < 1e-9]
            if not indiff:                                # both types strict: pure q
                q = {t: float(threat_gain(prm, t, r, f[t]) > 0) for t in "RU"}
                if is_pbe(prm, q, r, f):
                    found.append((q["R"], q["U"], r, fR, fU))
            elif len(indiff) == 1:                        # one type mixes: Bayes pins its q
                t = indiff[0]
                o = "U" if t == "R" else "R"
                qo = float(threat_gain(prm, o, r, f[o]) > 0)

                def post(qt):
                    qR, qU = (qt, qo) if t == "R" else (qo, qt)
                    return p * qR / (p * qR + (1 - p) * qU)
                if 0 < r < 1:
                    g = lambda qt: press_minus_back(prm, post(qt), f)  # noqa: E731
                    lo, hi = 1e-12, 1 - 1e-12
                    if g(lo) * g(hi) < 0:
                        qt = brentq(g, lo, hi, xtol=1e-14)
                        q = {t: qt, o: qo}
                        if is_pbe(prm, q, r, f, tol=1e-7):
                            found.append((q["R"], q["U"], r, fR, fU))
                else:
                    for qt in np.linspace(0, 1, 101)[1:-1]:
                        q = {t: qt, o: qo}
                        if is_pbe(prm, q, r, f):
                            found.append((q["R"], q["U"], r, fR, fU))
    return found


def outcome_by_tree(prm, q, r, f):
    """Probabilities and expected payoffs by walking the tree (type, threat, press, fight)."""
    p, out = prm["prior"], dict.fromkeys(["p_threat", "p_war", "p_challenger_backs_down", "p_bluff_called",
                                          "payoff_resolved", "payoff_unresolved", "payoff_challenger"], 0.0)
    for t, pt in (("R", p), ("U", 1 - p)):
        for th, p1 in ((1, q[t]), (0, 1 - q[t])):
            for pr, p2 in (((1, r), (0, 1 - r)) if th else ((0, 1.0),)):
                for fi, p3 in (((1, f[t]), (0, 1 - f[t])) if pr else ((0, 1.0),)):
                    w = p1 * p2 * p3
                    ud, uc = terminal(prm, t, th, pr, fi)
                    out["payoff_resolved" if t == "R" else "payoff_unresolved"] += w * ud
                    out["payoff_challenger"] += pt * w * uc
                    out["p_threat"] += pt * w * th
                    out["p_war"] += pt * w * (pr and fi)
                    out["p_challenger_backs_down"] += pt * w * (th and not pr)
                    out["p_bluff_called"] += pt * w * (t == "U" and pr and not fi)
    out["payoff_defender"] = p * out["payoff_resolved"] + (1 - p) * out["payoff_unresolved"]
    return out


def params_at(res, idx):
    return {k: float(getattr(res, k)[idx]) for k in PARAMS}


def eq_at(res, idx, slot):
    return ({"R": 1.0, "U": float(res.bluff[idx + (slot,)])}, float(res.press[idx + (slot,)]),
            {"R": 1.0, "U": float(res.fight_unresolved[idx + (slot,)])})


def random_params(rng, n):
    return dict(prior=rng.uniform(0, 1, n), audience_cost=rng.uniform(0, 3, n),
                war_value_resolved=rng.uniform(0.01, 2, n), war_value_unresolved=rng.uniform(-2, -0.01, n),
                challenger_war=np.where(rng.uniform(size=n) < 0.75, rng.uniform(-4, -0.01, n), rng.uniform(0.01, 0.99, n)))


# --------------------------------------------------------------------- closed forms by hand
def test_semi_separating_by_hand():
    # p=.3, a=.5, w_R=.5, w_U=-1, c_w=-1.  Cutoff mu* = 1/(1-(-1)) = 1/2; a* = 1 > a.
    # Challenger indifferent: mu*(-1) + (1-mu*)(1) = 0.  Bayes: .3/(.3+.7q) = 1/2 -> q = 3/7.
    # Unresolved indifferent: (1-r)*1 + r*(-.5) = 0 -> r = 1/1.5 = 2/3.
    res = tying_hands(0.3, 0.5, 0.5, -1.0, -1.0)
    assert res.primary("code") == SEMI_SEPARATING and not res.tie and res.n_equilibria == 1
    assert res.primary("bluff") == pytest.approx(3 / 7)
    assert res.primary("press") == pytest.approx(2 / 3)
    assert res.cutoff == pytest.approx(0.5) and res.primary("posterior") == pytest.approx(0.5)
    assert res.primary("p_threat") == pytest.approx(0.3 + 0.7 * 3 / 7)       # = 0.6
    assert res.primary("p_war") == pytest.approx(0.3 * 2 / 3)                 # resolved pressed: 0.2
    assert res.primary("p_challenger_backs_down") == pytest.approx(0.6 / 3)   # 0.2
    assert res.primary("p_bluff_called") == pytest.approx(0.7 * 3 / 7 * 2 / 3)
    assert res.primary("payoff_resolved") == pytest.approx(1 / 3 + 2 / 3 * 0.5)   # 2/3
    assert res.primary("payoff_unresolved") == pytest.approx(0.0)
    assert res.primary("payoff_defender") == pytest.approx(0.3 * 2 / 3)
    # Challenger: quiet .7*(4/7)=.4 -> 1; resolved pressed -> -1 (.3*2/3); bluff called -> 1 (.2)
    assert res.primary("payoff_challenger") == pytest.approx(0.4 - 0.2 + 0.2)
    assert not res.valid[..., 1] and np.isnan(res.bluff[..., 1])


def test_second_semi_separating_point_by_hand():
    # p=.1, a=.25, w_U=-.5 (a*=.5), c_w=-3: mu* = 1/4; q = .1*.75/(.9*.25) = 1/3; r = 1/1.25 = .8
    res = tying_hands(0.1, 0.25, 1.0, -0.5, -3.0)
    assert res.primary("bluff") == pytest.approx(1 / 3) and res.primary("press") == pytest.approx(0.8)
    assert res.primary("p_war") == pytest.approx(0.08) and res.primary("p_threat") == pytest.approx(0.4)
    assert res.primary("posterior") == pytest.approx(0.25)


def test_pooling_committed_and_separating_by_hand():
    # p=.6 > mu*=.5: a threat from everyone leaves belief .6, pressing yields .6(-1)+.4 < 0.
    pool = tying_hands(0.6, 0.5, 0.5, -1.0, -1.0)
    assert pool.primary("code") == POOLING_DETERRED
    assert (pool.primary("bluff"), pool.primary("press"), pool.primary("p_war")) == (1.0, 0.0, 0.0)
    assert pool.primary("payoff_defender") == 1.0 and pool.primary("payoff_challenger") == 0.0
    # a=2 > a*=1: the unresolved type fights (-1 > -2); pressing always meets war (-1 < 0).
    com = tying_hands(0.2, 2.0, 0.5, -1.0, -1.0)
    assert com.primary("code") == COMMITTED and com.primary("fight_unresolved") == 1.0
    assert com.primary("p_war") == 0.0 and com.primary("p_bluff_called") == 0.0
    # c_w=.5 > 0: Challenger presses whatever it believes; bluffing costs a=.5 -> only resolved threatens.
    sep = tying_hands(0.4, 0.5, 0.5, -1.0, 0.5)
    assert sep.primary("code") == SEPARATING and sep.primary("posterior") == 1.0
    assert sep.primary("p_war") == pytest.approx(0.4)
    assert sep.primary("payoff_challenger") == pytest.approx(0.6 * 1 + 0.4 * 0.5)


# --------------------------------------------------------------------- brute force PBE
def test_random_points_every_reported_equilibrium_is_the_unique_pbe():
    rng = np.random.default_rng(np.random.SeedSequence(20260001))
    res = tying_hands(**random_params(rng, 60))
    assert not np.any(res.tie)
    assert set(res.primary("code")) == {SEPARATING, SEMI_SEPARATING, POOLING_DETERRED, COMMITTED}
    for i in range(60):
        prm = params_at(res, (i,))
        q, r, f = eq_at(res, (i,), 0)
        assert is_pbe(prm, q, r, f, tol=1e-9), prm
        for k, v in outcome_by_tree(prm, q, r, f).items():
            assert getattr(res, k)[i, 0] == pytest.approx(v, abs=1e-12), k
        found = enumerate_pbe(prm)
        assert len(found) == 1, (prm, found)
        qR, qU, rf, fR, fU = found[0]
        assert (qR, fR) == (1.0, 1.0)
        assert qU == pytest.approx(q["U"], abs=1e-8) and rf == pytest.approx(r, abs=1e-8) and fU == f["U"]


def test_knife_edges_report_valid_equilibria():
    # audience cost at the commitment threshold, c_w = 0, a = 0, p = mu*, p = 0, p = 1 and combinations
    p = np.array([0.0, 0.25, 0.5, 0.7, 1.0])[:, None, None]
    a = np.array([0.0, 0.3, 1.0, 1.5])[None, :, None]
    cw = np.array([-3.0, -1.0, 0.0, 0.5])[None, None, :]
    res = tying_hands(prior=p, audience_cost=a, war_value_resolved=0.4, war_value_unresolved=-1.0, challenger_war=cw)
    assert res.shape == (5, 4, 4)
    for idx in np.ndindex(res.shape):
        prm = params_at(res, idx)
        for slot in range(2):
            if res.valid[idx + (slot,)]:
                assert is_pbe(prm, *eq_at(res, idx, slot), tol=1e-12), (prm, slot)
                for k, v in outcome_by_tree(prm, *eq_at(res, idx, slot)).items():
                    assert getattr(res, k)[idx + (slot,)] == pytest.approx(v, abs=1e-12), (prm, slot, k)
        knife = prm["audience_cost"] == 1.0 \
            or (prm["audience_cost"] == 0 and (prm["challenger_war"] > 0 or prm["prior"] < res.cutoff[idx])) \
            or prm["challenger_war"] == 0 or (prm["prior"] == res.cutoff[idx] and prm["audience_cost"] < 1) \
            or (prm["prior"] == 0 and prm["challenger_war"] < 0 and 0 < prm["audience_cost"] < 1)
        assert bool(res.tie[idx]) == knife, prm
        if res.tie[idx]:   # two distinct equilibria
            e0, e1 = eq_at(res, idx, 0), eq_at(res, idx, 1)
            assert e0 != e1
        else:              # boundary priors p in {0, 1} included: still a unique PBE
            found = enumerate_pbe(prm)
            q, r, f = eq_at(res, idx, 0)
            assert len(found) == 1 and found[0][1:] == pytest.approx((q["U"], r, 1.0, f["U"])), (prm, found)


# --------------------------------------------------------------------- comparative statics
def test_audience_costs_make_threats_credible():
    # Fearon 1994 (APSR 88(3), abstract): "the side with a stronger domestic audience ... is always
    # less likely to back down"; Fearon 1997 (JCR 41(1), abstract): leaders "do not incur or create
    # costs and then fail to respond if challenged" (here: once a > a*, no bluff is ever called)
    # and "leaders do better on average by tying hands" (here: the Defender's ex-ante payoff
    # does not fall as its audience cost grows).
    a = np.linspace(0, 3, 301)
    for p, cw in [(0.1, -1.0), (0.3, -0.5), (0.45, -1.0), (0.2, -4.0)]:
        r = tying_hands(prior=p, audience_cost=a, war_value_unresolved=-1.2, challenger_war=cw)
        backs = r.primary("p_bluff_called") / r.primary("p_threat")       # P(Defender backs down | threat)
        assert np.all(np.diff(backs) <= 1e-12)
        assert np.all(np.diff(r.primary("press")) <= 1e-12)
        assert np.all(np.diff(r.primary("p_war")) <= 1e-12)
        assert np.all(np.diff(r.primary("payoff_defender")) >= -1e-12)
        assert np.all(backs[a > 1.2] == 0) and np.all(r.primary("p_war")[a > 1.2] == 0)


def test_prior_raises_deterrence_and_threats_raise_beliefs():
    p = np.linspace(0.001, 0.999, 300)
    r = tying_hands(prior=p, audience_cost=0.4, challenger_war=-2.0)
    assert np.all(np.diff(r.primary("p_challenger_backs_down")) >= -1e-12)
    assert np.all(r.primary("posterior") >= p - 1e-12)
    # the semi-separating equilibrium leaves the unresolved type indifferent (payoff of quiet, 0)
    semi = r.primary("code") == SEMI_SEPARATING
    assert semi.any() and np.allclose(r.primary("payoff_unresolved")[semi], 0.0)


# --------------------------------------------------------------------- limits
def test_limits_in_the_prior():
    near1 = tying_hands(prior=1 - 1e-9, audience_cost=0.5)
    assert near1.primary("press") == 0 and near1.primary("p_war") == 0
    small = tying_hands(prior=np.array([1e-3, 1e-6, 1e-9]), audience_cost=0.5)
    assert np.all(np.diff(small.primary("p_threat")) < 0) and small.primary("p_war")[-1] < 1e-8
    assert small.primary("bluff")[-1] < 1e-8


def test_cheap_talk_is_uninformative():
    # a = 0: a threat costs nothing even when called, so it cannot separate (cheap talk,
    # Crawford-Sobel logic): no separating PBE; the Challenger presses as it would at the prior.
    for p in (0.1, 0.3, 0.45):
        prm = dict(prior=p, audience_cost=0.0, war_value_resolved=0.5, war_value_unresolved=-1.0, challenger_war=-1.0)
        res = tying_hands(**prm)
        assert res.tie and np.all(res.code[res.valid] != SEPARATING)
        assert np.all(res.press[res.valid] == 1.0)                # presses as at the prior (p < mu* = .5)
        assert np.allclose(res.p_war[res.valid], p)               # the outcome without any talk
        assert not is_pbe(prm, {"R": 1.0, "U": 0.0}, 0.0, {"R": 1.0, "U": 0.0})   # separating fails


def test_large_audience_cost_commits():
    res = tying_hands(prior=np.linspace(0, 1, 11), audience_cost=50.0)
    assert np.all(res.primary("code") == COMMITTED) and np.all(res.primary("p_war") == 0)
    assert np.all(res.primary("p_threat") == 1)


# --------------------------------------------------------------------- Monte Carlo
@pytest.mark.parametrize("prm", [dict(), dict(prior=0.6), dict(prior=0.2, audience_cost=2.0),
                                 dict(prior=0.4, challenger_war=0.5), dict(prior=0.15, audience_cost=0.1,
                                                                           challenger_war=-3.0)])
def test_monte_carlo_matches_closed_form(prm):
    res = tying_hands(**prm)
    q, r, f = (float(res.primary(k)) for k in ("bluff", "press", "fight_unresolved"))
    p = float(res.prior)
    n = 200_000
    rng = np.random.default_rng(np.random.SeedSequence([7, int(1e6 * p), n]))
    resolved = rng.random(n) < p
    threat = resolved | (rng.random(n) < q)
    pressed = threat & (rng.random(n) < r)
    war = pressed & (resolved | (rng.random(n) < f))
    for sample, exact in ((threat, res.primary("p_threat")), (war, res.primary("p_war"))):
        se = np.sqrt(max(exact * (1 - exact), 1e-12) / n)
        assert abs(sample.mean() - exact) <= 4 * se + 1e-12


# --------------------------------------------------------------------- arrays and validation
def test_broadcasting_matches_pointwise_calls():
    p = np.array([0.1, 0.4, 0.8])[:, None]
    a = np.array([0.0, 0.5, 1.0, 2.0])
    res = tying_hands(prior=p, audience_cost=a, challenger_war=-1.5)
    assert res.shape == (3, 4) and res.bluff.shape == (3, 4, 2) and res.tie.shape == (3, 4)
    for i, j in np.ndindex(3, 4):
        one = tying_hands(prior=p[i, 0], audience_cost=a[j], challenger_war=-1.5)
        np.testing.assert_array_equal(res.code[i, j], one.code)
        np.testing.assert_allclose(res.p_war[i, j], one.p_war)


@pytest.mark.parametrize("kw, field", [
    (dict(prior=1.5), "tying_hands.prior"), (dict(prior=-0.1), "tying_hands.prior"),
    (dict(audience_cost=float("nan")), "tying_hands.audience_cost"), (dict(audience_cost=-1), "tying_hands.audience_cost"),
    (dict(war_value_resolved=0.0), "tying_hands.war_value_resolved"),
    (dict(war_value_unresolved=0.2), "tying_hands.war_value_unresolved"),
    (dict(challenger_war=1.0), "tying_hands.challenger_war"), (dict(prior=[[0.1], [0.2, 0.3]]), "tying_hands.prior"),
    (dict(prior=[0.1, 0.2, 0.3], audience_cost=[1.0, 2.0]), "tying_hands"),
])
def test_validation_errors(kw, field):
    with pytest.raises(ConfigError) as e:
        tying_hands(**kw)
    assert e.value.field == field and "\n" not in str(e.value)


def test_params_mapping_interface():
    res = tying_hands_from_params({"prior": 0.3, "audience_cost": 0.5})
    assert res.primary("bluff") == pytest.approx(3 / 7)
    assert tying_hands_from_params(None).primary("press") == pytest.approx(2 / 3)   # the documented defaults
    with pytest.raises(ConfigError) as e:
        tying_hands_from_params({"priors": 0.3})
    assert e.value.field == "tying_hands.priors" and "prior" in e.value.message


# --------------------------------------------------------------------- curve and figure
def test_curve_and_figure():
    c = tying_hands_curve()
    assert c.name == "audience_cost" and np.any(c.values == 1.0) and c.result.shape == c.values.shape
    assert set(np.unique(c.result.primary("code"))) == {SEMI_SEPARATING, COMMITTED}
    cp = tying_hands_curve("prior", audience_cost=0.5)
    assert np.any(cp.values == 0.5) and cp.values.max() == 1.0
    for curve in (c, cp, tying_hands_curve(values=[0, 0.5, 2.0], challenger_war=0.3)):
        fig = tying_hands_figure(curve)
        assert isinstance(fig, Figure)
        FigureCanvasAgg(fig).draw()
        assert fig.axes[0].get_legend() is not None
    with pytest.raises(ConfigError):
        tying_hands_curve("prior", prior=0.3)
    with pytest.raises(ConfigError):
        tying_hands_curve("war_value_resolved")
