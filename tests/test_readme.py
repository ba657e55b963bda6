"""The README's Python examples run as written (what a newcomer would paste)."""

import os
import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2
    ns: dict = {}
    here = os.getcwd()
    os.chdir(README.parent)  # the examples name files relative to the repository, as a reader runs them
    try:
        for block in blocks:
            exec(compile(block, str(README), "exec"), ns)  # noqa: S102 - our own documentation
    finally:
        os.chdir(here)
    # the examples' claims hold: a unique pure equilibrium on the default ladder, a 200x200 batch
    assert ns["eqs"].degenerate is False and len(ns["eqs"]) == 1 and ns["eqs"][0].is_pure
    assert ns["x"].shape == (200, 200, 3, 2)
    degenerate = ns["nash_2x2"](ns["grid"]).degenerate
    assert np.all(np.isin(ns["count"][~degenerate], (1, 3)))  # Wilson's oddness theorem
    assert ns["exact"].p_war.shape == (30,)
    assert abs(ns["mc"].p_war[-1] - ns["exact"].p_war[-1]) < 5 * np.sqrt(0.25 / 100_000)
    assert ns["t"].M.shape == (3, 3)
    table = ns["table"]
    assert len(table) == 10
    # without noise two reciprocating policies starting at rung 0 never leave it: no war, payoff 0
    assert ns["bluff"].shape == (301,) and np.all(np.diff(ns["p_war"]) <= 1e-12)  # never rises with a
    assert ns["p_war"][-1] == 0.0 and 0 < ns["share_open"] < 1
    # the sequence fit: a 100 x 100 grid in one call; the estimate inside its interval, near the
    # simulating rate 0.1 (coverage over replications: tests/test_sequences.py)
    assert ns["ll"].shape == (100, 100)
    lo, hi = ns["fit"].intervals["execution_noise"]
    assert lo < ns["fit"].params["execution_noise"] < hi and 0.03 < ns["fit"].params["execution_noise"] < 0.25
    assert ns["ranking"]["model"].iloc[0] == "conditional de-escalation"
    quiet = table[table.perception_noise == 0.0]
    assert (quiet.p_war_by_T == 0).all() and (quiet.payoff_a == 0).all()


def test_classroom_walkthrough_numbers():
    """The numbers the teachers' lesson quotes come out of the default scenario as configured."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    from sim.crisis.bargaining import tying_hands_from_params
    from sim.config.run import build_game, validate_run
    from sim.equilibria.nash import nash_equilibria
    from sim.repeated.markov.chain import analyse
    from sim.repeated import load

    configs = README.parent / "configs"
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(configs), version_base="1.3"):
        cfg = OmegaConf.to_container(compose(config_name="run"), resolve=True)
        dearer = OmegaConf.to_container(compose(config_name="run", overrides=["game.war_cost=300"]), resolve=True)
    GlobalHydra.instance().clear()
    text = README.read_text()
    rc = validate_run(cfg)
    game = build_game(rc.game, rc.scenario)
    K = game.n_actions[0]
    eq = nash_equilibria(game)
    assert len(eq) == 1 and eq[0].x.argmax() == eq[0].y.argmax() == 5 and "rung 5" in text
    eq300 = nash_equilibria(build_game(validate_run(dearer).game))
    assert len(eq300) == 1 and eq300[0].x.argmax() == 3 and "from rung 5 to rung 3" in text
    # the explorer's war-cost slider ends at the top of the scenario's range (uncertainty: [50, 200])
    assert cfg["game"]["war_cost"]["high"] == 200 and cfg["game"]["war_cost"]["low"] == 50
    eq200 = nash_equilibria(build_game(validate_run(dict(cfg, game=dict(cfg["game"], war_cost=200.0))).game))
    assert len(eq200) == 1 and eq200[0].x.argmax() == 4 and "war costs, 50 to 200: rung 4 at 200" in text

    def p_war(a, b):
        return float(analyse(game, load(a, K=K), load(b, K=K), settings=rc.crisis.settings).p_war[-1])

    india, pakistan = rc.crisis.side_a, rc.crisis.side_b
    assert f"about {round(100 * p_war(india, pakistan))}% of these crises end in war" in text
    assert f"rises to about {round(100 * p_war(india, {'name': 'graduated_response'}))}%" in text
    assert f"falls to about {round(100 * p_war({'name': 'grit', 'period': 2}, pakistan))}%" in text
    full = {"name": "conditional_deescalation", "step_down": "full"}
    assert f"(`step_down: full`),\n   it is about {round(100 * p_war(full, full))}%" in text
    # credibility and the dynamic game's equilibrium (issue 7), as the lesson's step 4 quotes them
    from sim.dynamic import credibility, escalation_game, markov_path, markov_perfect

    a, b = load(india, K=K), load(pakistan, K=K)
    cred = credibility(game, a, b, settings=rc.crisis.settings)
    assert not cred.is_subgame_perfect and cred.gain_a > 0 and cred.gain_b > 0
    assert f"India would gain about {round(float(cred.gain_a))}" in text
    assert f"Pakistan about {round(float(cred.gain_b))} against" in text
    import dataclasses

    quiet = dataclasses.replace(rc.crisis.settings, perception_noise=0.0, discount=cfg["dynamic"]["discount"])
    esc = escalation_game(game, quiet)
    eq = markov_perfect(esc)
    path = markov_path(esc, eq.policy_a, eq.policy_b, rc.crisis.settings.rounds)
    assert f"war\n   comes in about {round(100 * float(path['p_war']))}% of crises" in text
    v = np.asarray(eq.values)[esc.opening_state]
    assert v[1] > v[0] and "the side that moves first (Pakistan here) does far better" in text
    th = tying_hands_from_params({k: v for k, v in cfg["models"]["tying_hands"].items() if k != "defender"})
    assert abs(float(th.primary("bluff")) - 2 / 3) < 1e-12 and "two times in three" in text
    assert f"probability {100 * float(th.primary('press')):.1f}%" in text


def test_readme_commands_compose_and_validate():
    """Every `python experiments/<app>.py ...` line in the README's bash blocks composes and
    validates as written (the same precheck the apps run before Hydra starts), so no README
    command is stale.  Multiruns are expanded into each of their jobs."""
    import shlex
    import sys

    import pytest

    sys.path.insert(0, str(README.parent / "experiments"))
    import cli
    import compare
    from sim.config.run import validate_run
    from sim.config.sweep import validate_sweep
    from sim.config.tournament import validate_tournament

    apps = {"run": validate_run, "tournament": validate_tournament, "sweep": validate_sweep,
            "compare": compare.validate_compare}
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S)
    commands = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            m = re.match(r"(?:.*&& )?python experiments/(\w+)\.py(.*)$", line)
            if m and m.group(1) in apps:
                commands.append((m.group(1), shlex.split(m.group(2))))
    assert len(commands) >= 20
    for app, argv in commands:
        try:
            cli.precheck(app, argv, apps[app])
        except SystemExit:
            pytest.fail(f"README command fails: python experiments/{app}.py {' '.join(argv)}")
