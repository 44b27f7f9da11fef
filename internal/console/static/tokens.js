// The API tokens page: tokens for scripts (Authorization: Bearer go5g_...).
// A new token's text is shown once, right after its creation: the server
// keeps only its hash, and this page forgets it when left.
import * as api from "./api.js";
import { h, show, field, setError, toast, confirmDialog } from "./dom.js";
import { roleSelect } from "./users.js";

// view is kept across visits: whether to show everyone's tokens.
const view = { all: false };

// tokensPage lists the tokens (only an admin may; the API enforces it).
export function tokensPage(isAdmin, me) {
  if (!isAdmin) {
    show(h("h1", {}, "API tokens"), h("p", { class: "muted", id: "tokens-note" },
      "Only an admin can create and revoke API tokens."));
    return;
  }
  const mine = "user:" + me.name;
  const err = h("p", { class: "alert", role: "alert", id: "tokens-error" });
  const tbody = h("tbody", { id: "token-rows" });
  const status = h("p", { class: "muted", id: "tokens-status", "aria-live": "polite" });
  const all = h("input", { type: "checkbox", id: "tokens-all", checked: view.all });
  all.addEventListener("change", () => { view.all = all.checked; load(); });
  const created = h("div", { id: "token-created" });
  const table = h("table", { id: "tokens" },
    h("caption", { class: "muted" }, "API tokens"),
    h("thead", {}, h("tr", {}, ["Name", "Role", "Created by", "Created", "State", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
    tbody);

  async function load() {
    err.textContent = "";
    try {
      const page = await api.request("GET", "/tokens");
      const items = view.all ? page.items : page.items.filter((t) => t.createdBy === mine);
      tbody.replaceChildren(...items.map((t) => row(t, load, err)));
      const hidden = page.items.length - items.length;
      status.textContent = (items.length === 0 ? "No tokens" : items.length + " token(s)") +
        (hidden > 0 ? "; " + hidden + " more created by others." : ".");
      document.body.dataset.tokensReady = String((Number(document.body.dataset.tokensReady) || 0) + 1);
    } catch (e) {
      err.textContent = e.message;
    }
  }

  show(h("h1", {}, "API tokens"),
    h("p", { class: "muted" }, "Scripts send a token as Authorization: Bearer <token>. A token acts with its own role, whoever created it."),
    created, err,
    h("div", { class: "toolbar" }, h("label", { class: "inline", for: "tokens-all" }, all, " Show tokens created by others")),
    status, table, h("h2", {}, "Create a token"), createForm(created, load));
  load();
}

function createForm(created, reload) {
  const name = h("input", { autocomplete: "off", spellcheck: "false", required: true, placeholder: "e.g. provisioning script" });
  const role = roleSelect({}, "read-only");
  const alert = h("p", { class: "alert", role: "alert", id: "token-form-error" });
  const submit = h("button", { type: "submit", class: "primary", id: "token-create" }, "Create token");
  const form = h("form", { class: "stack", novalidate: true, id: "token-form" },
    field("token-name", "Name", name, "what it is for, 1 to 100 characters"),
    field("token-role", "Role", role, "give a script the least role it needs"),
    alert, h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    alert.textContent = "";
    setError("token-name", "");
    const n = name.value.trim();
    if (n === "" || n.length > 100) {
      setError("token-name", "must be 1 to 100 characters");
      name.focus();
      return;
    }
    submit.disabled = true;
    try {
      const t = await api.request("POST", "/tokens", { name: n, role: role.value });
      form.reset();
      role.value = "read-only";
      created.replaceChildren(shownOnce(t));
      created.querySelector("input").focus();
      reload();
    } catch (e) {
      if (e.problem.field === "name") setError("token-name", e.message);
      else if (e.problem.field === "role") setError("token-role", e.message);
      else alert.textContent = e.message;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// shownOnce presents a new token's text with a copy button.
function shownOnce(t) {
  const text = h("input", { readonly: true, class: "mono wide", id: "token-text", value: t.token, "aria-label": "Token " + t.name, spellcheck: "false" });
  const copy = h("button", { type: "button", id: "token-copy" }, "Copy");
  copy.addEventListener("click", () => copyText(text));
  return h("div", { class: "success", role: "status", id: "token-once" },
    h("p", {}, "Token " + t.name + " (" + t.role + ") created. Copy it now: it is shown only this once."),
    h("div", { class: "toolbar" }, text, copy));
}

// copyText copies an input's value: the Clipboard API where the page may
// use it, else the selection and the older copy command.
export async function copyText(input) {
  try {
    await navigator.clipboard.writeText(input.value);
    toast("Copied.");
    return;
  } catch (e) {
    input.select();
  }
  toast(document.execCommand("copy") ? "Copied." : "Copy failed: the text is selected, press Ctrl+C.");
}

function row(t, reload, err) {
  const revoked = Boolean(t.revokedAt);
  let action = null;
  if (!revoked) {
    action = h("button", { type: "button", class: "link", "aria-label": "Revoke " + t.name }, "Revoke");
    action.addEventListener("click", async () => {
      if (!await confirmDialog("Revoke token " + t.name + "? Scripts using it stop working at once.", "Revoke")) return;
      err.textContent = "";
      try {
        await api.request("DELETE", "/tokens/" + encodeURIComponent(t.id));
        toast("Revoked " + t.name + ".");
      } catch (e) {
        err.textContent = "Cannot revoke " + t.name + ": " + e.message;
      }
      reload();
    });
  }
  return h("tr", { dataset: { token: t.id }, class: revoked ? "muted" : null },
    h("th", { scope: "row" }, t.name),
    h("td", {}, t.role),
    h("td", {}, t.createdBy),
    h("td", {}, new Date(t.createdAt).toLocaleString()),
    h("td", {}, revoked ? "revoked " + new Date(t.revokedAt).toLocaleString() : "valid"),
    h("td", { class: "actions" }, action));
}
