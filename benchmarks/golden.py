"""Golden outputs: a fixed set of public calls whose numbers are frozen bit for bit.

``compute()`` runs a broad, fixed selection of the public API (the names exported by the
top-level ``sim`` package, plus a few documented submodule functions listed in one
place below) and flattens every result into named numpy arrays of numbers or booleans
(strings are skipped).  ``tests/data/golden.npz`` stores them; ``tests/test_golden.py``
checks that today's code reproduces them exactly (same keys, dtypes, shapes and bits).

Its purpose: prove that a refactor which moves modules and unifies settings changes no
number.  When a module moves, re-point its entry in ``SUBMODULE_API`` (and nothing else).

Usage::

    PYTHONPATH=. python benchmarks/golden.py            # compare with tests/data/golden.npz
    PYTHONPATH=. python benchmarks/golden.py --write    # (re)write tests/data/golden.npz

Everything random is seeded (``simulate``/``grid_sweep`` seeds, ``numpy.random.default_rng``
with fixed seeds for the random test games); the Monte-Carlo engine gives the same numbers
for any number of threads.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden.npz"
if str(ROOT) not in sys.path:  # so `python benchmarks/golden.py` works without PYTHONPATH too
    sys.path.insert(0, str(ROOT))

import sim  # noqa: E402

# =========================================================================== submodule entry points
# Functions that the top-level ``sim`` package does not export.  Each entry is
# key -> (module path, attribute).  RE-POINT HERE when modules move (e.g. "sim.equilibria.logit_qre" ->
# "sim.equilibria.qre"); nothing else in this file names a submodule.
SUBMODULE_API = {
    "qre": ("sim.equilibria", "qre"),
    "qre_trace": ("sim.equilibria", "trace"),
    "qre_2x2_all": ("sim.equilibria", "qre_2x2_all"),
    "product_chain": ("sim.repeated", "product_chain"),
    "cross_check": ("sim.equilibria", "cross_check"),
    "risk_dominance_2x2": ("sim.equilibria", "risk_dominance_2x2"),
    "iterated_dominance": ("sim.equilibria", "iterated_dominance"),
    "is_degenerate": ("sim.equilibria", "is_degenerate"),
    "pareto_undominated": ("sim.equilibria", "pareto_undominated"),
    "is_ess": ("sim.repeated", "is_ess"),
    "ladder_war_probability": ("sim.games", "ladder_war_probability"),
    "tying_hands_curve": ("sim.crisis", "tying_hands_curve"),
    "book_payoffs": ("sim.crisis", "book_payoffs"),
    "attrition_hazard": ("sim.crisis", "attrition_hazard"),
    "simulate_attrition": ("sim.crisis", "simulate_attrition"),
    "equilibrium_map": ("sim.sweeps", "equilibrium_map"),
    # config -> built objects (the scenario section)
    "validate_run": ("sim.config", "validate_run"),
    "build_game": ("sim.config", "build_game"),
    "load_strategy": ("sim.repeated.strategies", "load"),
    "payoff_matrices": ("sim.games", "payoff_matrices"),
}


def sub(key: str):
    """The submodule function registered as ``key`` in :data:`SUBMODULE_API`."""
    module, attr = SUBMODULE_API[key]
    return getattr(importlib.import_module(module), attr)


# =========================================================================== flattening
def _store(out: dict, key: str, value) -> None:
    """Store one array-like under ``key`` (numbers and booleans only; complex split)."""
    arr = np.asarray(value)
    if arr.dtype.kind in "biuf":
        if key in out:
            raise KeyError(f"duplicate golden key {key!r}")
        out[key] = np.array(arr, copy=True, order="C")
    elif arr.dtype.kind == "c":
        _store(out, key + ".real", arr.real)
        _store(out, key + ".imag", arr.imag)
    # strings, objects: skipped (numbers and booleans only)


def flat(out: dict, prefix: str, obj, skip: tuple = ()) -> None:
    """Flatten ``obj`` into ``out`` under ``prefix``: dataclass fields, mappings, numpy
    arrays, numeric scalars and sequences; strings and ``None`` are skipped."""
    if obj is None or isinstance(obj, (str, bytes)):
        return
    if isinstance(obj, (bool, int, float, complex, np.generic, np.ndarray)):
        _store(out, prefix, obj)
        return
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if f.name not in skip:
                flat(out, f"{prefix}.{f.name}", getattr(obj, f.name))
        return
    if hasattr(obj, "_asdict"):  # NamedTuple
        for k, v in obj._asdict().items():
            if k not in skip:
                flat(out, f"{prefix}.{k}", v)
        return
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if k not in skip:
                flat(out, f"{prefix}.{k}", v)
        return
    if isinstance(obj, (list, tuple)):
        if all(isinstance(v, (bool, int, float, np.generic)) for v in obj):
            _store(out, prefix, np.asarray(obj) if obj else np.zeros(0))
        else:
            for i, v in enumerate(obj):
                flat(out, f"{prefix}.{i}", v)
        return
    # other objects (Tree, Strategy...) are flattened explicitly where needed


def flat_frame(out: dict, prefix: str, df) -> None:
    """Numeric and boolean columns of a DataFrame, plus its row count."""
    _store(out, f"{prefix}.n_rows", len(df))
    for col in df.columns:
        if df[col].dtype.kind in "biuf":
            _store(out, f"{prefix}.{col}", df[col].to_numpy())


def flat_game(out: dict, prefix: str, g) -> None:
    # "A", "B": the one-round normal form (stage payoffs plus the expected war payoff); before the
    # subpackage move Game.A held it directly, now Game.A holds the stage payoffs and
    # sim.games.payoff_matrices gives the normal form (bit for bit the same numbers).
    A, B = sub("payoff_matrices")(g)
    flat(out, f"{prefix}.A", A)
    flat(out, f"{prefix}.B", B)
    for name in ("war_probability", "war_payoff"):
        flat(out, f"{prefix}.{name}", getattr(g, name))


def flat_equilibria(out: dict, prefix: str, eqs, shape: tuple[int, int]) -> None:
    """A list of Equilibrium (x, y, payoffs, is_pure, p_top), with .degenerate/.reduced."""
    n = len(eqs)
    _store(out, f"{prefix}.count", n)
    _store(out, f"{prefix}.x", np.array([e.x for e in eqs], float).reshape(n, shape[0]))
    _store(out, f"{prefix}.y", np.array([e.y for e in eqs], float).reshape(n, shape[1]))
    _store(out, f"{prefix}.payoff_a", np.array([e.payoff_a for e in eqs], float))
    _store(out, f"{prefix}.payoff_b", np.array([e.payoff_b for e in eqs], float))
    _store(out, f"{prefix}.is_pure", np.array([e.is_pure for e in eqs], bool))
    _store(out, f"{prefix}.p_top", np.array([e.p_top for e in eqs], float))
    if getattr(eqs, "degenerate", None) is not None:
        _store(out, f"{prefix}.degenerate", bool(eqs.degenerate))
    for side, kept in zip(("rows", "cols"), getattr(eqs, "reduced", ()) or ()):
        _store(out, f"{prefix}.reduced_{side}", np.asarray(kept))


def flat_strategy(out: dict, prefix: str, s) -> None:
    for name in ("initial", "action", "transition"):
        _store(out, f"{prefix}.{name}", getattr(s, name))


def _matrices(game):
    """The game's one-round normal form (what ``(game.A, game.B)`` was before the move)."""
    return sub("payoff_matrices")(game) if hasattr(game, "A") else game


# =========================================================================== the calls
def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def games(out: dict) -> None:
    """Builders, build() over the registry, from_matrices."""
    flat_game(out, "games.ladder_K2", sim.ladder(K=2))
    flat_game(out, "games.ladder_K5", sim.ladder(K=5))
    flat_game(out, "games.ladder_K4_custom", sim.ladder(K=4, advantage=7.5, damage=3.0, cost=1.25, war_risk=0.45,
                                                        war_cost=60.0, risk_interaction=0.2, risk_exponent=1.5))
    flat_game(out, "games.ladder_K3_batch", sim.ladder(K=3, war_cost=np.linspace(0, 200, 5)[:, None],
                                                       war_risk=np.array([0.1, 0.4, 0.9])))
    flat_game(out, "games.chicken", sim.chicken())
    flat_game(out, "games.chicken_batch", sim.chicken(value=np.array([1.0, 2.0, 3.0]),
                                                      crash_cost=np.array([0.5, 2.0, 9.0])))
    flat_game(out, "games.prisoners_dilemma", sim.prisoners_dilemma())
    flat_game(out, "games.stag_hunt", sim.stag_hunt())
    flat_game(out, "games.deterrence", sim.deterrence())
    flat_game(out, "games.deterrence_custom", sim.deterrence(status_quo=1.0, gain=2.5, challenger_cost=0.5,
                                                             defender_cost=1.5))
    flat_game(out, "games.symmetric", sim.symmetric(R=2.0, S=-1.0, T=4.0, P=0.5))
    A = _rng(11).normal(size=(3, 4))
    B = _rng(12).normal(size=(3, 4))
    flat_game(out, "games.from_matrices_3x4", sim.from_matrices(A, B))
    flat_game(out, "games.from_matrices_symmetric", sim.from_matrices([[1.0, 5.0], [0.0, 3.0]]))
    for name in ("prisoners_dilemma", "security_dilemma", "chicken", "stag_hunt", "deterrence", "ladder", "symmetric"):
        flat_game(out, f"games.build.{name}", sim.build(name))
    flat_game(out, "games.build.ladder_K3", sim.build("ladder", K=3, war_cost=50.0))
    flat_game(out, "games.build.matrix", sim.build("matrix", A=[[1, 2], [3, 4]], B=[[4, 3], [2, 1]]))
    flat(out, "games.ladder_war_probability", sub("ladder_war_probability")(5, 0.3, 0.5, 2.0))
    flat(out, "games.ladder_war_probability_batch",
         sub("ladder_war_probability")(4, np.array([0.1, 0.5]), 0.25, np.array([[1.0], [3.0]])))


def classify(out: dict) -> None:
    for name, g in (("chicken", sim.chicken()), ("pd", sim.prisoners_dilemma()), ("stag_hunt", sim.stag_hunt()),
                    ("deterrence", sim.deterrence()), ("ladder_K2", sim.ladder(K=2))):
        flat(out, f"classify.{name}", sim.games.classify(g))
    A = _rng(21).integers(0, 4, size=(400, 2, 2)).astype(float)
    B = _rng(22).integers(0, 4, size=(400, 2, 2)).astype(float)
    flat(out, "classify.random_int_400", sim.games.classify((A, B)))
    A = _rng(23).normal(size=(20, 10, 2, 2))
    B = _rng(24).normal(size=(20, 10, 2, 2))
    flat(out, "classify.random_normal_20x10", sim.games.classify((A, B)))
    flat(out, "classify.ladder_K2_batch", sim.games.classify(sim.ladder(K=2, war_cost=np.linspace(0, 300, 61),
                                                                 war_risk=np.linspace(0.05, 1, 20)[:, None])))


def equilibria(out: dict) -> None:
    """nash_equilibria (every method), pure_equilibria, nash_2x2 and refinements."""
    rng = _rng(31)
    cases = {
        "chicken": sim.chicken(),
        "stag_hunt": sim.stag_hunt(),
        "pd": sim.prisoners_dilemma(),
        "deterrence": sim.deterrence(),
        "ladder_K3": sim.ladder(K=3),
        "ladder_K5": sim.ladder(K=5, war_cost=20.0, war_risk=0.6),
        "random_3x3": sim.from_matrices(rng.normal(size=(3, 3)), rng.normal(size=(3, 3))),
        "random_4x4": sim.from_matrices(rng.normal(size=(4, 4)), rng.normal(size=(4, 4))),
        "random_3x4": sim.from_matrices(rng.normal(size=(3, 4)), rng.normal(size=(3, 4))),
        "matching_pennies": sim.from_matrices([[1.0, -1.0], [-1.0, 1.0]], [[-1.0, 1.0], [1.0, -1.0]]),
    }
    for name, g in cases.items():
        shape = g.A.shape
        for method in ("support", "vertex", "lemke_howson", "exact"):
            eqs = sim.nash_equilibria(g, method)
            flat_equilibria(out, f"nash_equilibria.{name}.{method}", eqs, shape)
            if method == "support":
                _store(out, f"pareto_undominated.{name}", sub("pareto_undominated")(eqs))
        eqs = sim.nash_equilibria(g, "support", reduce=False)
        flat_equilibria(out, f"nash_equilibria.{name}.support_unreduced", eqs, shape)
        flat(out, f"iterated_dominance.{name}", sub("iterated_dominance")(*_matrices(g)))
        _store(out, f"is_degenerate.{name}", bool(sub("is_degenerate")(*_matrices(g))))
    cc = sub("cross_check")(cases["random_3x3"])
    _store(out, "cross_check.random_3x3.agree", bool(cc["agree"]))
    for m in ("support", "vertex", "exact"):
        flat_equilibria(out, f"cross_check.random_3x3.{m}", cc[m], (3, 3))

    # batched solvers
    lad = sim.ladder(K=5, war_cost=np.linspace(0, 300, 31), war_risk=np.linspace(0.05, 1.0, 11)[:, None])
    _store(out, "pure_equilibria.ladder_K5_batch", sim.pure_equilibria(*_matrices(lad)))
    A = _rng(32).integers(0, 3, size=(200, 3, 3)).astype(float)
    B = _rng(33).integers(0, 3, size=(200, 3, 3)).astype(float)
    _store(out, "pure_equilibria.random_int_3x3", sim.pure_equilibria(A, B))
    _store(out, "pure_equilibria.random_int_3x3_tol", sim.pure_equilibria(A, B, tol=0.5))
    _store(out, "pure_equilibria.game_chicken", sim.pure_equilibria(sim.chicken()))
    for name, (A, B) in {
        "random_normal_500": (_rng(34).normal(size=(500, 2, 2)), _rng(35).normal(size=(500, 2, 2))),
        "random_int_500": (_rng(36).integers(0, 3, size=(500, 2, 2)).astype(float),
                           _rng(37).integers(0, 3, size=(500, 2, 2)).astype(float)),
    }.items():
        r = sim.nash_2x2(A, B)
        x, y, count = r
        flat(out, f"nash_2x2.{name}", {"x": x, "y": y, "count": count, "degenerate": r.degenerate})
        _store(out, f"risk_dominance_2x2.{name}", sub("risk_dominance_2x2")(A, B))
    r = sim.nash_2x2(sim.chicken(value=np.linspace(0.5, 5.0, 10), crash_cost=6.0))
    x, y, count = r
    flat(out, "nash_2x2.chicken_batch", {"x": x, "y": y, "count": count, "degenerate": r.degenerate})
    r = sim.nash_2x2(np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 0.0], [1.0, 1.0]]), tol=1e-9)
    x, y, count = r
    flat(out, "nash_2x2.tied_tol", {"x": x, "y": y, "count": count, "degenerate": r.degenerate})
    _store(out, "risk_dominance_2x2.stag_hunt", sub("risk_dominance_2x2")(sim.stag_hunt()))


def strategies(out: dict) -> None:
    """Every registry strategy's automaton (K = 2 and K = 5), custom tables, YAML specs, noise."""
    st = sim.repeated.strategies
    for K in (2, 5):
        for name in st.names():
            flat_strategy(out, f"strategies.K{K}.{name}", st.get(name, K))
    flat_strategy(out, "strategies.K5.grit_period2", st.get("grit", 5, period=2))
    flat_strategy(out, "strategies.K5.gtft_g03", st.get("generous_tit_for_tat", 5, g=0.3))
    flat_strategy(out, "strategies.K2.gtft_RSTP", st.get("generous_tit_for_tat", 2, R=3.0, S=0.0, T=5.0, P=1.0))
    flat_strategy(out, "strategies.K5.graduated_step2_start1", st.get("graduated_response", 5, step=2, start=1))
    flat_strategy(out, "strategies.K5.proportional_ratio05", st.get("proportional_response", 5, ratio=0.5))
    flat_strategy(out, "strategies.K5.random_probs", st.get("random", 5, probabilities=[0.4, 0.3, 0.2, 0.1, 0.0]))
    flat_strategy(out, "strategies.K5.tit_for_tat_start2", st.get("tit_for_tat", 5, start=2))
    flat_strategy(out, "strategies.memory_one", st.memory_one([1.0, 0.3, 1.0, 0.1]))
    flat_strategy(out, "strategies.memory_one_K3", st.memory_one(np.full((3, 3, 3), 1 / 3), K=3,
                                                                 initial=[0.5, 0.5, 0.0]))
    flat_strategy(out, "strategies.memory_n", st.memory_n(np.array([0.0, 1.0, 0.5, 1.0] * 4).reshape(2, 2, 2, 2), n=2))
    flat_strategy(out, "strategies.automaton", st.automaton(0, [0, 0, 1], [[[0, 1], [0, 1]], [[0, 2], [0, 2]],
                                                                           [[0, 2], [0, 2]]]))
    for path in sorted((ROOT / "configs" / "strategy").glob("*.yaml")):
        K = 2 if path.stem.startswith("my_") else 5
        flat_strategy(out, f"strategies.load.{path.stem}", st.load(path, K))
    _store(out, "strategies.noise_matrix.K5_01", st.noise_matrix(5, 0.1))
    _store(out, "strategies.noise_matrix.K2_03", st.noise_matrix(2, 0.3))
    _store(out, "strategies.biased_noise.K5", st.biased_noise(5, 0.1, 0.05))


# Monte-Carlo cases: name -> (game, side A, side B, keyword arguments)
def _simulate_cases():
    st = sim.repeated.strategies
    L2, L5 = sim.ladder(K=2), sim.ladder(K=5)
    return {
        "K2.tft_vs_grim": (L2, "tit_for_tat", "grim_trigger",
                           dict(rounds=20, paths=5000, execution_noise=0.05, perception_noise=0.02, seed=1)),
        "K2.gtft_vs_wsls_settle_mediation": (L2, "generous_tit_for_tat", "win_stay_lose_shift",
                                             dict(rounds=25, paths=4000, execution_noise=0.03, settle_after=2,
                                                  mediation=0.02, mediation_slope=0.05, seed=2)),
        "K5.tft_vs_conditional_deescalation": (L5, "tit_for_tat", "conditional_deescalation",
                                               dict(rounds=30, paths=20000, execution_noise=0.02,
                                                    perception_noise=0.05, settle_after=3, seed=3)),
        "K5.gtft_vs_grim_mediation_discount": (L5, "generous_tit_for_tat", "grim_trigger",
                                               dict(rounds=30, paths=10000, perception_noise=0.05, mediation=0.01,
                                                    mediation_slope=0.1, discount=0.95, seed=4)),
        "K5.grit2_vs_graduated_biased_noise": (L5, {"name": "grit", "period": 2}, "graduated_response",
                                               dict(rounds=25, paths=8000,
                                                    execution_noise=(st.biased_noise(5, 0.1, 0.02), 0.0),
                                                    perception_noise=(0.0, 0.08), war_risk_scale=0.5, seed=5)),
        "K5.escalate_vs_restrain_no_noise": (L5, "always_escalate", "always_restrain",
                                             dict(rounds=10, paths=2000, seed=6)),
        "K5.random_vs_proportional_seedseq": (sim.ladder(K=5, war_risk=0.8, war_cost=40.0), "random",
                                              "proportional_response",
                                              dict(rounds=15, paths=6000, execution_noise=0.1,
                                                   seed=np.random.SeedSequence(77, spawn_key=(3,)))),
        "chicken.wsls_vs_tf2t_keep_paths": (sim.chicken(), "win_stay_lose_shift", "tit_for_two_tats",
                                            dict(rounds=10, paths=300, execution_noise=0.1, keep_paths=True, seed=7)),
        "pd.memory_one_vs_suspicious_tft": (sim.prisoners_dilemma(), st.memory_one([1.0, 0.3, 1.0, 0.1]),
                                            "suspicious_tit_for_tat",
                                            dict(rounds=12, paths=3000, perception_noise=0.05, settle_after=4,
                                                 seed=8)),
        "K3_batch.tft_vs_overwhelming": (sim.ladder(K=3, war_cost=np.array([10.0, 50.0, 100.0, 200.0])),
                                         "tit_for_tat", "overwhelming_response",
                                         dict(rounds=15, paths=3000, execution_noise=0.05, seed=9)),
        "K3_batch.point_seeds": (sim.ladder(K=3, war_risk=np.array([[0.1, 0.5], [0.7, 0.95]])), "grim_trigger",
                                 "alternator", dict(rounds=12, paths=2500, perception_noise=0.03,
                                                    point_seeds=[11, 12, [13, 1], 14], seed=0)),
    }


def simulate(out: dict) -> None:
    for name, (g, a, b, kw) in _simulate_cases().items():
        r = sim.simulate(g, a, b, **kw)
        p = f"simulate.{name}"
        flat(out, p, r, skip=("path_payoffs",))
        # per-path totals: the first 200 paths of every point (all paths are in the stats above)
        _store(out, f"{p}.path_payoffs_head", np.asarray(r.path_payoffs)[..., :200, :])
    # threads and pool size must not change anything: same case with 1 thread, small pools
    g, a, b, kw = _simulate_cases()["K5.tft_vs_conditional_deescalation"]
    r = sim.simulate(g, a, b, **kw, threads=1, chunk_paths=4096)
    flat(out, "simulate.K5.tft_vs_conditional_deescalation.threads1", r, skip=("path_payoffs", "chunk_paths"))


def analyse(out: dict) -> None:
    """Exact Markov analysis: finite horizon and long run, for the Monte-Carlo pairs and more."""
    for name, (g, a, b, kw) in _simulate_cases().items():
        kw = {k: v for k, v in kw.items() if k not in ("paths", "seed", "keep_paths", "point_seeds")}
        flat(out, f"analyse.{name}.finite", sim.analyse(g, a, b, **kw))
        kw.pop("rounds")
        flat(out, f"analyse.{name}.long_run", sim.analyse(g, a, b, rounds=None, **kw))
    L5 = sim.ladder(K=5)
    flat(out, "analyse.K5.tft_vs_tft_long_run_no_noise", sim.analyse(L5, "tit_for_tat", "tit_for_tat"))
    flat(out, "analyse.K5.grim_vs_gtft_long_run_discount", sim.analyse(L5, "grim_trigger", "generous_tit_for_tat",
                                                                      execution_noise=0.02, discount=0.9))
    flat(out, "analyse.K2.tft_vs_wsls_long_run_noise", sim.analyse(sim.ladder(K=2), "tit_for_tat",
                                                                   "win_stay_lose_shift", execution_noise=0.05))
    pc = sub("product_chain")(L5, sim.repeated.strategies.get("tit_for_tat", 5), sim.repeated.strategies.get("grit", 5),
                              execution_noise=0.05, perception_noise=0.02, settle_after=2, mediation=0.01)
    flat(out, "product_chain.K5.tft_vs_grit", pc)


def tournament(out: dict) -> None:
    st = sim.repeated.strategies
    entrants = ["tit_for_tat", "grim_trigger", "generous_tit_for_tat", "win_stay_lose_shift", "always_escalate",
                "always_restrain", "conditional_deescalation", "tit_for_two_tats"]

    def flat_tournament(prefix, res, names):
        flat(out, prefix, res, skip=("names", "ranking", "survivors", "meta_equilibria", "score_kind"))
        _store(out, f"{prefix}.ranking_index", [names.index(n) for n in res.ranking])
        _store(out, f"{prefix}.survivors_index", np.array([names.index(n) for n in res.survivors], dtype=np.int64))
        _store(out, f"{prefix}.score_kind_total", res.score_kind == "total")
        if res.meta_equilibria is not None:
            N = len(names)
            flat_equilibria(out, f"{prefix}.meta_equilibria", res.meta_equilibria, (N, N))

    L2 = sim.ladder(K=2)
    r = sim.round_robin(L2, entrants, rounds=50, execution_noise=0.05)
    flat_tournament("round_robin.K2_rounds50_noise", r, list(r.names))
    r = sim.round_robin(L2, entrants[:6], rounds=None, execution_noise=0.05, perception_noise=0.01)
    flat_tournament("round_robin.K2_long_run", r, list(r.names))
    ent5 = {"tft": st.get("tit_for_tat", 5), "cd": "conditional_deescalation", "grit2": {"name": "grit", "period": 2},
            "grad": "graduated_response", "prop": "proportional_response"}
    r = sim.round_robin(sim.ladder(K=5), ent5, rounds=30, execution_noise=0.02, settle_after=3, mediation=0.01)
    flat_tournament("round_robin.K5_settle_mediation", r, list(r.names))
    asym = sim.from_matrices([[3.0, 0.0], [5.0, 1.0]], [[2.0, 4.0], [0.0, 1.0]])
    r = sim.round_robin(asym, entrants[:4], rounds=20, execution_noise=0.05)
    flat_tournament("round_robin.asymmetric_game", r, list(r.names))
    r = sim.round_robin(sim.prisoners_dilemma(), entrants[:5], rounds=20, exact=False, paths=2000, seed=3,
                        execution_noise=0.05, equilibrium_method="vertex")
    flat_tournament("round_robin.pd_monte_carlo", r, list(r.names))

    M = np.array([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]]) + 0.1 * np.eye(3)
    flat(out, "replicator.rps", sim.replicator(M, [0.5, 0.3, 0.2], 30.0))
    hd = np.array([[-1.0, 2.0], [0.0, 1.0]])
    flat(out, "replicator.hawk_dove", sim.replicator(hd, [0.9, 0.1], 20.0, n_points=51, threshold=1e-2))
    _store(out, "is_ess.rps", sub("is_ess")(M))
    _store(out, "is_ess.hawk_dove", sub("is_ess")(hd))
    _store(out, "is_ess.pd", sub("is_ess")(np.array([[3.0, 0.0], [5.0, 1.0]])))


def grid(out: dict) -> None:
    st = sim.repeated.strategies
    base = dict(K=3, advantage=10.0, damage=8.0, cost=2.0, war_risk=0.3, war_cost=100.0, risk_interaction=0.5,
                risk_exponent=2.0)
    pair = (st.get("tit_for_tat", 3, start=1), st.get("conditional_deescalation", 3))
    settings = dict(rounds=12, execution_noise=0.02, perception_noise=0.05, settle_after=2, mediation=0.01)
    g = sim.Grid.from_spec({"war_cost": {"linspace": [0.0, 200.0, 3]}, "perception_noise": [0.0, 0.1],
                            "war_risk": {"logspace": [0.1, 0.8, 2]}})
    for a in g.axes:
        _store(out, f"grid.axes.{a.name}", a.values)
    _store(out, "grid.shape", g.shape)
    flat(out, "grid.points", g.points())
    outcomes = ["game_class", "n_pure", "eq_level", "p_top", "p_war_by_T", "p_settled_by_T", "p_mediated_by_T",
                "payoff_a", "payoff_b", "expected_rounds"]
    t = sim.grid_sweep("ladder", base, g, pair, outcomes, settings=settings, progress=False)
    flat_frame(out, "grid_sweep.exact", t)
    t = sim.grid_sweep("ladder", base, g, pair, outcomes + ["payoff_a_sem", "payoff_b_sem", "p_war_by_T_sem"],
                       method="monte_carlo", settings=settings, paths=500, seed=7, chunk_points=5, progress=False)
    flat_frame(out, "grid_sweep.monte_carlo", t)
    t = sim.grid_sweep("ladder", dict(base, K=3), {"war_risk": [0.2, 0.6], "discount": [0.9, 1.0]}, pair,
                       ["p_war_by_T", "payoff_a", "expected_rounds"], settings=dict(rounds=None, execution_noise=0.05),
                       progress=False)
    flat_frame(out, "grid_sweep.long_run", t)
    t = sim.grid_sweep("chicken", {}, {"value": {"linspace": [0.5, 5.0, 10]}, "crash_cost": [2.0, 6.0]},
                       outcomes=["n_pure", "eq_level", "p_top"], progress=False)
    flat_frame(out, "grid_sweep.chicken_game_only", t)
    em = sub("equilibrium_map")("chicken", {"value": 2.0, "crash_cost": 6.0}, "value", np.linspace(0.5, 5, 7),
                                "crash_cost", np.linspace(1, 9, 5))
    flat(out, "equilibrium_map.chicken", em)


def crisis(out: dict) -> None:
    w = sim.brinkmanship_window(np.linspace(0.0, 20.0, 9)[:, None], 100.0, np.array([20.0, 50.0, 100.0, 400.0]), 8.0)
    flat(out, "brinkmanship_window.grid", w)
    _store(out, "brinkmanship_window.grid.contains_0.1", w.contains(0.1))
    _store(out, "brinkmanship_window.grid.contains_r", w.contains(np.linspace(0, 1, 4)))
    flat(out, "brinkmanship_window.scalar", sim.brinkmanship_window(10.0, 100.0, 100.0, 8.0))
    ch = _rng(41).integers(1, 5, size=(300, 4)).astype(float)
    de = _rng(42).integers(1, 5, size=(300, 4)).astype(float)
    flat(out, "unilateral_deterrence.random_int", sim.unilateral_deterrence(ch, de))
    flat(out, "unilateral_deterrence.mapping", sim.unilateral_deterrence(
        {"SQ": 3.0, "DC": 4.0, "CB": 1.0, "CF": np.array([0.0, 2.0])},
        {"SQ": 4.0, "DC": np.array([[1.0], [2.5]]), "CB": 3.0, "CF": 2.0}))


def dynamics(out: dict) -> None:
    k = np.array([0.5, 0.9, 1.2])
    eq = sim.richardson_equilibrium(k, 0.6, 1.0, 0.8, 0.2, np.array([[0.1], [-0.3]]))
    flat(out, "richardson_equilibrium", list(eq))
    flat(out, "richardson_stability", sim.richardson_stability(k, 0.6, 1.0, 0.8, 0.2, 0.1))
    flat(out, "richardson_stability.spiral", sim.richardson_stability(0.0, 0.0, 1.0, 0.5))
    flat(out, "richardson_trajectory.scalar", sim.richardson_trajectory(dict(k=0.9, l=0.6, a=1.0, b=0.8, g=0.2, h=0.1),
                                                                        (1.0, 2.0), 15.0, n=61))
    flat(out, "richardson_trajectory.batch", sim.richardson_trajectory((k, 0.6, 1.0, 0.8, 0.2, 0.1),
                                                                       np.array([[0.0, 0.0], [1.0, 3.0], [2.0, 0.5]]),
                                                                       10.0, n=41))
    for stake, budget, inc in ((1, 3, 1), (5, 10, 1), (20, 25, 1), (2.5, 6, 0.5), (10, 10, 1)):
        flat(out, f"dollar_auction.s{stake}_b{budget}_i{inc}", sim.dollar_auction(stake, budget, inc))
    flat(out, "attrition_hazard", sub("attrition_hazard")(np.array([1.0, 2.0, 4.0]), np.array([[0.5], [1.0]])))
    flat(out, "simulate_attrition", sub("simulate_attrition")(2.0, 1.0, 500, np.random.default_rng(5)))


def escalation(out: dict) -> None:
    for ct in ("Hard", "Soft"):
        for dt in ("Hard/Hard", "Hard/Soft", "Soft/Hard", "Soft/Soft"):
            ch, de = sub("book_payoffs")(ct, dt)
            key = f"{ct}.{dt.replace('/', '_')}"
            flat(out, f"book_payoffs.{key}", {"challenger": ch, "defender": de})
            flat(out, f"asymmetric_escalation.book.{key}", sim.asymmetric_escalation(ch, de), skip=("solution",))
    ch = _rng(51).integers(1, 7, size=(200, 6)).astype(float)
    de = _rng(52).integers(1, 7, size=(200, 6)).astype(float)
    r = sim.asymmetric_escalation(ch, de)
    flat(out, "asymmetric_escalation.random_int", r, skip=("solution",))
    flat_tree_solution(out, "asymmetric_escalation.random_int.solution", r.solution)


def bargaining(out: dict) -> None:
    flat(out, "tying_hands.default", sim.tying_hands())
    flat(out, "tying_hands.grid", sim.tying_hands(prior=np.linspace(0, 1, 11)[:, None],
                                                  audience_cost=np.array([0.0, 0.25, 0.5, 1.0, 1.5, 3.0])))
    # knife edges: audience cost at the commitment threshold, prior at the cutoff
    flat(out, "tying_hands.knife_edges", sim.tying_hands(prior=np.array([0.5, 0.5, 0.2]),
                                                         audience_cost=np.array([1.0, 0.3, 1.0]),
                                                         war_value_unresolved=-1.0, challenger_war=-1.0))
    flat(out, "tying_hands.other_params", sim.tying_hands(prior=0.7, audience_cost=0.2, war_value_resolved=2.0,
                                                          war_value_unresolved=-0.5, challenger_war=0.5))
    flat(out, "tying_hands_curve.audience_cost", sub("tying_hands_curve")())
    flat(out, "tying_hands_curve.prior", sub("tying_hands_curve")("prior", audience_cost=0.3))


def flat_tree_solution(out: dict, prefix: str, s) -> None:
    flat(out, prefix, s, skip=("tree",))
    _store(out, f"{prefix}.terminal_reach", s.terminal_reach())
    _store(out, f"{prefix}.outcome", s.outcome())


def trees(out: dict) -> None:
    tdir = ROOT / "configs" / "tree"
    for path in sorted(tdir.glob("*.yaml")):
        tree = sim.load_tree(path)
        flat(out, f"load_tree.{path.stem}.params", dict(tree.params))
        flat_tree_solution(out, f"solve_tree.{path.stem}.defaults", sim.solve_tree(tree))
        # the spec round trip must give the same tree and the same solution
        flat_tree_solution(out, f"solve_tree.{path.stem}.from_spec", sim.solve_tree(sim.Tree.from_spec(tree.to_spec())))
    b = sim.load_tree(tdir / "brinkmanship_tree.yaml")
    flat_tree_solution(out, "solve_tree.brinkmanship_tree.grid", sim.solve_tree(
        b, risk=np.linspace(0.0, 1.0, 21)[:, None], backdown_cost=np.array([0.0, 2.0, 10.0])))
    u = sim.load_tree(tdir / "unilateral_deterrence.yaml")
    flat_tree_solution(out, "solve_tree.unilateral_deterrence.grid", sim.solve_tree(
        u, ch_CF=np.array([0.5, 1.0, 2.0, 3.5]), def_CF=np.array([[0.5], [1.0], [2.0]])))
    a = sim.load_tree(tdir / "asymmetric_escalation.yaml")
    flat_tree_solution(out, "solve_tree.asymmetric_escalation.soft",
                       sim.solve_tree(a, ch_EE=1.0, def_DD=4.0, def_EE=1.0))


def qre(out: dict) -> None:
    """Logit QRE: the principal branch, single points (with and without x0), every 2x2 QRE."""
    trace, qre_, qre_all = sub("qre_trace"), sub("qre"), sub("qre_2x2_all")
    lams = [0.0, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0]
    rng = _rng(61)
    cases = {
        "chicken": sim.chicken(),
        "stag_hunt": sim.stag_hunt(),
        "pd": sim.prisoners_dilemma(),
        "matching_pennies": sim.from_matrices([[1.0, -1.0], [-1.0, 1.0]], [[-1.0, 1.0], [1.0, -1.0]]),
        "ladder_K3": sim.ladder(K=3, war_cost=20.0),
        "random_2x3": sim.from_matrices(rng.normal(size=(2, 3)), rng.normal(size=(2, 3))),
    }
    for name, g in cases.items():
        flat(out, f"qre.trace.{name}", trace(g, lams))
        flat(out, f"qre.qre.{name}.lam2", qre_(g, 2.0))
    flat(out, "qre.qre.stag_hunt.lam10_x0", qre_(sim.stag_hunt(), 10.0, x0=([0.8, 0.2], [0.3, 0.7])))
    for name in ("chicken", "stag_hunt", "pd", "matching_pennies"):
        for lam in (0.3, 2.0, 10.0):
            pts = qre_all(cases[name], lam)
            _store(out, f"qre.qre_2x2_all.{name}.lam{lam}.count", len(pts))
            _store(out, f"qre.qre_2x2_all.{name}.lam{lam}.x", np.array([p.x for p in pts]).reshape(len(pts), 2))
            _store(out, f"qre.qre_2x2_all.{name}.lam{lam}.y", np.array([p.y for p in pts]).reshape(len(pts), 2))


def scenarios(out: dict) -> None:
    """Every shipped scenario composed with Hydra, validated and built: its game, its crisis
    settings, the exact analysis of its policy pair (and of its comparison pairs), and the
    numbers of its models block."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    configs = Path(__file__).resolve().parent.parent / "configs"
    names = sorted(p.stem for p in (configs / "scenario").glob("*.yaml"))
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(configs), version_base="1.3"):
        cfgs = {n: OmegaConf.to_container(compose(config_name="run", overrides=[f"scenario={n}"]), resolve=True)
                for n in names}
    GlobalHydra.instance().clear()
    for n in names:
        rc = sub("validate_run")(cfgs[n])
        game = sub("build_game")(rc.game, rc.scenario)
        flat_game(out, f"scenario.{n}.game", game)
        flat(out, f"scenario.{n}.models", rc.models)
        if rc.crisis is None:
            continue
        # the crisis settings the config validated (a CrisisSettings since the move; the
        # fields stored are the ones the config had before it)
        cs = rc.crisis.settings
        kw = {k: getattr(cs, k) for k in ("rounds", "execution_noise", "perception_noise", "settle_after",
                                          "mediation", "mediation_slope", "discount")}
        flat(out, f"scenario.{n}.settings", kw)
        # the strategies the config built while validating (built once, used as they are)
        pairs = [rc.crisis.strategies, *rc.crisis.compare_strategies]
        for i, (a, b) in enumerate(pairs):
            flat(out, f"scenario.{n}.pair{i}", sim.analyse(game, a, b, settings=cs))


def strategic(out: dict) -> None:
    """Issue 10: alternating timing and openings (engine and exact analysis), credibility under
    both timings and over a grid, the escalation game's MPE and its policies as automata."""
    from sim.dynamic import credibility, escalation_game, markov_perfect, policy_to_strategy

    L4 = sim.ladder(K=4, war_risk=0.3, war_cost=50.0)
    base = dict(execution_noise=0.05, perception_noise=(0.1, 0.02), settle_after=2, mediation=0.02,
                mediation_slope=0.1, discount=0.95)
    for tag, kw in (("alt_a", dict(timing="alternating")),
                    ("alt_b_open", dict(timing="alternating", opening=(2, 0), first_mover="b")),
                    ("sim_open00", dict(opening=(0, 0)))):
        cs = sim.CrisisSettings(**base, **kw)
        p = f"strategic.K4.tft_vs_cd.{tag}"
        r = sim.simulate(L4, "tit_for_tat", "conditional_deescalation", settings=cs, rounds=12, paths=4000, seed=5)
        flat(out, f"{p}.simulate", r, skip=("path_payoffs",))
        flat(out, f"{p}.analyse", sim.analyse(L4, "tit_for_tat", "conditional_deescalation", settings=cs, rounds=12))
        flat(out, f"{p}.long_run", sim.analyse(L4, "tit_for_tat", "conditional_deescalation", settings=cs))
        flat(out, f"{p}.credibility", credibility(L4, "tit_for_tat", "conditional_deescalation",
                                                  settings=dataclasses.replace(cs, discount=0.9)))
    grid = sim.ladder(K=4, war_risk=0.3, war_cost=np.array([10.0, 60.0, 150.0])[:, None],
                      advantage=np.array([5.0, 25.0])[None, :])
    flat(out, "strategic.K4.grid.credibility", credibility(grid, "grim_trigger", "conditional_deescalation",
                                                            discount=0.9, execution_noise=0.05, settle_after=2))
    for tag, kw in (("sim", {}), ("alt_b", dict(timing="alternating", opening=(2, 0), first_mover="b"))):
        cs = sim.CrisisSettings(discount=0.9, execution_noise=0.03, settle_after=2, mediation=0.05, **kw)
        esc = escalation_game(sim.ladder(K=3, war_risk=0.3, war_cost=40.0, advantage=15.0), cs)
        m = markov_perfect(esc)
        flat(out, f"strategic.K3.mpe.{tag}", m)
        pa = policy_to_strategy(esc, m.policy_a, 0)
        _store(out, f"strategic.K3.mpe.{tag}.strategy_a.transition", pa.transition)


SECTIONS = (games, classify, equilibria, strategies, simulate, analyse, tournament, grid, crisis, dynamics,
            escalation, bargaining, trees, qre, scenarios, strategic)


def compute() -> dict[str, np.ndarray]:
    """Run every section; the golden arrays by key."""
    out: dict[str, np.ndarray] = {}
    for section in SECTIONS:
        section(out)
    return out


# =========================================================================== compare / write
def differences(expected: Mapping[str, np.ndarray], actual: Mapping[str, np.ndarray]) -> list[str]:
    """One line per key that is missing, extra, or not bit-identical (dtype, shape, values)."""
    lines = []
    for k in sorted(set(expected) | set(actual)):
        if k not in actual:
            lines.append(f"{k}: missing from compute()")
        elif k not in expected:
            lines.append(f"{k}: not in the golden file")
        else:
            e, a = np.asarray(expected[k]), np.asarray(actual[k])
            if e.dtype != a.dtype:
                lines.append(f"{k}: dtype {a.dtype} != golden {e.dtype}")
            elif e.shape != a.shape:
                lines.append(f"{k}: shape {a.shape} != golden {e.shape}")
            elif not np.array_equal(e, a, equal_nan=e.dtype.kind == "f"):
                same = (a == e) | (np.isnan(a) & np.isnan(e)) if e.dtype.kind == "f" else a == e
                diff = np.abs(a.astype(float) - e.astype(float))[~same]
                lines.append(f"{k}: values differ ({int((~same).sum())} of {e.size} entries, "
                             f"max abs diff {np.nanmax(diff) if np.any(~np.isnan(diff)) else float('nan'):.3g})")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"write {GOLDEN.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = compute()
    dt = time.perf_counter() - t0
    n_values = sum(v.size for v in out.values())
    print(f"{len(out)} keys, {n_values} values, computed in {dt:.1f} s")
    if args.write:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(GOLDEN, **out)
        print(f"wrote {GOLDEN.relative_to(ROOT)} ({GOLDEN.stat().st_size / 1024:.0f} KiB)")
        return 0
    with np.load(GOLDEN) as f:
        expected = {k: f[k] for k in f.files}
    lines = differences(expected, out)
    if lines:
        print(f"{len(lines)} keys differ from {GOLDEN.relative_to(ROOT)}:")
        print("\n".join("  " + s for s in lines))
        return 1
    print(f"all {len(out)} keys identical to {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
