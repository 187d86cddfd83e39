// symbp's self-check page: judges a student's numbers exactly as `symbp check-hand` does.
//
// symbp embeds as JSON (#symbp-data) the given numbers, each quantity's local formula (as a small
// tree) and the catalogue's values for this variant, sealed with the true values (no answer is
// in the page: symbp/classroom/sealing.py). This script reads numbers, judges their precision,
// works the true values from the givens, evaluates local formulas at the student's own numbers
// (carried rounding), opens the catalogue when a number is wrong, and compares ("consistency"
// mode: only against the student's own earlier ones). It mirrors hand_input.py (reading) and
// floats.py (evaluation) in selfcheck_shared.js, unseals with selfcheck_sealed.js (both shared,
// written in at "symbp: shared"/"symbp: sealed" by formats/selfcheck.py) and mirrors judge.py
// here. Nothing is fetched and nothing typed is evaluated as code.
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
    softmax: (a) => Math.exp(a[a[0] + 1] - logsumexp(a.slice(1))),  // [k, z1, …, zn]
    abs: (a) => Math.abs(a[0]),
    max: (a) => a.reduce((m, v) => (v > m ? v : m)),
    min: (a) => a.reduce((m, v) => (v < m ? v : m)),
  };

  // -- verdicts, as judge._judge and judge._propagate ---------------------------------------
  const quantities = data.quantities;
  const byKey = Object.fromEntries(quantities.map((q) => [q.key, q]));
  const RIGHT = "right", PRECISION = "right to the stated precision", WRONG = "wrong";
  const TOO_FEW = "too few decimals";  // precision.py, rule 3

  function needed(written) {
    const found = new Set(), stack = Object.keys(written);
    while (stack.length) {
      const key = stack.pop();
      if (found.has(key)) continue;
      found.add(key);
      for (const p of byKey[key].parents) if (p in byKey) stack.push(p);
    }
    return found;
  }
  function propagate(q, center, radius) {
    const point = {};
    for (const p of q.parents) point[p] = center[p];
    const value = evaluate(q.formula, point);
    if (!Number.isFinite(value)) return [value, 0];
    let spread = 0;
    for (const p of q.parents) {
      const r = radius[p];
      if (r === 0) continue;
      let moved = 0;
      for (const step of [r, -r]) {
        const shifted = Object.assign({}, point);
        shifted[p] += step;
        const change = Math.abs(evaluate(q.formula, shifted) - value);
        const c = Number.isFinite(change) ? change : Infinity;
        if (c > moved) moved = c;
      }
      spread += moved;
    }
    return [value, spread];
  }
  // -- the local formulas worked from the givens: what opens the seal -----------------------
  function chainValues() {
    const values = Object.assign({}, data.biases);
    for (const q of quantities) {
      if (q.kind === "given") { values[q.key] = num(data.givens[q.key]); continue; }
      const point = {};
      for (const p of q.parents) point[p] = values[p];
      values[q.key] = evaluate(q.formula, point);
    }
    return values;
  }

  // symbp: sealed (selfcheck_sealed.js: the seal opened)
  // -- the catalogue opened with the true values (no answer is readable in the page before) ---
  let catalogue = null, truth = null;
  async function openCatalogue() {
    if (catalogue !== null) return catalogue;
    const seal = data.catalogue;
    catalogue = { truth: null, mistakes: [], combinations: [] };
    if (!seal || !(window.crypto && crypto.subtle)) return catalogue;
    const values = chainValues();
    const secret = quantities.filter((q) => q.kind !== "given").map((q) => canonical(values[q.key])).join(";");
    catalogue = (await unseal(seal, secret)) || catalogue;  // null: the seal stays shut
    if (catalogue.truth) truth = Object.fromEntries(Object.entries(catalogue.truth).map(([k, v]) => [k, num(v)]));
    return catalogue;
  }

  function withinMinimum(mine, trueValue, slack) {  // precision.Precision.within_minimum
    if (data.min_decimals === null) return false;
    return Math.abs(mine.value - trueValue) <= 0.5 * Number(`1e${-data.min_decimals}`) + slack;
  }
  function tooFew(mine, trueValue, slack) {  // precision.Precision.too_few
    const off = Math.abs(mine.value - trueValue);
    if (off <= slack) return false;
    if (withinMinimum(mine, trueValue, slack)) return false;
    if (data.min_decimals !== null && mine.decimals < data.min_decimals) return true;
    return mine.decimals <= 0 && off <= 0.5 * Number(`1e${-mine.decimals}`) + slack;
  }
  function judge(written) {
    const want = needed(written);
    const center = Object.assign({}, data.biases), radius = {};
    for (const b in data.biases) radius[b] = 0;
    const wrongRoots = {}, judgements = [];
    for (const q of quantities) {
      if (!want.has(q.key)) continue;
      const [expected, spread] = q.kind === "given" ? [truth[q.key], 0] : propagate(q, center, radius);
      const roots = [...new Set(q.parents.flatMap((p) => wrongRoots[p] || []))];
      const mine = written[q.key];
      if (mine === undefined) {
        center[q.key] = expected;
        radius[q.key] = spread;
        if (roots.length) wrongRoots[q.key] = roots;
        continue;
      }
      center[q.key] = mine.value;
      radius[q.key] = mine.halfUnit;
      const trueValue = truth[q.key];
      const slack = C.relative_slack * Math.max(1, Math.abs(trueValue));
      const consistent = Math.abs(mine.value - expected) <= spread + mine.halfUnit + slack;
      let verdict = WRONG;
      if (tooFew(mine, trueValue, slack)) verdict = TOO_FEW;
      else if (Math.abs(mine.value - trueValue) <= mine.halfUnit + slack
               || withinMinimum(mine, trueValue, slack)) verdict = RIGHT;
      else if (consistent && !roots.length) verdict = PRECISION;
      const entered = verdict === WRONG && !roots.length;
      if (entered || (verdict === TOO_FEW && !roots.length)) wrongRoots[q.key] = [q.key];
      else if (verdict === TOO_FEW) wrongRoots[q.key] = roots;
      else if (verdict === WRONG) wrongRoots[q.key] = roots;
      judgements.push({
        key: q.key, display: q.display, written: mine.text, value: mine.value, trueValue, verdict,
        consistent, halfUnit: mine.halfUnit + slack, spread, entered,
        unwritten: q.parents.filter((p) => p in byKey && byKey[p].kind !== "given" && !(p in written)),
        follows: entered || verdict !== WRONG ? [] : roots,
      });
    }
    return judgements;
  }

  // -- which mistake reproduces the numbers, as judge._diagnose -----------------------------
  function isclose(a, b, rel) {
    return a === b || Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));
  }
  function formatG(x) {  // Python's format(x, "g")
    if (x === 0) return "0";
    const exponent = Math.floor(Math.log10(Math.abs(x)));
    if (exponent < -4 || exponent >= 6) {
      const [m, e] = x.toExponential(5).split("e");
      const mantissa = m.includes(".") ? m.replace(/0+$/, "").replace(/\.$/, "") : m;
      const power = parseInt(e, 10);
      return `${mantissa}e${power < 0 ? "-" : "+"}${String(Math.abs(power)).padStart(2, "0")}`;
    }
    const text = x.toPrecision(6);
    return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  }
  function rateMistake(fitted) {
    const f = formatG(fitted), r = formatG(data.rate);
    return { key: "learning_rate", title: `learning rate ${f} instead of ${r}`,
      sentence: `The update uses the learning rate η = ${r}; your updates fit η = ${f}.`,
      wrong: `η = ${f}`, right: `η = ${r}` };
  }
  function fittedRate(judgements, values, sign) {
    const written = Object.fromEntries(judgements.map((j) => [j.key, j]));
    const estimates = [];
    for (const j of judgements) {
      let name, moved;
      if (j.key.endsWith("_new")) { name = j.key.slice(0, -4); moved = values[name] - j.value; }
      else if (j.key.startsWith("Δ")) { name = j.key.slice(1); moved = -j.value; }
      else continue;
      const g = "dL/d" + name;
      const gradient = g in written ? written[g].value : values[g];
      if (Math.abs(gradient) * data.rate <= 20 * j.halfUnit || Math.abs(gradient) < 1e-12) continue;
      estimates.push(moved / (sign * gradient));
    }
    if (!estimates.length) return null;
    estimates.sort((a, b) => a - b);
    const middle = estimates[Math.floor(estimates.length / 2)];
    if (!Number.isFinite(middle) || middle <= 0) return null;
    let fitted = null;
    for (const digits of [1, 2, 3]) {
      const candidate = Number(middle.toPrecision(digits));
      if (isclose(candidate, middle, 0.02)) { fitted = candidate; break; }
    }
    if (fitted === null) return null;
    return isclose(fitted, data.rate, 1e-6) ? null : fitted;
  }
  function valuesOf(combination) {
    return Object.fromEntries(Object.entries(combination.values).map(([k, v]) => [k, num(v)]));
  }
  function atRate(combination, rate) {
    const values = valuesOf(combination);
    if (combination.poly) {
      for (const [key, c] of Object.entries(combination.poly)) {
        values[key] = c.reduceRight((acc, coefficient) => acc * rate + coefficient, 0);
      }
      return values;
    }
    const s = combination.sign;
    for (const key of Object.keys(values)) {
      if (key.endsWith("_new")) {
        const name = key.slice(0, -4);
        values[key] = values[name] - (s * rate) * values["dL/d" + name];
      } else if (key.startsWith("Δ")) {
        values[key] = (-s * rate) * values["dL/d" + key.slice(1)];
      }
    }
    return values;
  }
  function reproduces(judgements, values) {
    const explained = [], contradicted = [];
    for (const j of judgements) {
      if (j.verdict === TOO_FEW) continue;  // a matter of precision, no mistake's
      const value = values[j.key];
      const ratio = Math.min(C.max_spread_ratio, Math.abs(value) / Math.max(Math.abs(j.trueValue), 1e-12));
      const tolerance = j.halfUnit + C.carried_factor * j.spread * Math.max(1, ratio);
      const matches = Math.abs(j.value - value) <= tolerance;
      if (j.verdict === WRONG && matches) explained.push(j.key);
      else if (j.verdict !== WRONG && !matches) contradicted.push(j.key);
    }
    return [explained, contradicted];
  }
  function diagnose(judgements, opened) {
    const wrong = judgements.filter((j) => j.verdict === WRONG);
    if (!wrong.length) return [[], []];
    const results = new Map(), found = [];
    opened.combinations.forEach((combination, order) => {
      const mistakes = combination.mistakes.map((i) => opened.mistakes[i]);
      const values = mistakes.length ? valuesOf(combination) : truth;
      const candidates = [[mistakes, values]];
      const fitted = fittedRate(judgements, values, combination.sign);
      if (fitted !== null) candidates.push([[...mistakes, rateMistake(fitted)], atRate(combination, fitted)]);
      for (const [chosen, variant] of candidates) {
        if (!chosen.length) continue;
        const [reproduced, contradicted] = reproduces(judgements, variant);
        // a mistake that changes nothing here (σ′ missing where σ′ = 1) explains nothing
        const explained = reproduced.filter((k) =>
          !(Math.abs(variant[k] - truth[k]) <= 1e-12 * Math.max(Math.abs(variant[k]), Math.abs(truth[k]))));
        const keys = chosen.map((m) => m.key);
        const id = [...keys].sort().join("+");
        results.set(id, { keys: new Set(keys), explained: new Set(explained), contradicted: new Set(contradicted) });
        if (addsNothing(id, results)) continue;
        if (!explained.length || contradicted.length > explained.length) continue;
        found.push({ order, mistakes: chosen, explained, contradicted, total: wrong.length });
      }
    });
    const complete = found.filter((d) => d.explained.length === d.total && !d.contradicted.length);
    if (complete.length) {
      complete.sort((a, b) => a.mistakes.length - b.mistakes.length || a.order - b.order);
      return [complete.slice(0, C.max_diagnoses), []];
    }
    found.sort((a, b) =>
      (a.contradicted.length > 0) - (b.contradicted.length > 0) ||
      b.explained.length - a.explained.length ||
      a.contradicted.length - b.contradicted.length ||
      a.mistakes.length - b.mistakes.length ||
      a.order - b.order);
    return [[], found.slice(0, C.max_diagnoses)];
  }
  function addsNothing(id, results) {
    const mine = results.get(id);
    for (const [other, part] of results) {
      if (other === id || part.keys.size >= mine.keys.size) continue;
      if (![...part.keys].every((k) => mine.keys.has(k))) continue;
      if ([...mine.explained].every((k) => part.explained.has(k)) &&
          [...part.contradicted].every((k) => mine.contradicted.has(k))) return true;
    }
    return false;
  }

  // -- the page ---------------------------------------------------------------------------
  const fill = (template, ...parts) => parts.reduce((text, part) => text.replace("{}", part), template);
  const names = (keys) => keys.map((k) => byKey[k].display).join(", ");

  function verdictText(j) {
    if (j.verdict === RIGHT) return words.hand_right;
    if (j.verdict === PRECISION) return words.hand_precision;
    if (j.verdict === TOO_FEW) return words.hand_too_few_decimals;
    if (j.entered && j.unwritten.length) return fill(words.hand_entered_unwritten, names(j.unwritten));
    if (j.entered) return words.hand_entered;
    if (!j.consistent) return fill(words.hand_follows_inconsistent, names(j.follows));
    return fill(words.hand_follows, names(j.follows));
  }
  function diagnosisBlock(d) {
    const block = document.createElement("div");
    block.className = "diagnosis";
    block.dataset.mistakes = d.mistakes.map((m) => m.key).join("+");
    const title = document.createElement("p");
    const covered = d.explained.length === d.total ? `${d.total}/${d.total}` : `${d.explained.length}/${d.total}`;
    title.textContent = `${d.mistakes.map((m) => m.title).join(" + ")} (${covered})`;
    block.appendChild(title);
    const list = document.createElement("ul");
    for (const m of d.mistakes) {
      const item = document.createElement("li");
      item.textContent = `${m.sentence} ${m.wrong} → ${m.right}`;
      list.appendChild(item);
    }
    block.appendChild(list);
    return block;
  }
  // -- the consistency mode: each number against the student's own earlier numbers ----------
  function consistency(written) {
    const center = Object.assign({}, data.biases), radius = {};
    for (const b in data.biases) radius[b] = 0;
    for (const q of quantities) if (q.kind === "given") { center[q.key] = num(data.givens[q.key]); radius[q.key] = 0; }
    const results = [], asked = new Set(data.asked);
    for (const q of quantities) {
      const mine = written[q.key];
      if (q.kind === "given") continue;
      if (mine === undefined) {  // a step the page does not ask, worked from the student's numbers
        if (!asked.has(q.key) && q.parents.every((p) => !(p in byKey) || p in center)) {
          [center[q.key], radius[q.key]] = propagate(q, center, radius);
        }
        continue;
      }
      center[q.key] = mine.value;
      radius[q.key] = mine.halfUnit;
      const missing = q.parents.filter((p) => p in byKey && !(p in center));
      if (missing.length) { results.push({ key: q.key, verdict: "unchecked", missing }); continue; }
      const [expected, spread] = propagate(q, center, radius);
      const slack = C.relative_slack * Math.max(1, Math.abs(expected));
      const follows = Math.abs(mine.value - expected) <= spread + mine.halfUnit + slack;
      // yes or no only: the value its formula gives would hand the key out to any typed junk
      results.push({ key: q.key, verdict: follows ? "consistent" : "inconsistent", missing });
    }
    return results;
  }
  function showConsistency(written, rows, summary) {
    const results = consistency(written);
    for (const r of results) {
      const row = rows[r.key];
      row.className = r.verdict === "consistent" ? "right" : r.verdict === "inconsistent" ? "wrong" : "";
      row.dataset.verdict = r.verdict;
      row.dataset.unwritten = r.missing.join(",");
      row.querySelector(".verdict").textContent =
        r.verdict === "consistent" ? words.selfcheck_consistent
          : r.verdict === "inconsistent" ? words.selfcheck_inconsistent
          : fill(words.selfcheck_unchecked, names(r.missing));
    }
    const good = results.filter((r) => r.verdict === "consistent").length;
    summary.textContent = fill(words.selfcheck_consistency_summary, good, results.length);
  }

  async function check(event) {
    event.preventDefault();
    const form = document.getElementById("symbp-form");
    form.dataset.state = "checking";
    try { await checkNumbers(); } finally { form.dataset.state = "done"; }
  }
  async function checkNumbers() {
    const written = {}, rows = {};
    let unreadable = false;
    for (const row of document.querySelectorAll("tr[data-key]")) {
      const key = row.dataset.key, input = row.querySelector("input"), cell = row.querySelector(".verdict");
      rows[key] = row;
      row.className = "";
      for (const name of ["verdict", "entered", "follows", "unwritten"]) delete row.dataset[name];
      cell.textContent = "";
      if (!input.value.trim()) { cell.textContent = words.selfcheck_blank; row.dataset.verdict = "blank"; continue; }
      try { written[key] = readCell(input.value); }
      catch (error) {
        if (!(error instanceof NotANumber)) throw error;
        cell.textContent = fill(words.selfcheck_not_number, error.message);
        row.dataset.verdict = "unreadable";
        unreadable = true;
      }
    }
    const summary = document.getElementById("symbp-summary"), box = document.getElementById("symbp-diagnosis");
    box.textContent = "";
    delete box.dataset.diagnoses;
    delete box.dataset.partial;
    if (!Object.keys(written).length) { summary.textContent = words.selfcheck_nothing; return; }
    if (data.mode === "consistency") { showConsistency(written, rows, summary); return; }
    const opened = await openCatalogue();
    if (!opened.truth) { summary.textContent = words.selfcheck_sealed; return; }
    const judgements = judge(written);
    for (const j of judgements) {
      const row = rows[j.key];
      if (!row) continue;
      row.className = j.verdict === RIGHT ? "right" : j.verdict === PRECISION ? "precision" : "wrong";
      row.dataset.verdict = j.verdict;
      row.dataset.entered = j.entered ? "yes" : "no";
      row.dataset.follows = j.follows.join(",");
      row.dataset.unwritten = j.unwritten.join(",");
      row.querySelector(".verdict").textContent = verdictText(j);
    }
    const wrongCount = judgements.filter((j) => j.verdict === WRONG).length;
    const short = judgements.filter((j) => j.verdict === TOO_FEW).length, notRight = wrongCount + short;
    summary.textContent = !notRight ? words.hand_all_right : short
      ? fill(words.hand_summary_too_few, notRight, judgements.length, short)
      : fill(words.hand_summary, notRight, judgements.length);
    summary.dataset.unreadable = unreadable ? "yes" : "no";
    if (!wrongCount) return;
    const [diagnoses, partial] = diagnose(judgements, opened);
    box.dataset.diagnoses = diagnoses.map((d) => d.mistakes.map((m) => m.key).join("+")).join("|");
    box.dataset.partial = partial.map((d) => d.mistakes.map((m) => m.key).join("+")).join("|");
    const heading = document.createElement("h3");
    heading.textContent = words.hand_mistakes;
    box.appendChild(heading);
    if (!diagnoses.length) {
      const none = document.createElement("p");
      none.textContent = words.hand_no_mistake;
      box.appendChild(none);
    }
    diagnoses.forEach((d) => box.appendChild(diagnosisBlock(d)));
    if (partial.length) {
      const more = document.createElement("h3");
      more.textContent = words.hand_partial;
      box.appendChild(more);
      partial.forEach((d) => box.appendChild(diagnosisBlock(d)));
    }
  }
  document.getElementById("symbp-form").addEventListener("submit", check);
})();
