// The subscriber list: search by SUPI prefix, cursor pagination, delete.
// It holds at most one page (100 rows), so it is as fast at 100,000
// subscribers as at 10; the total is counted once, on the first page, and
// only up to 10,000: beyond, the API says it is a lower bound ("10,000+").
import * as api from "./api.js";
import { h, show, toast, confirmDialog } from "./dom.js";
import { snssaiString } from "./validate.js";

const pageSize = 100;

// view is the list's state, kept across visits to other pages.
const view = { prefix: "", cursors: [""], total: null, lowerBound: false, seq: 0 };

// totalText is the total as an operator reads it: "1,234" or "10,000+".
export function totalText(total, lowerBound) {
  return Number(total).toLocaleString("en-US") + (lowerBound ? "+" : "");
}

export function listPage(canEdit) {
  const search = h("input", { type: "search", id: "search", value: view.prefix, placeholder: "imsi-00101 or 00101",
    autocomplete: "off", spellcheck: "false", inputmode: "search" });
  const status = h("p", { id: "list-status", class: "muted", "aria-live": "polite" });
  const err = h("p", { class: "alert", role: "alert", id: "list-error" });
  const prev = h("button", { type: "button", id: "prev" }, "Previous");
  const next = h("button", { type: "button", id: "next" }, "Next");
  const tbody = h("tbody", { id: "subscriber-rows" });
  const table = h("table", { id: "subscribers" },
    h("caption", { class: "muted", id: "table-caption" }, "Subscribers"),
    h("thead", {}, h("tr", {},
      ["SUPI", "Auth method", "Slices (S-NSSAI)", "DNNs", "AMBR UL / DL", "K"].map((c) => h("th", { scope: "col" }, c)),
      canEdit ? h("th", { scope: "col" }, h("span", {}, "Actions")) : null)),
    tbody);

  let timer = 0;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      view.prefix = search.value.trim();
      view.cursors = [""];
      load();
    }, 250);
  });
  prev.addEventListener("click", () => { view.cursors.pop(); load(); });
  next.addEventListener("click", () => { view.cursors.push(next.dataset.cursor); load(); });

  async function load() {
    const seq = ++view.seq;
    const cursor = view.cursors[view.cursors.length - 1];
    prev.disabled = next.disabled = true;
    err.textContent = "";
    let page;
    try {
      page = await api.listSubscribers({ prefix: view.prefix, cursor, limit: pageSize });
    } catch (e) {
      if (seq !== view.seq) return;
      err.textContent = e.problem.field === "prefix" ? "Search: " + e.message : e.message;
      tbody.replaceChildren();
      status.textContent = "";
      return;
    }
    if (seq !== view.seq) return; // a newer search or page is on its way
    if (page.total !== undefined) {
      view.total = page.total;
      view.lowerBound = page.totalIsLowerBound === true;
    }
    tbody.replaceChildren(...page.items.map((s) => row(s, canEdit, load)));
    const first = (view.cursors.length - 1) * pageSize;
    status.textContent = page.items.length === 0
      ? (view.prefix ? "No subscriber matches " + view.prefix + "." : "No subscribers yet.")
      : "Showing " + (first + 1) + "–" + (first + page.items.length) + " of " + totalText(view.total, view.lowerBound) +
        " (page " + view.cursors.length + ")";
    status.dataset.total = String(view.total);
    status.dataset.totalIsLowerBound = String(view.lowerBound);
    status.dataset.page = String(view.cursors.length);
    prev.disabled = view.cursors.length <= 1;
    next.disabled = !page.nextCursor;
    next.dataset.cursor = page.nextCursor || "";
    document.body.dataset.listReady = String(view.seq);
    performance.mark("subscribers-rendered");
  }

  show(h("h1", {}, "Subscribers"),
    h("div", { class: "toolbar", role: "search" },
      h("label", { for: "search" }, "Search by SUPI prefix", search),
      canEdit ? h("a", { class: "button", href: "#/subscribers/new" }, "Add subscriber") : null,
      canEdit ? h("a", { class: "button", href: "#/import" }, "Import CSV") : null),
    err, status, table,
    h("nav", { class: "pager", "aria-label": "Pages" }, prev, next));
  load();
}

function row(s, canEdit, reload) {
  const slices = s.snssais.map((n) => snssaiString(n) +
    (n.sst === s.defaultSnssai.sst && (n.sd || "") === (s.defaultSnssai.sd || "") ? " (default)" : "")).join(", ");
  const cells = [
    h("th", { scope: "row", class: "mono" }, s.supi),
    h("td", {}, s.authMethod),
    h("td", {}, slices),
    h("td", {}, s.dnns.join(", ")),
    h("td", {}, s.ambr.uplink + " / " + s.ambr.downlink),
    h("td", { class: "mono", title: "masked: only the last 4 hex digits are shown" }, s.k),
  ];
  if (canEdit) {
    const del = h("button", { type: "button", class: "link", "aria-label": "Delete " + s.supi }, "Delete");
    del.addEventListener("click", async () => {
      if (!await confirmDialog("Delete subscriber " + s.supi + "? This cannot be undone.", "Delete")) return;
      try {
        await api.deleteSubscriber(s.supi);
        toast("Deleted " + s.supi + ".");
        view.cursors = view.cursors.slice(0, 1); // the total changed: count again
      } catch (e) {
        toast("Delete failed: " + e.message);
      }
      reload();
    });
    cells.push(h("td", { class: "actions" },
      h("a", { href: "#/subscribers/edit/" + encodeURIComponent(s.supi), "aria-label": "Edit " + s.supi }, "Edit"), del));
  }
  return h("tr", { dataset: { supi: s.supi } }, cells);
}
