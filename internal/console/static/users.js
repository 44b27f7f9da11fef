// The Users page: console users and their roles. Only an admin may list or
// change users (the API enforces it); others see why there is nothing here.
import * as api from "./api.js";
import { h, show, field, setError, toast, confirmDialog } from "./dom.js";

export const roles = ["read-only", "operator", "admin"];

export const roleSelect = (attrs, value) => {
  const s = h("select", attrs, roles.map((r) => h("option", { value: r }, r)));
  s.value = value;
  return s;
};

// usersPage shows the users; isAdmin gates every action; me is the session.
export function usersPage(isAdmin, me) {
  if (!isAdmin) {
    show(h("h1", {}, "Users"), h("p", { class: "muted", id: "users-note" },
      "Only an admin can see and manage console users. You are logged in as " + me.name + " (" + me.role + ")."));
    return;
  }
  const err = h("p", { class: "alert", role: "alert", id: "users-error" });
  const tbody = h("tbody", { id: "user-rows" });
  const table = h("table", { id: "users" },
    h("caption", { class: "muted" }, "Console users"),
    h("thead", {}, h("tr", {}, ["Name", "Role", "Created", "Actions"].map((c) => h("th", { scope: "col" }, c)))),
    tbody);

  async function load() {
    err.textContent = "";
    try {
      const page = await api.request("GET", "/users");
      tbody.replaceChildren(...page.items.map((u) => row(u, me, load, err)));
      document.body.dataset.usersReady = String((Number(document.body.dataset.usersReady) || 0) + 1);
    } catch (e) {
      err.textContent = e.message;
    }
  }

  show(h("h1", {}, "Users"), err, table,
    h("h2", {}, "Add a user"), createForm(load));
  load();
}

function createForm(reload) {
  const f = {
    "user-name": h("input", { autocomplete: "off", spellcheck: "false", required: true, placeholder: "e.g. olivia" }),
    "user-role": roleSelect({}, "operator"),
    "user-password": h("input", { type: "password", autocomplete: "new-password", required: true, minlength: 12 }),
  };
  const alert = h("p", { class: "alert", role: "alert", id: "user-form-error" });
  const submit = h("button", { type: "submit", class: "primary", id: "user-create" }, "Add user");
  const form = h("form", { class: "stack", novalidate: true, id: "user-form" },
    field("user-name", "User name", f["user-name"], "1 to 64 of a-z, 0-9, '.', '_' and '-'"),
    field("user-role", "Role", f["user-role"], "read-only: look; operator: also change subscribers; admin: everything"),
    field("user-password", "Password", f["user-password"], "at least 12 characters; tell the user over a safe channel"),
    alert, h("div", { class: "actions" }, submit));
  const byField = { name: "user-name", role: "user-role", password: "user-password" };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    alert.textContent = "";
    for (const id of Object.keys(f)) setError(id, "");
    const name = f["user-name"].value.trim();
    if (!/^[a-z0-9._-]{1,64}$/.test(name)) {
      setError("user-name", "must be 1 to 64 of a-z, 0-9, '.', '_' and '-'");
      f["user-name"].focus();
      return;
    }
    if (f["user-password"].value.length < 12) {
      setError("user-password", "must be at least 12 characters");
      f["user-password"].focus();
      return;
    }
    submit.disabled = true;
    try {
      await api.request("POST", "/users", { name, role: f["user-role"].value, password: f["user-password"].value });
      toast("Added " + name + ".");
      form.reset();
      f["user-role"].value = "operator";
      reload();
    } catch (e) {
      const id = byField[e.problem.field];
      if (id && setError(id, e.message)) f[id].focus();
      else alert.textContent = e.status === 409 ? "A user " + name + " exists already." : e.message;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function row(u, me, reload, err) {
  const role = roleSelect({ "aria-label": "Role of " + u.name }, u.role);
  role.addEventListener("change", async () => {
    err.textContent = "";
    const to = role.value;
    role.disabled = true;
    try {
      await api.request("PUT", "/users/" + encodeURIComponent(u.name), { role: to });
      toast(u.name + " is now " + to + ".");
      u.role = to;
    } catch (e) {
      role.value = u.role; // the change did not happen
      err.textContent = "Cannot change the role of " + u.name + ": " + e.message;
    } finally {
      role.disabled = false;
    }
  });
  const del = h("button", { type: "button", class: "link", "aria-label": "Delete " + u.name }, "Delete");
  del.addEventListener("click", async () => {
    const self = u.name === me.name ? " It is your own user." : "";
    if (!await confirmDialog("Delete user " + u.name + "? This cannot be undone." + self, "Delete")) return;
    err.textContent = "";
    try {
      await api.request("DELETE", "/users/" + encodeURIComponent(u.name));
      toast("Deleted " + u.name + ".");
    } catch (e) {
      err.textContent = "Cannot delete " + u.name + ": " + e.message;
    }
    reload();
  });
  return h("tr", { dataset: { user: u.name } },
    h("th", { scope: "row" }, u.name, u.name === me.name ? h("span", { class: "muted" }, " (you)") : null),
    h("td", {}, role),
    h("td", {}, new Date(u.createdAt).toLocaleString()),
    h("td", { class: "actions" }, del));
}
