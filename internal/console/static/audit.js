// The Audit log page: every change made through the API, newest first,
// a page at a time. The API pages by entry id (before) and does not filter,
// so the user and action filters narrow the page shown.
import * as api from "./api.js";
import { h, show } from "./dom.js";

const pageSize = 50;

// view is kept across visits: the pages walked (each page's "before").
const view = { befores: [0], actor: "", action: "", seq: 0 };

export function auditPage(isAdmin) {
  if (!isAdmin) {
    show(h("h1", {}, "Audit log"), h("p", { class: "muted", id: "audit-note" }, "Only an admin can read the audit log."));
    return;
  }
  const err = h("p", { class: "alert", role: "alert", id: "audit-error" });
  const status = h("p", { class: "muted", id: "audit-status", "aria-live": "polite" });
  const actor = h("input", { type: "search", id: "audit-actor", value: view.actor, placeholder: "user:admin", autocomplete: "off", spellcheck: "false" });
  const action = h("input", { type: "search", id: "audit-action", value: view.action, placeholder: "user.create", autocomplete: "off", spellcheck: "false" });
  const newer = h("button", { type: "button", id: "audit-newer" }, "Newer");
  const older = h("button", { type: "button", id: "audit-older" }, "Older");
  const tbody = h("tbody", { id: "audit-rows" });
  const table = h("table", { id: "audit" },
    h("caption", { class: "muted" }, "Audit log, newest first"),
    h("thead", {}, h("tr", {}, ["Time", "Who", "Action", "Target", "Detail"].map((c) => h("th", { scope: "col" }, c)))),
    tbody);
  let items = [];

  function render() {
    const a = view.actor.toLowerCase();
    const act = view.action.toLowerCase();
    const shown = items.filter((e) => e.actor.toLowerCase().includes(a) && e.action.toLowerCase().includes(act));
    tbody.replaceChildren(...shown.map((e) => h("tr", { dataset: { id: String(e.id), action: e.action } },
      h("td", {}, new Date(e.at).toLocaleString()),
      h("td", { class: "mono" }, e.actor),
      h("td", { class: "mono" }, e.action),
      h("td", { class: "mono" }, e.target),
      h("td", {}, e.detail || ""))));
    const page = view.befores.length;
    status.textContent = items.length === 0 ? "No entries." :
      "Page " + page + ": " + shown.length + " of " + items.length + " entries" + (shown.length < items.length ? " match the filter." : ".");
    status.dataset.page = String(page);
  }

  async function load() {
    const seq = ++view.seq;
    newer.disabled = older.disabled = true;
    err.textContent = "";
    const before = view.befores[view.befores.length - 1];
    let page;
    try {
      page = await api.request("GET", "/audit?limit=" + pageSize + (before ? "&before=" + before : ""));
    } catch (e) {
      if (seq === view.seq) err.textContent = e.message;
      return;
    }
    if (seq !== view.seq) return;
    items = page.items;
    render();
    newer.disabled = view.befores.length <= 1;
    older.disabled = !page.nextBefore;
    older.dataset.before = String(page.nextBefore || "");
    document.body.dataset.auditReady = String(view.seq);
  }

  const filter = () => { view.actor = actor.value.trim(); view.action = action.value.trim(); render(); };
  actor.addEventListener("input", filter);
  action.addEventListener("input", filter);
  newer.addEventListener("click", () => { view.befores.pop(); load(); });
  older.addEventListener("click", () => { view.befores.push(Number(older.dataset.before)); load(); });

  show(h("h1", {}, "Audit log"),
    h("div", { class: "toolbar", role: "search" },
      h("label", { for: "audit-actor" }, "Who (on this page)", actor),
      h("label", { for: "audit-action" }, "Action (on this page)", action),
      h("button", { type: "button", id: "audit-refresh", onclick: () => { view.befores = [0]; load(); } }, "Newest")),
    err, status, table,
    h("nav", { class: "pager", "aria-label": "Pages" }, newer, older));
  load();
}
