// The console's shell: sign-in, the navigation the session's role allows, and hash routes
// (#/<page id>?a=b) to the page modules in pages/. Each page owns its strings and its nodes.
import { api, ApiError, setToken, token } from "./api.js";
import { clear, h } from "./dom.js";
import { addStrings, locale, setLocale, t } from "./i18n.js";
import "./console.css";

addStrings({
  zh: {
    "shell.title": "oncegate 数据共享网关",
    "shell.token": "管理令牌",
    "shell.signIn": "登录",
    "shell.signOut": "退出",
    "shell.badToken": "令牌无效或已停用",
    "shell.role.dba": "数据库管理员",
    "shell.role.security_officer": "安全管理员",
    "shell.role.auditor": "审计员",
    "shell.role.reform_office": "改革办",
    "shell.role.admin": "系统管理员",
    "shell.noPages": "此角色没有可用的页面",
    "shell.error": "出错了",
  },
  en: {
    "shell.title": "oncegate data-sharing gateway",
    "shell.token": "Admin token",
    "shell.signIn": "Sign in",
    "shell.signOut": "Sign out",
    "shell.badToken": "The token is not valid or no longer in force",
    "shell.role.dba": "DBA",
    "shell.role.security_officer": "Security officer",
    "shell.role.auditor": "Auditor",
    "shell.role.reform_office": "Reform office",
    "shell.role.admin": "Administrator",
    "shell.noPages": "This role has no pages",
    "shell.error": "Something went wrong",
  },
});

// Every module under pages/ is a page; their order in the navigation is `order`, then id.
const pages = Object.values(import.meta.glob("./pages/*.js", { eager: true }))
  .map((module) => module.default)
  .filter(Boolean)
  .sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || a.id.localeCompare(b.id));

const app = document.getElementById("app");
let session = null;

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

function signInForm(problem) {
  const input = h("input", { type: "password", autocomplete: "off", "data-test": "token" });
  const submit = async (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    await start();
  };
  clear(app, h("form", { class: "signin", onsubmit: submit, "data-test": "signin" },
    h("h1", {}, t("shell.title")),
    h("label", {}, t("shell.token"), input),
    problem ? h("p", { class: "problem", "data-test": "signin-problem" }, problem) : null,
    h("button", { type: "submit", "data-test": "signin-submit" }, t("shell.signIn")),
    localeSwitch()));
  input.focus();
}

function localeSwitch() {
  const other = locale() === "zh" ? "en" : "zh";
  return h("button", { type: "button", class: "link", "data-test": "locale",
    onclick: () => { setLocale(other); render(); } }, other === "en" ? "English" : "中文");
}

function render() {
  if (!session) return signInForm();
  const shown = pages.filter(visible);
  const route = parseRoute();
  const page = shown.find((candidate) => candidate.id === route.id) ?? shown[0];
  const main = h("main", { "data-test": "page-" + (page?.id ?? "none") });
  clear(app,
    h("header", {},
      h("strong", {}, t("shell.title")),
      h("nav", {}, shown.map((item) => h("a", {
        href: `#/${item.id}`, class: item === page ? "current" : null,
        "data-test": "nav-" + item.id }, item.title[locale()] ?? item.title.zh))),
      h("span", { class: "who", "data-test": "who" },
        `${session.name} · ${t("shell.role." + session.role)}`),
      localeSwitch(),
      h("button", { type: "button", class: "link", "data-test": "signout",
        onclick: () => { setToken(null); session = null; render(); } }, t("shell.signOut"))),
    main);
  if (!page) return clear(main, h("p", {}, t("shell.noPages")));
  Promise.resolve(page.render(main, { session, params: route.params, navigate }))
    .catch((error) => clear(main, h("p", { class: "problem" }, `${t("shell.error")}: ${error.message}`)));
}

async function start() {
  if (!token()) return signInForm();
  try {
    session = await api("GET", "/admin/v1/session");
  } catch (error) {
    setToken(null);
    return signInForm(error instanceof ApiError && error.status === 401 ? t("shell.badToken")
                                                                          : error.message);
  }
  render();
}

window.addEventListener("hashchange", () => session && render());
start();
