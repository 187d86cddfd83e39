// The part of symbp's three self-check pages that opens a sealed catalogue
// (symbp/classroom/sealing.py): the canonical text of a number, and the catalogue unsealed
// with the secret a page works out from its givens. symbp/formats/selfcheck.py writes it into
// each page's script where the page says "// symbp: sealed", inside the page's closure.
  const MARKER = "symbp-sealed:";
  function canonical(v) {  // sealing.canonical
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    return (v + 0).toExponential(6);
  }
  async function unseal(seal, secret) {  // sealing.unseal: the catalogue, or null (a wrong secret)
    const salt = new Uint8Array(seal.salt.match(/../g).map((h) => parseInt(h, 16)));
    const base = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), "PBKDF2", false, ["deriveBits"]);
    const key = new Uint8Array(await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt, iterations: seal.iterations }, base, 256));
    const sealed = Uint8Array.from(atob(seal.sealed), (c) => c.charCodeAt(0));
    const blocks = [];
    for (let b = 0; b * 32 < sealed.length; b++) {
      const input = new Uint8Array(36);
      input.set(key);
      new DataView(input.buffer).setUint32(32, b);
      blocks.push(crypto.subtle.digest("SHA-256", input));
    }
    const pads = await Promise.all(blocks);
    const opened = sealed.map((byte, i) => byte ^ new Uint8Array(pads[i >> 5])[i & 31]);
    let text; try { text = new TextDecoder("utf-8", { fatal: true }).decode(opened); } catch (e) { return null; }
    return text.startsWith(MARKER) ? JSON.parse(text.slice(MARKER.length)) : null;
  }
