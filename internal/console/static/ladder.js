// The ladder diagram of one UE: its recent NGAP and NAS messages as the
// AMF saw them (GET /api/v1/ues/{supi}/trace), drawn as arrows between
// the UE, gNB and AMF lifelines, oldest at the top. NAS runs between the
// UE and the AMF (carried by the gNB), NGAP between the gNB and the AMF.
// Everything is built with DOM calls and SVG presentation attributes: no
// HTML strings and no style attributes, as the console's CSP requires.
import * as api from "./api.js";
import { h, show } from "./dom.js";

const svgNS = "http://www.w3.org/2000/svg";
const lanes = { UE: 190, gNB: 450, AMF: 710 };
const width = 800;
const top = 56;
const rowH = 36;
const colors = { NGAP: "#1f4e79", "NAS-5GMM": "#116329", "NAS-5GSM": "#8250df" };

// s builds an SVG element: s("line", {x1: 0, ...}, child, ...).
function s(tag, attrs, ...children) {
  const el = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// arrowHeads are one marker per interface, pointing along the line.
function arrowHeads() {
  return s("defs", {}, Object.entries(colors).map(([name, color]) =>
    s("marker", { id: "head-" + name, viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: "auto-start-reverse" },
      s("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: color }))));
}

// draw returns the SVG ladder of the trace's items.
function draw(items) {
  const height = top + items.length * rowH + 16;
  const svg = s("svg", { id: "ladder", width, height, viewBox: "0 0 " + width + " " + height, role: "img",
    "aria-label": "Ladder diagram: " + items.length + " messages between UE, gNB and AMF", "font-family": "system-ui, sans-serif" });
  svg.append(arrowHeads());
  svg.append(s("text", { x: 8, y: 24, "font-size": 12, fill: "#57606a" }, "time"));
  for (const [name, x] of Object.entries(lanes)) {
    svg.append(s("text", { x, y: 24, "text-anchor": "middle", "font-weight": 600, "font-size": 14, fill: "#1b1f24", class: "lane", dataset: { lane: name } }, name));
    svg.append(s("line", { x1: x, y1: 34, x2: x, y2: height - 8, stroke: "#d0d7de", "stroke-width": 2 }));
  }
  items.forEach((m, i) => {
    const y = top + i * rowH + 14;
    const x1 = lanes[m.from], x2 = lanes[m.to];
    if (x1 === undefined || x2 === undefined) return;
    const color = m.dropped ? "#b42318" : colors[m.interface] || "#1b1f24";
    const down = x2 < x1;
    const label = [m.security, m.detail].filter(Boolean).join("; ");
    const tip = "+" + m.offsetMs + " ms " + m.from + " → " + m.to + ": " + m.message + " (" + m.interface + ")" +
      (label ? " " + label : "") + (m.dropped ? " — dropped" : "");
    svg.append(s("g", { class: "msg", dataset: { index: i, from: m.from, to: m.to, interface: m.interface, message: m.message } },
      s("title", {}, tip),
      s("text", { x: 8, y: y + 4, "font-size": 12, fill: "#57606a", class: "time", "font-family": "ui-monospace, monospace" }, "+" + m.offsetMs + " ms"),
      s("line", { x1, y1: y, x2, y2: y, stroke: color, "stroke-width": 1.6, "marker-end": "url(#head-" + (colors[m.interface] ? m.interface : "NGAP") + ")",
        "stroke-dasharray": m.dropped ? "5 4" : null }),
      s("text", { x: (x1 + x2) / 2, y: y - 6, "text-anchor": "middle", "font-size": 13, fill: color, class: "name" },
        m.message, label ? s("tspan", { fill: "#57606a", "font-size": 11 }, "  " + label) : null),
      s("text", { x: down ? x1 + 6 : x1 - 6, y: y + 14, "text-anchor": down ? "start" : "end", "font-size": 10, fill: "#57606a", class: "iface" }, m.interface)));
  });
  return svg;
}

// ladderPage shows the ladder of supi, read again by the Refresh button.
export function ladderPage(supi) {
  const err = h("p", { class: "alert", role: "alert", id: "ladder-error" });
  const status = h("p", { class: "muted", id: "ladder-status" }, "Loading…");
  const host = h("div", { id: "ladder-host" });
  const rows = h("tbody", { id: "ladder-rows" });
  const refresh = h("button", { type: "button", id: "ladder-refresh" }, "Refresh");
  let seq = 0;

  async function load() {
    const mine = ++seq;
    refresh.disabled = true;
    try {
      const t = await api.request("GET", "/ues/" + encodeURIComponent(supi) + "/trace");
      if (mine !== seq || !host.isConnected) return; // a newer load, or the user left
      err.textContent = "";
      const items = t.items || [];
      status.textContent = items.length
        ? items.length + " messages from " + new Date(items[0].time).toLocaleString() + " (the AMF keeps the last 31)."
        : "No signalling recorded for this UE.";
      host.replaceChildren(draw(items));
      rows.replaceChildren(...items.map((m) => h("tr", {},
        h("td", { class: "mono" }, "+" + m.offsetMs + " ms"),
        h("td", {}, m.from + " → " + m.to),
        h("td", {}, m.interface),
        h("th", { scope: "row" }, m.message),
        h("td", {}, m.security || ""),
        h("td", {}, [m.detail, m.dropped ? "dropped" : ""].filter(Boolean).join("; ")))));
      document.body.dataset.ladderReady = String((Number(document.body.dataset.ladderReady) || 0) + 1);
    } catch (e) {
      if (mine !== seq || !host.isConnected) return;
      err.textContent = e.status === 404 ? "The AMF has no context for " + supi + " (it may have deregistered)." : "Could not read the trace: " + e.message;
      status.textContent = "";
    } finally {
      if (mine === seq) refresh.disabled = false;
    }
  }
  refresh.addEventListener("click", load);

  show(h("h1", {}, "Signalling of " + supi),
    h("div", { class: "toolbar" }, refresh, h("a", { href: "#/network" }, "Back to the network")),
    err, status, host,
    h("table", { id: "ladder-table" },
      h("caption", { class: "muted" }, "Messages"),
      h("thead", {}, h("tr", {}, ["Time", "Direction", "Interface", "Message", "NAS security", "Detail"].map((c) => h("th", { scope: "col" }, c)))),
      rows));
  load();
}
