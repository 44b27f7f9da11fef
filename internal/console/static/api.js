// The REST API client: JSON in and out, the session cookie sent by the
// browser, and the CSRF token (from login or GET /api/v1/me, kept only in
// memory) added to every unsafe request.

const base = "/api/v1";
let csrf = "";
let onUnauthorized = () => {};

// ApiError carries the HTTP status and the RFC 9457 problem body.
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super((problem && (problem.detail || problem.title)) || "HTTP " + status);
    this.status = status;
    this.problem = problem || {};
    this.retryAfter = retryAfter;
  }
}

// setUnauthorizedHandler is called when a request finds the session gone.
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export function setCSRF(token) { csrf = token || ""; }

// request sends one API call; body may be an object (sent as JSON) or a
// string/Blob with an explicit contentType.
export async function request(method, path, body, contentType) {
  const headers = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrf;
  let payload;
  if (body !== undefined) {
    if (contentType) { payload = body; headers["Content-Type"] = contentType; }
    else { payload = JSON.stringify(body); headers["Content-Type"] = "application/json"; }
  }
  let res;
  try {
    res = await fetch(base + path, { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, { detail: "cannot reach the go5g core: " + e.message });
  }
  if (res.status === 204) return null;
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await res.json().catch(() => null) : null;
  if (!res.ok) {
    const err = new ApiError(res.status, data, Number(res.headers.get("Retry-After")) || 0);
    if (res.status === 401 && path !== "/login") onUnauthorized(err);
    throw err;
  }
  return data;
}

export const login = (username, password) => request("POST", "/login", { username, password });
export const logout = () => request("POST", "/logout");
export const me = () => request("GET", "/me");

// listSubscribers returns {items, total?, nextCursor?}.
export function listSubscribers({ prefix, cursor, limit }) {
  const q = new URLSearchParams();
  if (prefix) q.set("prefix", prefix);
  if (cursor) q.set("cursor", cursor);
  if (limit) q.set("limit", String(limit));
  const s = q.toString();
  return request("GET", "/subscribers" + (s ? "?" + s : ""));
}

const enc = encodeURIComponent;
export const getSubscriber = (supi) => request("GET", "/subscribers/" + enc(supi));
export const createSubscriber = (s) => request("POST", "/subscribers", s);
export const updateSubscriber = (supi, s) => request("PUT", "/subscribers/" + enc(supi), s);
export const deleteSubscriber = (supi) => request("DELETE", "/subscribers/" + enc(supi));
export const importCSV = (text) => request("POST", "/subscribers:import", text, "text/csv");
