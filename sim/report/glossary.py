"""Terms a summary uses, each explained in one line, and the note that marks illustrative numbers.

:func:`glossary_markdown` looks through a finished ``summary.md`` and returns a "Terms used
above" section with one line for each term of :data:`GLOSSARY` that the text uses, in the
order of the list (roughly the order a reader meets them).  :data:`ILLUSTRATIVE_NOTE` is the
paragraph that opens every run's summary.
"""

from __future__ import annotations

import re

__all__ = ["GLOSSARY", "ILLUSTRATIVE_NOTE", "glossary_markdown", "with_terms"]

ILLUSTRATIVE_NOTE = (
    "**Illustrative numbers.** The model's parameters (payoffs, costs, risks of war, noise) are set in the "
    "scenario file for teaching, not measured. Every payoff, probability and gain computed from them below shows "
    "how the model works; none is an estimate of what happened or a prediction of what any government will do. "
    "Terms are explained in one line each at the end.")

#: (term, pattern that finds it in a summary (case-insensitive), one-line explanation).
GLOSSARY: tuple[tuple[str, str, str], ...] = (
    ("Rung", r"\brungs?\b",
     "one step of the escalation ladder, from 0 (baseline) upwards; the rung of a reported event is the "
     "scenario's reading, not an official designation."),
    ("Payoff (utility)", r"\bpayoffs?\b|\butility\b",
     "a number for how good an outcome is for one side (higher is better); only differences matter, and here "
     "they are illustrative."),
    ("Nash equilibrium", r"nash equilibri",
     "a choice for each side such that neither could do better by changing only its own choice."),
    ("Pure and mixed equilibria", r"\bmixed\b|\bpure equilibri|pure and mixed",
     "in a pure equilibrium each side picks one option; in a mixed one a side picks at random with given "
     "probabilities, which keeps the other side indifferent."),
    ("Security dilemma", r"security dilemma",
     "both sides would be better off restraining, yet each, acting alone, does better by escalating, so both end "
     "up worse off."),
    ("Equilibrium map", r"equilibrium map",
     "the equilibrium computed at every point of a grid of two parameters, to show where the answer changes."),
    ("Markov chain", r"markov chain",
     "a model in which what happens next depends only on where things stand now; it gives the crisis's "
     "probabilities exactly, without simulation."),
    ("Monte Carlo", r"monte carlo",
     "estimating probabilities by simulating many crises with random draws and counting outcomes; the numbers "
     "carry sampling error."),
    ("Execution and perception noise", r"execution noise|perception noise|carries out a different rung|misreads",
     "how often a side carries out a rung other than the one its policy intended, and how often it misreads the "
     "other side's rung."),
    ("Third party (mediation)", r"third party|mediat",
     "an outside actor that may end the crisis after a round, more often the higher the rungs."),
    ("Best response", r"best response",
     "the way of playing that gives a side the highest expected payoff, given how the other side plays."),
    ("Credible policy", r"\bcredib",
     "here, a stated policy that is a best response to the other side's: carrying it out is in the side's own "
     "interest."),
    ("Subgame perfect", r"subgame perfect",
     "carrying out each side's policy pays in every situation, including ones that never arise if both keep to "
     "their word."),
    ("Markov perfect equilibrium (MPE)", r"markov perfect|\bMPE\b",
     "policies that say what to play in each situation (the rungs standing and whose move it is), each a best "
     "response to the other in every situation."),
    ("Logit quantal response (QRE)", r"\bQRE\b|quantal response",
     "play in which better options are chosen more often but not always; lambda measures how sharply (0: at "
     "random; large: as in a Nash equilibrium)."),
    ("Discount", r"\bdiscount",
     "how much a side values the next round relative to this one (1: equally; 0.95: 5% less)."),
    ("Likelihood", r"likelihood",
     "the probability that a model produces exactly the observed sequence; higher means the model fits better."),
    ("AIC and Akaike weight", r"\bAIC\b|akaike",
     "a fit score that penalises free parameters (lower is better); the Akaike weight is a model's share of "
     "support among the candidates compared."),
    ("Posterior predictive check", r"posterior predictive",
     "whether the fitted model's simulated crises look like the observed one."),
    ("Sobol index", r"sobol",
     "the share of an answer's spread over the parameter ranges that one parameter drives."),
    ("Brinkmanship", r"brinkmanship",
     "pressing a demand by running a shared risk of war that neither side fully controls (Schelling)."),
    ("Resolve", r"\bresolve\b",
     "how much risk of war a side would accept rather than give in; it follows from the assumed stakes."),
    ("Audience cost", r"audience cost",
     "what a leader loses at home by backing down after a public threat (Fearon)."),
    ("Perfect Bayesian equilibrium", r"perfect bayesian",
     "an equilibrium in which a side that does not know the other's type updates its belief from what it sees."),
    ("Separating, semi-separating, pooling", r"separating|pooling",
     "whether a threat reveals the threatener's type (separating), partly reveals it (semi-separating) or reveals "
     "nothing because every type threatens (pooling)."),
)


def glossary_markdown(markdown: str) -> str:
    """A "Terms used above" section for the terms of :data:`GLOSSARY` that ``markdown`` uses
    (empty string if none)."""
    used = [(term, text) for term, pattern, text in GLOSSARY if re.search(pattern, markdown, re.I)]
    if not used:
        return ""
    return "\n".join(["## Terms used above", ""] + [f"- **{term}**: {text}" for term, text in used]) + "\n"


def with_terms(markdown: str) -> str:
    """``markdown`` (a run's summary, starting with its ``# title``) with :data:`ILLUSTRATIVE_NOTE`
    under the title and :func:`glossary_markdown` at the end."""
    head, _, rest = markdown.partition("\n")
    body = f"{head}\n\n{ILLUSTRATIVE_NOTE}\n{rest}" if head.startswith("# ") else f"{ILLUSTRATIVE_NOTE}\n\n{markdown}"
    terms = glossary_markdown(markdown)
    return body.rstrip("\n") + "\n\n" + terms if terms else body
