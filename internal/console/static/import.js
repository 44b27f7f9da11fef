// CSV import: the file goes to POST /api/v1/subscribers:import as text/csv;
// the API imports every row or none, and a failure lists every bad row.
import * as api from "./api.js";
import { h, show } from "./dom.js";

const columns = "supi,k,opc,amf,sqn,authMethod,snssais,defaultSnssai,dnns,ambr.uplink,ambr.downlink";

export function importPage() {
  const file = h("input", { type: "file", id: "csv-file", accept: ".csv,text/csv", required: true });
  const submit = h("button", { type: "submit", class: "primary", id: "import-submit" }, "Import");
  const result = h("div", { id: "import-result", "aria-live": "polite" });
  const form = h("form", { class: "stack", id: "import-form" },
    h("div", { class: "field" }, h("label", { for: "csv-file" }, "CSV file"), file,
      h("span", { class: "hint" }, "A header row naming the columns (supi, k and opc required): ", h("code", {}, columns),
        ". Lists inside a cell are separated by ;. Every row is imported, or none.")),
    h("div", { class: "actions" }, submit, h("a", { class: "button", href: "#/subscribers" }, "Back to the list")));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    result.replaceChildren();
    const f = file.files[0];
    if (!f) {
      result.replaceChildren(h("p", { class: "alert", role: "alert" }, "Choose a CSV file first."));
      return;
    }
    submit.disabled = true;
    try {
      const res = await api.importCSV(await f.text());
      result.replaceChildren(h("p", { class: "success", id: "import-ok" },
        "Imported " + res.imported + " subscribers from " + f.name + ". ", h("a", { href: "#/subscribers" }, "See the list")));
    } catch (e) {
      result.replaceChildren(h("p", { class: "alert", role: "alert", id: "import-error" }, "Import failed: " + e.message),
        rowErrors(e.problem.errors || []));
    } finally {
      submit.disabled = false;
    }
  });
  show(h("h1", {}, "Import subscribers"), form, result);
}

function rowErrors(errors) {
  if (errors.length === 0) return null;
  return h("table", { class: "errors", id: "import-errors" },
    h("caption", {}, errors.length + " bad row(s)"),
    h("thead", {}, h("tr", {}, ["Line", "SUPI", "Field", "Problem"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, errors.map((r) => h("tr", {},
      h("th", { scope: "row" }, String(r.line)), h("td", { class: "mono" }, r.supi || ""),
      h("td", {}, r.field || ""), h("td", {}, r.detail)))));
}
