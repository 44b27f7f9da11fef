// The Network page: the live gNBs, UEs and PDU sessions, and the NFs'
// status, read from the running core every 2 s while the page is shown.
// It shows the first page of UEs (by SUPI) and says when there are more.
import * as api from "./api.js";
import { h, show } from "./dom.js";
import { snssaiString } from "./validate.js";

const refreshMs = 2000;
const uePage = 200;

// timer is the pending refresh; a new page (or leaving this one) stops it.
const live = { timer: 0, seq: 0 };

export function stopNetwork() {
  clearTimeout(live.timer);
  live.timer = 0;
  live.seq++;
}

export function networkPage() {
  stopNetwork();
  const seq = live.seq;
  const err = h("p", { class: "alert", role: "alert", id: "network-error" });
  const status = h("p", { id: "network-status", class: "muted" });
  const nfs = h("tbody", { id: "nf-rows" });
  const gnbs = h("tbody", { id: "gnb-rows" });
  const ues = h("tbody", { id: "ue-rows" });
  const sessions = h("tbody", { id: "session-rows" });
  const ueNote = h("p", { class: "muted", id: "ue-note" });
  const table = (id, caption, cols, body) => h("table", { id },
    h("caption", { class: "muted" }, caption),
    h("thead", {}, h("tr", {}, cols.map((c) => h("th", { scope: "col" }, c)))), body);

  async function load() {
    const got = await Promise.allSettled([api.request("GET", "/status"), api.request("GET", "/gnbs"),
      api.request("GET", "/ues?limit=" + uePage), api.request("GET", "/sessions")]);
    if (seq !== live.seq) return; // the user left the page
    live.timer = setTimeout(load, refreshMs);
    const [st, gs, us, ss] = got;
    const failed = got.filter((r) => r.status === "rejected").map((r) => r.reason.message);
    err.textContent = failed.length ? "Could not read: " + [...new Set(failed)].join("; ") : "";
    if (st.status === "fulfilled") {
      const s = st.value;
      status.textContent = "User plane " + (s.userPlane.on ? "on" : "off") + ": " + s.userPlane.reason;
      nfs.replaceChildren(...s.nfs.map((n) => h("tr", { dataset: { nf: n.name } },
        h("th", { scope: "row" }, n.name.toUpperCase()),
        h("td", {}, n.running ? "running" : "not running"),
        h("td", { class: "mono" }, Object.entries(n.counters || {}).map(([k, v]) => k + " " + v).join(", ")))));
    }
    if (gs.status === "fulfilled") {
      gnbs.replaceChildren(...gs.value.items.map((g) => h("tr", { dataset: { gnb: g.name || g.address } },
        h("th", { scope: "row" }, g.name || "(no name)"),
        h("td", { class: "mono" }, g.globalId ? g.globalId.plmn.mcc + "-" + g.globalId.plmn.mnc + " " + g.globalId.gnbId + "/" + g.globalId.bitLength : ""),
        h("td", { class: "mono" }, g.address),
        h("td", {}, g.ngSetup ? "set up" + (g.ngSetupAt ? " " + new Date(g.ngSetupAt).toLocaleString() : "") : "awaiting NG Setup"),
        h("td", {}, g.supportedTAs.map((t) => "TAC " + t.tac + " (" + t.slices.map(snssaiString).join(", ") + ")").join("; ")),
        h("td", {}, String(g.ues)))));
      document.body.dataset.gnbs = String(gs.value.items.length);
    }
    if (us.status === "fulfilled") {
      ues.replaceChildren(...us.value.items.map((u) => h("tr", { dataset: { supi: u.supi } },
        h("th", { scope: "row", class: "mono" }, u.supi),
        h("td", { class: "mono" }, u.guti || ""),
        h("td", {}, u.state),
        h("td", {}, u.cmState),
        h("td", {}, u.gnbName || ""),
        h("td", { class: "mono" }, u.cmState === "CM-CONNECTED" ? u.ranUeNgapId + " / " + u.amfUeNgapId : ""),
        h("td", {}, u.registrationStarted ? new Date(u.registrationStarted).toLocaleString() : ""),
        h("td", {}, h("a", { href: "#/ladder/" + encodeURIComponent(u.supi), class: "ladder-link" }, "Ladder")))));
      ueNote.textContent = us.value.nextCursor ? "Showing the first " + uePage + " UEs by SUPI." : "";
      document.body.dataset.ues = String(us.value.items.length);
    }
    if (ss.status === "fulfilled") {
      sessions.replaceChildren(...ss.value.items.map((s) => h("tr", {},
        h("th", { scope: "row", class: "mono" }, s.supi),
        h("td", {}, String(s.pduSessionId)),
        h("td", {}, s.dnn),
        h("td", { class: "mono" }, [s.ipv4, s.ipv6Prefix].filter(Boolean).join(", ")),
        h("td", {}, s.upf),
        h("td", {}, s.userPlaneActive ? "active" : "inactive"))));
    }
    document.body.dataset.networkReady = String((Number(document.body.dataset.networkReady) || 0) + 1);
  }

  show(h("h1", {}, "Network"), err, status,
    table("nfs", "Network functions", ["NF", "State", "Counters"], nfs),
    table("gnbs", "gNBs", ["Name", "Global gNB ID", "Address", "N2", "Tracking areas (slices)", "UEs"], gnbs),
    table("ues", "UEs", ["SUPI", "5G-GUTI", "5GMM state", "CM state", "gNB", "RAN / AMF UE NGAP ID", "Registration", "Signalling"], ues),
    ueNote,
    table("sessions", "PDU sessions", ["SUPI", "PDU session ID", "DNN", "Address", "UPF", "User plane"], sessions));
  load();
}
