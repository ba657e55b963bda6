"""Hardened inputs (issue #9): configs are data.

A scenario (or game, strategy, tree, sweep) file shared by someone else must never run code,
read the environment or redirect output; names that become paths are safe; the two sides of a
scenario differ; side names in other scripts render with one clear warning at most.

Two end-to-end subprocess runs prove the headline (a ``hydra.callbacks`` file runs nothing and
writes nothing; an ``${oc.env:...}`` secret leaks nowhere); the other cases call the same
checking functions the CLI calls before Hydra starts (``guard.command_line``, ``cli.precheck``).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import uuid
import warnings
from pathlib import Path

import pytest
import yaml
from apphelpers import assert_user_error

from sim import games
from sim.config.run import validate_run
from sim.config.safety import check_data, check_name, interpolation_problem
from sim.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
RUN = ROOT / "experiments" / "run.py"
sys.path.insert(0, str(ROOT / "experiments"))
import cli  # noqa: E402
import guard  # noqa: E402
import compare  # noqa: E402

sys.path.pop(0)

RULE_WORDS = "configs are data"
GOOD = """\
# @package _global_
defaults:
  - /game: chicken
scenario:
  name: mine
  title: "My own crisis: ${game.value} at stake"
  sides: [North, South]
map: {x: value, y: crash_cost, points: 5}
crisis: null
"""


def _run(args, cwd, env_extra=None):
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("HYDRA_FULL_ERROR", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, str(RUN), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def _user_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    """A user config directory (for ``--config-dir``) with ``scenario/<name>.yaml`` files."""
    cfg = tmp_path / "my_configs"
    for rel, text in files.items():
        path = cfg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return cfg


def _all_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


# --------------------------------------------------------------------------- end to end (subprocess)
def test_hydra_callback_in_a_scenario_runs_nothing_and_writes_nothing(tmp_path):
    """The attack: a ``# @package _global_`` scenario whose ``hydra.callbacks`` entry names a callable
    that creates a file.  Refused before Hydra starts: exit 2, one line naming the file and the key,
    the callable never ran, no results directory."""
    marker = tmp_path / "MARKER"
    (tmp_path / "evil_callback.py").write_text(
        "from pathlib import Path\n\nclass Touch:\n    def __init__(self, path):\n        Path(path).write_text('ran')\n")
    cfg = _user_dir(tmp_path, {"scenario/evil.yaml": GOOD + f"""\
hydra:
  callbacks:
    pwn:
      _target_: evil_callback.Touch
      path: {marker}
"""})
    proc = _run(["--config-dir", str(cfg), "scenario=evil"], tmp_path,
                {"PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])})
    assert proc.returncode == 2, proc.stderr
    assert_user_error(proc, "hydra.callbacks", tmp_path)
    assert "evil.yaml" in proc.stderr and RULE_WORDS in proc.stderr
    assert not marker.exists()
    assert not (tmp_path / "results").exists() and not (tmp_path / "outputs").exists()


def test_env_resolver_in_a_title_leaks_the_secret_nowhere(tmp_path):
    secret = f"s3cr3t-{uuid.uuid4().hex}"
    cfg = _user_dir(tmp_path, {"scenario/leaky.yaml": GOOD.replace("My own crisis", "${oc.env:SOME_SECRET}")})
    proc = _run(["--config-dir", str(cfg), "scenario=leaky"], tmp_path, {"SOME_SECRET": secret})
    assert proc.returncode == 2
    assert_user_error(proc, "scenario.title", tmp_path)
    assert "oc.env" in proc.stderr
    assert secret not in proc.stdout + proc.stderr
    assert secret.encode() not in _all_bytes(tmp_path)
    assert not (tmp_path / "results").exists()


# --------------------------------------------------------------------------- the files (in process)
EVIL = {
    "hydra_callbacks": ("# @package _global_\nhydra:\n  callbacks:\n    x: {_target_: os.getcwd}\n", "hydra.callbacks"),
    "hydra_run_dir": ("# @package _global_\nscenario: {name: x, sides: [A, B]}\nhydra:\n  run:\n    dir: /tmp/elsewhere\n",
                      "hydra.run.dir"),
    "target_in_a_normal_key": ("# @package _global_\nscenario:\n  name: x\n  parameter_notes:\n    note: {_target_: os.system}\n",
                               "scenario.parameter_notes.note._target_"),
    "args_in_a_list": ("# @package _global_\nscenario:\n  sources: [{_args_: [1]}]\n", "scenario.sources[0]._args_"),
    "partial_at_top": ("_partial_: true\n", "_partial_"),
    "env_resolver": ("# @package _global_\nscenario:\n  title: 'War ${oc.env:SOME_SECRET}'\n", "scenario.title"),
    "decode_resolver": ("# @package _global_\ngame:\n  war_cost: '${oc.decode:\"7\"}'\n", "game.war_cost"),
    "unknown_resolver": ("# @package _global_\nscenario:\n  title: '${now:%Y}'\n", "scenario.title"),
    "resolver_inside_a_reference": ("# @package _global_\nscenario:\n  title: '${game.${oc.env:X}}'\n", "scenario.title"),
    "package_header_hydra": ("# @package hydra.run\ndir: /tmp/elsewhere\n", "hydra.run.dir"),
    "defaults_select_a_launcher": ("# @package _global_\ndefaults:\n  - override /hydra/launcher: slurm\n",
                                   "override /hydra/launcher"),
    "defaults_put_a_file_under_hydra": ("# @package _global_\ndefaults:\n  - /strategy@hydra.callbacks: grit\n",
                                        "/strategy@hydra.callbacks"),
    "defaults_interpolation": ("# @package _global_\ndefaults:\n  - /game: ${oc.env:HOME}\n", "/game"),
    "defaults_leave_the_folder": ("# @package _global_\ndefaults:\n  - /game: ../../../tmp/x\n", "/game"),
    "defaults_path_leaves_the_folder": ("defaults:\n  - ../../../../tmp/x\n", "../../../../tmp/x"),
    "sweep_store_path": ("# @package _global_\nsweep: {store: /tmp/elsewhere}\n", "sweep.store"),
    "python_yaml_tag": ("scenario: !!python/object/apply:os.system [id]\n", "not a plain YAML file"),
    "includes_an_evil_file": ("# @package _global_\ndefaults:\n  - /scenario: hydra_run_dir\n", "hydra.run.dir"),
}


@pytest.mark.parametrize("name", sorted(EVIL))
def test_evil_user_files_are_refused_before_hydra_reads_them(tmp_path, name):
    text, key = EVIL[name]
    cfg = _user_dir(tmp_path, {f"scenario/{n}.yaml": t for n, (t, _) in EVIL.items()})
    with pytest.raises(ConfigError) as err:
        guard.command_line("run", [f"scenario={name}"], str(cfg))
    msg = str(err.value)
    assert "\n" not in msg and key in msg, msg
    assert RULE_WORDS in msg or "is not a safe name" in msg or "is not a plain YAML file" in msg, msg
    evil_file = "hydra_run_dir" if name == "includes_an_evil_file" else name
    assert msg.startswith(str(cfg / "scenario" / f"{evil_file}.yaml") + ":"), msg


def test_a_file_dropped_into_configs_is_checked_too(tmp_path):
    """A file copied into configs/scenario/ (the README's way to add a scenario) is scanned like any other,
    from the command line and from compare's variants."""
    name = f"zz_test_evil_{os.getpid()}"
    path = CONFIGS / "scenario" / f"{name}.yaml"
    path.write_text(EVIL["hydra_callbacks"][0])
    try:
        with pytest.raises(ConfigError, match=rf"^configs/scenario/{name}\.yaml: hydra\.callbacks"):
            guard.command_line("run", [f"scenario={name}"])
        with pytest.raises(ConfigError, match=rf"^variants\[1\]: configs/scenario/{name}\.yaml: hydra\.callbacks"):
            compare.validate_compare({"seed": 0, "variants": [{"name": "a"},
                                                              {"name": "b", "overrides": {"scenario": name}}]})
    finally:
        path.unlink()


def test_a_user_scenario_in_a_config_dir_passes_the_checks_and_validates(tmp_path, capsys):
    cfg = _user_dir(tmp_path, {"scenario/mine.yaml": GOOD})
    cli.precheck("run", ["--config-dir", str(cfg), "scenario=mine"], validate_run)  # no SystemExit
    assert capsys.readouterr().err == ""


def test_a_user_config_dir_may_not_hold_hydra_settings(tmp_path):
    """A ``hydra/launcher/joblib.yaml`` in a user dir would shadow the installed launcher's config."""
    cfg = _user_dir(tmp_path, {"scenario/mine.yaml": GOOD, "hydra/launcher/joblib.yaml": "_target_: os.system\n"})
    with pytest.raises(ConfigError, match="Hydra settings are not allowed in a user config directory"):
        guard.command_line("run", ["scenario=mine"], str(cfg))


@pytest.mark.parametrize("app", ["run", "sweep", "tournament", "compare"])
def test_every_shipped_config_is_data(app):
    """The audit: every file under configs/<group>/ (not the primary configs, not configs/hydra) passes."""
    choices = [(p.parent.name, "crisis.side_a" if p.parent.name == "strategy" else None, p.stem)
               for p in sorted(CONFIGS.glob("*/*.yaml")) if p.parent.name not in ("hydra", "tree")]
    assert len(guard.scan(app, choices, [])) >= len(choices)
    for tree in sorted((CONFIGS / "tree").glob("*.yaml")):
        guard.check_file(tree, f"tree/{tree.stem}", "", "models.tree", "tree")
    pattern = re.compile(r"_target_|_call_|_partial_|_args_|^hydra:|oc\.env", re.M)
    for p in CONFIGS.glob("*/**/*.yaml"):
        if p.relative_to(CONFIGS).parts[0] != "hydra":
            assert not pattern.search(p.read_text()), p


# --------------------------------------------------------------------------- the command line (in process)
def _precheck_error(argv, capsys, app="run", validate=validate_run) -> str:
    with pytest.raises(SystemExit) as ex:
        cli.precheck(app, argv, validate)
    assert ex.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("argv, expected", [
    (["scenario.title=${oc.env:HOME}"], "command line: scenario.title uses the resolver oc.env"),
    (["scenario.title='${oc.env:HOME}'"], "scenario.title uses the resolver oc.env"),
    (["-m", "seed=1,'${oc.env:HOME}'"], "seed uses the resolver oc.env"),
    (["+game._target_=os.system"], "game._target_ is not allowed"),
    (["crisis.side_a={name: grit, _args_: [1]}"], "crisis.side_a._args_ is not allowed"),
    (["scenario=../../tmp/evil"], "scenario: '../../tmp/evil' is not a safe name"),
    (["experiment=../../elsewhere"], "experiment: '../../elsewhere' is not a safe name"),
    (["experiment=.hidden"], "experiment: '.hidden' is not a safe name"),
    (["--config-name", "sweep"], "--config-name"),
    (["--experimental-rerun", "config.pickle"], "--experimental-rerun is not supported"),
])
def test_bad_command_lines_give_one_line(capsys, argv, expected):
    line = _precheck_error(argv, capsys)
    assert line.startswith("error: ") and expected in line, line
    home = os.environ.get("HOME", "")
    assert len(home) < 2 or home not in line  # the variable is named, its value never read or shown


def test_plain_references_and_our_own_hydra_settings_still_work(capsys):
    cli.precheck("run", ["game.war_cost=${game.advantage}", "hydra.run.dir=out/${now:%H}", "map.points=5"],
                  validate_run)
    assert capsys.readouterr().err == ""


def test_hydra_run_dir_in_a_scenario_is_refused_by_the_cli_check(tmp_path, capsys):
    cfg = _user_dir(tmp_path, {"scenario/moved.yaml": GOOD + "hydra:\n  run:\n    dir: /tmp/elsewhere\n"})
    line = _precheck_error(["--config-dir", str(cfg), "scenario=moved"], capsys)
    assert "moved.yaml: hydra.run.dir is not allowed in a scenario file" in line


def test_the_composed_config_is_checked_again():
    """Second line of defence: whatever reached the composed config from a group file is refused."""
    from omegaconf import OmegaConf

    base = {"run": {"dir": "results/x"}, "callbacks": {}}
    with pytest.raises(ConfigError, match="hydra.callbacks(.x._target_)? is set by a config group file"):
        guard.composed(OmegaConf.create({"hydra": {**base, "callbacks": {"x": {"_target_": "os.system"}}}}), base)
    with pytest.raises(ConfigError, match="hydra.run.dir is set by a config group file"):
        guard.composed(OmegaConf.create({"hydra": {**base, "run": {"dir": "/tmp"}}}), base)
    with pytest.raises(ConfigError, match="scenario.title uses the resolver oc.env"):
        guard.composed(OmegaConf.create({"scenario": {"title": "${oc.env:HOME}"}, "hydra": base}), base)
    guard.composed(OmegaConf.create({"a": "${b}", "b": 1, "hydra": dict(base, runtime={"choices": {"x": 1}})}),
                    base)


def test_compare_variants_are_data_too():
    with pytest.raises(ConfigError, match=r"^variants\[1\]\.overrides\.scenario\.title: uses the resolver oc\.env"):
        compare.validate_compare({"seed": 0, "variants": [
            {"name": "a"}, {"name": "b", "overrides": {"scenario.title": "${oc.env:HOME}"}}]})
    with pytest.raises(ConfigError, match="^experiment: '../x' is not a safe name"):
        compare.validate_compare({"experiment": "../x", "variants": [{"name": "a"}, {"name": "b"}]})
    # a variant's name is display text; its folder name is a slug of letters, digits and '_'
    assert compare.folder_slug("../../etc/passwd") == "etc_passwd" and compare.folder_slug("..") == "variant"


# --------------------------------------------------------------------------- checks as functions
def test_safety_checks():
    assert interpolation_problem("${game.war_cost} and ${..x} and ${a[0]}") is None
    assert interpolation_problem("no interpolation, $5") is None
    for bad in ("${oc.env:HOME}", "${ oc.env:HOME }", "${oc.create:{}}", "${my_resolver:}", "${a.${b}}", "${x", "${}"):
        assert interpolation_problem(bad), bad
    check_data({"a": [{"b": "${a}"}]}, "f")
    with pytest.raises(ConfigError, match=r"^f: a\[0\]\._call_ is not allowed in a scenario file"):
        check_data({"a": [{"_call_": True}]}, "f", kind="scenario file")
    for good in ("run", "india_pakistan_2025", "v1.2-b"):
        assert check_name("experiment", good) == good
    for bad in ("", "..", ".x", "a/b", "a\\b", "a b", "x" * 101, "भारत", None):
        with pytest.raises(ConfigError, match="^experiment:"):
            check_name("experiment", bad)


@pytest.mark.parametrize("sides", [["India", "India"], ["India", " india "], ["India", "INDIA"], ["India", " "]])
def test_duplicate_or_blank_sides_are_refused(sides):
    cfg = yaml.safe_load((CONFIGS / "scenario" / "classroom_chicken.yaml").read_text())
    cfg["scenario"]["sides"] = sides
    cfg = {"scenario": cfg["scenario"], "game": {"name": "chicken"}, "map": {"x": None, "y": None}}
    with pytest.raises(ConfigError) as err:
        validate_run(cfg)
    assert str(err.value).startswith("scenario.sides:") and "\n" not in str(err.value)


def test_a_game_with_two_equal_side_names_is_refused():
    with pytest.raises(ConfigError, match="^sides: the two sides need different names"):
        games.chicken(sides=("A", "a "))


# --------------------------------------------------------------------------- other scripts in figures
def _glyph_warnings(caught):
    return [w for w in caught if "missing from font" in str(w.message)]


def test_non_latin_side_names_render_or_warn_once(tmp_path):
    """Devanagari and Urdu side names: with a font that has the glyphs installed (e.g. Noto) no
    missing-glyph warning; without one, exactly one warning naming the side and the font to install."""
    from sim.equilibria.nash import nash_equilibria
    from sim.viz import stage, style

    side = "भारत" + uuid.uuid4().hex[:4]  # the warning is given once per process and text
    game = games.chicken(sides=(side, "پاکستان"))
    fig = stage.payoff_heatmap(game, nash_equilibria(game), title=f"{side} and پاکستان")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        style.save(fig, tmp_path / "heatmap.png")
    assert (tmp_path / "heatmap.png").read_bytes()[:4] == b"\x89PNG"
    assert not _glyph_warnings(caught)
    families, missing = style.fallback_families(set("भारत"))
    if not missing:  # a font with Devanagari is installed: it was used
        assert not caught
    else:
        assert len(caught) == 1, [str(w.message) for w in caught]
        message = str(caught[0].message)
        assert caught[0].category is UserWarning
        assert side in message and "Devanagari" in message and "fonts-noto-core" in message


def test_a_font_that_has_the_glyphs_is_used():
    """Characters that DejaVu Sans lacks but matplotlib's own STIX fonts have: drawn from STIX, no warning."""
    from matplotlib.figure import Figure
    from sim.viz import fit_fonts

    fig = Figure()
    ax = fig.add_subplot()
    ax.set_xlabel("\u1d81\u1d84 side")  # LATIN SMALL LETTER D/K WITH PALATAL HOOK
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_fonts(fig)
        fig.savefig(io.BytesIO(), format="png")
    assert not caught, [str(w.message) for w in caught]
    assert "STIXGeneral" in ax.xaxis.label.get_fontfamily()


def test_latin_figures_are_written_exactly_as_before(tmp_path):
    from sim.equilibria.nash import nash_equilibria
    from sim.viz import stage, style

    game = games.chicken(sides=("India", "Pakistan"))

    def figure():
        return stage.payoff_heatmap(game, nash_equilibria(game), title="India and Pakistan")

    plain = io.BytesIO()  # what save() writes without any font substitution
    figure().savefig(plain, format="png", dpi=150, facecolor="white",
                     pil_kwargs={"compress_level": style.PNG_COMPRESSION})
    style.save(figure(), tmp_path / "a.png")
    # compared by digest: a failing comparison of two ~100 kB byte strings makes pytest diff them for minutes
    assert hashlib.sha256((tmp_path / "a.png").read_bytes()).hexdigest() == hashlib.sha256(plain.getvalue()).hexdigest()
