// Small DOM helpers. Everything the API returns is put into the page as
// text nodes, never as HTML, so a hostile value cannot run script.

// h builds an element: h("td", {class: "mono"}, "text", child, ...).
// Attributes starting with "on" are event listeners; false/null skip.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// show replaces the main area's content and moves focus there, so screen
// readers announce the new page.
export function show(...children) {
  const main = document.getElementById("main");
  main.replaceChildren(...children.flat());
  const heading = main.querySelector("h1");
  if (heading) document.title = heading.textContent + " · go5g console";
}

// toast says something briefly without stealing focus.
export function toast(text) {
  const t = document.getElementById("toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

// confirmDialog asks yes or no in a modal <dialog>; resolves to a boolean.
export function confirmDialog(text, okLabel) {
  const d = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = okLabel || "OK";
  return new Promise((resolve) => {
    const onClose = () => {
      // The close event is queued: one from the previous question can
      // arrive after this one opened. Only a closed dialog answers.
      if (d.open) return;
      d.removeEventListener("close", onClose);
      resolve(d.returnValue === "ok");
    };
    d.returnValue = "";
    d.showModal();
    d.addEventListener("close", onClose);
    document.getElementById("confirm-cancel").focus();
  });
}

// field builds a labelled input with a hint and an error slot the
// validators fill; the input is described by both.
export function field(id, label, input, hint) {
  input.id = id;
  input.name = id;
  const hintEl = hint ? h("span", { class: "hint", id: id + "-hint" }, hint) : null;
  const err = h("span", { class: "error", id: id + "-error", "aria-live": "polite" });
  input.setAttribute("aria-describedby", (hint ? id + "-hint " : "") + id + "-error");
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hintEl, err);
}

// setError shows msg next to the input with this id ("" clears it).
export function setError(id, msg) {
  const input = document.getElementById(id);
  const err = document.getElementById(id + "-error");
  if (!input || !err) return false;
  err.textContent = msg || "";
  if (msg) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  return true;
}
