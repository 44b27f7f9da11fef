// The Home network keys page: the SUCI key pairs the core deconceals
// subscriber identities with (TS 33.501 Annex C). Everyone sees the public
// keys, which go into the USIMs; only an admin generates or deletes a pair,
// and the private keys never leave the server.
import * as api from "./api.js";
import { h, show, field, setError, toast, confirmDialog } from "./dom.js";
import { copyText } from "./tokens.js";

export function keysPage(isAdmin) {
  const err = h("p", { class: "alert", role: "alert", id: "keys-error" });
  const status = h("p", { class: "muted", id: "keys-status", "aria-live": "polite" });
  const created = h("div", { id: "key-created" });
  const tbody = h("tbody", { id: "key-rows" });
  const table = h("table", { id: "keys" },
    h("caption", { class: "muted" }, "Home network keys"),
    h("thead", {}, h("tr", {}, ["Key id", "Profile", "Public key (hex)", isAdmin ? "Actions" : null]
      .filter(Boolean).map((c) => h("th", { scope: "col" }, c)))),
    tbody);
  let ids = [];

  async function load() {
    err.textContent = "";
    try {
      const page = await api.request("GET", "/keys");
      ids = page.items.map((k) => k.id);
      const last = page.items.length === 1;
      tbody.replaceChildren(...page.items.map((k) => row(k, isAdmin, last, load, err)));
      status.textContent = page.items.length === 0
        ? "No keys: UEs can only send their SUPI unconcealed (the null scheme)." + (isAdmin ? " Generate one below." : "")
        : page.items.length + " key(s).";
      if (form) form.suggest(ids);
      document.body.dataset.keysReady = String((Number(document.body.dataset.keysReady) || 0) + 1);
    } catch (e) {
      err.textContent = e.message;
    }
  }

  const form = isAdmin ? generateForm(created, load) : null;
  show(h("h1", {}, "Home network keys"),
    h("p", { class: "muted" }, "UEs conceal their SUPI in a SUCI with the public key of one of these pairs (profile A: X25519, profile B: P-256)."),
    created, err, status, table,
    form ? [h("h2", {}, "Generate a key pair"), form.el] : null);
  load();
}

function generateForm(created, reload) {
  const id = h("input", { type: "number", min: 0, max: 255, step: 1, required: true, value: "1" });
  const profile = h("select", {}, h("option", { value: "A" }, "A (X25519)"), h("option", { value: "B" }, "B (P-256)"));
  const alert = h("p", { class: "alert", role: "alert", id: "key-form-error" });
  const submit = h("button", { type: "submit", class: "primary", id: "key-generate" }, "Generate");
  const el = h("form", { class: "stack", novalidate: true, id: "key-form" },
    h("div", { class: "row2" },
      field("key-id", "Key id", id, "the home network public key identifier, 0 to 255, unused"),
      field("key-profile", "Profile", profile, "the protection scheme the USIMs support")),
    alert, h("div", { class: "actions" }, submit));
  let touched = false;
  id.addEventListener("input", () => { touched = true; });
  el.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    alert.textContent = "";
    setError("key-id", "");
    const n = Number(id.value);
    if (id.value.trim() === "" || !Number.isInteger(n) || n < 0 || n > 255) {
      setError("key-id", "must be a whole number from 0 to 255");
      id.focus();
      return;
    }
    submit.disabled = true;
    try {
      const k = await api.request("POST", "/keys", { id: n, profile: profile.value });
      touched = false;
      const text = h("input", { readonly: true, class: "mono wide", id: "key-public", value: k.publicKey, "aria-label": "Public key " + k.id, spellcheck: "false" });
      const copy = h("button", { type: "button", id: "key-copy", onclick: () => copyText(text) }, "Copy");
      created.replaceChildren(h("div", { class: "success", role: "status", id: "key-once" },
        h("p", {}, "Generated key " + k.id + ", profile " + k.profile + " (" + k.curve + "). Provision this public key, with key id " + k.id + ", in the USIMs:"),
        h("div", { class: "toolbar" }, text, copy)));
      toast("Generated key " + k.id + ".");
      reload();
    } catch (e) {
      if (e.problem.field === "id") setError("key-id", e.message);
      else if (e.problem.field === "profile") setError("key-profile", e.message);
      else alert.textContent = e.message;
    } finally {
      submit.disabled = false;
    }
  });
  // suggest puts the lowest unused id in the form, unless the user typed one.
  const suggest = (used) => {
    if (touched) return;
    let free = 1;
    while (used.includes(free) && free < 255) free++;
    id.value = String(free);
  };
  return { el, suggest };
}

function row(k, isAdmin, last, reload, err) {
  const cells = [
    h("th", { scope: "row" }, String(k.id)),
    h("td", {}, k.profile + " (" + k.curve + ")"),
    h("td", { class: "mono break" }, k.publicKey),
  ];
  if (isAdmin) {
    const del = h("button", { type: "button", class: "link", "aria-label": "Delete key " + k.id }, "Delete");
    del.addEventListener("click", async () => {
      const text = "Delete home network key " + k.id + " (profile " + k.profile + ")? UEs whose USIM conceals its SUPI with this key " +
        "are rejected from the next registration on, until their USIMs get another key. The private key is gone for good." +
        (last ? " It is the last key: afterwards only UEs that send their SUPI unconcealed (null scheme) can register." : "");
      if (!await confirmDialog(text, "Delete")) return;
      err.textContent = "";
      try {
        await api.request("DELETE", "/keys/" + k.id);
        toast("Deleted key " + k.id + ".");
      } catch (e) {
        err.textContent = "Cannot delete key " + k.id + ": " + e.message;
      }
      reload();
    });
    cells.push(h("td", { class: "actions" }, del));
  }
  return h("tr", { dataset: { key: String(k.id) } }, cells);
}
