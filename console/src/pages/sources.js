// The Sources page (DBA): every department database with its health, breaker state and latency
// (GET /admin/v1/sources/status), its connection string as the admin API shows it (passwords as
// ***), and the tools to register, edit, remove and test one. The gateway never sends a password
// back, so an edit must type it again (or name a ${...} reference): the form refuses to save a
// connection string that still holds the *** of a blanked secret.
import { api, ApiError } from "../api.js";
import { clear, h } from "../dom.js";
import { addStrings, fmtNumber, fmtTime, t } from "../i18n.js";
import "./dba-pages.css";

addStrings({
  zh: {
    "sources.title": "数据源",
    "sources.intro": "各部门数据库的连接状态。健康状况、熔断状态和查询耗时来自网关本身的计数，不会向数据库发送查询。",
    "sources.refresh": "刷新",
    "sources.new": "登记数据源",
    "sources.col.id": "标识",
    "sources.col.department": "部门",
    "sources.col.health": "健康状况",
    "sources.col.breaker": "熔断",
    "sources.col.latency": "查询耗时 (毫秒)",
    "sources.col.queries": "查询 / 失败",
    "sources.col.probe": "最近测试",
    "sources.col.connection": "连接串",
    "sources.col.actions": "操作",
    "sources.health.healthy": "正常",
    "sources.health.failing": "熔断中",
    "sources.health.down": "无法连接",
    "sources.health.idle": "未使用",
    "sources.breaker.open": "打开",
    "sources.breaker.closed": "关闭",
    "sources.latency.mean": "平均 {mean}",
    "sources.latency.percentiles": "P50 ≤{p50} · P90 ≤{p90} · P99 ≤{p99}",
    "sources.noLatency": "暂无查询",
    "sources.probe.none": "未测试",
    "sources.probe.ok": "{at} 可连接",
    "sources.probe.failed": "{at} 失败 ({code})",
    "sources.test": "测试连接",
    "sources.testing": "正在测试…",
    "sources.reachable": "可连接：连接并查询 {connect} 毫秒，已连接后查询 {query} 毫秒",
    "sources.unreachable": "无法连接：{message}",
    "sources.edit": "编辑",
    "sources.remove": "删除",
    "sources.confirmRemove": "确认删除 {id}",
    "sources.removed": "已删除数据源 {id}",
    "sources.none": "尚未登记任何数据源",
    "sources.form.new": "登记新数据源",
    "sources.form.edit": "编辑数据源 {id}",
    "sources.form.id": "标识",
    "sources.form.department": "部门",
    "sources.form.kind": "连接方式",
    "sources.form.odbc": "连接串",
    "sources.form.odbcHint": "密码不会显示：网关只返回 ***。请在下方输入密码（替换连接串中的 ***），或使用 ${名称} 引用 gateway.yaml 中的密钥。",
    "sources.form.secret": "密码",
    "sources.form.secretHint": "仅在连接串含 *** 时使用，提交时替换 ***；不会保存在页面中。",
    "sources.form.pool": "连接数",
    "sources.form.timeout": "查询超时",
    "sources.form.test": "测试此配置",
    "sources.form.save": "保存",
    "sources.form.cancel": "取消",
    "sources.form.needSecret": "连接串中的 *** 是已隐去的密码：请输入密码，或改用 ${名称} 引用",
    "sources.form.needId": "请填写标识",
    "sources.form.needOdbc": "请填写连接串",
    "sources.saved": "已保存数据源 {id}",
    "sources.pending": "变更需安全管理员批准后生效（变更 {change}）",
    "sources.readOnly": "只读：此角色不能修改数据源",
  },
  en: {
    "sources.title": "Sources",
    "sources.intro": "The departments' databases. Health, breaker state and latency come from the gateway's own counters; no query is sent to the databases.",
    "sources.refresh": "Refresh",
    "sources.new": "Register a source",
    "sources.col.id": "Id",
    "sources.col.department": "Department",
    "sources.col.health": "Health",
    "sources.col.breaker": "Breaker",
    "sources.col.latency": "Query latency (ms)",
    "sources.col.queries": "Queries / failures",
    "sources.col.probe": "Last test",
    "sources.col.connection": "Connection string",
    "sources.col.actions": "Actions",
    "sources.health.healthy": "healthy",
    "sources.health.failing": "breaker open",
    "sources.health.down": "down",
    "sources.health.idle": "idle",
    "sources.breaker.open": "open",
    "sources.breaker.closed": "closed",
    "sources.latency.mean": "mean {mean}",
    "sources.latency.percentiles": "p50 ≤{p50} · p90 ≤{p90} · p99 ≤{p99}",
    "sources.noLatency": "no queries yet",
    "sources.probe.none": "never tested",
    "sources.probe.ok": "reachable at {at}",
    "sources.probe.failed": "failed at {at} ({code})",
    "sources.test": "Test connection",
    "sources.testing": "Testing…",
    "sources.reachable": "Reachable: connect and query {connect} ms, query on the open connection {query} ms",
    "sources.unreachable": "Unreachable: {message}",
    "sources.edit": "Edit",
    "sources.remove": "Remove",
    "sources.confirmRemove": "Confirm removing {id}",
    "sources.removed": "Source {id} removed",
    "sources.none": "No source is registered yet",
    "sources.form.new": "Register a new source",
    "sources.form.edit": "Edit source {id}",
    "sources.form.id": "Id",
    "sources.form.department": "Department",
    "sources.form.kind": "Connector",
    "sources.form.odbc": "Connection string",
    "sources.form.odbcHint": "Passwords are never shown: the gateway answers ***. Type the password below (it replaces the ***), or use a ${NAME} reference to a secret of gateway.yaml.",
    "sources.form.secret": "Password",
    "sources.form.secretHint": "Only when the connection string holds ***: it replaces them when sent, and is not kept by the page.",
    "sources.form.pool": "Connections",
    "sources.form.timeout": "Query timeout",
    "sources.form.test": "Test this definition",
    "sources.form.save": "Save",
    "sources.form.cancel": "Cancel",
    "sources.form.needSecret": "The *** in the connection string is a blanked password: type it, or use a ${NAME} reference instead",
    "sources.form.needId": "An id is required",
    "sources.form.needOdbc": "A connection string is required",
    "sources.saved": "Source {id} saved",
    "sources.pending": "The change takes effect once a security officer approves it (change {change})",
    "sources.readOnly": "Read only: this role may not change sources",
  },
});

// What the admin API puts where a secret was (redactConnectionString).
const kBlanked = "***";

function ms(value) {
  return value === null || value === undefined ? "–" : fmtNumber(Math.round(value * 100) / 100);
}

// The mean, then the percentiles (histogram bucket bounds, hence "≤") on a line of their own.
function latencyText(latency) {
  if (!latency) return t("sources.noLatency");
  return [t("sources.latency.mean", { mean: ms(latency.mean) }), h("br"),
    h("small", {}, t("sources.latency.percentiles",
      { p50: ms(latency.p50), p90: ms(latency.p90), p99: ms(latency.p99) }))];
}

function probeText(probe) {
  if (!probe) return t("sources.probe.none");
  const at = fmtTime(probe.at);
  return probe.ok ? t("sources.probe.ok", { at }) : t("sources.probe.failed", { at, code: probe.error });
}

function problemText(error) {
  return error instanceof ApiError ? `${error.message} (${error.code})` : String(error.message ?? error);
}

// The result of POST /admin/v1/sources/{id}/test, in words.
function testOutcome(answer) {
  if (answer.ok) {
    return h("span", { class: "ok" }, t("sources.reachable",
      { connect: ms(answer.connect_ms), query: ms(answer.query_ms) }));
  }
  const error = answer.error ?? {};
  const detail = [error.message, error.code, error.sqlstate ? "SQLSTATE " + error.sqlstate : null]
    .filter(Boolean).join(" · ");
  return h("span", { class: "problem" }, t("sources.unreachable", { message: detail }));
}

export default {
  id: "sources",
  order: 10,
  title: { zh: "数据源", en: "Sources" },
  kinds: ["sources"],
  async render(root, ctx) {
    const writable = ctx.session.may.sources === "write";
    const notice = h("p", { class: "notice", "data-test": "sources-notice" });
    const formSlot = h("div", { "data-test": "source-form-slot" });
    const listSlot = h("div", {});

    const say = (text, problem = false) => {
      notice.className = problem ? "notice problem" : "notice";
      notice.textContent = text ?? "";
    };

    async function load() {
      const [documents, status] = await Promise.all([
        api("GET", "/admin/v1/sources"),
        api("GET", "/admin/v1/sources/status"),
      ]);
      const byId = new Map(status.sources.map((entry) => [entry.id, entry]));
      clear(listSlot, table(documents.items, byId));
    }

    function table(items, statusById) {
      if (items.length === 0) return h("p", { "data-test": "sources-empty" }, t("sources.none"));
      return h("table", { class: "sources", "data-test": "sources-table" },
        h("thead", {}, h("tr", {},
          ["id", "department", "health", "breaker", "latency", "queries", "probe", "connection"]
            .map((column) => h("th", {}, t("sources.col." + column))),
          writable ? h("th", {}, t("sources.col.actions")) : null)),
        h("tbody", {}, items.map((item) => row(item, statusById.get(item.id)))));
    }

    function row(item, status) {
      const health = status?.health ?? "idle";
      const result = h("div", { class: "test-result", "data-test": `test-result-${item.id}` });
      const actions = writable ? h("td", { class: "actions" },
        h("button", { type: "button", "data-test": `test-${item.id}`,
          onclick: () => testInForce(item.id, result) }, t("sources.test")),
        h("button", { type: "button", "data-test": `edit-${item.id}`,
          onclick: () => showForm(item) }, t("sources.edit")),
        removeButton(item.id),
        result) : null;
      return h("tr", { "data-test": `source-${item.id}` },
        h("td", {}, h("code", {}, item.id)),
        h("td", {}, item.department ?? ""),
        h("td", {}, h("span", { class: `health health-${health}`, "data-test": `health-${item.id}`,
          "data-health": health }, t("sources.health." + health))),
        h("td", { "data-test": `breaker-${item.id}` },
          t("sources.breaker." + (status?.breaker ?? "closed"))),
        h("td", { "data-test": `latency-${item.id}` }, latencyText(status?.latency_ms)),
        h("td", {}, status ? `${fmtNumber(status.queries)} / ${fmtNumber(status.failures)}` : "–"),
        h("td", { "data-test": `probe-${item.id}` }, probeText(status?.last_probe)),
        h("td", {}, h("code", { class: "connection" }, item.odbc ?? item.postgresql ?? "")),
        actions);
    }

    // Two steps, without a browser dialog: the first click asks, the second removes.
    function removeButton(id) {
      let armed = false;
      const button = h("button", { type: "button", "data-test": `remove-${id}`, onclick: async () => {
        if (!armed) {
          armed = true;
          button.textContent = t("sources.confirmRemove", { id });
          button.classList.add("danger");
          return;
        }
        try {
          await api("DELETE", `/admin/v1/sources/${encodeURIComponent(id)}`);
          say(t("sources.removed", { id }));
          await load();
        } catch (error) {
          say(problemText(error), true);
        }
      } }, t("sources.remove"));
      return button;
    }

    async function testInForce(id, slot) {
      clear(slot, t("sources.testing"));
      try {
        const answer = await api("POST", `/admin/v1/sources/${encodeURIComponent(id)}/test`);
        clear(slot, testOutcome(answer));
        await load();
        // load() replaced the row: show the outcome in the new one too.
        const fresh = listSlot.querySelector(`[data-test="test-result-${CSS.escape(id)}"]`);
        if (fresh) clear(fresh, testOutcome(answer));
      } catch (error) {
        clear(slot, h("span", { class: "problem" }, problemText(error)));
      }
    }

    // The register/edit form. `item`: the source as GET /admin/v1/sources shows it (passwords as
    // ***), or null for a new one. Keys the form does not show (retry, breaker, max_value) are
    // sent back as they were.
    function showForm(item) {
      const editing = item !== null;
      const input = (name, value, attrs = {}) => h("input", { name, value: value ?? "",
        "data-test": `source-${name}`, autocomplete: "off", ...attrs });
      const id = input("id", item?.id, { readonly: editing, pattern: "[a-z0-9_.\\-]+" });
      const department = input("department", item?.department);
      // `odbc:` or `postgresql:` (libpq on the gateway's I/O loops): exactly one per source.
      const kind = h("select", { name: "kind", "data-test": "source-kind" },
        h("option", { value: "odbc" }, "ODBC"),
        h("option", { value: "postgresql" }, "PostgreSQL (libpq)"));
      kind.value = item?.postgresql !== undefined ? "postgresql" : "odbc";
      const odbc = input("odbc", item?.odbc ?? item?.postgresql,
        { class: "wide", spellcheck: "false" });
      // Never filled from the gateway: it has no password to give, and must not.
      const secret = input("secret", "", { type: "password", autocomplete: "new-password" });
      const pool = input("pool", item?.pool, { type: "number", min: 1, max: 64 });
      const timeout = input("timeout", item?.timeout, { placeholder: "2s" });
      const odbcProblem = h("span", { class: "problem", "data-test": "source-odbc-problem" });
      const formProblem = h("p", { class: "problem", "data-test": "source-form-problem" });
      const testSlot = h("div", { class: "test-result", "data-test": "source-form-test-result" });

      // The document to send, or null (with the problem shown beside its field).
      const documentOf = () => {
        odbcProblem.textContent = "";
        formProblem.textContent = "";
        if (!id.value.trim()) {
          formProblem.textContent = t("sources.form.needId");
          return null;
        }
        let connection = odbc.value.trim();
        if (!connection) {
          odbcProblem.textContent = t("sources.form.needOdbc");
          return null;
        }
        if (connection.includes(kBlanked)) {
          if (!secret.value) {
            odbcProblem.textContent = t("sources.form.needSecret");
            return null;
          }
          connection = connection.split(kBlanked).join(secret.value);
        }
        const document = { ...(item ?? {}), id: id.value.trim(), department: department.value.trim() };
        delete document.odbc;
        delete document.postgresql;
        document[kind.value] = connection;
        if (pool.value !== "") document.pool = Number(pool.value);
        else delete document.pool;
        if (timeout.value.trim() !== "") document.timeout = timeout.value.trim();
        else delete document.timeout;
        return document;
      };

      const tryIt = async () => {
        const document = documentOf();
        if (!document) return;
        clear(testSlot, t("sources.testing"));
        try {
          clear(testSlot, testOutcome(await api("POST",
            `/admin/v1/sources/${encodeURIComponent(document.id)}/test`, { body: document })));
        } catch (error) {
          clear(testSlot, h("span", { class: "problem" }, problemText(error)));
        }
      };

      const save = async (event) => {
        event.preventDefault();
        const document = documentOf();
        if (!document) return;
        try {
          const answer = await api("PUT", `/admin/v1/sources/${encodeURIComponent(document.id)}`,
            { body: document });
          secret.value = "";
          clear(formSlot);
          say(answer.change !== undefined && answer.state === "pending"
            ? t("sources.pending", { change: answer.change })
            : t("sources.saved", { id: document.id }));
          await load();
        } catch (error) {
          formProblem.textContent = problemText(error);
        }
      };

      const label = (key, control, ...extra) => h("label", {}, h("span", {}, t(key)), control, ...extra);
      clear(formSlot, h("form", { class: "source-form", "data-test": "source-form", onsubmit: save },
        h("h2", {}, editing ? t("sources.form.edit", { id: item.id }) : t("sources.form.new")),
        label("sources.form.id", id),
        label("sources.form.department", department),
        label("sources.form.kind", kind),
        label("sources.form.odbc", odbc, h("small", {}, t("sources.form.odbcHint")), odbcProblem),
        label("sources.form.secret", secret, h("small", {}, t("sources.form.secretHint"))),
        label("sources.form.pool", pool),
        label("sources.form.timeout", timeout),
        h("div", { class: "buttons" },
          h("button", { type: "button", "data-test": "source-form-test", onclick: tryIt },
            t("sources.form.test")),
          h("button", { type: "submit", "data-test": "source-save" }, t("sources.form.save")),
          h("button", { type: "button", "data-test": "source-cancel", onclick: () => clear(formSlot) },
            t("sources.form.cancel"))),
        testSlot,
        formProblem));
      (editing ? department : id).focus();
    }

    clear(root,
      h("h1", {}, t("sources.title")),
      h("p", { class: "intro" }, t("sources.intro")),
      h("div", { class: "toolbar" },
        h("button", { type: "button", "data-test": "sources-refresh",
          onclick: () => load().catch((error) => say(problemText(error), true)) },
          t("sources.refresh")),
        writable
          ? h("button", { type: "button", "data-test": "source-new", onclick: () => showForm(null) },
              t("sources.new"))
          : h("span", { class: "muted" }, t("sources.readOnly"))),
      notice,
      formSlot,
      listSlot);
    await load();
  },
};
