"""Compare 2 to 6 variants of a scenario or of its policy pair side by side, on shared scales.

    python experiments/compare.py                         # configs/compare.yaml: three policy variants
    python experiments/compare.py seed=3 'common={crisis.rounds: 20, map.points: 60}'
    python experiments/compare.py 'variants=[{name: Chicken, overrides: {scenario: classroom_chicken}},
        {name: Security dilemma, overrides: {scenario: classroom_security_dilemma}}]'

Each variant is the run config (``configs/run.yaml``, composed with Hydra's compose API)
with the compare config's ``common`` overrides and then the variant's own applied; it is run
with :func:`run.run` into ``variants/<nn>_<name>/`` (a complete run: its own summary.json,
summary.md, report.html and figures).  Then this writes ``config.yaml``, ``figures/compare_*.png``
(one panel per variant, every panel on the same axes), ``summary.md`` with the comparison
table (read from each variant's ``summary.json``), ``report.html`` and ``summary.json`` last.

Every variant uses the compare config's ``seed`` (common random numbers: the Monte-Carlo
parts of the variants draw the same random numbers, so differences come from the variants).
Override semantics and the refused keys are in :func:`apply_overrides` and ``configs/compare.yaml``.
"""

from __future__ import annotations

import os

# one BLAS thread: the kernels here solve many small dense systems, which two spinning BLAS
# threads slow down (markov_perfect on 11 rungs: 0.4 s vs 2.2 s; benchmarks/README.md); an
# OPENBLAS_NUM_THREADS set by the user wins.  Set before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import copy
import json
import re
import sys
from pathlib import Path
from typing import Any, Mapping, NamedTuple

from omegaconf import OmegaConf

sys.path.insert(0, str(Path(__file__).resolve().parent))

import guard  # noqa: E402
from cli import CONFIG_DIR, group_options, main  # noqa: E402
from run import run as run_variant  # noqa: E402

from sim.config.run import validate_figure_formats  # noqa: E402
from sim.viz.style import figure_formats  # noqa: E402
from sim import files  # noqa: E402
from sim import viz as plots  # noqa: E402
from sim.config import validate_run  # noqa: E402
from sim.config.safety import RULE, check_name, interpolation_problem  # noqa: E402
from sim.errors import ConfigError  # noqa: E402
from sim.viz.compare import OUTCOMES, curves_figure, outcome_figure, payoff_figure, rungs_figure  # noqa: E402
from sim.report import finish_run  # noqa: E402
from sim.wording import DISCLAIMER, figure_guide, fmt_number, fmt_percent, markdown_cell, param_label  # noqa: E402

MIN_VARIANTS, MAX_VARIANTS = 2, 6
KEYS = ("experiment", "seed", "common", "variants", "figure_formats")
#: Override keys that choose a config-group option (a file in configs/<group>/).
GROUPS = {"scenario": "scenario", "game": "game", "strategy@crisis.side_a": "strategy",
          "strategy@crisis.side_b": "strategy"}
#: Strategy slots: a mapping given here replaces the whole strategy spec instead of merging.
STRATEGY_SLOTS = ("crisis.side_a", "crisis.side_b")
FIGURES = {"outcomes": "figures/compare_outcomes.png", "curves": "figures/compare_curves.png",
           "rungs": "figures/compare_rungs.png", "payoffs": "figures/compare_payoffs.png"}
#: Drawn when variants have phase tables on the same ladder: each crisis as reported, one panel per variant.
TIMELINES = "figures/compare_timelines.png"


class Variant(NamedTuple):
    """One validated variant: its name, folder name, overrides and the full run config (plain dict)."""
    name: str
    slug: str
    overrides: dict
    cfg: dict


# --------------------------------------------------------------------------- validation
def _refuse(field: str, key: str, value: Any) -> None:
    """Refuse ``_target_``-like and hydra keys anywhere in an override (no objects are built from
    configs), and resolvers other than plain ``${...}`` references in its values."""
    if str(key).split(".")[0] == "hydra" or any(p.startswith("_") for p in str(key).split(".")):
        raise ConfigError(field, f"key {key!r} is not allowed: compare only changes run settings and builds "
                                 "no objects from configs (no _target_, no hydra.*)")
    if isinstance(value, Mapping):
        for k, v in value.items():
            _refuse(field, k, v)
    elif isinstance(value, list):
        for v in value:
            _refuse(field, "", v)
    else:
        problem = interpolation_problem(value)
        if problem:
            raise ConfigError(field, f"{problem}: not allowed in a variant ({RULE})")


def apply_overrides(cfg: dict, key: str, value: Any, field: str) -> None:
    """Set ``key`` (dotted) to ``value`` in the plain run config ``cfg``, in place.

    A mapping is merged key by key into an existing section (as a Hydra config file would),
    except at a strategy slot (``crisis.side_a``/``crisis.side_b``), where it replaces the
    whole strategy; anything else replaces the value.  The key must exist, except strategy
    parameters (checked later by :func:`sim.config.validate_run`).
    """
    parts = str(key).split(".")
    node = cfg
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(field, _unknown(".".join(parts[:i]), part, node))
        node = node[part]
    leaf, parent = parts[-1], ".".join(parts[:-1])
    if not isinstance(node, dict):
        raise ConfigError(field, f"{parent!r} is {node!r}, not a section with keys")
    if leaf not in node and parent not in STRATEGY_SLOTS:
        raise ConfigError(field, _unknown(parent, leaf, node))
    if isinstance(value, Mapping) and isinstance(node.get(leaf), dict) and str(key) not in STRATEGY_SLOTS:
        for k, v in value.items():
            apply_overrides(cfg, f"{key}.{k}", v, field)
    else:
        node[leaf] = copy.deepcopy(value)


def _unknown(parent: str, leaf: str, node: Any) -> str:
    allowed = ", ".join(map(str, node)) if isinstance(node, dict) else "none"
    return f"unknown config key {leaf!r}; allowed keys under {parent or 'the top level'!r}: {allowed}"


def _compose_run(groups: list[str]) -> dict:
    """The run config for these group choices (Hydra compose API), as a plain dict without ``hydra``."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    def composed() -> dict:
        cfg = compose(config_name="run", overrides=groups)
        guard.composed(cfg)  # configs are data: checked before anything is resolved
        return OmegaConf.to_container(cfg, resolve=True)

    if GlobalHydra.instance().is_initialized():  # inside the app or the precheck
        return composed()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        try:
            return composed()
        finally:
            GlobalHydra.instance().clear()


def folder_slug(name: str, limit: int = 40) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return (s if len(s) <= limit else s[: limit + 1].rsplit("_", 1)[0][:limit]) or "variant"


def validate_compare(cfg: Mapping[str, Any]) -> list[Variant]:
    """Check a compare config and build each variant's run config; raises a one-line ``ConfigError``."""
    if not isinstance(cfg, Mapping):
        raise ConfigError("config", "must be a mapping")
    for k in cfg:
        if k not in KEYS and k != "hydra":
            raise ConfigError(str(k), f"unknown config key; allowed: {', '.join(KEYS)}")
    seed = cfg.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("seed", f"must be a non-negative integer, got {seed!r}")
    check_name("experiment", cfg.get("experiment", "compare"))  # results/<experiment>/...
    formats = list(validate_figure_formats(cfg.get("figure_formats")))
    common = cfg.get("common") or {}
    if not isinstance(common, Mapping):
        raise ConfigError("common", f"must be a mapping of overrides, got {common!r}")
    raw = cfg.get("variants")
    if not isinstance(raw, list) or not MIN_VARIANTS <= len(raw) <= MAX_VARIANTS:
        n = len(raw) if isinstance(raw, list) else "no list"
        raise ConfigError("variants", f"needs {MIN_VARIANTS} to {MAX_VARIANTS} variants, got {n}")
    seen: dict[str, int] = {}
    variants = []
    for i, v in enumerate(raw):
        at = f"variants[{i}]"
        if not isinstance(v, Mapping) or set(v) - {"name", "overrides"}:
            raise ConfigError(at, "must be a mapping {name: ..., overrides: {...}}")
        name = v.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{at}.name", "needs a non-empty name")
        if name.strip().casefold() in seen:
            raise ConfigError(f"{at}.name", f"duplicate name {name!r} (also variants[{seen[name.strip().casefold()]}])"
                                            "; every variant needs its own name")
        seen[name.strip().casefold()] = i
        own = v.get("overrides") or {}
        if not isinstance(own, Mapping):
            raise ConfigError(f"{at}.overrides", f"must be a mapping of overrides, got {own!r}")
        variants.append(Variant(name.strip(), f"{i + 1:02d}_{folder_slug(name)}", dict(own),
                                {**_variant_config(common, own, seed, at, name), "figure_formats": formats}))
    return variants


def _variant_config(common: Mapping, own: Mapping, seed: int, at: str, name: str) -> dict:
    entries = [(f"common.{k}", k, val) for k, val in common.items()] + \
              [(f"{at}.overrides.{k}", k, val) for k, val in own.items()]
    groups = {}
    for field, key, val in entries:
        _refuse(field, key, val)
        if key == "seed":
            raise ConfigError(field, "every variant uses the top-level seed (common random numbers); set seed=...")
        if key in GROUPS and isinstance(val, str):
            options = group_options(GROUPS[key])
            if val not in options:
                raise ConfigError(field, f"unknown {GROUPS[key]} {val!r}; available: {', '.join(options)}")
            groups[key] = val
    try:
        guard.check_choices(groups)  # configs are data: every file these choices load, before Hydra reads it
        run_cfg = _compose_run([f"{k}={v}" for k, v in groups.items()])
    except ConfigError as err:
        raise ConfigError(f"{at}: {err.field}" if err.field else at, err.message) from None
    except Exception as exc:  # noqa: BLE001  (one line for any composition problem)
        raise ConfigError(at, " ".join(str(exc).split()).split(" Set the environment")[0]) from None
    for field, key, val in entries:
        if not (key in GROUPS and isinstance(val, str)):
            apply_overrides(run_cfg, key, val, field)
    run_cfg["seed"] = seed
    try:
        validate_run(run_cfg)
    except ConfigError as err:
        raise ConfigError(f"{at}.{err.field}" if err.field else at, f"{err.message} (variant {name!r})") from None
    return run_cfg


# --------------------------------------------------------------------------- table
def _equilibria_text(s: Mapping) -> str:
    eqs = s.get("equilibria") or []
    if not eqs:
        return "none found"
    lab = lambda names, rungs: names[0] if len(names[0]) <= 16 else f"rung {rungs[0]}"  # noqa: E731
    pure = [f"({lab(e['support_a'], e['support_a_rungs'])}, {lab(e['support_b'], e['support_b_rungs'])})"
            for e in eqs if e.get("kind") == "pure"]
    mixed = len(eqs) - len(pure)
    parts = [f"{len(eqs)} equilibri{'um' if len(eqs) == 1 else 'a'}"]
    if pure:
        parts.append("pure " + ", ".join(pure[:3]) + (" ..." if len(pure) > 3 else ""))
    if mixed:
        parts.append(f"{mixed} mixed")
    return ": ".join(parts[:2]) + ("; " + parts[2] if len(parts) > 2 else "")


def variant_row(v: Variant, s: Mapping) -> dict:
    """The comparison row of a variant, read from its ``summary.json`` dict ``s``."""
    sides = list(s["scenario"]["sides"])
    row: dict[str, Any] = {"name": v.name, "dir": f"variants/{v.slug}", "overrides": v.overrides,
                           "scenario": s["scenario"]["name"], "sides": sides, "equilibria": _equilibria_text(s),
                           "n_equilibria": s.get("n_equilibria"), "crisis": None}
    crisis = s.get("crisis")
    if crisis:
        m = crisis["pairs"][crisis["main"]]
        row["crisis"] = {
            **{k: m[k] for k, _ in OUTCOMES}, "expected_rounds": m["expected_rounds"],
            "strategies": [m["strategy_labels"][x] for x in sides],
            "expected_payoffs": [m["expected_payoffs"][x] for x in sides],
            "peak_mean_rung": [(m["peak_mean_rung"].get(x) or {}).get("rung") for x in sides],
            "K": crisis["K"], "curves": m["curves"]}
    unc = s.get("uncertainty")
    if unc:  # intervals over the variant's parameter ranges (sim.sweeps.uncertainty)
        row["uncertainty"] = {r["outcome"]: {"low": r["low"], "high": r["high"], "top": r["top_parameter"]}
                              for r in unc["outcomes"]}
        row["uncertainty_level"] = unc["level"]
    return row


TABLE = "compare_table.csv"


def compare_table(rows):
    """The comparison as a tidy table (one row per variant; a briefing's spreadsheet): ``variant``,
    ``scenario``, ``side_a``, ``side_b``, each side's strategy, the outcome probabilities by the
    horizon (``p_war`` ...), ``expected_rounds``, each side's peak mean rung and expected payoff,
    the stage game's equilibria, the variant's folder and overrides (JSON)."""
    import pandas as pd

    out = []
    for r in rows:
        a, b = r["sides"]
        rec = {"variant": r["name"], "scenario": r["scenario"], "side_a": a, "side_b": b}
        c = r["crisis"]
        if c:
            rec.update({"strategy_a": c["strategies"][0], "strategy_b": c["strategies"][1],
                        **{k: c[k] for k, _ in OUTCOMES}, "expected_rounds": c["expected_rounds"],
                        "peak_mean_rung_a": c["peak_mean_rung"][0], "peak_mean_rung_b": c["peak_mean_rung"][1],
                        "payoff_a": c["expected_payoffs"][0], "payoff_b": c["expected_payoffs"][1]})
        for o, iv in (r.get("uncertainty") or {}).items():
            rec[f"{o}_low"], rec[f"{o}_high"], rec[f"{o}_matters_most"] = iv["low"], iv["high"], iv["top"]
        rec.update({"stage_equilibria": r["equilibria"], "folder": r["dir"],
                    "overrides": json.dumps(r["overrides"], ensure_ascii=False)})
        out.append(rec)
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- text
def _overrides_text(ov: Mapping) -> str:
    return "; ".join(f"`{k}: {json.dumps(v, ensure_ascii=False)}`" for k, v in ov.items()) or "none"


def _different_games(rows) -> str:
    """What differs between the variants' games ("scenarios kargil_1999, ...; 8, 11 rungs; 12, 30
    rounds"), or "" when they share scenario, ladder and horizon."""
    parts = []
    for what, vals in (("scenarios", [r["scenario"] for r in rows]), ("rungs", [r["crisis"]["K"] for r in rows]),
                       ("rounds", [len(r["crisis"]["curves"]["p_war"]) for r in rows])):
        uniq = list(dict.fromkeys(vals))
        if len(uniq) > 1:
            parts.append(f"{what} " + ", ".join(str(v) for v in uniq) if what == "scenarios"
                         else ", ".join(str(v) for v in uniq) + f" {what}")
    return "; ".join(parts)


def _bold_names(names) -> str:
    bold = [f"**{markdown_cell(n)}**" for n in names]
    return bold[0] if len(bold) == 1 else ", ".join(bold[:-1]) + " and " + bold[-1]


def _uncertainty_lines(rows) -> list[str]:
    """P(war) of each variant with its interval over the parameter ranges and the parameter that
    drives it most (the policy team's question in one table); empty when no variant has ranges."""
    have = [r for r in rows if r.get("uncertainty") and "p_war_by_T" in r["uncertainty"] and r["crisis"]]
    if not have:
        return []
    level = f"{100 * have[0]['uncertainty_level']:g}%"
    out = ["", "## P(war) with parameter uncertainty", "",
           f"Each variant's illustrative parameters carry ranges; the interval is the middle {level} of P(war) over "
           "them (computed as in each variant's report, section \"How sure are these numbers?\"), and the last column "
           "names the parameter that drives most of the spread (total-order Sobol index).", "",
           f"| Variant | P(war) at the scenario's values | middle {level} over the ranges | matters most |",
           "|---|--:|--:|---|"]
    for r in have:
        iv = r["uncertainty"]["p_war_by_T"]
        top = param_label(iv["top"], units=False) if iv["top"] else "n/a"
        out.append(f"| {markdown_cell(r['name'])} | {fmt_percent(r['crisis']['p_war'])} | "
                   f"{fmt_percent(iv['low'])} to {fmt_percent(iv['high'])} | {top} |")
    return out


def compare_markdown(rows, seed: int, common: Mapping) -> str:
    """The plain-language summary of a comparison."""
    same = len({tuple(r["sides"]) for r in rows}) == 1
    a, b = (rows[0]["sides"] if same else ("Side A", "Side B"))
    lines = [f"# Comparing {len(rows)} variants", "",
             f"Each variant below is a complete run of `experiments/run.py` with the overrides listed. All use "
             f"**the same seed ({seed})**: their Monte-Carlo parts draw the same random numbers (*common random "
             "numbers*), so differences between variants come from the variants, not from sampling. The "
             "probabilities and expected payoffs are exact (computed from the Markov chain of each policy pair).",
             "", "## Variants", ""]
    if common:
        lines += [f"Applied to every variant first: {_overrides_text(common)}.", ""]
    for r in rows:
        lines.append(f"- **{markdown_cell(r['name'])}** (`{r['dir']}`): scenario `{r['scenario']}`; "
                     f"overrides: {_overrides_text(r['overrides'])}.")
    head = ["Variant", f"{a} plays", f"{b} plays", "War", "Settled", "Mediated", "Still in crisis",
            "Expected rounds", f"Peak mean rung ({a} / {b})", f"Payoff {a}", f"Payoff {b}", "Stage-game equilibria"]
    lines += ["", "## Outcomes side by side", "", "| " + " | ".join(head) + " |",
              "|---|---|---|" + "--:|" * 8 + "---|"]
    for r in rows:
        c = r["crisis"]
        pre = (lambda i: f"{r['sides'][i]}: ") if not same else (lambda i: "")
        if c:
            cells = [pre(0) + c["strategies"][0], pre(1) + c["strategies"][1]] + \
                    [fmt_percent(c[k]) for k, _ in OUTCOMES] + [fmt_number(c["expected_rounds"]),
                     f"{fmt_number(c['peak_mean_rung'][0])} / {fmt_number(c['peak_mean_rung'][1])}",
                     pre(0) + fmt_number(c["expected_payoffs"][0]), pre(1) + fmt_number(c["expected_payoffs"][1])]
        else:
            cells = ["n/a"] * 10
        lines.append("| " + " | ".join(markdown_cell(x) for x in [r["name"], *cells, r["equilibria"]]) + " |")
    lines += _uncertainty_lines(rows)
    withc = [r for r in rows if r["crisis"]]
    mixed = _different_games(withc)
    if mixed:
        lines += ["", f"**Caution: these variants are different games** ({mixed}). Rung numbers, payoffs (utilities "
                      "of different games) and horizons do not mean the same thing across them: compare how each "
                      "crisis ends, not the numbers side by side."]
    if withc:
        p_lo = min(r["crisis"]["p_war"] for r in withc)
        p_hi = max(r["crisis"]["p_war"] for r in withc)
        near = 0.0005  # variants within 0.05 percentage points count as tied (the table shows 0.1% steps)
        least = [r["name"] for r in withc if r["crisis"]["p_war"] - p_lo <= near]
        most = [r["name"] for r in withc if p_hi - r["crisis"]["p_war"] <= near]
        if p_hi - p_lo > near:
            lines += ["", f"War is least likely in {_bold_names(least)} ({fmt_percent(p_lo)}) and most likely in "
                          f"{_bold_names(most)} ({fmt_percent(p_hi)})."]
        else:
            lines += ["", f"War is about equally likely in every variant ({fmt_percent(p_lo)} to {fmt_percent(p_hi)})."]
        lines += ["", "\"Peak mean rung\" is the highest value that a side's average rung (over the runs still in "
                      "crisis) reaches in any round."]
    lines += ["", "## How to read the figures", ""]
    lines += figure_guide([
        f"`{FIGURES['outcomes']}`: one panel per variant, all on the same 0-100% scale: the share of runs that end "
        "in war, settle, are ended by a third party, or are still in crisis at the last round.",
        f"`{FIGURES['curves']}`: the chance of war, settlement and mediation by each round; every panel has the "
        "same axes.",
        f"`{FIGURES['rungs']}`: the average rung of each side per round while the crisis lasts, on one rung scale "
        "for all panels.",
        f"`{FIGURES['payoffs']}`: each side's expected payoff over the whole crisis; the payoff scale is shared by "
        "all panels" + (", but payoffs of different games are not comparable." if mixed
                        else ", so bars can be compared across variants."),
        f"`{TIMELINES}` (when the variants have phase tables): each crisis as each side reported it, one panel per "
        "variant on the same ladder (hollow markers: a rung that rests on one side's claim)."])[2:]
    lines += [DISCLAIMER, ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------- the app
def run(cfg: dict, out_dir: Path) -> dict:
    """:func:`_run` with the figures written in the configured ``figure_formats`` (PNG, plus SVG/PDF)."""
    with figure_formats(validate_figure_formats(cfg.get("figure_formats"))):
        return _run(cfg, out_dir)


def _run(cfg: dict, out_dir: Path) -> dict:
    """Run every variant into ``out_dir/variants/`` and write the comparison; returns ``summary.json``'s dict."""
    variants = validate_compare(cfg)
    out_dir = Path(out_dir)
    (out_dir / "figures").mkdir(parents=True, exist_ok=True)
    files.atomic_write_text(out_dir / "config.yaml", OmegaConf.to_yaml(cfg))
    rows, timelines = [], []
    for v in variants:
        vdir = out_dir / "variants" / v.slug
        run_variant(copy.deepcopy(v.cfg), vdir)
        own = json.loads((vdir / "summary.json").read_text(encoding="utf-8"))
        rows.append(variant_row(v, own))
        if own["scenario"].get("phases"):
            timelines.append((v.name, own["scenario"], own["game"]["labels_a"]))
    figures = list(FIGURES.values())
    same = [t for t in timelines if len(t[2]) == len(timelines[0][2])] if timelines else []
    if same:  # history beside history: the variants' phase tables on one ladder
        plots.save(plots.timelines_figure([(n, sc) for n, sc, _ in same], same[0][2]), out_dir / TIMELINES)
        figures.append(TIMELINES)
    for key, build in (("outcomes", outcome_figure), ("curves", curves_figure), ("rungs", rungs_figure),
                       ("payoffs", payoff_figure)):
        plots.save(build(rows), out_dir / FIGURES[key])
    seed = cfg.get("seed", 0)
    files.atomic_write_text(out_dir / "summary.md", compare_markdown(rows, seed, cfg.get("common") or {}))
    files.atomic_write_text(out_dir / TABLE, compare_table(rows).to_csv(index=False))
    summary = {"experiment": cfg.get("experiment", "compare"), "seed": seed, "common_random_numbers": True,
               "common": cfg.get("common") or {},
               "variants": [{k: v for k, v in r.items() if k != "crisis"}
                            | {"crisis": None if r["crisis"] is None
                               else {k: x for k, x in r["crisis"].items() if k != "curves"}} for r in rows],
               "figures": figures,
               "files": {"markdown": "summary.md", "report": "report.html", "table": TABLE}}
    finish_run(out_dir, summary)  # report.html, then summary.json last: marks the run finished
    print(f"comparison written to {out_dir}")
    return summary


if __name__ == "__main__":
    main("compare", run, validate_compare)
