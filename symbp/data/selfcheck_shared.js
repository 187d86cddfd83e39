// The part of symbp's three self-check pages (selfcheck.js, the networks' page,
// circuit_selfcheck.js, the circuits', conv_selfcheck.js, convolution exercises') that is the
// same in all: reading a typed number as handcheck/hand_input.py reads it (the conv page takes
// readNumber, APPROXIMATELY and decimalCommas: conv check-hand reads a cell as a grid's plain
// number), and float64
// evaluation as handcheck/floats.py does it.
// symbp/formats/selfcheck.py writes it into each page's script where the page says
// "// symbp: shared", inside the page's closure; `evaluate` calls the page's own FUNCTIONS
// (the networks' page knows softmax). Nothing typed is evaluated as code.
  const num = (v) => (typeof v === "number" ? v : v === "inf" ? Infinity : v === "-inf" ? -Infinity : NaN);

  // -- reading a number as hand_input.read_cell_number does --------------------------------
  const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?$/;
  const REMARK = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?)\s*(\(.*\)|\[.*\]|[\p{L}][^\d()\[\]*/^+=<>-]*)$/u;
  const APPROXIMATELY = /^(?:≈|~|约|大约|approx\.?\s)\s*/;
  const DECIMAL_COMMA = /(?<![\w.,])(\d+),(\d+)(?![\w.,])/g;
  const NOT_REMARKS = new Set([]);  // symbp: hand_input.NOT_REMARKS

  class NotANumber extends Error {}

  function normalise(text) {
    return text.replace(/²/g, "\ue000").replace(/³/g, "\ue001").normalize("NFKC")
      .replace(/\ue000/g, "²").replace(/\ue001/g, "³")
      .replace(/[−–—‐‑‒﹣－]/g, "-").replace(/∗/g, "*").replace(/[′’]/g, "'");
  }
  function unquote(text) {
    if (text.length >= 2 && text[0] === text[text.length - 1] && "\"'".includes(text[0])) {
      return text.slice(1, -1).trim();
    }
    return text;
  }
  function decimalCommas(text) {
    return text.replace(DECIMAL_COMMA, (match, whole, fraction) => {
      if (whole.replace(/^0+|0+$/g, "") && fraction.length === 3) {
        throw new NotANumber(`${match} could be ${whole}${fraction} or ${whole}.${fraction}`);
      }
      return `${whole}.${fraction}`;
    });
  }
  function plainValue(text) {
    text = decimalCommas(unquote(text).replace(APPROXIMATELY, ""));
    const match = REMARK.exec(text);
    if (match && !NOT_REMARKS.has(match[2].trim().toLowerCase())) return match[1];
    return text;
  }
  function readNumber(text) {
    text = text.trim();
    if (text.length > 40 || !NUMBER.test(text)) return null;
    const [mantissa, exponent] = text.toLowerCase().split("e");
    const [, fraction = ""] = mantissa.replace(/^[+-]+/, "").split(".");
    const decimals = fraction.length - (exponent ? parseInt(exponent, 10) : 0);
    const value = Number(text);
    if (!Number.isFinite(value)) throw new NotANumber(`${text} is not a finite number`);
    const exact = decimals <= 0;  // precision.py: 0.00 states two decimals, 0 none
    return { text, value, decimals, exact, halfUnit: exact ? 0 : 0.5 * Number(`1e${-decimals}`) };
  }
  function readCell(raw, other = null) {  // other: a page's reader of further forms
    const value = unquote(normalise(raw).trim());
    const steps = value.replace(APPROXIMATELY, "").split(/=|≈/);
    const plain = steps.length === 1 && steps[0].trim() ? plainValue(steps[0].trim()) : null;
    let number = plain === null ? null : readNumber(plain);
    if (number === null && plain !== null && other !== null) number = other(plain);
    if (number === null) throw new NotANumber(`'${raw}' is not a number`);
    return number;
  }

  // -- float64 evaluation, as floats.float_value ------------------------------------------
  function fsum(values) {  // CPython's math.fsum: the correctly rounded sum
    const partials = [];
    let special = 0, infinities = 0;
    for (let x of values) {
      const saved = x;
      let i = 0;
      for (let y of partials) {
        if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
        const hi = x + y, lo = y - (hi - x);
        if (lo !== 0) partials[i++] = lo;
        x = hi;
      }
      let n = i;
      if (x !== 0) {
        if (!Number.isFinite(x)) {
          if (Number.isFinite(saved)) throw new RangeError("intermediate overflow");
          if (!Number.isNaN(saved)) infinities += saved;
          special += saved;
          n = 0;
        } else {
          partials[n++] = x;
        }
      }
      partials.length = n;
    }
    if (special !== 0) {
      if (Number.isNaN(infinities)) throw new RangeError("-inf + inf");
      return special;
    }
    let n = partials.length, hi = 0, lo = 0;
    if (n > 0) {
      hi = partials[--n];
      while (n > 0) {
        const x = hi, y = partials[--n];
        hi = x + y;
        lo = y - (hi - x);
        if (lo !== 0) break;
      }
      if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
        const y = lo * 2, x = hi + y;
        if (y === x - hi) hi = x;
      }
    }
    return hi;
  }
  function sum(values) {
    try { return fsum(values); } catch (e) { return values.reduce((a, b) => a + b, 0); }
  }
  function power(base, exponent) {
    if (base === 1 || exponent === 0) return 1;
    if (base === 0 && exponent < 0) return NaN;
    if (base < 0 && !Number.isInteger(exponent) && Number.isFinite(exponent)) return NaN;
    return Math.pow(base, exponent);
  }
  function logsumexp(values) {  // softmax's, as floats._logsumexp: the largest, plus the log of an exact sum
    const top = values.reduce((m, v) => (v > m ? v : m));
    if (!Number.isFinite(top)) return top;
    return top + Math.log(sum(values.map((v) => Math.exp(v - top))));
  }
  function evaluate(tree, values) {
    if (typeof tree === "number") return tree;
    if (typeof tree === "string") return values[tree];
    return FUNCTIONS[tree[0]](tree.slice(1).map((t) => evaluate(t, values)));
  }
