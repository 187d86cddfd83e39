// The part of symbp's circuit and convolution self-check pages (circuit_selfcheck.js,
// conv_selfcheck.js) that works the graph from the givens and opens the seal with what it gets:
// each node's value forward from its formula, each gradient backward as the sum over its uses
// of upstream × local (a node without uses, such as a target, gets none), then the gates'
// values and the gradients in the order data.secret names them (classroom/circuit_selfcheck.py
// and classroom/conv_selfcheck.py seal with the same). symbp/formats/selfcheck.py writes it
// into a page's script where the page says "// symbp: graph"; it calls the shared part's
// evaluate and sum, the sealed part's canonical and unseal, and the page's own judge, verdictText,
// fill, RIGHT and words (showVerdicts shows the judged rows).
  function chainValues() {
    const values = {};
    for (const node of data.nodes) {
      values[node.name] = node.formula === null ? data.givens[node.name] : evaluate(node.formula, values);
    }
    const gradients = {};
    gradients[data.objective] = 1;
    for (const node of [...data.nodes].reverse()) {
      if (node.name === data.objective || !(node.name in data.uses)) continue;
      gradients[node.name] = sum(data.uses[node.name].map((u) => gradients[u.user] * evaluate(u.local, values)));
    }
    return [values, gradients];
  }
  let catalogue = null;
  async function openCatalogue() {  // the catalogue, or null (no crypto, or the seal stays shut)
    if (catalogue !== null) return catalogue;
    if (!(window.crypto && crypto.subtle)) return null;
    const [values, gradients] = chainValues();
    const secret = [...data.secret.gates.map((n) => values[n]), ...data.secret.gradients.map((n) => gradients[n])]
      .map(canonical).join(";");
    catalogue = await unseal(data.catalogue, secret);
    return catalogue;
  }
  // the judged rows shown, and the summary (`summaryWord`: the page's label for "n of m right")
  async function showVerdicts(written, rows, summaryWord) {
    const summary = document.getElementById("symbp-summary");
    if (!Object.keys(written).length) { summary.textContent = words.selfcheck_nothing; return; }
    const opened = await openCatalogue();
    if (opened === null) { summary.textContent = words.selfcheck_sealed; return; }
    const verdicts = judge(written, opened);
    for (const v of verdicts) {
      const row = rows[v.key];
      row.className = v.verdict === RIGHT ? "right" : "wrong";
      row.dataset.verdict = v.verdict;
      row.dataset.mistake = v.mistake;
      row.querySelector(".verdict").textContent = verdictText(v);
    }
    const right = verdicts.filter((v) => v.verdict === RIGHT).length;
    summary.textContent = data.total_first
      ? fill(summaryWord, verdicts.length, right)
      : fill(summaryWord, right, verdicts.length);
  }
