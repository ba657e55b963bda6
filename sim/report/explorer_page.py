"""``explorer.html``: one self-contained page (inline CSS, inline script, data as JSON), offline.

:func:`render_explorer` turns the data of :func:`sim.report.explorer.explorer_data` into the
page.  Security and offline rules:

- The Content-Security-Policy is ``default-src 'none'; img-src data:; style-src
  'unsafe-inline'; script-src 'sha256-<hash>'``: the one inline script (:data:`SCRIPT`, fixed
  text: it never contains run data) runs because its SHA-256 is in the policy; nothing else
  can run, nothing can be fetched (no network, no other file).
- The data sit in a ``<script type="application/json">`` block, which browsers never execute;
  every ``<``, ``>`` and ``&`` in it is written as a JSON ``\\u003c`` / ``\\u003e`` /
  ``\\u0026`` escape, so a side name such as ``</script><script>...`` cannot end the block.
  The script reads it with ``JSON.parse`` and writes every text with ``textContent``, never
  as HTML.
- The title is HTML-escaped where the page itself shows it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from typing import Any, Mapping

from sim.wording import param_label, strategy_label

__all__ = ["render_explorer", "SCRIPT", "CSS", "script_hash", "csp", "embed_json", "page_data"]

CSS = """
:root{color-scheme:light}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;line-height:1.5;
color:#1a1a1a;background:#fff;margin:0 auto;padding:1rem 1.25rem 3rem;max-width:60rem;overflow-wrap:anywhere}
h1{font-size:1.6rem;line-height:1.25;margin:1rem 0 .5rem}h2{font-size:1.2rem;margin:1.6rem 0 .5rem;
border-bottom:1px solid #ccc;padding-bottom:.2rem}.note{color:#444;font-size:.92rem}
.sliders{display:grid;grid-template-columns:minmax(9rem,14rem) minmax(8rem,1fr) minmax(7rem,12rem);gap:.4rem 1rem;
align-items:center;background:#f6f8fa;border:1px solid #dde;border-radius:6px;padding:.6rem 1rem}
.sliders label{font-weight:600}.sliders input{width:100%}.sliders output{font-variant-numeric:tabular-nums}
.mark{color:#8a5a00;font-size:.85rem}
table{border-collapse:collapse;font-size:.92rem;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#f0f2f5}td.r{text-align:right;font-variant-numeric:tabular-nums}
.bar{height:.9rem;background:#4a78b5;min-width:1px}.bar.war{background:#b5463c}.bar.settled{background:#3c8a4a}
.bar.mediated{background:#8a6fb5}.bar.running{background:#999}td.barcell{width:40%}
svg{max-width:100%;height:auto;display:block}.verdict{font-weight:600}.yes{color:#1e6b2e}.no{color:#a12a1f}
details{margin:.5rem 0}
"""

#: The page's one script (fixed text; the data come from the JSON block).
SCRIPT = r"""
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("explorer-data").textContent);
  var pos = D.axes.map(function (a) { return a.initial; });
  var at = {};
  D.axes.forEach(function (a, j) { at[a.name] = j; });
  function $(id) { return document.getElementById(id); }
  function text(id, s) { var e = $(id); if (e) { e.textContent = s; } }
  function fmt(x, d) { return (x === null || x === undefined || !isFinite(x)) ? "n/a" : x.toFixed(d); }
  function pct(x) { return fmt(100 * x, 1) + "%"; }
  function num(v) { return String(Number(v.toPrecision(4))); }
  function flat(names) {
    var i = 0;
    names.forEach(function (n) { var j = at[n]; i = i * D.axes[j].values.length + pos[j]; });
    return i;
  }
  function credFlat(c) {
    var i = 0;
    for (var k = 0; k < c.axes.length; k++) {
      var sub = c.index[c.axes[k]], s = sub.indexOf(pos[at[c.axes[k]]]);
      if (s < 0) { return -1; }
      i = i * sub.length + s;
    }
    return i;
  }
  function rung(side, r) {
    var labels = side === 0 ? D.labels : D.labels_b;
    return D.sides[side] + " at rung " + r + (labels && labels[r] ? " (" + labels[r] + ")" : "");
  }
  function stage() {
    var s = D.stage, i = flat(s.axes), n = s.n_pure[i], lv = s.eq_level[i];
    text("eq-level", lv === null ? "none (no equilibrium listed)" : fmt(lv, 2));
    text("eq-count", String(n));
    text("eq-regime", s.regime[i]);
    var list = $("eq-list");
    list.textContent = "";
    s.pure[i].forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = rung(0, p[0]) + ", " + rung(1, p[1]);
      list.appendChild(li);
    });
    if (n > s.pure[i].length) {
      var li = document.createElement("li");
      li.textContent = "and " + (n - s.pure[i].length) + " more";
      list.appendChild(li);
    }
  }
  var SVGNS = "http://www.w3.org/2000/svg";
  function el(name, attrs, parent) {
    var e = document.createElementNS(SVGNS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function chart(p) {
    var svg = $("pwar-chart"), W = 640, H = 260, L = 52, R = 12, T = 12, B = 40, n = p.length;
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    el("title", {}, svg).textContent = "P(war by round t) for t = 1 to " + n;
    var x = function (t) { return L + (n > 1 ? (t - 1) / (n - 1) : 0) * (W - L - R); };
    var y = function (v) { return T + (1 - v) * (H - T - B); };
    [0, 0.25, 0.5, 0.75, 1].forEach(function (v) {
      el("line", {x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#ddd"}, svg);
      el("text", {x: L - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 12}, svg).textContent = (100 * v) + "%";
    });
    var step = Math.max(1, Math.ceil(n / 10));
    for (var t = 1; t <= n; t += step) {
      el("text", {x: x(t), y: H - B + 16, "text-anchor": "middle", "font-size": 12}, svg).textContent = String(t);
    }
    el("text", {x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle", "font-size": 12}, svg).textContent = "round";
    el("polyline", {points: p.map(function (v, k) { return x(k + 1) + "," + y(v); }).join(" "), fill: "none",
                    stroke: "#b5463c", "stroke-width": 2.5}, svg);
  }
  function crisis() {
    var c = D.crisis, i = flat(c.axes), p = c.p_war_by_round[i];
    ["war", "settled", "mediated", "running"].forEach(function (k) {
      text("share-" + k, pct(c[k][i]));
      $("bar-" + k).style.width = (100 * Math.max(0, Math.min(1, c[k][i]))) + "%";
    });
    text("p-war-final", pct(p[p.length - 1]));
    var body = $("pwar-rows");
    body.textContent = "";
    p.forEach(function (v, k) {
      var tr = document.createElement("tr"), a = document.createElement("td"), b = document.createElement("td");
      a.textContent = String(k + 1); a.className = "r";
      b.textContent = pct(v); b.className = "r"; b.id = "pwar-r" + (k + 1);
      tr.appendChild(a); tr.appendChild(b); body.appendChild(tr);
    });
    chart(p);
  }
  function credibility() {
    var c = D.credibility, i = credFlat(c);
    text("cred-where", i < 0 ? "Not computed at this point: credibility was computed only where every slider " +
         "stands at a value marked \u201ccredibility computed here\u201d. Move the sliders to such a point." :
         "Computed at this point (" + c.horizon + ").");
    ["a", "b"].forEach(function (s) {
      if (i < 0) {
        ["value", "best", "gain"].forEach(function (k) { text("cred-" + k + "-" + s, "not computed here"); });
        text("cred-verdict-" + s, "not computed at this point");
        $("cred-verdict-" + s).className = "verdict";
        return;
      }
      var ok = c["credible_" + s][i];
      text("cred-value-" + s, fmt(c["value_" + s][i], 2));
      text("cred-best-" + s, fmt(c["best_value_" + s][i], 2));
      text("cred-gain-" + s, fmt(c["gain_" + s][i], 2));
      text("cred-verdict-" + s, ok ? "credible: a best response (no other way of playing pays more)" :
           "not credible: deviating from it would pay " + fmt(c["gain_" + s][i], 2) + " more (illustrative units)");
      $("cred-verdict-" + s).className = "verdict " + (ok ? "yes" : "no");
    });
  }
  function update() {
    D.axes.forEach(function (a, j) {
      var marked = D.credibility && D.credibility.index[a.name].indexOf(pos[j]) >= 0;
      text("value-" + a.name, num(a.values[pos[j]]) + (pos[j] === a.initial ? " (the scenario's value)" : ""));
      text("mark-" + a.name, marked ? "credibility computed here" : "");
    });
    text("point", D.axes.map(function (a, j) { return a.name + "=" + a.values[pos[j]]; }).join("; "));
    stage();
    if (D.crisis) { crisis(); }
    if (D.credibility) { credibility(); }
  }
  function audience() {
    var A = D.audience, i = parseInt($("audience-slider").value, 10), t = A.types[A.type[i]], v = A.values[i];
    text("audience-value", num(v) + (i === A.initial ? " (the scenario's value)" : ""));
    text("audience-type", t.name);
    text("audience-plain", t.plain);
    text("audience-threat", pct(A.p_threat[i]));
    text("audience-bluff", pct(A.bluff[i]));
    text("audience-press", pct(A.press[i]));
    text("audience-war", pct(A.p_war[i]));
    text("audience-tied", v > A.commitment_threshold ? "Above the commitment threshold: an unresolved " + A.defender +
         " would fight rather than back down, so its threats are real." : v < A.commitment_threshold ?
         "Below the commitment threshold: an unresolved " + A.defender + " would back down if pressed." :
         "Exactly at the commitment threshold: an unresolved " + A.defender + " is indifferent between fighting " +
         "and backing down.");
    text("audience-tie", A.tie[i] ? "This value sits on a boundary between equilibrium types: more than one " +
         "outcome is consistent with rational play (the numbers are those of the equilibrium the run's summary reports)." : "");
  }
  D.axes.forEach(function (a, j) {
    $("slider-" + a.name).addEventListener("input", function () { pos[j] = parseInt(this.value, 10); update(); });
  });
  update();
  if (D.audience) {
    $("audience-slider").addEventListener("input", audience);
    audience();
  }
  document.body.setAttribute("data-ready", "1");
}());
"""


def script_hash(script: str = SCRIPT) -> str:
    """``sha256-<base64>`` of the exact script text, as a CSP source."""
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def csp(script: str = SCRIPT) -> str:
    return f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src '{script_hash(script)}'"


def embed_json(data: Any) -> str:
    """JSON for a ``<script type="application/json">`` block: ``<``, ``>``, ``&`` (and the line
    separators U+2028/2029) escaped, so no text in it can close the block or open a tag."""
    s = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _sliders(data: Mapping[str, Any]) -> str:
    if not data["axes"]:
        return '<p class="note">This game has no parameter to move here: the page shows the scenario\'s point.</p>'
    rows = []
    for a in data["axes"]:
        n, name = a["name"], html.escape(a["name"])
        label = html.escape(param_label(n) + (" (crisis setting)" if a["kind"] == "setting" else ""))
        rows.append(f'<label for="slider-{name}">{label}</label>'
                    f'<input type="range" id="slider-{name}" min="0" max="{len(a["values"]) - 1}" step="1" '
                    f'value="{a["initial"]}" aria-describedby="value-{name}">'
                    f'<span><output id="value-{name}" for="slider-{name}"></output> '
                    f'<span class="mark" id="mark-{name}"></span></span>')
    return '<div class="sliders">' + "".join(rows) + "</div>"


def _crisis_html(data) -> str:
    if data["crisis"] is None:
        return f'<h2>How the crisis ends</h2><p class="note">{html.escape(data.get("crisis_note", ""))}</p>'
    sides, (a, b) = data["sides"], data["strategies"]
    T = data["crisis"]["rounds"]
    shares = "".join(
        f'<tr><th scope="row">{html.escape(label)}</th><td class="r" id="share-{k}"></td>'
        f'<td class="barcell"><div class="bar {k}" id="bar-{k}"></div></td></tr>'
        for k, label in (("war", "war"), ("settled", "settled (both at rung 0 long enough)"),
                         ("mediated", "ended by a third party"), ("running", f"still running after round {T}")))
    return (f"<h2>How the crisis ends under the stated policies</h2>"
            f'<p>{html.escape(sides[0])} plays <em>{html.escape(strategy_label(a))}</em>, {html.escape(sides[1])} '
            f'plays <em>{html.escape(strategy_label(b))}</em> (exact probabilities of the model, by round {T}).</p>'
            f'<table><thead><tr><th scope="col">ending by round {T}</th><th scope="col">share</th>'
            f'<th scope="col">bar</th></tr></thead><tbody>{shares}</tbody></table>'
            f'<h3>P(war by round t)</h3><p>By round {T}: <strong id="p-war-final"></strong></p>'
            f'<svg id="pwar-chart" viewBox="0 0 640 260" width="640" height="260" role="img" '
            f'aria-label="P(war by round t), line chart; the numbers are in the table below"></svg>'
            f'<details><summary>P(war by round t), the numbers</summary><table><thead><tr><th scope="col">round t'
            f'</th><th scope="col">P(war by round t)</th></tr></thead><tbody id="pwar-rows"></tbody></table></details>')


def _cred_html(data) -> str:
    c = data["credibility"]
    if c is None:
        note = data.get("credibility_note") or data.get("crisis_note", "")
        return f'<h2>Is each stated policy credible?</h2><p class="note">{html.escape(note)}</p>'
    where = "; ".join(f"{param_label(a['name'], units=False).lower()} "
                      + " or ".join(f"{a['values'][i]:.4g}" for i in c["index"][a["name"]]) for a in data["axes"])
    rows = "".join(
        f'<tr><th scope="row">{html.escape(side)} (<em>{html.escape(strategy_label(st))}</em>)</th>'
        f'<td class="r" id="cred-value-{s}"></td><td class="r" id="cred-best-{s}"></td>'
        f'<td class="r" id="cred-gain-{s}"></td><td id="cred-verdict-{s}" class="verdict"></td></tr>'
        for s, side, st in zip("ab", data["sides"], data["strategies"]))
    horizon = ("an infinite horizon at discount " + f"{c['discount']:g}" if c["horizon"] == "infinite"
               else f"the crisis's {c['horizon']} without discounting")
    return ("<h2>Is each stated policy credible? (illustrative payoffs)</h2>"
            "<p>A stated policy is <strong>credible</strong> here when it is a best response to the other side's "
            f"stated policy: no other way of playing gives that side a higher expected payoff over {horizon} "
            "(the best response is computed as if the side knew the state of the other's rule).</p>"
            f'<p class="note" id="cred-where"></p><table><thead><tr><th scope="col">side (stated policy)</th>'
            '<th scope="col">payoff of the stated policies</th><th scope="col">payoff of its best response</th>'
            '<th scope="col">gain from deviating</th><th scope="col">credible?</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
            f'<p class="note">Credibility is costly to compute, so it was computed on a coarser grid: where {html.escape(where)}.'
            " Elsewhere the page says so instead of showing a number.</p>")


def _audience_html(data) -> str:
    """The tying-hands model's audience-cost panel ('' without one)."""
    A = data.get("audience")
    if not A:
        return ""
    de, ch = html.escape(A["defender"]), html.escape(A["challenger"])
    p = A["params"]
    rows = "".join(f'<tr><th scope="row">{label}</th><td class="r" id="audience-{k}"></td></tr>' for k, label in (
        ("threat", f"{de} threatens"), ("bluff", f"an unresolved {de} bluffs (threatens anyway)"),
        ("press", f"{ch} presses after a threat"), ("war", "war")))
    return ("<h2>Audience costs: the tying-hands model (illustrative)</h2>"
            f"<p>A separate model (Fearon 1994, 1997): {ch} does not know whether {de} is resolved (prepared to "
            f"fight; prior {100 * p['prior']:.4g}%). {de} can make a public threat; backing down after it costs "
            f"{de} the audience cost. {ch} then presses or backs down. Payoffs are in units where prevailing is "
            "worth 1, chosen for illustration, not measured; the ladder's sliders above do not change this "
            "model.</p>"
            f'<div class="sliders"><label for="audience-slider">Audience cost ({de})</label>'
            f'<input type="range" id="audience-slider" min="0" max="{len(A["values"]) - 1}" step="1" '
            f'value="{A["initial"]}" aria-describedby="audience-value">'
            '<span><output id="audience-value" for="audience-slider"></output></span></div>'
            '<p>Equilibrium (perfect Bayesian): <strong id="audience-type"></strong>. In plain words: '
            '<span id="audience-plain"></span></p>'
            '<table><thead><tr><th scope="col">probability that</th><th scope="col">at this audience cost'
            f'</th></tr></thead><tbody>{rows}</tbody></table>'
            f'<p>Commitment threshold: an audience cost above <strong>{A["commitment_threshold"]:.4g}</strong> '
            f'commits even an unresolved {de} to fight. <span id="audience-tied"></span></p>'
            '<p class="note" id="audience-tie"></p>')


def page_data(data: Mapping[str, Any]) -> dict:
    """The data the page embeds: ``data`` without its ``seconds`` entries (the page does not show
    them), so the same run writes the same page, byte for byte."""
    out = {k: v for k, v in data.items() if k != "seconds"}
    if isinstance(out.get("credibility"), Mapping):
        out["credibility"] = {k: v for k, v in out["credibility"].items() if k != "seconds"}
    return out


def render_explorer(data: Mapping[str, Any]) -> str:
    """The page as one HTML string (pure: no files)."""
    title = "Explorer: " + str(data["title"])
    notes = "".join(f'<p class="note">{html.escape(str(n))}</p>' for n in data.get("notes", []))
    level = ("Mean rung in equilibrium (over both sides and every equilibrium, a mixed one by its probabilities; "
             "0 = restrain, 1 = escalate)" if data["stage"]["kind"] == "class" else
             "Rung played in equilibrium (mean over both sides and over the pure equilibria)")
    kind = "game class" if data["stage"]["kind"] == "class" else "equilibria"
    stage = ("<h2>The stage game's equilibrium</h2>"
             f'<p>{level}: <strong id="eq-level"></strong></p>'
             f'<p>Pure equilibria: <span id="eq-count"></span> ({kind}: <span id="eq-regime"></span>)</p>'
             '<ul id="eq-list"></ul>')
    body = (f"<header><h1>{html.escape(title)}</h1>"
            '<p class="note"><strong>Illustrative numbers.</strong> Payoffs follow from the scenario\'s parameters, '
            "chosen for teaching, not measured; probabilities are exact for the model, not forecasts. Every number "
            "was computed in advance by escalation-sim at the grid points the sliders step through; nothing is "
            "interpolated.</p>" + notes + "</header><main>"
            f"<h2>Parameters</h2>{_sliders(data)}"
            '<p class="note">Grid point shown: <code id="point"></code></p>'
            + stage + _crisis_html(data) + _cred_html(data) + _audience_html(data) + "</main>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{csp()}">\n'
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
            f'<script type="application/json" id="explorer-data">{embed_json(page_data(data))}</script>\n'
            f"<script>{SCRIPT}</script>\n</body>\n</html>\n")
