// The console's entry point: the session, the hash router and the login page.
import * as api from "./api.js";
import { h, show, field, toast } from "./dom.js";
import { listPage } from "./subscribers.js";
import { formPage } from "./form.js";
import { importPage } from "./import.js";
import { networkPage, stopNetwork } from "./live.js";
import { ladderPage } from "./ladder.js";
import { usersPage } from "./users.js";
import { tokensPage } from "./tokens.js";
import { auditPage } from "./audit.js";
import { keysPage } from "./keys.js";

// session is who is logged in ({name, role, csrfToken}), or null.
const state = { session: null };

const levels = { "read-only": 1, operator: 2, admin: 3 };
export const can = (need) => state.session !== null && (levels[state.session.role] || 0) >= levels[need];

function setSession(s) {
  state.session = s;
  if (!s) stopNetwork();
  api.setCSRF(s ? s.csrfToken : "");
  document.getElementById("nav").hidden = !s;
  document.getElementById("who").hidden = !s;
  document.getElementById("who-name").textContent = s ? s.name + " (" + s.role + ")" : "";
  for (const a of document.querySelectorAll("[data-needs]")) a.hidden = !can(a.dataset.needs);
}

function loginPage(message) {
  const err = h("p", { class: "alert", role: "alert", id: "login-error" }, message || "");
  const user = h("input", { autocomplete: "username", required: true, value: "admin" });
  const pass = h("input", { type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "primary" }, "Log in");
  const form = h("form", { class: "stack", "aria-labelledby": "login-title" },
    field("username", "User name", user),
    field("password", "Password", pass),
    h("div", { class: "actions" }, submit), err);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    submit.disabled = true;
    try {
      setSession(await api.login(user.value, pass.value));
      location.hash = "#/subscribers";
      route();
    } catch (e) {
      err.textContent = loginMessage(e);
      pass.select();
    } finally {
      submit.disabled = false;
    }
  });
  show(h("section", { class: "login" }, h("h1", { id: "login-title" }, "Log in to go5g"), form));
  (user.value ? pass : user).focus();
}

function loginMessage(e) {
  if (e.status === 401) return "Wrong user name or password.";
  if (e.status === 429) {
    const wait = e.retryAfter > 0 ? " Try again in " + Math.ceil(e.retryAfter / 60) + " minute(s)." : "";
    return "Too many failed logins: logging in is blocked for a while." + wait;
  }
  return e.message;
}

// route shows the page for the current hash.
async function route() {
  const hash = location.hash || "#/subscribers";
  if (!state.session) {
    loginPage();
    return;
  }
  const [path] = hash.slice(1).split("?");
  stopNetwork();
  const edit = /^\/subscribers\/edit\/(.+)$/.exec(path);
  if (path === "/subscribers" || path === "/" || path === "") listPage(can("operator"));
  else if (path === "/subscribers/new" && can("operator")) formPage(null);
  else if (edit && can("operator")) formPage(decodeURIComponent(edit[1]));
  else if (path === "/import" && can("operator")) importPage();
  else if (path === "/network") networkPage();
  else if (/^\/ladder\/./.test(path)) ladderPage(decodeURIComponent(path.slice("/ladder/".length)));
  else if (path === "/users") usersPage(can("admin"), state.session);
  else if (path === "/tokens") tokensPage(can("admin"), state.session);
  else if (path === "/audit") auditPage(can("admin"));
  else if (path === "/keys") keysPage(can("admin"));
  else show(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/subscribers" }, "Back to the subscribers")));
}

async function start() {
  api.setUnauthorizedHandler(() => {
    if (!state.session) return;
    setSession(null);
    loginPage("Your session has ended; log in again.");
  });
  document.getElementById("logout").addEventListener("click", async () => {
    try { await api.logout(); } catch (e) { /* the session is gone either way */ }
    setSession(null);
    toast("Logged out.");
    location.hash = "#/login";
    loginPage();
  });
  window.addEventListener("hashchange", route);
  try {
    setSession(await api.me());
  } catch (e) {
    setSession(null);
  }
  route();
}

start();
