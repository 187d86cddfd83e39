// symbp's self-check page for convolution homework: judges a student's grids of the first
// convolution layer exactly as `symbp check-hand answers.txt --spec problem.toml` does
// (symbp/handcheck/conv.py).
//
// symbp embeds as JSON (#symbp-data) the given numbers (image, kernels, biases, dense weights,
// targets), each node's formula of the network's graph and each use's local gradient as small
// trees, and the catalogue sealed with the values those formulas give
// (symbp/classroom/conv_selfcheck.py): no answer is in the page. When the student presses the
// button, this script works the network forward and backward from the givens, opens the seal
// with what it gets, and judges each cell with the opened numbers: right at the precision it is
// written to; carried when it is what the student's own δ map gives (the kernel's, the bias's
// and the input's gradient recomputed from it); a number without decimals that only rounds to
// the true value is "too few decimals"; otherwise the catalogue's mistakes are tried in
// check-hand's order, each as the whole grid it makes. A grid whose every cell is typed is
// judged as a grid written in full; a grid typed in part, cell by cell. A typed cell is read as
// check-hand reads the line `name = <typed>` (readTyped here, with the shared part's plain
// number). The parts the pages share (selfcheck_shared.js: reading a number, float64
// evaluation; selfcheck_sealed.js and selfcheck_graph.js: the network worked from the givens
// and the seal opened) are written in at their "symbp:" lines. Nothing is fetched and nothing
// typed is evaluated as code.
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
    softmax: (a) => Math.exp(a[a[0] + 1] - logsumexp(a.slice(1))),  // [k, z1, …, zn]
    heaviside: (a) => (a[0] > 0 ? 1 : a[0] < 0 ? 0 : a.length > 1 ? a[1] : 0.5),
    abs: (a) => Math.abs(a[0]),
    max: (a) => a.reduce((m, v) => (v > m ? v : m)),
    min: (a) => a.reduce((m, v) => (v < m ? v : m)),
  };
  // -- reading a typed cell as check-hand reads `name = <typed>` (handcheck/conv._numbers) ------
  // normalised as hand_input.normalise_text (any minus, full-width digits), a # comment dropped,
  // a leading ≈ or ~ dropped, a comma between digits read as a decimal comma (0,5; 1,234
  // refused as ambiguous) unless the text's commas separate cells (a comma and a space, a
  // semicolon, a bracket: conv._plain_row), then one plain number (hand_input.read_number: a
  // decimal, or one in e-notation; its decimals state its precision) among nothing but
  // brackets, commas, semicolons and spaces. A fraction or a remark is refused by both.
  const CELL_NUMBER = /[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,3})?/g;
  const COMMAS_SEPARATE = /,\s|;|[[\]()]/;
  function readTyped(raw) {
    let text = normalise(raw).split("#")[0].trim().replace(APPROXIMATELY, "");
    if (!COMMAS_SEPARATE.test(text)) text = decimalCommas(text);
    const shown = text.slice(0, 40);
    if (text.replace(CELL_NUMBER, " ").replace(/[\s,;[\]()]/g, "")) throw new NotANumber(`'${shown}' is not a number`);
    const found = text.match(CELL_NUMBER) || [];
    const numbers = found.map((each) => {  // each read, in order, before they are counted
      const number = readNumber(each);
      if (number === null) throw new NotANumber(`'${each.slice(0, 40)}' is not a number`);
      return number;
    });
    if (numbers.length !== 1) throw new NotANumber(`'${shown}' is not one number`);
    return numbers[0];
  }

  // -- the network worked from the givens, the seal opened with what it gives ----------------
  // symbp: sealed (selfcheck_sealed.js: the seal opened)
  // symbp: graph (selfcheck_graph.js: the graph worked from the givens, its seal opened)

  // -- the layer's arithmetic, as handcheck/conv_layer.py --------------------------------------
  const L = data.layer;
  const zeros = (h, w) => Array.from({ length: h }, () => new Array(w).fill(0));
  const grid = (g) => g.map((row) => row.map(num));
  function padded(x, p) {  // [C][H][W] with p zeros around each map
    if (!p) return x;
    return x.map((m) => {
      const out = zeros(m.length + 2 * p, m[0].length + 2 * p);
      m.forEach((row, i) => row.forEach((v, j) => { out[i + p][j + p] = v; }));
      return out;
    });
  }
  function kernelGradient(x, delta, size, stride, p) {  // [F][C][k][k]: x ⋆ δ
    const source = padded(x, p);
    return delta.map((d) => source.map((m) => {
      const g = zeros(size, size);
      for (let i = 0; i < d.length; i++) for (let j = 0; j < d[0].length; j++)
        for (let u = 0; u < size; u++) for (let v = 0; v < size; v++) g[u][v] += d[i][j] * m[i * stride + u][j * stride + v];
      return g;
    }));
  }
  function onePosition(x, delta, size, stride, p, i, j, f, c) {  // one position's term
    const m = padded(x, p)[c], g = zeros(size, size);
    for (let u = 0; u < size; u++) for (let v = 0; v < size; v++) g[u][v] = delta[f][i][j] * m[i * stride + u][j * stride + v];
    return g;
  }
  function inputGradient(delta, kernels, shape, stride, p, rotate) {  // [C][H][W]
    const size = kernels[0][0].length;
    const grad = Array.from({ length: shape[0] }, () => zeros(shape[1] + 2 * p, shape[2] + 2 * p));
    for (let i = 0; i < delta[0].length; i++) for (let j = 0; j < delta[0][0].length; j++)
      for (let c = 0; c < shape[0]; c++) for (let u = 0; u < size; u++) for (let v = 0; v < size; v++) {
        let total = 0;
        for (let f = 0; f < delta.length; f++) {
          const w = rotate ? kernels[f][c][u][v] : kernels[f][c][size - 1 - u][size - 1 - v];
          total += delta[f][i][j] * w;
        }
        grad[c][i * stride + u][j * stride + v] += total;
      }
    return p ? grad.map((m) => m.slice(p, m.length - p).map((row) => row.slice(p, row.length - p))) : grad;
  }
  function routed(a, upstream, pool, mistake) {  // ∂L/∂a from the pooled map's gradient
    const { size, stride } = pool;
    return a.map((m, f) => {
      const g = zeros(m.length, m[0].length);
      for (let i = 0; i < upstream[f].length; i++) for (let j = 0; j < upstream[f][0].length; j++) {
        const up = upstream[f][i][j];
        if (pool.kind === L.max_pool && mistake !== "to_all") {
          let best = -Infinity, bu = 0, bv = 0;  // the first largest, as numpy's argmax
          for (let u = 0; u < size; u++) for (let v = 0; v < size; v++) {
            const value = m[i * stride + u][j * stride + v];
            if (value > best) { best = value; bu = u; bv = v; }
          }
          g[i * stride + bu][j * stride + bv] += up;
        } else {
          const share = pool.kind !== L.max_pool && mistake !== "undivided" ? up / (size * size) : up;
          for (let u = 0; u < size; u++) for (let v = 0; v < size; v++) g[i * stride + u][j * stride + v] += share;
        }
      }
      return g;
    });
  }
  const scaled = (g, s) => g.map((row, i) => row.map((v, j) => v * (typeof s === "number" ? s : s[i][j])));
  const absolute = (g) => g.map((row) => row.map(Math.abs));
  // a grid as the student's own numbers give it, and how far their rounding may move each cell
  // (handcheck/conv.Own: each written input's half unit times its coefficient's size, summed)
  const own = (value, spread) => ({ value, spread });
  const exact = (g) => own(g, g.map((row) => row.map(() => 0)));

  // -- verdicts, as handcheck/conv.judge -------------------------------------------------------
  const RIGHT = "right", CARRIED = "carried", WRONG = "wrong", TOO_FEW = "too few decimals";
  const slack = (value) => C.slack * Math.max(1, Math.abs(value));
  const agrees = (mine, value, spread = 0) => Math.abs(mine.value - value) <= mine.halfUnit + spread + slack(value);
  function tooFew(mine, value) {  // precision.Precision().too_few, without a minimum
    const gap = Math.abs(mine.value - value);
    return gap > slack(value) && mine.decimals <= 0 && gap <= 0.5 * 10 ** -mine.decimals + slack(value);
  }
  function judge(written, opened) {
    const T = {
      a: opened.a.map(grid), derivative: opened.derivative.map(grid),
      delta_a: opened.delta_a.map(grid), delta_z: opened.delta_z.map(grid),
      grad_w: opened.grad_w.map((f) => f.map(grid)), grad_b: opened.grad_b.map((v) => [[num(v)]]),
      grad_x: opened.grad_x.map(grid), upstream: opened.upstream ? opened.upstream.map(grid) : null,
    };
    const x = L.x, kernels = L.kernels.map((f) => f.map(grid)), size = kernels[0][0].length;
    const shape = [x.length, x[0].length, x[0][0].length];
    const truthOf = (q) => q.kind === "grad_w" ? T.grad_w[q.filter][q.channel]
      : q.kind === "grad_b" ? T.grad_b[q.filter] : q.kind === "grad_x" ? T.grad_x[q.channel] : T[q.kind][q.filter];
    // the groups judged together: a grid typed in full, else each typed cell alone
    const byGrid = new Map();
    for (const q of data.asked) {
      if (!byGrid.has(q.grid)) byGrid.set(q.grid, []);
      byGrid.get(q.grid).push(q);
    }
    const groups = [];
    for (const cells of byGrid.values()) {
      const typed = cells.filter((q) => q.key in written);
      if (typed.length === cells.length) groups.push(typed);
      else typed.forEach((q) => groups.push([q]));
    }
    const student = {};  // the δ maps typed in full, by kind and filter (_student_grids)
    for (const cells of groups) {
      const q = cells[0], truth = truthOf(q);
      if ((q.kind === "delta_a" || q.kind === "delta_z") && cells.length === truth.length * truth[0].length) {
        const g = zeros(truth.length, truth[0].length), s = zeros(truth.length, truth[0].length);
        cells.forEach((c) => { g[c.row][c.col] = written[c.key].value; s[c.row][c.col] = written[c.key].halfUnit; });
        student[q.kind + ":" + q.filter] = own(g, s);
      }
    }
    function ownDeltaZ() {  // {value, spread}: [F][H][W] each
      const maps = T.delta_z.map((g, f) => {
        const z = student["delta_z:" + f], a = student["delta_a:" + f];
        if (z) return z;
        if (a) return own(scaled(a.value, T.derivative[f]), scaled(a.spread, absolute(T.derivative[f])));
        return exact(g);
      });
      return own(maps.map((m) => m.value), maps.map((m) => m.spread));
    }
    const absX = x.map(absolute), absKernels = kernels.map((f) => f.map(absolute));
    const flip = (g) => g.slice().reverse().map((row) => row.slice().reverse());
    function hasOwnUpstream(q) {
      if (q.kind === "delta_z") return ("delta_a:" + q.filter) in student;
      if (q.kind === "grad_w" || q.kind === "grad_b") return ("delta_z:" + q.filter) in student || ("delta_a:" + q.filter) in student;
      if (q.kind === "grad_x") return Object.keys(student).length > 0;
      return false;
    }
    function recomputed(q) {
      if (!hasOwnUpstream(q)) return null;
      const f = q.filter, c = q.channel;
      if (q.kind === "delta_z") {
        const a = student["delta_a:" + f];
        return own(scaled(a.value, T.derivative[f]), scaled(a.spread, absolute(T.derivative[f])));
      }
      const delta = ownDeltaZ();
      if (q.kind === "grad_w") {
        return own(kernelGradient(x, delta.value, size, L.stride, L.padding)[f][c],
          kernelGradient(absX, delta.spread, size, L.stride, L.padding)[f][c]);
      }
      if (q.kind === "grad_b") return own([[pySum(delta.value[f].flat())]], [[pySum(delta.spread[f].flat())]]);
      return inputGradients(delta, true)[c];
    }
    function inputGradients(delta, rotate) {
      const value = inputGradient(delta.value, kernels, shape, L.stride, L.padding, rotate);
      const spread = inputGradient(delta.spread, absKernels, shape, L.stride, L.padding, rotate);
      return value.map((v, c) => own(v, spread[c]));
    }
    function candidates(q) {  // handcheck/conv._candidates (lazily made grids)
      const f = q.filter, c = q.channel, pool = L.pool, found = [];
      const poolName = pool && pool.kind === L.max_pool ? "pool_to_all" : "pool_not_divided";
      const how = pool && pool.kind === L.max_pool ? "to_all" : "undivided";
      if ((q.kind === "delta_a" || q.kind === "delta_z") && pool) {
        const scale = q.kind === "delta_z" ? T.derivative[f] : 1;
        found.push([poolName, () => exact(scaled(routed(T.a, T.upstream, pool, how)[f], scale))]);
      }
      if (q.kind === "delta_z" && !T.derivative.every((g) => g.every((row) => row.every((v) => v === 1)))) {
        found.push(["activation_derivative_missing", () => exact(T.delta_a[f])]);
        if (pool) found.push([poolName, () => exact(routed(T.a, T.upstream, pool, how)[f])]);
      }
      const delta = ownDeltaZ(), d = delta.value;
      if (q.kind === "grad_w") {
        for (let i = 0; i < d[0].length; i++) for (let j = 0; j < d[0][0].length; j++)
          found.push(["one_position", () => own(onePosition(x, d, size, L.stride, L.padding, i, j, f, c),
            onePosition(absX, delta.spread, size, L.stride, L.padding, i, j, f, c))]);
        found.push(["kernel_gradient_rotated", () => own(flip(kernelGradient(x, d, size, L.stride, L.padding)[f][c]),
          flip(kernelGradient(absX, delta.spread, size, L.stride, L.padding)[f][c]))]);
      }
      if (q.kind === "grad_b") {
        for (let i = 0; i < d[0].length; i++) for (let j = 0; j < d[0][0].length; j++)
          found.push(["one_position", () => own([[d[f][i][j]]], [[delta.spread[f][i][j]]])]);
      }
      if (q.kind === "grad_x") found.push(["kernel_not_rotated", () => inputGradients(delta, false)[c]]);
      return found;
    }
    const fits = (cells, g) => cells.every((c) => agrees(written[c.key], g.value[c.row][c.col], g.spread[c.row][c.col]));
    const verdicts = {};
    for (const cells of groups) {
      const q = cells[0], truth = truthOf(q);
      const wrong = cells.some((c) => !agrees(written[c.key], truth[c.row][c.col]));
      const carried = recomputed(q);
      let mistake = "";
      if (wrong && !(carried !== null && fits(cells, carried))) {
        for (const [name, make] of candidates(q)) if (fits(cells, make())) { mistake = name; break; }
      }
      for (const c of cells) {
        const mine = written[c.key], expected = truth[c.row][c.col];
        let verdict, named = "";
        if (agrees(mine, expected)) verdict = RIGHT;
        else if (carried !== null && !mistake && agrees(mine, carried.value[c.row][c.col], carried.spread[c.row][c.col])) verdict = CARRIED;
        else if (!mistake && tooFew(mine, expected)) verdict = TOO_FEW;
        else { verdict = WRONG; named = mistake; }
        verdicts[c.key] = { key: c.key, verdict, mistake: named, kind: q.kind };
      }
    }
    return data.asked.filter((q) => q.key in verdicts).map((q) => verdicts[q.key]);
  }
  function pySum(values) { return values.reduce((a, b) => a + b, 0); }  // numpy's sum of a map

  // -- the page ---------------------------------------------------------------------------
  const fill = (template, ...parts) => parts.reduce((text, part) => text.replace("{}", part), template);
  function verdictText(v) {
    const said = v.verdict === RIGHT ? words.conv_right
      : v.verdict === CARRIED ? words.conv_carried
      : v.verdict === TOO_FEW ? words.conv_too_few : words.conv_wrong;
    if (!v.mistake) return said;
    const key = v.mistake === "one_position" && v.kind === "grad_b" ? "one_position_bias" : v.mistake;
    return `${said}: ${words["mistake_" + key]}`;
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
      try {
        written[key] = readTyped(input.value);
      } catch (error) {
        if (!(error instanceof NotANumber)) throw error;
        cell.textContent = fill(words.selfcheck_not_number, error.message);
        row.dataset.verdict = "unreadable";
      }
    }
    await showVerdicts(written, rows, words.conv_summary);
  }
  document.getElementById("symbp-form").addEventListener("submit", check);
})();
