// The console's shell: sign-in, the header (navigation the session's role allows, who is signed
// in, language, sign-out), the error bar, and hash routes (#/<page id>?a=b) to the page modules
// in pages/. Each page owns its strings and its nodes. The token lives in sessionStorage only
// (api.js): never in a URL, a cookie or localStorage.
import { api, ApiError, onUnauthorized, setToken, token } from "./api.js";
import { clear, h } from "./dom.js";
import { addStrings, fmtTime, locale, setLocale, t } from "./i18n.js";
import "./console.css";

addStrings({
  zh: {
    "shell.title": "oncegate 数据共享网关",
    "shell.subtitle": "管理控制台",
    "shell.token": "管理令牌",
    "shell.tokenHint": "令牌只保存在本标签页中，关闭标签页即清除。",
    "shell.signIn": "登录",
    "shell.signingIn": "正在登录…",
    "shell.signOut": "退出",
    "shell.signedOut": "已退出。",
    "shell.badToken": "令牌无效或已停用",
    "shell.noToken": "请输入管理令牌",
    "shell.expired": "会话已结束：此令牌已失效（可能已被撤销或更换），请重新登录。",
    "shell.unreachable": "无法连接网关：{message}",
    "shell.role.dba": "数据库管理员",
    "shell.role.security_officer": "安全管理员",
    "shell.role.auditor": "审计员",
    "shell.role.reform_office": "改革办",
    "shell.role.admin": "系统管理员",
    "shell.signedInAt": "登录于 {time}",
    "shell.noPages": "此角色没有可用的页面",
    "shell.notAllowed": "此角色无权访问该页面，已转到可用页面。",
    "shell.error": "出错了",
    "shell.forbidden": "此角色无权执行该操作",
    "shell.requestId": "请求编号",
    "shell.dismiss": "关闭",
  },
  en: {
    "shell.title": "oncegate data-sharing gateway",
    "shell.subtitle": "Admin console",
    "shell.token": "Admin token",
    "shell.tokenHint": "The token is kept in this tab only and is gone when the tab closes.",
    "shell.signIn": "Sign in",
    "shell.signingIn": "Signing in…",
    "shell.signOut": "Sign out",
    "shell.signedOut": "Signed out.",
    "shell.badToken": "The token is not valid or no longer in force",
    "shell.noToken": "Enter an admin token",
    "shell.expired": "Your session has ended: this token is no longer valid (revoked or replaced). Sign in again.",
    "shell.unreachable": "The gateway cannot be reached: {message}",
    "shell.role.dba": "DBA",
    "shell.role.security_officer": "Security officer",
    "shell.role.auditor": "Auditor",
    "shell.role.reform_office": "Reform office",
    "shell.role.admin": "Administrator",
    "shell.signedInAt": "signed in {time}",
    "shell.noPages": "This role has no pages",
    "shell.notAllowed": "This role may not open that page; showing one it may.",
    "shell.error": "Something went wrong",
    "shell.forbidden": "This role may not do that",
    "shell.requestId": "request",
    "shell.dismiss": "Dismiss",
  },
});

// Every module under pages/ is a page; their order in the navigation is `order`, then id.
const pages = Object.values(import.meta.glob("./pages/*.js", { eager: true }))
  .map((module) => module.default)
  .filter(Boolean)
  .sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || a.id.localeCompare(b.id));

const app = document.getElementById("app");
let session = null;
let signedInAt = null;
// Each render gets a number: an answer that arrives after the user moved on is not shown.
let generation = 0;

function visible(page) {
  return page.kinds.some((kind) => (session.may[kind] ?? "none") !== "none");
}

function parseRoute() {
  const [id, query] = window.location.hash.replace(/^#\/?/, "").split("?");
  return { id, params: Object.fromEntries(new URLSearchParams(query ?? "")) };
}

export function navigate(id, params = {}) {
  const query = new URLSearchParams(params).toString();
  window.location.hash = `#/${id}${query ? "?" + query : ""}`;
}

// The message for an error, as the user should read it: the gateway's own message (which says
// what to do), with the request id for the audit trail; a 403 says the role may not.
function describe(error) {
  if (error instanceof ApiError) {
    const text = error.status === 403 ? `${t("shell.forbidden")}: ${error.message}` : error.message;
    return error.requestId ? `${text} (${t("shell.requestId")} ${error.requestId})` : text;
  }
  if (error instanceof TypeError) return t("shell.unreachable", { message: error.message });
  return error?.message ?? String(error);
}

// The error bar under the header: one message at a time, until dismissed or the page changes.
function showError(error) {
  const bar = document.querySelector("[data-test=error]");
  if (!bar) return;
  clear(bar,
    h("span", { "data-test": "error-text" }, `${t("shell.error")}: ${describe(error)}`),
    h("button", { type: "button", class: "link", "data-test": "error-dismiss",
      onclick: () => { clear(bar); bar.hidden = true; } }, t("shell.dismiss")));
  bar.hidden = false;
}

function localeSwitch() {
  const other = locale() === "zh" ? "en" : "zh";
  return h("button", { type: "button", class: "link", "data-test": "locale", lang: other,
    onclick: () => { setLocale(other); applyLocale(); render(); } },
    other === "en" ? "English" : "中文");
}

function applyLocale() {
  document.documentElement.lang = locale() === "en" ? "en" : "zh-CN";
  document.title = `oncegate · ${t("shell.subtitle")}`;
}

// The sign-in form. `notice` is why it is shown (a refused token, an ended session, a sign-out),
// `kind` how: "problem" in red, "notice" plain. The input has no name and the form no action, so
// that the token can never end up in a URL even if a script fails.
function signInForm(notice, kind = "problem") {
  const input = h("input", { type: "password", autocomplete: "off", spellcheck: "false",
    "data-test": "token", "aria-label": t("shell.token") });
  const submitButton = h("button", { type: "submit", "data-test": "signin-submit" }, t("shell.signIn"));
  const submit = async (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) return signInForm(t("shell.noToken"));
    submitButton.disabled = true;
    submitButton.textContent = t("shell.signingIn");
    setToken(value);
    await start();
  };
  const testId = kind === "expired" ? "signin-expired" : kind === "notice" ? "signin-notice"
                                                                          : "signin-problem";
  clear(app, h("form", { class: "signin", method: "post", onsubmit: submit, "data-test": "signin" },
    h("h1", {}, t("shell.title")),
    h("p", { class: "subtitle" }, t("shell.subtitle")),
    notice ? h("p", { class: kind === "notice" ? "notice" : "problem", role: "alert",
      "data-test": testId }, notice) : null,
    h("label", {}, t("shell.token"), input),
    h("p", { class: "hint" }, t("shell.tokenHint")),
    h("div", { class: "actions" }, submitButton, localeSwitch())));
  input.focus();
}

function signOut() {
  setToken(null);
  session = null;
  signedInAt = null;
  generation += 1;
  if (window.location.hash) history.replaceState(null, "", window.location.pathname);
  signInForm(t("shell.signedOut"), "notice");
}

// The token stopped being valid while the console was open: forget it and say so.
function sessionEnded() {
  if (!session) return;
  setToken(null);
  session = null;
  generation += 1;
  signInForm(t("shell.expired"), "expired");
}

function header(shown, page) {
  return h("header", {},
    h("strong", { class: "brand" }, t("shell.title")),
    h("nav", { "data-test": "nav" }, shown.map((item) => h("a", {
      href: `#/${item.id}`, class: item === page ? "current" : null,
      "aria-current": item === page ? "page" : null, "data-kinds": item.kinds.join(","),
      "data-test": "nav-" + item.id }, item.title[locale()] ?? item.title.zh))),
    h("span", { class: "who", "data-test": "who", title: t("shell.signedInAt", { time: fmtTime(signedInAt) }) },
      h("span", { "data-test": "who-name" }, session.name), " · ",
      h("span", { "data-test": "who-role", "data-role": session.role },
        t("shell.role." + session.role))),
    localeSwitch(),
    h("button", { type: "button", class: "link", "data-test": "signout", onclick: signOut },
      t("shell.signOut")));
}

function render() {
  if (!session) return signInForm();
  const shown = pages.filter(visible);
  const route = parseRoute();
  const asked = route.id ? pages.find((candidate) => candidate.id === route.id) : null;
  const page = shown.find((candidate) => candidate.id === route.id) ?? shown[0];
  const bar = h("div", { class: "errorbar", role: "alert", "data-test": "error", hidden: true });
  const main = h("main", { "data-test": "page-" + (page?.id ?? "none") });
  clear(app, header(shown, page), bar, main);
  if (!page) return clear(main, h("p", { "data-test": "no-pages" }, t("shell.noPages")));
  if (asked && !shown.includes(asked)) {
    main.append(h("p", { class: "notice", "data-test": "not-allowed" }, t("shell.notAllowed")));
  }
  const mine = ++generation;
  const ctx = {
    session, params: page === asked ? route.params : {}, navigate,
    // For a page's own event handlers: shows what went wrong in the error bar.
    fail: (error) => { if (mine === generation) showError(error); },
  };
  Promise.resolve()
    .then(() => page.render(main, ctx))
    .catch((error) => {
      if (mine !== generation || (error instanceof ApiError && error.status === 401)) return;
      clear(main, h("p", { class: "problem", "data-test": "page-error" },
        `${t("shell.error")}: ${describe(error)}`));
    });
}

async function start() {
  if (!token()) return signInForm();
  try {
    session = await api("GET", "/admin/v1/session");
    signedInAt = signedInAt ?? new Date().toISOString();
  } catch (error) {
    setToken(null);
    session = null;
    return signInForm(error instanceof ApiError && error.status === 401 ? t("shell.badToken")
                                                                          : describe(error));
  }
  render();
}

onUnauthorized(sessionEnded);
// A page's handler that forgot to catch: the error bar, not a silent console message.
window.addEventListener("unhandledrejection", (event) => {
  if (!session) return;
  event.preventDefault();
  if (event.reason instanceof ApiError && event.reason.status === 401) return;
  showError(event.reason);
});
window.addEventListener("hashchange", () => session && render());
applyLocale();
start();
