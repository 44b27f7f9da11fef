// Add and edit a subscriber. Fields are checked as the API checks them
// before sending; the API's own field errors land next to the same field.
import * as api from "./api.js";
import { h, show, field, setError, toast } from "./dom.js";
import * as v from "./validate.js";

// apiFields maps the API's problem "field" to this form's input id.
const apiFields = {
  supi: "supi", k: "k", opc: "opc", amf: "amf", sqn: "sqn", authMethod: "authMethod",
  snssais: "snssais", defaultSnssai: "defaultSnssai", dnns: "dnns",
  "ambr.uplink": "ambrUplink", "ambr.downlink": "ambrDownlink", ambr: "ambrUplink",
};

// formPage shows the add form (supi null) or the edit form for supi.
export async function formPage(supi) {
  const editing = supi !== null;
  let current = null;
  if (editing) {
    try {
      current = await api.getSubscriber(supi);
    } catch (e) {
      show(h("h1", {}, "Edit subscriber"), h("p", { class: "alert", role: "alert" }, e.message),
        h("p", {}, h("a", { href: "#/subscribers" }, "Back to the subscribers")));
      return;
    }
  }
  const input = (attrs) => h("input", { autocomplete: "off", spellcheck: "false", ...attrs });
  const f = {
    supi: input({ value: editing ? current.supi : "", readonly: editing, required: true, placeholder: "imsi-001010000000001" }),
    k: input({ class: "mono", required: !editing, placeholder: editing ? "unchanged (" + current.k.slice(-4) + ")" : "32 hex digits" }),
    opc: input({ class: "mono", required: !editing, placeholder: editing ? "unchanged (" + current.opc.slice(-4) + ")" : "32 hex digits" }),
    amf: input({ class: "mono", value: editing ? current.amf : "8000" }),
    sqn: input({ class: "mono", value: "000000000000", disabled: editing }),
    authMethod: h("select", {},
      h("option", { value: "5G_AKA" }, "5G AKA"), h("option", { value: "EAP_AKA_PRIME" }, "EAP-AKA′")),
    snssais: input({ value: editing ? current.snssais.map(v.snssaiString).join("; ") : "1" }),
    defaultSnssai: input({ value: editing ? v.snssaiString(current.defaultSnssai) : "", placeholder: "the first slice" }),
    dnns: input({ value: editing ? current.dnns.join("; ") : "internet" }),
    ambrUplink: input({ value: editing ? current.ambr.uplink : "1 Gbps" }),
    ambrDownlink: input({ value: editing ? current.ambr.downlink : "1 Gbps" }),
  };
  if (editing) f.authMethod.value = current.authMethod;
  const alert = h("p", { class: "alert", role: "alert", id: "form-error" });
  const submit = h("button", { type: "submit", class: "primary", id: "save" }, editing ? "Save changes" : "Add subscriber");
  const form = h("form", { class: "stack", novalidate: true, id: "subscriber-form" },
    field("supi", "SUPI", f.supi, "imsi- and 15 digits: MCC, MNC and MSIN"),
    h("div", { class: "row2" },
      field("k", "K (subscriber key)", f.k, editing ? "leave blank to keep the stored key" : "128 bits, 32 hex digits"),
      field("opc", "OPc", f.opc, editing ? "leave blank to keep the stored OPc" : "128 bits, 32 hex digits")),
    h("div", { class: "row2" },
      field("amf", "AMF (authentication management field)", f.amf, "4 hex digits"),
      field("sqn", "SQN", f.sqn, editing ? "the network moves SQN; it is not edited" : "up to 12 hex digits")),
    field("authMethod", "Authentication method", f.authMethod),
    h("div", { class: "row2" },
      field("snssais", "Slices (S-NSSAI)", f.snssais, "SST or SST:SD, separated by ; e.g. 1; 1:000001"),
      field("defaultSnssai", "Default slice", f.defaultSnssai, "one of the slices; blank: the first")),
    field("dnns", "DNNs", f.dnns, "separated by ; e.g. internet; ims"),
    h("div", { class: "row2" },
      field("ambrUplink", "AMBR uplink", f.ambrUplink, "e.g. 1 Gbps, 500 Mbps"),
      field("ambrDownlink", "AMBR downlink", f.ambrDownlink, "e.g. 1 Gbps, 500 Mbps")),
    alert,
    h("div", { class: "actions" }, submit, h("a", { class: "button", href: "#/subscribers" }, "Cancel")));

  // check validates every field, shows each error, and returns the body or null.
  function check() {
    const errs = {};
    const body = {};
    errs.supi = v.supi(f.supi.value.trim());
    body.supi = f.supi.value.trim();
    for (const k of ["k", "opc"]) {
      const val = f[k].value.trim();
      errs[k] = v.key(val, editing);
      if (val !== "") body[k] = val.toLowerCase();
    }
    errs.amf = v.amf(f.amf.value.trim());
    body.amf = f.amf.value.trim();
    if (!editing) {
      errs.sqn = v.sqn(f.sqn.value.trim());
      if (f.sqn.value.trim() !== "") body.sqn = f.sqn.value.trim();
    }
    body.authMethod = f.authMethod.value;
    const [slices, sErr] = v.snssais(f.snssais.value);
    errs.snssais = sErr;
    body.snssais = slices;
    if (f.defaultSnssai.value.trim() !== "") {
      try {
        const d = v.parseSNSSAI(f.defaultSnssai.value);
        body.defaultSnssai = d;
        if (!sErr && !slices.some((n) => n.sst === d.sst && (n.sd || "") === (d.sd || ""))) {
          errs.defaultSnssai = v.snssaiString(d) + " is not one of the slices";
        }
      } catch (e) {
        errs.defaultSnssai = e.message;
      }
    }
    const [dnns, dErr] = v.dnns(f.dnns.value);
    errs.dnns = dErr;
    body.dnns = dnns;
    errs.ambrUplink = v.bitRate(f.ambrUplink.value);
    errs.ambrDownlink = v.bitRate(f.ambrDownlink.value);
    body.ambr = { uplink: f.ambrUplink.value.trim(), downlink: f.ambrDownlink.value.trim() };
    let first = null;
    for (const id of Object.keys(f)) {
      setError(id, errs[id] || "");
      if (errs[id] && !first) first = f[id];
    }
    if (first) { first.focus(); return null; }
    return body;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    alert.textContent = "";
    const body = check();
    if (!body) return;
    submit.disabled = true;
    try {
      if (editing) await api.updateSubscriber(supi, body);
      else await api.createSubscriber(body);
      toast((editing ? "Saved " : "Added ") + body.supi + ".");
      location.hash = "#/subscribers";
    } catch (e) {
      const id = apiFields[e.problem.field];
      if (id && setError(id, e.message)) f[id].focus();
      else alert.textContent = e.status === 409 ? body.supi + " exists already." : e.message;
    } finally {
      submit.disabled = false;
    }
  });
  show(h("h1", {}, editing ? "Edit " + supi : "Add subscriber"), form);
  (editing ? f.k : f.supi).focus();
}
