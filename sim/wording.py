"""Plain-language wording shared by the reports (``summary.md``) and the figures.

Readable names
    The readable names of game classes (:data:`CLASS_LABELS`, with a one-line meaning in
    :data:`CLASS_MEANINGS`), of builder parameters with their units (:func:`param_label`),
    and of the registered strategies (:data:`STRATEGY_LABELS`, :data:`STRATEGY_DESCRIPTIONS`),
    so figures and text use the same words.

Numbers and markdown in words
    :func:`fmt_number` (significant digits), :func:`fmt_percent` (percentages),
    :func:`sentence_case` / :func:`sentence_case_md` (first letter upper-cased),
    :func:`markdown_cell` (a markdown table cell), :func:`join_words` ("a, b and c"),
    :func:`param_phrase` (a parameter's name in running text), :func:`figure_guide` (the
    "How to read the figures" list) and :data:`DISCLAIMER`, which closes every report section.

A shared leaf: used by :mod:`sim.viz` (axis labels, legends) and :mod:`sim.report` (text),
it imports nothing from :mod:`sim`.
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

__all__ = ["CLASS_LABELS", "CLASS_MEANINGS", "PARAM_LABELS", "STRATEGY_LABELS", "STRATEGY_DESCRIPTIONS",
           "DISCLAIMER", "class_label", "param_label", "param_phrase", "strategy_label", "strategy_description",
           "fmt_number", "fmt_percent", "sentence_case", "sentence_case_md", "markdown_cell", "join_words",
           "figure_guide", "figure_notes"]

#: Readable names of the game classes of :data:`sim.games.classify.CLASSES` and of the regimes of
#: :data:`sim.sweeps.maps.REGIMES`.
CLASS_LABELS: dict[str, str] = {
    "prisoners_dilemma": "Prisoner's Dilemma",
    "chicken": "Chicken",
    "stag_hunt": "Stag Hunt",
    "deadlock": "Deadlock",
    "harmony": "Harmony",
    "leader": "Leader",
    "battle_of_the_sexes": "Battle of the Sexes",
    "cyclic": "Cyclic (no pure equilibrium)",
    "asymmetric": "Asymmetric (sides differ)",
    "tied": "Tied payoffs",
    "other": "Other ordering",
    "unique pure equilibrium": "Unique pure equilibrium",
    "several pure equilibria": "Several pure equilibria",
    "no pure equilibrium": "No pure equilibrium",
}

#: One-line meaning of each game class, for readers new to game theory.
CLASS_MEANINGS: dict[str, str] = {
    "prisoners_dilemma": ("each side does better by escalating whatever the other does, yet both would be "
                          "better off if both restrained. It is the textbook model of the security dilemma "
                          "(Jervis 1978)."),
    "chicken": ("each side wants the other to back down; if neither does, both get their worst outcome. "
                "It is the textbook model of brinkmanship."),
    "stag_hunt": ("both restraining is best for both, but restraint is safe only if each side trusts the "
                  "other to restrain too (an assurance problem)."),
    "deadlock": "each side prefers mutual escalation to mutual restraint, so escalation is expected.",
    "harmony": "restraint is best for each side whatever the other does, so there is no dilemma.",
    "leader": ("each side prefers that exactly one side escalates, and prefers to be the one that restrains "
               "while the other leads."),
    "battle_of_the_sexes": ("each side prefers that exactly one side escalates, and prefers to be the one "
                            "that escalates."),
    "cyclic": "no pair of pure choices is stable: best replies chase each other round the four outcomes.",
    "asymmetric": "the two sides rank the four outcomes differently, so the game has no single textbook name.",
    "tied": "some side values two outcomes equally, so the textbook names do not apply exactly.",
}

#: Readable labels, with units, of the numeric builder parameters of :mod:`sim.games`.
PARAM_LABELS: dict[str, str] = {
    "advantage": "Coercive advantage (utility per round)",
    "damage": "Damage received (utility per round)",
    "cost": "Cost of own action (utility per round)",
    "war_risk": "War risk at the top rung (probability per round)",
    "war_cost": "War cost (utility, one-off)",
    "advantage_b": "Side B's coercive advantage (utility per round)",
    "damage_b": "Damage received by side B (utility per round)",
    "cost_b": "Cost of side B's own action (utility per round)",
    "war_cost_b": "Side B's war cost (utility, one-off)",
    "risk_interaction": "Risk interaction k (share, 0-1)",
    "risk_exponent": "Risk exponent e (dimensionless)",
    "value": "Value of the prize (utility)",
    "crash_cost": "Cost of a clash (utility)",
    "R": "R: payoff if both restrain (utility)",
    "S": "S: payoff if only the other escalates (utility)",
    "T": "T: payoff if only this side escalates (utility)",
    "P": "P: payoff if both escalate (utility)",
    "status_quo": "Status-quo payoff (utility)",
    "gain": "Gain from a successful challenge (utility)",
    "challenger_cost": "Challenger's cost of conflict (utility)",
    "defender_cost": "Defender's cost of conflict (utility)",
    "K": "Number of rungs",
    # settings of the repeated crisis (sweep axes, multirun overrides)
    "perception_noise": "Perception noise (probability per round)",
    "execution_noise": "Execution noise (probability per round)",
    "mediation": "Mediation (probability per round)",
    "mediation_slope": "Mediation slope (probability per round at the top rung)",
    "rounds": "Rounds",
    "settle_after": "Quiet rounds before settlement",
    "discount": "Discount factor (per round)",
}


#: Readable names of the registered strategies (:data:`sim.repeated.strategies.REGISTRY`).
STRATEGY_LABELS: dict[str, str] = {
    "always_restrain": "always restrain",
    "always_escalate": "always escalate",
    "tit_for_tat": "tit for tat",
    "grim_trigger": "grim trigger",
    "generous_tit_for_tat": "generous tit for tat",
    "win_stay_lose_shift": "win-stay lose-shift",
    "tit_for_two_tats": "tit for two tats",
    "suspicious_tit_for_tat": "suspicious tit for tat",
    "alternator": "alternator",
    "random": "random",
    "graduated_response": "graduated response",
    "proportional_response": "proportional response",
    "overwhelming_response": "overwhelming response",
    "grit": "GRIT",
    "conditional_deescalation": "conditional de-escalation",
}

#: What each registered strategy does, as a clause ("starts at rung 0, then ...").
STRATEGY_DESCRIPTIONS: dict[str, str] = {
    "always_restrain": "stays at rung 0 whatever the other side does",
    "always_escalate": "plays the top rung every round",
    "tit_for_tat": "starts at rung 0, then answers at the rung it saw the other side use in the round before",
    "grim_trigger": ("stays at rung 0 until it sees the other side above rung 0, then plays the top rung "
                     "for the rest of the crisis"),
    "generous_tit_for_tat": ("answers at the rung it saw, like tit for tat, but sometimes forgives an "
                             "escalation and returns to rung 0"),
    "win_stay_lose_shift": ("keeps its rung while the other side stays at rung 0; otherwise it moves, up to the "
                            "other's rung from rung 0, or back down to rung 0 from above"),
    "tit_for_two_tats": "escalates only after seeing the other side escalate twice in a row",
    "suspicious_tit_for_tat": "answers at the rung it saw, like tit for tat, but opens one rung up",
    "alternator": "alternates between rung 0 and a higher rung whatever the other side does",
    "random": "picks a rung at random every round",
    "graduated_response": "answers one rung above the rung it saw (\"match plus one\"), and rung 0 to rung 0",
    "proportional_response": "answers in proportion to the rung it saw",
    "overwhelming_response": ("answers any escalation with the top rung and returns to rung 0 as soon as the "
                              "other side does"),
    "grit": ("returns restraint with restraint, matches escalation, and every few rounds takes a unilateral "
             "step down (Osgood's GRIT)"),
    "conditional_deescalation": ("never initiates, answers an attack in kind, and steps down as soon as the "
                                 "other side steps down"),
}


#: The sentence (markdown, in italics) that closes every report section.
DISCLAIMER = ("*These are results of a stylised model under the stated assumptions, not predictions of what "
               "any government will do.*")


def class_label(name: str) -> str:
    """Readable name of a game class or regime (``"prisoners_dilemma"`` -> ``"Prisoner's Dilemma"``)."""
    return CLASS_LABELS.get(str(name), str(name).replace("_", " ").capitalize())


def param_label(name: str, *, units: bool = True) -> str:
    """Readable label of a builder parameter, with its unit unless ``units=False``."""
    name = str(name)
    for prefix in ("game.", "crisis.", "+game.", "+crisis."):  # a multirun override key names the same parameter
        if name.startswith(prefix) and name[len(prefix):] in PARAM_LABELS:
            name = name[len(prefix):]
    label = PARAM_LABELS.get(name, name.replace("_", " ").capitalize())
    if not units and label.endswith(")") and " (" in label:
        label = label[: label.rindex(" (")]
    return label


def param_phrase(name: str) -> str:
    """A parameter's name for running text: lower case, no unit (``"war_cost"`` -> ``"war cost"``).

    One-letter names (``R``, ``S``, ``T``, ``P``) stay as they are.
    """
    return name if len(name) == 1 else param_label(name, units=False).lower()


def strategy_label(name: Any) -> str:
    """Readable name of a strategy (a registry name, a user's name, or a ``Strategy``)."""
    name = str(getattr(name, "name", name))
    return STRATEGY_LABELS.get(name, name.replace("_", " "))


# --------------------------------------------------------------------------- numbers in words
def fmt_number(v: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant digits for text and labels.

    No exponent for ordinary sizes (1e-4 <= |v| < 1e6), trailing zeros dropped, never
    ``"-0"``; ``None``, NaN and infinities give ``"n/a"``.  ``fmt_number(2/3) == "0.667"``,
    ``fmt_number(1500.0) == "1500"``.
    """
    if v is None:
        return "n/a"
    v = float(v)
    if not math.isfinite(v):
        return "n/a"
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    if mag >= 6 or mag < -4:
        return f"{v:.{digits}g}"
    dec = max(0, digits - 1 - mag)
    s = f"{v:.{dec}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def fmt_percent(p: float) -> str:
    """A probability as a percentage with at most one decimal: ``0.3333 -> '33.3%'``, ``1 -> '100%'``.

    Values that would round to 0% or 100% without being 0 or 1 say so: ``'<0.1%'``, ``'>99.9%'``.
    """
    p = float(p)
    if 0 < p < 0.0005:
        return "<0.1%"
    if 0.9995 < p < 1:
        return ">99.9%"
    s = f"{100 * p:.1f}".rstrip("0").rstrip(".")
    return f"{s}%"


def sentence_case(text: str) -> str:
    """``text`` with its first letter upper-cased, the rest unchanged (side names such as
    "challenger" start sentences)."""
    return text[:1].upper() + text[1:]


def sentence_case_md(text: str) -> str:
    """:func:`sentence_case` that skips leading markdown emphasis (``**war** ...`` -> ``**War** ...``)."""
    k = len(text) - len(text.lstrip("*_"))
    return text[:k] + sentence_case(text[k:])


def markdown_cell(text: str) -> str:
    """``text`` as one markdown table cell: ``|`` escaped, line breaks as spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def join_words(items: Sequence[str]) -> str:
    """Items as an English list: ``["a"] -> "a"``, ``["a", "b", "c"] -> "a, b and c"``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"


#: Plain words for a strategy's parameters in labels ({value} is the parameter's value).
_PARAM_WORDS = {"start": "opening at rung {value}", "period": "a step down after {value} moves of holding",
                "step": "answering {value} rungs higher", "ratio": "ratio {value}", "rung": "rung {value}"}
_STEP_DOWN_WORDS = {"full": "all the way down once the other steps down", "match": "down to the other's rung"}


def strategy_display(name: Any, params: Any = None) -> str:
    """A strategy's label with its non-default parameters in words, for tables and legends:
    ``strategy_display("graduated_response", {"start": 4})`` -> ``"graduated response, opening at
    rung 4"``; ``("conditional_deescalation", {"step_down": "full"})`` -> ``"conditional
    de-escalation, all the way down once the other steps down"``."""
    params = {k: v for k, v in dict(params or {}).items() if k not in ("kind", "K", "name")}
    words = []
    for k, v in params.items():
        if k == "step_down":
            words.append(_STEP_DOWN_WORDS.get(str(v), f"step down {v}"))
        elif k in _PARAM_WORDS:
            words.append(_PARAM_WORDS[k].format(value=fmt_number(v) if isinstance(v, (int, float)) else v))
        else:
            words.append(f"{k.replace('_', ' ')} {v}")
    return ", ".join([strategy_label(name)] + words)


def strategy_description(name: str, params: Any = None) -> str | None:
    """:data:`STRATEGY_DESCRIPTIONS` of ``name``, adjusted for an opening rung ``params["start"]``
    and for conditional de-escalation's reading of "step down" (``params["step_down"]``)."""
    desc = STRATEGY_DESCRIPTIONS.get(str(name))
    if str(name) == "conditional_deescalation" and desc is not None:
        full = isinstance(params, dict) and params.get("step_down") == "full"
        desc = desc + (" (read as: back to rung 0 once the other side steps down at all)" if full else
                       " (read as: down to the rung the other side steps down to, which makes it the same "
                       "automaton as tit for tat)")
    start = (params or {}).get("start") if isinstance(params, dict) else None
    if desc is None or not start:
        return desc
    if desc.startswith("starts at rung 0"):
        return f"starts at rung {start}" + desc[len("starts at rung 0"):]
    return f"opens at rung {start}, then " + desc


def figure_guide(read: list[str]) -> list[str]:
    """Markdown lines of a "How to read the figures" list (nothing if ``read`` is empty)."""
    return ["How to read the figures:", ""] + [f"- {t}" for t in read] + [""] if read else []


def figure_notes(figures: Mapping[str, str], notes: Mapping[str, str]) -> list[str]:
    """:func:`figure_guide` for the figures a run wrote: one entry ```path`: note`` for each
    key of ``notes`` (in its order) that ``figures`` (key -> file) has."""
    return figure_guide([f"`{figures[k]}`: {note}" for k, note in notes.items() if k in figures])
