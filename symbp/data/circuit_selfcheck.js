// symbp's self-check page for circuit homework: judges a student's node values and gradients
// exactly as `symbp check-hand --spec <the student's circuit>` does (symbp/handcheck/circuit.py).
//
// symbp embeds as JSON (#symbp-data) the given input values, each gate's formula and each use's
// local gradient as small trees, and the catalogue sealed with the values those formulas give
// (symbp/classroom/circuit_selfcheck.py): no answer is in the page. When the student presses the
// button, this script works the circuit forward and backward from the givens, opens the seal
// with what it gets, and judges each number with the opened numbers under the precision policy
// (handcheck/precision.py): right at the precision it is written to, or what the student's own
// right numbers give within their rounding; a number without decimals that only rounds to the
// true value is "too few decimals"; a wrong number that follows from the student's own earlier
// wrong numbers is carried; otherwise the catalogue's mistakes are tried in check-hand's order.
// A typed number is read as check-hand reads it: the networks' reader (selfcheck_shared.js,
// written in at "symbp: shared"), and besides a fraction or a power of ten written out (readForm
// here). The graph worked from the givens and the seal opened are shared with the convolution
// page (selfcheck_sealed.js and selfcheck_graph.js, written in at "symbp: sealed" and "symbp:
// graph"). Nothing is fetched and nothing typed is evaluated as code.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("symbp-data").textContent);
  const words = data.labels;
  const C = data.constants;
  // symbp: shared (selfcheck_shared.js: reading a number, float64 evaluation)
  // symbp: primitives
  const FUNCTIONS = {
    add: (a) => sum(a),
    mul: (a) => a.reduce((p, v) => p * v, 1),
    pow: (a) => power(a[0], a[1]),
    exp: (a) => Math.exp(a[0]),
    log: (a) => (Number.isNaN(a[0]) || a[0] < 0 ? NaN : a[0] === 0 ? -Infinity : Math.log(a[0])),
    // symbp: activations (printed from the operation table, symbp/formats/javascript.py)
    heaviside: (a) => (a[0] > 0 ? 1 : a[0] < 0 ? 0 : a.length > 1 ? a[1] : 0.5),
    abs: (a) => Math.abs(a[0]),
    max: (a) => a.reduce((m, v) => (v > m ? v : m)),
    min: (a) => a.reduce((m, v) => (v < m ? v : m)),
  };

  // -- what the page reads besides a plain number (handcheck/circuit._form and _written): a fraction of whole
  // numbers (-1/3), exact, stating no rounding; a power of ten written out (1.5×10^-3)
  const FRACTION = /^([+-]?)\s*(\d{1,15})\s*\/\s*(\d{1,15})$/;
  const TIMES_TEN = /^([+-]?(?:\d+\.?\d*|\.\d+))\s*[×x*·]\s*10\s*\^\s*\(?([+-]?\d{1,3})\)?$/;
  function readForm(text) {
    const power = TIMES_TEN.exec(text);
    if (power) return readNumber(`${power[1]}e${power[2]}`);
    const fraction = FRACTION.exec(text);
    if (!fraction) return null;
    const [, sign, top, bottom] = fraction;
    if (Number(bottom) === 0) throw new NotANumber(`${text} divides by zero`);
    const value = ((sign === "-" ? -1 : 1) * Number(top)) / Number(bottom);
    return { text, value, decimals: null, exact: true, halfUnit: 0 };  // decimals: none stated
  }
  // -- the circuit worked from the givens, the seal opened with what it gives ----------------
  // symbp: sealed (selfcheck_sealed.js: the seal opened)
  // symbp: graph (selfcheck_graph.js: the graph worked from the givens, its seal opened)

  // -- verdicts, as handcheck/circuit.judge ---------------------------------------------------
  const RIGHT = "right", CARRIED = "carried", WRONG = "wrong", TOO_FEW = "too few decimals";
  function pySum(values) { return values.reduce((a, b) => a + b, 0); }  // Python's sum()
  function candidates(uses, upstream, terms) {  // handcheck/circuit.candidates
    const found = [];
    if (uses.length > 1) for (const term of terms) found.push(["fan_out_not_added", term]);
    if (uses.length > 2) for (const term of terms) found.push(["fan_out_not_added", pySum(terms) - term]);
    uses.forEach(([, , own, subtracted, swapped], i) => {
      const others = pySum(terms) - terms[i];
      if (own !== null) found.push(["multiply_not_swapped", others + upstream[i] * num(own)]);
      if (subtracted) found.push(["subtraction_sign_lost", others - terms[i]]);
      if (swapped !== null) found.push(["wrong_local_value", others + upstream[i] * num(swapped)]);
    });
    return found;
  }
  function mistakeOf(node, written, center, tolerance, opened) {  // handcheck/circuit._mistake
    const uses = opened.uses[node] || [];
    const upstream = uses.map(([user]) => center["d:" + user]);
    const terms = uses.map(([, local], i) => upstream[i] * num(local));
    for (const [mistake, candidate] of candidates(uses, upstream, terms)) {
      if (Math.abs(written - candidate) <= tolerance) return mistake;
    }
    return "";
  }
  function leaves(tree, found) {
    if (typeof tree === "string") found.push(tree);
    else if (Array.isArray(tree)) tree.slice(1).forEach((t) => leaves(t, found));
    return found;
  }
  function valuesOf(point) {
    const values = {};
    for (const [k, v] of Object.entries(point)) if (k.startsWith("v:")) values[k.slice(2)] = v;
    return values;
  }
  function propagate(fn, parents, center, radius) {  // handcheck/circuit._propagate
    const value = fn(center);
    if (!Number.isFinite(value)) return [value, 0];
    let spread = 0;
    for (const parent of parents) {
      const r = radius[parent] || 0;
      if (r === 0) continue;
      let moved = 0;
      for (const step of [r, -r]) {
        const shifted = { ...center };
        shifted[parent] += step;
        const change = Math.abs(fn(shifted) - value);
        moved = Math.max(moved, Number.isFinite(change) ? change : Infinity);
      }
      spread += moved;
    }
    return [value, spread];
  }
  function judge(written, opened) {
    const byKey = {};
    for (const q of data.asked) {
      if (q.key in written) {
        const key = (q.gradient ? "d:" : "v:") + q.node;
        if (!(key in byKey)) byKey[key] = written[q.key];
      }
    }
    const center = {}, radius = {}, roots = {}, found = {};
    function step(key, trueValue, fn, parents, node) {
      let expected = trueValue, spread = 0;
      if (fn !== null) [expected, spread] = propagate(fn, parents, center, radius);
      const behind = [...new Set(parents.flatMap((p) => roots[p] || []))];
      const mine = byKey[key];
      if (mine === undefined) {
        center[key] = expected; radius[key] = spread;
        if (behind.length) roots[key] = behind;
        return;
      }
      const value = mine.value, half = mine.halfUnit, slack = C.slack * Math.max(1, Math.abs(trueValue));
      center[key] = value; radius[key] = half;
      const consistent = Math.abs(value - expected) <= spread + half + slack;
      const near = Math.abs(value - trueValue) <= half + slack;
      let verdict, mistake = "";
      if (behind.length && consistent && !near) verdict = CARRIED;
      else if (mine.decimals !== null && mine.decimals <= 0 && !near && Math.abs(value - trueValue) <= 0.5 * 10 ** -mine.decimals + slack) verdict = TOO_FEW;
      else if (near) verdict = RIGHT;
      else if (consistent && !behind.length) verdict = RIGHT;
      else {
        verdict = WRONG;
        if (node !== null) mistake = mistakeOf(node, value, center, spread + half + slack, opened);
      }
      if (verdict === WRONG || verdict === TOO_FEW) roots[key] = behind.length ? behind : [key];
      else if (verdict === CARRIED) roots[key] = behind;
      found[key] = [verdict, mistake];
    }
    for (const node of data.nodes) {  // forward: the node values
      const trueValue = num(opened.values[node.name]);
      if (node.formula === null) step("v:" + node.name, trueValue, null, [], null);
      else {
        const parents = [...new Set(leaves(node.formula, []))].map((n) => "v:" + n);
        step("v:" + node.name, trueValue, (p) => evaluate(node.formula, valuesOf(p)), parents, null);
      }
    }
    for (const node of [...data.nodes].reverse()) {  // backward: the gradients
      const trueValue = num(opened.gradients[node.name]);
      if (node.name === data.objective) { step("d:" + node.name, trueValue, null, [], null); continue; }
      const uses = data.uses[node.name];
      const parents = [...new Set([...uses.map((u) => "d:" + u.user),
        ...uses.flatMap((u) => leaves(u.local, [])).map((n) => "v:" + n)])];
      const fn = (p) => { const values = valuesOf(p); return pySum(uses.map((u) => p["d:" + u.user] * evaluate(u.local, values))); };
      step("d:" + node.name, trueValue, fn, parents, node.name);
    }
    const verdicts = [];
    for (const q of data.asked) {
      if (!(q.key in written)) continue;
      const [verdict, mistake] = found[(q.gradient ? "d:" : "v:") + q.node];
      verdicts.push({ key: q.key, verdict, mistake });
    }
    return verdicts;
  }

  // -- the page ---------------------------------------------------------------------------
  const fill = (template, ...parts) => parts.reduce((text, part) => text.replace("{}", part), template);
  function verdictText(v) {
    const said = v.verdict === RIGHT ? words.circuit_hand_right
      : v.verdict === CARRIED ? words.circuit_hand_carried
      : v.verdict === TOO_FEW ? words.hand_too_few_decimals : words.circuit_hand_wrong;
    return v.mistake ? `${said}: ${words["mistake_" + v.mistake]}` : said;
  }
  async function check(event) {
    event.preventDefault();
    const form = document.getElementById("symbp-form");
    form.dataset.state = "checking";
    try { await checkNumbers(); } finally { form.dataset.state = "done"; }
  }
  async function checkNumbers() {
    const written = {}, rows = {};
    for (const row of document.querySelectorAll("tr[data-key]")) {
      const key = row.dataset.key, input = row.querySelector("input"), cell = row.querySelector(".verdict");
      rows[key] = row;
      row.className = "";
      delete row.dataset.mistake;
      cell.textContent = "";
      if (!input.value.trim()) { cell.textContent = words.selfcheck_blank; row.dataset.verdict = "blank"; continue; }
      let mine;
      try {
        mine = readCell(input.value, readForm);
        if (mine.text.length > C.max_number_chars) throw new NotANumber(`'${mine.text}' is too long for a number`);
      } catch (error) {
        if (!(error instanceof NotANumber)) throw error;
        cell.textContent = `${fill(words.selfcheck_not_number, error.message)} (${words.circuit_hand_number_forms})`;
        row.dataset.verdict = "unreadable";
        continue;
      }
      written[key] = mine;
    }
    await showVerdicts(written, rows, words.circuit_hand_summary);
  }
  document.getElementById("symbp-form").addEventListener("submit", check);
})();
