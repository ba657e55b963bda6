"""summary.md marks its numbers as illustrative and explains every term of art it uses (sim/report/glossary.py)."""

from __future__ import annotations

import re

from sim.report.glossary import GLOSSARY, ILLUSTRATIVE_NOTE, glossary_markdown, with_terms

#: Jargon a newcomer stumbles on (issue 12): each, when a summary uses it, must be explained in its terms.
JARGON = ("semi-separating", "Markov chain", "Monte Carlo", "subgame perfect", "Sobol", "Akaike", "best response",
          "Nash equilibrium", "Markov perfect", "audience cost", "perfect Bayesian")


def test_the_default_summary_opens_with_the_note_and_ends_with_its_terms(default_run):
    md = (default_run / "summary.md").read_text(encoding="utf-8")
    title, blank, note = md.split("\n")[:3]
    assert title.startswith("# ") and blank == "" and note == ILLUSTRATIVE_NOTE
    body, terms = md.split("\n## Terms used above\n")
    explained = re.findall(r"^- \*\*(.+?)\*\*: ", terms, re.M)
    assert explained == [t for t, pattern, _ in GLOSSARY if re.search(pattern, body, re.I)]
    for word in JARGON:
        if word.lower() in body.lower():
            assert any(word.lower() in (t + " " + text).lower() for t, _, text in GLOSSARY if t in explained), word


def test_terms_follow_the_text_only():
    assert glossary_markdown("Nothing technical here.") == ""
    md = with_terms("# T\n\nA Monte Carlo estimate.\n")
    assert md.startswith("# T\n\n" + ILLUSTRATIVE_NOTE)
    assert md.count("- **") == 1 and "**Monte Carlo**" in md
    two_by_two = glossary_markdown("The only Nash equilibrium is mixed.")
    assert "Markov chain" not in two_by_two and "Pure and mixed equilibria" in two_by_two
