// Audit (the auditor's page): search the audit record by time (typed in local time, sent in UTC),
// client, purpose, case and subject, page through it with the store's cursor, open a record
// (the whole line, its fields and datasets), verify the hash chain, and export what was found
// as JSONL or CSV. Exports are fetched with the token in a header and saved from a blob: the
// token never goes into a URL.
import { api, ApiError, token } from "../api.js";
import { clear, h } from "../dom.js";
import { addStrings, fmtNumber, fmtTime, t } from "../i18n.js";
import "./audit.css";

addStrings({
  zh: {
    "aud.title": "审计记录",
    "aud.since": "开始时间",
    "aud.until": "结束时间",
    "aud.client": "调用方",
    "aud.purpose": "用途",
    "aud.case": "案件编号",
    "aud.subject": "证件号码",
    "aud.limit": "每页",
    "aud.search": "查询",
    "aud.verify": "校验哈希链",
    "aud.exportJsonl": "导出 JSONL",
    "aud.exportCsv": "导出 CSV",
    "aud.exported": "已导出 {count} 条",
    "aud.exportedMore": "已导出 {count} 条（还有更多，请缩小时间范围）",
    "aud.time": "时间（本地）",
    "aud.route": "接口",
    "aud.status": "状态",
    "aud.department": "部门",
    "aud.fields": "字段",
    "aud.request": "请求编号",
    "aud.open": "详情",
    "aud.none": "没有符合条件的记录",
    "aud.count": "本页 {count} 条",
    "aud.next": "下一页",
    "aud.previous": "上一页",
    "aud.first": "第一页",
    "aud.page": "第 {page} 页",
    "aud.fromTrail": "未配置中央审计库：只查本实例的审计文件（最新在前），只按时间和调用方筛选",
    "aud.detail": "记录详情",
    "aud.instance": "实例 {instance} · 第 {seq} 行",
    "aud.field": "字段",
    "aud.outcome": "结果",
    "aud.datasets": "数据集",
    "aud.source": "数据源",
    "aud.from": "来自",
    "aud.ms": "耗时(毫秒)",
    "aud.line": "完整记录",
    "aud.close": "关闭",
    "aud.intact": "哈希链完整",
    "aud.broken": "哈希链断裂",
    "aud.lines": "{lines} 行，链上记录 {records} 条",
    "aud.checkpoints": "签名检查点 {checkpoints} 个（签名{signed}），最后检查点之后 {unprotected} 行",
    "aud.signed": "已验证",
    "aud.unsigned": "未验证，可用 oncegatectl verify-audit --keys 验证",
    "aud.torn": "跳过的残行：{lines}",
    "aud.brokenAt": "第 {line} 行：{problem}",
    "aud.continues": "本文件接续 {file}",
  },
  en: {
    "aud.title": "Audit record",
    "aud.since": "From",
    "aud.until": "To",
    "aud.client": "Client",
    "aud.purpose": "Purpose",
    "aud.case": "Case number",
    "aud.subject": "ID number",
    "aud.limit": "Per page",
    "aud.search": "Search",
    "aud.verify": "Verify the hash chain",
    "aud.exportJsonl": "Export JSONL",
    "aud.exportCsv": "Export CSV",
    "aud.exported": "{count} records exported",
    "aud.exportedMore": "{count} records exported (more remain: narrow the period)",
    "aud.time": "Time (local)",
    "aud.route": "Route",
    "aud.status": "Status",
    "aud.department": "Department",
    "aud.fields": "Fields",
    "aud.request": "Request id",
    "aud.open": "Open",
    "aud.none": "No record matches",
    "aud.count": "{count} on this page",
    "aud.next": "Next page",
    "aud.previous": "Previous page",
    "aud.first": "First page",
    "aud.page": "Page {page}",
    "aud.fromTrail": "No central audit store: this instance's file only (newest first), filtered by time and client only",
    "aud.detail": "Record",
    "aud.instance": "instance {instance} · line {seq}",
    "aud.field": "Field",
    "aud.outcome": "Outcome",
    "aud.datasets": "Datasets",
    "aud.source": "Source",
    "aud.from": "From",
    "aud.ms": "ms",
    "aud.line": "The whole line",
    "aud.close": "Close",
    "aud.intact": "The hash chain is intact",
    "aud.broken": "The hash chain is broken",
    "aud.lines": "{lines} lines, {records} records in the chain",
    "aud.checkpoints": "{checkpoints} signed checkpoints (signatures {signed}), {unprotected} lines after the last one",
    "aud.signed": "verified",
    "aud.unsigned": "not verified here: oncegatectl verify-audit --keys checks them",
    "aud.torn": "Torn lines skipped: {lines}",
    "aud.brokenAt": "Line {line}: {problem}",
    "aud.continues": "This file continues {file}",
  },
});

// "2026-12-05T11:00" typed in local time -> "2026-12-05T03:00:00Z" for the API.
function utcOf(localValue) {
  if (!localValue) return undefined;
  const when = new Date(localValue);
  if (Number.isNaN(when.getTime())) return undefined;
  return when.toISOString().replace(/\.\d{3}Z$/, "Z");
}

const filterNames = ["since", "until", "client", "purpose", "case", "subject", "limit"];

function queryOf(params) {
  const query = {};
  for (const name of filterNames) if (params[name]) query[name] = params[name];
  query.since = utcOf(params.since);
  query.until = utcOf(params.until);
  return query;
}

// The store answers {instance, seq, record}; the local file answers the record alone.
const lineOf = (entry) => (entry && entry.record && entry.seq !== undefined ? entry.record : entry);

// Who asked: the client of a data request, or the admin token's name and role.
function askerText(record) {
  if (record.client) return record.client;
  return record.admin ? `${record.admin.name} (${record.admin.role})` : "";
}

const routeText = (record) => (record.method ? `${record.method} ${record.route}` : record.route ?? "");

function subjectText(subject) {
  if (!subject || typeof subject !== "object") return "";
  return Object.entries(subject).filter(([name]) => name !== "type").map(([, value]) => value).join(" ");
}

function detailNode(entry, close) {
  const record = lineOf(entry);
  const fields = Object.entries(record.fields ?? {});
  const datasets = record.datasets ?? [];
  return h("section", { class: "audit-detail", "data-test": "record-detail" },
    h("div", { class: "actions" }, h("h3", {}, `${t("aud.detail")} ${record.request_id ?? ""}`),
      h("button", { type: "button", class: "link", "data-test": "close-detail", onclick: close }, t("aud.close"))),
    entry.seq !== undefined ? h("p", { class: "muted" }, t("aud.instance", { instance: entry.instance, seq: entry.seq })) : null,
    h("dl", { class: "audit-facts" },
      [["aud.time", fmtTime(record.time)], ["aud.route", routeText(record)],
        ["aud.status", record.outcome ? `${record.status} ${record.outcome}` : record.status],
        ["aud.client", askerText(record)], ["aud.department", record.department],
        ["aud.purpose", record.purpose], ["aud.case", record.case],
        ["aud.subject", subjectText(record.subject)]]
        .filter(([, value]) => value !== undefined && value !== null && value !== "")
        .map(([key, value]) => [h("dt", {}, t(key)), h("dd", {}, String(value))])),
    fields.length ? h("table", { "data-test": "record-fields" },
      h("thead", {}, h("tr", {}, h("th", {}, t("aud.field")), h("th", {}, t("aud.outcome")))),
      h("tbody", {}, fields.map(([field, outcome]) => h("tr", { class: "outcome-" + outcome },
        h("td", {}, field), h("td", {}, String(outcome)))))) : null,
    datasets.length ? [h("h4", {}, t("aud.datasets")), h("table", { "data-test": "record-datasets" },
      h("thead", {}, h("tr", {}, [t("aud.datasets"), t("aud.source"), t("aud.from"), t("aud.outcome"), t("aud.ms")]
        .map((name) => h("th", {}, name)))),
      h("tbody", {}, datasets.map((d) => h("tr", {}, h("td", {}, d.id), h("td", {}, d.source),
        h("td", {}, d.from), h("td", {}, d.outcome), h("td", {}, d.ms ?? "")))))] : null,
    h("h4", {}, t("aud.line")),
    h("pre", { class: "audit-line", "data-test": "record-json" }, JSON.stringify(record, null, 2)));
}

function verificationNode(answer) {
  if (!answer.intact) {
    return h("div", { class: "verdict broken", "data-test": "verify-result", "data-intact": "false" },
      h("strong", {}, t("aud.broken")),
      h("p", {}, t("aud.brokenAt", { line: answer.first_broken_line ?? "?", problem: answer.problem ?? "" })),
      h("p", { class: "muted" }, t("aud.lines", { lines: fmtNumber(answer.lines), records: "—" })));
  }
  return h("div", { class: "verdict intact", "data-test": "verify-result", "data-intact": "true" },
    h("strong", {}, "✓ " + t("aud.intact")),
    h("p", {}, t("aud.lines", { lines: fmtNumber(answer.lines), records: fmtNumber(answer.records ?? answer.lines) })),
    answer.checkpoints !== undefined ? h("p", {}, t("aud.checkpoints", {
      checkpoints: answer.checkpoints, signed: t(answer.signatures_checked ? "aud.signed" : "aud.unsigned"),
      unprotected: answer.unprotected_lines ?? 0 })) : null,
    answer.torn_lines?.length ? h("p", {}, t("aud.torn", { lines: answer.torn_lines.join(", ") })) : null,
    answer.continues ? h("p", { class: "muted" }, t("aud.continues", { file: answer.continues })) : null);
}

// Every page of the search in one file: the token goes in a header, the file comes from a blob.
async function exportRecords(query, format, outcome) {
  const parts = [];
  let cursor;
  let count = 0;
  let more = false;
  for (let page = 0; page < 20; ++page) {
    const url = new URL("/admin/v1/audit", window.location.origin);
    for (const [name, value] of Object.entries({ ...query, limit: 1000, cursor, format })) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
    }
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token()}` } });
    const text = await response.text();
    if (!response.ok) {
      let answer = {};
      try {
        answer = JSON.parse(text);
      } catch {
        answer = {};
      }
      throw new ApiError(response.status, answer.error, answer.message ?? response.statusText,
                         answer.request_id, answer);
    }
    const rows = text.split(/\r?\n/).filter((line) => line !== "");
    // CSV repeats its header on every page; keep the first page's.
    const body = format === "csv" && page > 0 ? rows.slice(1) : rows;
    count += format === "csv" ? Math.max(0, rows.length - 1) : rows.length;
    if (body.length) parts.push(body.join(format === "csv" ? "\r\n" : "\n") + (format === "csv" ? "\r\n" : "\n"));
    cursor = response.headers.get("Oncegate-Next-Cursor");
    more = Boolean(cursor);
    if (!cursor) break;
  }
  const blob = new Blob(parts, { type: format === "csv" ? "text/csv" : "application/x-ndjson" });
  const link = h("a", { href: URL.createObjectURL(blob), "data-test": "export-link",
    download: `audit-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, "")}.${format}` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  clear(outcome, h("p", { class: "ok", "data-test": "export-result" },
    t(more ? "aud.exportedMore" : "aud.exported", { count: fmtNumber(count) })));
}

export default {
  id: "audit",
  order: 40,
  title: { zh: "审计", en: "Audit" },
  kinds: ["audit"],
  async render(root, ctx) {
    const params = ctx.params ?? {};
    const input = (name, attrs = {}) => h("input", { name, value: params[name] ?? "", "data-test": "audit-" + name, ...attrs });
    const fields = {
      since: input("since", { type: "datetime-local", step: 1 }),
      until: input("until", { type: "datetime-local", step: 1 }),
      client: input("client"),
      purpose: input("purpose"),
      case: input("case"),
      subject: input("subject", { size: 20, autocomplete: "off" }),
    };
    const limit = h("select", { name: "limit", "data-test": "audit-limit" },
      ["20", "50", "100", "500"].map((n) => h("option", { value: n, selected: (params.limit ?? "50") === n }, n)));
    // Searching changes the route, so a search can be bookmarked and the back button works;
    // the cursor trail is kept in the route too.
    const search = (event) => {
      event.preventDefault();
      const next = {};
      for (const [name, node] of Object.entries(fields)) if (node.value.trim()) next[name] = node.value.trim();
      next.limit = limit.value;
      next.run = String(Date.now());
      ctx.navigate("audit", next);
    };
    const verifyOutcome = h("div", {});
    const exportOutcome = h("div", {});
    const results = h("div", { "data-test": "audit-results" });
    const detail = h("div", {});
    const verify = h("button", { type: "button", "data-test": "audit-verify", onclick: async () => {
      verify.disabled = true;
      try {
        clear(verifyOutcome, verificationNode(await api("POST", "/admin/v1/audit/verify")));
      } catch (error) {
        clear(verifyOutcome, h("p", { class: "problem", "data-test": "verify-problem" }, error.message));
      } finally {
        verify.disabled = false;
      }
    } }, t("aud.verify"));
    const exporter = (format) => async (event) => {
      event.target.disabled = true;
      try {
        await exportRecords(queryOf(params), format, exportOutcome);
      } catch (error) {
        clear(exportOutcome, h("p", { class: "problem" }, error.message));
      } finally {
        event.target.disabled = false;
      }
    };
    clear(root,
      h("h2", {}, t("aud.title")),
      h("form", { class: "audit-search", onsubmit: search, "data-test": "audit-search" },
        h("label", {}, t("aud.since"), fields.since), h("label", {}, t("aud.until"), fields.until),
        h("label", {}, t("aud.client"), fields.client), h("label", {}, t("aud.purpose"), fields.purpose),
        h("label", {}, t("aud.case"), fields.case), h("label", {}, t("aud.subject"), fields.subject),
        h("label", {}, t("aud.limit"), limit),
        h("button", { type: "submit", class: "primary", "data-test": "audit-submit" }, t("aud.search"))),
      h("div", { class: "actions" }, verify,
        h("button", { type: "button", "data-test": "export-jsonl", onclick: exporter("jsonl") }, t("aud.exportJsonl")),
        h("button", { type: "button", "data-test": "export-csv", onclick: exporter("csv") }, t("aud.exportCsv"))),
      verifyOutcome, exportOutcome, detail, results);

    // The cursors of the pages before this one, so "previous" can go back without a backward
    // cursor from the API.
    const firstPage = "-";
    const trail = params.trail ? params.trail.split(",") : [];
    const query = { ...queryOf(params), cursor: params.cursor };
    let answer;
    try {
      answer = await api("GET", "/admin/v1/audit", { query });
    } catch (error) {
      return clear(results, h("p", { class: "problem", "data-test": "audit-problem" }, error.message));
    }
    const fromStore = "next" in answer;
    const entries = answer.records ?? [];
    const go = (cursor, nextTrail) => {
      const next = { ...params };
      delete next.cursor;
      delete next.trail;
      if (cursor && cursor !== firstPage) next.cursor = cursor;
      if (nextTrail.length) next.trail = nextTrail.join(",");
      ctx.navigate("audit", next);
    };
    const open = (entry) => {
      clear(detail, detailNode(entry, () => clear(detail)));
      detail.scrollIntoView({ block: "nearest" });
    };
    clear(results,
      fromStore ? null : h("p", { class: "muted", "data-test": "audit-trail-note" }, t("aud.fromTrail")),
      entries.length === 0 ? h("p", { "data-test": "audit-none" }, t("aud.none")) : h("table", { "data-test": "audit-table" },
        h("thead", {}, h("tr", {}, [t("aud.time"), t("aud.route"), t("aud.status"), t("aud.client"),
          t("aud.purpose"), t("aud.case"), t("aud.subject"), t("aud.fields"), t("aud.request"), ""]
          .map((name) => h("th", {}, name)))),
        h("tbody", {}, entries.map((entry, index) => {
          const record = lineOf(entry);
          return h("tr", { "data-test": "audit-row", "data-request-id": record.request_id ?? "" },
            h("td", {}, fmtTime(record.time)), h("td", {}, routeText(record)), h("td", {}, record.status),
            h("td", { class: record.client ? null : "muted" }, askerText(record)), h("td", {}, record.purpose ?? ""), h("td", {}, record.case ?? ""),
            h("td", { class: "mono" }, subjectText(record.subject)),
            h("td", {}, record.fields ? Object.keys(record.fields).length : ""),
            h("td", { class: "mono" }, record.request_id ?? ""),
            h("td", {}, h("button", { type: "button", class: "link", "data-test": "open-record-" + index,
              onclick: () => open(entry) }, t("aud.open"))));
        }))),
      h("div", { class: "actions pager" },
        h("span", { "data-test": "audit-count" }, t("aud.count", { count: entries.length })),
        fromStore ? h("span", {}, t("aud.page", { page: trail.length + 1 })) : null,
        trail.length ? h("button", { type: "button", "data-test": "audit-first", onclick: () => go(null, []) }, t("aud.first")) : null,
        trail.length ? h("button", { type: "button", "data-test": "audit-previous",
          onclick: () => go(trail[trail.length - 1], trail.slice(0, -1)) }, t("aud.previous")) : null,
        fromStore && answer.next ? h("button", { type: "button", "data-test": "audit-next",
          onclick: () => go(answer.next, [...trail, params.cursor ?? firstPage]) }, t("aud.next")) : null));
  },
};
