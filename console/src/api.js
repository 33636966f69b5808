// The one way the console talks to the gateway: /admin/v1 with the token of this tab's session.
// The token lives in sessionStorage (gone with the tab, never in a URL or a cookie).

const tokenKey = "oncegate.token";

export function token() {
  return sessionStorage.getItem(tokenKey);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(tokenKey, value);
  else sessionStorage.removeItem(tokenKey);
}

// An error answer of the gateway: {error, message, request_id} and the HTTP status; `answer` is
// the whole body (an invalid_config answer's problems and locations).
export class ApiError extends Error {
  constructor(status, code, message, requestId, answer = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.answer = answer;
  }
}

// Told when the gateway answers 401 to a call made with a token: the token stopped being valid
// (removed or replaced at a reload). The shell goes back to the sign-in form; the call still throws.
let unauthorized = null;

export function onUnauthorized(handler) {
  unauthorized = handler;
}

// api("GET", "/admin/v1/sources", {query: {limit: 10}}) -> the answer's JSON (or its text when
// `accept` is not JSON, as for CSV). `path` starts with "/"; `body` is sent as JSON, or as it is
// when it is a string (YAML); `headers` adds to them (X-Change-Comment).
export async function api(method, path, { body, query, accept, headers } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const sent = { Accept: accept ?? "application/json", ...(headers ?? {}) };
  const current = token();
  if (current) sent.Authorization = `Bearer ${current}`;
  let payload;
  if (body !== undefined) {
    payload = typeof body === "string" ? body : JSON.stringify(body);
    sent["Content-Type"] = typeof body === "string" ? "application/yaml" : "application/json";
  }
  const response = await fetch(url, { method, headers: sent, body: payload });
  const text = await response.text();
  const json = (response.headers.get("Content-Type") ?? "").includes("json");
  if (!response.ok) {
    let answer = {};
    try {
      answer = json ? JSON.parse(text) : {};
    } catch {
      answer = {};
    }
    const error = new ApiError(response.status, answer.error ?? "http_" + response.status,
                               answer.message ?? response.statusText, answer.request_id, answer);
    if (response.status === 401 && current && unauthorized) unauthorized(error);
    throw error;
  }
  if (!json) return text;
  return text === "" ? {} : JSON.parse(text);
}
