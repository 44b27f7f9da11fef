// Client-side checks that mirror the API's (internal/api build and
// internal/store Validate), so most mistakes are shown before a round
// trip. The API stays the authority: its field errors are shown the same way.

const hex = (n) => new RegExp("^[0-9a-fA-F]{" + n + "}$");

// supi: "imsi-" and 15 digits (TS 23.003 §2.2).
export function supi(v) {
  return /^imsi-[0-9]{15}$/.test(v) ? "" : "want imsi- and 15 digits, e.g. imsi-001010000000001";
}

// key: 128 bits as 32 hex digits; blank allowed when keeping the stored key.
export function key(v, optional) {
  if (v === "" && optional) return "";
  return hex(32).test(v) ? "" : "must be 32 hex digits (128 bits)";
}

export function amf(v) { return hex(4).test(v) ? "" : "must be 4 hex digits, e.g. 8000"; }

export function sqn(v) {
  return v === "" || /^[0-9a-fA-F]{1,12}$/.test(v) ? "" : "must be up to 12 hex digits (48 bits)";
}

// parseSNSSAI reads "SST" or "SST:SD"; returns {sst, sd?} or throws.
export function parseSNSSAI(s) {
  const m = /^([0-9]{1,3})(?::([0-9a-fA-F]{6}))?$/.exec(s.trim());
  if (!m || Number(m[1]) > 255) throw new Error(JSON.stringify(s) + ": want SST (0-255) or SST:SD (SD 6 hex digits)");
  const n = { sst: Number(m[1]) };
  if (m[2]) n.sd = m[2].toLowerCase();
  return n;
}

export const snssaiString = (n) => (n.sd ? n.sst + ":" + n.sd : String(n.sst));

// snssais parses a ";" or "," separated list; returns [list, error].
export function snssais(v) {
  const parts = splitList(v);
  if (parts.length === 0) return [[], "at least one S-NSSAI is needed"];
  const out = [];
  for (const p of parts) {
    let n;
    try { n = parseSNSSAI(p); } catch (e) { return [[], e.message]; }
    if (out.some((m) => m.sst === n.sst && (m.sd || "") === (n.sd || ""))) return [[], "S-NSSAI " + p + " is listed twice"];
    out.push(n);
  }
  return [out, ""];
}

// dnn: dot-separated labels of letters, digits and inner hyphens, 1-100
// characters (TS 23.003 §9.1).
export function dnns(v) {
  const list = splitList(v);
  for (const [i, d] of list.entries()) {
    if (d.length > 100) return [[], "a DNN must be 1 to 100 characters"];
    if (!d.split(".").every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(l))) {
      return [[], "DNN " + JSON.stringify(d) + ": labels are letters, digits and inner hyphens, separated by dots"];
    }
    if (list.slice(0, i).some((e) => e.toLowerCase() === d.toLowerCase())) return [[], "DNN " + JSON.stringify(d) + " is listed twice"];
  }
  return [list, ""];
}

// bitRate accepts what store.ParseBitRate does: "1 Gbps", "1.5Mbps", "500kbps", "1000".
export function bitRate(v) {
  const m = /^([0-9]+)(?:\.([0-9]+))?\s*(tbps|gbps|mbps|kbps|bps)?$/i.exec(v.trim());
  if (!m) return "want a number and a unit, e.g. 1Gbps or 500Mbps";
  const mult = { tbps: 1e12, gbps: 1e9, mbps: 1e6, kbps: 1e3, bps: 1 }[(m[3] || "bps").toLowerCase()];
  if (m[2] && 10 ** m[2].length > mult) return "more decimals than whole bits per second";
  if (Number(m[1] + "." + (m[2] || "0")) * mult <= 0) return "must be above 0";
  return "";
}

export function splitList(v) {
  return v.split(/[;,]/).map((s) => s.trim()).filter((s) => s !== "");
}
