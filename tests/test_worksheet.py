"""The worksheet (sim/report/worksheet*.py): its answer key holds the library's numbers, recomputed here
by direct calls, it adapts to what a run computed, and its page is safe and self-contained."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest
import yaml

from sim.config.run import build_game, validate_run
from sim.crisis.bargaining import tying_hands_from_params
from sim.dynamic import credibility
from sim.equilibria.nash import nash_equilibria
from sim.games import build
from sim.report import stage_summary
from sim.report.worksheet import worksheet_html, worksheet_markdown
from sim.report.worksheet_questions import worksheet_questions
from sim.repeated import load
from sim.repeated.markov.chain import analyse
from sim.wording import fmt_number, fmt_percent

from conftest import ROOT


def _key(md: str) -> dict[int, str]:
    """The answer key of a worksheet.md as {question number: answer}."""
    key = md.split("## Answer key (for the teacher)", 1)[1]
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^(\d+)\. (.*)$", key, re.M)}


def _questions(md: str) -> dict[int, str]:
    body = md.split("## Answer key (for the teacher)", 1)[0]
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^(\d+)\. (.*)$", body, re.M)}


def _answer(md: str, words: str) -> str:
    qs, key = _questions(md), _key(md)
    hits = [n for n, q in qs.items() if words in q]
    assert len(hits) == 1, (words, hits)
    return key[hits[0]]


@pytest.fixture(scope="module")
def run(default_run, default_cfg):
    return default_run, json.loads((default_run / "summary.json").read_text()), validate_run(default_cfg)


def test_every_question_has_an_answer_and_the_files_agree(run):
    run_dir, summary, _ = run
    md = (run_dir / "worksheet.md").read_text(encoding="utf-8")
    assert md == worksheet_markdown(summary, run_name=run_dir.name)  # the file is the summary's worksheet
    qs, key = _questions(md), _key(md)
    assert len(qs) >= 15 and sorted(qs) == sorted(key) == list(range(1, len(qs) + 1))
    assert "illustrative" in md.split("##")[0]  # the sheet says so before the first question
    for n, q in qs.items():  # every figure a question points at was drawn by the run
        for name in re.findall(r"figures/([\w.]+\.png)", q):
            assert (run_dir / "figures" / name).is_file(), (n, name)


def test_answers_equal_direct_library_calls(run):
    """The crisis, credibility, stage-game and tying-hands answers recomputed without the run's code path."""
    run_dir, summary, rc = run
    md = (run_dir / "worksheet.md").read_text(encoding="utf-8")
    game = build_game(rc.game, rc.scenario)
    K = game.n_actions[0]
    a, b = (load(s, K=K) for s in (rc.crisis.side_a, rc.crisis.side_b))
    res = analyse(game, a, b, settings=rc.crisis.settings)
    ans = _answer(md, "what share of crises ends in war")
    assert f"War {fmt_percent(res.p_war[-1])}, settled {fmt_percent(res.p_settled[-1])}" in ans
    eq = nash_equilibria(game)
    assert len(eq) == 1
    r = int(eq[0].x.argmax())
    ans = _answer(md, "Find the Nash equilibrium")
    assert f"both sides at rung {r} " in ans and f"{game.sides[0]} gets {fmt_number(eq[0].payoff_a)}" in ans
    cred = credibility(game, a, b, settings=rc.crisis.settings)
    ans = _answer(md, f"Is {game.sides[0]}'s stated rule a best response")
    assert ans.startswith("No" if cred.gain_a > 1e-9 else "Yes") and f"a gain of {fmt_number(cred.gain_a)}" in ans
    ans = _answer(md, f"Is {game.sides[1]}'s stated rule a best response")
    assert f"a gain of {fmt_number(cred.gain_b)}" in ans
    th = tying_hands_from_params(rc.models["tying_hands"]["params"])
    ans = _answer(md, "how often does an unresolved")
    assert f"probability {fmt_percent(float(th.primary('bluff')))}" in ans
    assert f"presses with probability {fmt_percent(float(th.primary('press')))}" in ans


def test_contested_and_peak_answers_follow_the_scenario_file(run):
    """Read from configs/scenario/india_pakistan_2025.yaml directly, not from the summary."""
    run_dir, _, _ = run
    md = (run_dir / "worksheet.md").read_text(encoding="utf-8")
    scen = yaml.safe_load((ROOT / "configs" / "scenario" / "india_pakistan_2025.yaml").read_text())["scenario"]
    phases = scen["phases"]
    n_contested = sum(1 for p in phases if p.get("contested"))
    ans = _answer(md, "which rungs rest on one side's claim")
    assert ans.count(";") + 1 == n_contested
    peaks = _answer(md, "What is the highest rung")
    for side in scen["sides"]:
        top = max(p["rungs"][side] for p in phases if p["rungs"].get(side) is not None)
        assert f"{side}: rung {top}," in peaks


def test_a_2x2_game_with_mixed_equilibria_gets_only_the_stage_questions():
    game = build("chicken")
    eqs = nash_equilibria(game)
    summary = dict(stage_summary(scenario={"name": "c", "title": "Chicken", "sides": list(game.sides)}, game=game,
                                 equilibria=eqs), seed=1)
    qs = worksheet_questions(summary)
    assert {q.part for q in qs} == {"One round as a game", "Discuss"}
    ans = qs[0].answer
    assert ans.startswith(f"{len(eqs)} equilibria:") and "mixes" in ans  # chicken: two pure and one mixed
    mixed = next(e for e in eqs if not e.is_pure)
    assert fmt_percent(float(mixed.x[0])) in ans and fmt_number(mixed.payoff_a) in ans


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_page_escapes_hostile_text_and_requests_nothing(run):
    _, summary, _ = run
    evil = "<script>alert(1)</script>"
    s = json.loads(json.dumps(summary))
    s["scenario"]["title"] = f"T {evil}"
    s["scenario"]["phases"][0]["contested"] = [f"X{evil}"]
    page = worksheet_html(s, figures={"timeline.png": b"\x89PNG fake"}, run_name=f"r{evil}")
    assert "<script" not in page.lower() and "&lt;script&gt;" in page
    p = _Tags()
    p.feed(page)
    assert not [t for t, _ in p.tags if t in ("script", "link", "iframe", "object", "embed")]
    imgs = [a for t, a in p.tags if t == "img"]
    assert len(imgs) == 1 and imgs[0]["src"].startswith("data:image/png;base64,")  # a figure shown once
    assert "default-src 'none'" in page and page.count('class="key"') == 1


def test_the_run_writes_the_print_page_with_its_figures(run):
    run_dir, summary, _ = run
    page = (run_dir / "worksheet.html").read_text(encoding="utf-8")
    named = {q.figure for q in worksheet_questions(summary) if q.figure}
    drawn = {p.name for p in (run_dir / "figures").glob("*.png")}
    assert page.count('src="data:image/png;base64,') == len(named & drawn) >= 5
    assert np.all([f"figures/{n}" in page for n in named & drawn])
