// The Catalogue page (DBA): every dataset and field, grouped by department (the dataset's
// source's) and subject type, searchable; and a field's sheet (#/catalogue?field=<id>): its
// dataset and query, type, sharing class, sensitivity, indicator (一数一源), the policies that
// grant it (GET /admin/v1/fields/{id}/grants: a DBA may not read policies themselves), and a dry
// run of its dataset for one subject (POST /admin/v1/datasets/{id}/dry-run, audited as a read of
// that subject's data).
import { api, ApiError } from "../api.js";
import { clear, h } from "../dom.js";
import { addStrings, fmtNumber, t } from "../i18n.js";
import "./dba-pages.css";

addStrings({
  zh: {
    "catalogue.title": "数据目录",
    "catalogue.intro": "各部门的数据集与字段，按部门和主体类型分组。点击字段查看详情、授权和试运行。",
    "catalogue.search": "搜索字段、数据集、列名、指标…",
    "catalogue.department": "部门",
    "catalogue.subject": "主体类型",
    "catalogue.all": "全部",
    "catalogue.count": "{fields} 个字段，{datasets} 个数据集",
    "catalogue.nothing": "没有匹配的字段",
    "catalogue.noDepartment": "（未知部门）",
    "catalogue.dataset": "数据集 {id}",
    "catalogue.fromSource": "数据源 {source}",
    "catalogue.query": "查询语句",
    "catalogue.col.field": "字段",
    "catalogue.col.column": "列",
    "catalogue.col.type": "类型",
    "catalogue.col.sharing": "共享类型",
    "catalogue.col.sensitivity": "敏感级别",
    "catalogue.col.indicator": "指标",
    "catalogue.col.description": "说明",
    "catalogue.back": "← 返回目录",
    "catalogue.noField": "没有标识为 {id} 的字段",
    "catalogue.field": "字段 {id}",
    "catalogue.sheet.description": "说明",
    "catalogue.sheet.dataset": "数据集",
    "catalogue.sheet.source": "数据源",
    "catalogue.sheet.department": "部门",
    "catalogue.sheet.subject": "主体类型",
    "catalogue.sheet.column": "列",
    "catalogue.sheet.type": "类型",
    "catalogue.sheet.transform": "转换",
    "catalogue.sheet.sharing": "共享类型",
    "catalogue.sheet.sensitivity": "敏感级别",
    "catalogue.sheet.indicator": "指标",
    "catalogue.sheet.query": "查询语句",
    "catalogue.sheet.params": "参数",
    "catalogue.sheet.ttl": "缓存时长",
    "catalogue.default": "{value}（默认）",
    "catalogue.none": "无",
    "catalogue.authoritative": "权威来源",
    "catalogue.notAuthoritative": "非权威来源",
    "catalogue.sharing.unconditional": "无条件共享",
    "catalogue.sharing.conditional": "有条件共享",
    "catalogue.sharing.none": "不予共享",
    "catalogue.grants": "授权（哪些策略允许读取此字段）",
    "catalogue.grants.none": "没有策略授予此字段",
    "catalogue.grants.unconditional": "此字段为无条件共享：任何已认证的调用方都可按其用途读取，无需授权。",
    "catalogue.grants.never": "此字段为不予共享：不会离开网关。",
    "catalogue.col.policy": "策略",
    "catalogue.col.client": "调用方",
    "catalogue.col.clientDepartment": "调用方部门",
    "catalogue.col.purpose": "用途",
    "catalogue.col.effect": "实际效果",
    "catalogue.col.mask": "脱敏",
    "catalogue.col.validUntil": "有效期至",
    "catalogue.col.decidedBy": "决定策略",
    "catalogue.effect.allow": "允许",
    "catalogue.effect.verify_only": "仅核验",
    "catalogue.effect.deny": "拒绝",
    "catalogue.expired": "已过期",
    "catalogue.mask.none": "不脱敏",
    "catalogue.mask.show_last_4": "仅显示后 4 位",
    "catalogue.mask.show_first_1": "仅显示首字",
    "catalogue.mask.hash": "哈希",
    "catalogue.mask.year_only": "仅显示年份",
    "catalogue.mask.redact": "隐去",
    "catalogue.forever": "长期",
    "catalogue.dryRun": "试运行（不经缓存，按请求的方式执行查询；会记入审计）",
    "catalogue.dryRun.run": "试运行",
    "catalogue.dryRun.running": "正在查询…",
    "catalogue.dryRun.notAllowed": "此角色不能试运行数据集",
    "catalogue.col.step": "数据集",
    "catalogue.col.outcome": "结果",
    "catalogue.col.ms": "耗时 (毫秒)",
    "catalogue.outcome.found": "找到",
    "catalogue.outcome.not_found": "无数据",
    "catalogue.outcome.skipped": "跳过",
    "catalogue.outcome.failed": "失败",
    "catalogue.col.value": "值",
    "catalogue.row": "原始行",
    "catalogue.fields": "字段值",
  },
  en: {
    "catalogue.title": "Catalogue",
    "catalogue.intro": "The departments' datasets and fields, by department and subject type. Open a field for its sheet, grants and a dry run.",
    "catalogue.search": "Search fields, datasets, columns, indicators…",
    "catalogue.department": "Department",
    "catalogue.subject": "Subject type",
    "catalogue.all": "all",
    "catalogue.count": "{fields} fields, {datasets} datasets",
    "catalogue.nothing": "No field matches",
    "catalogue.noDepartment": "(unknown department)",
    "catalogue.dataset": "Dataset {id}",
    "catalogue.fromSource": "source {source}",
    "catalogue.query": "Query",
    "catalogue.col.field": "Field",
    "catalogue.col.column": "Column",
    "catalogue.col.type": "Type",
    "catalogue.col.sharing": "Sharing",
    "catalogue.col.sensitivity": "Sensitivity",
    "catalogue.col.indicator": "Indicator",
    "catalogue.col.description": "Description",
    "catalogue.back": "← Back to the catalogue",
    "catalogue.noField": "No field has the id {id}",
    "catalogue.field": "Field {id}",
    "catalogue.sheet.description": "Description",
    "catalogue.sheet.dataset": "Dataset",
    "catalogue.sheet.source": "Source",
    "catalogue.sheet.department": "Department",
    "catalogue.sheet.subject": "Subject type",
    "catalogue.sheet.column": "Column",
    "catalogue.sheet.type": "Type",
    "catalogue.sheet.transform": "Transform",
    "catalogue.sheet.sharing": "Sharing class",
    "catalogue.sheet.sensitivity": "Sensitivity",
    "catalogue.sheet.indicator": "Indicator",
    "catalogue.sheet.query": "Query",
    "catalogue.sheet.params": "Parameters",
    "catalogue.sheet.ttl": "Cache TTL",
    "catalogue.default": "{value} (default)",
    "catalogue.none": "none",
    "catalogue.authoritative": "authoritative",
    "catalogue.notAuthoritative": "not authoritative",
    "catalogue.sharing.unconditional": "unconditional",
    "catalogue.sharing.conditional": "conditional",
    "catalogue.sharing.none": "never shared",
    "catalogue.grants": "Grants (the policies that let clients read this field)",
    "catalogue.grants.none": "No policy grants this field",
    "catalogue.grants.unconditional": "This field is shared unconditionally: any authenticated client may read it for any of its purposes, without a grant.",
    "catalogue.grants.never": "This field is never shared: it does not leave the gateway.",
    "catalogue.col.policy": "Policy",
    "catalogue.col.client": "Client",
    "catalogue.col.clientDepartment": "Client's department",
    "catalogue.col.purpose": "Purpose",
    "catalogue.col.effect": "Effect",
    "catalogue.col.mask": "Mask",
    "catalogue.col.validUntil": "Valid until",
    "catalogue.col.decidedBy": "Decided by",
    "catalogue.effect.allow": "allow",
    "catalogue.effect.verify_only": "verify only",
    "catalogue.effect.deny": "deny",
    "catalogue.expired": "expired",
    "catalogue.mask.none": "none",
    "catalogue.mask.show_last_4": "last 4 shown",
    "catalogue.mask.show_first_1": "first character shown",
    "catalogue.mask.hash": "hashed",
    "catalogue.mask.year_only": "year only",
    "catalogue.mask.redact": "redacted",
    "catalogue.forever": "no end",
    "catalogue.dryRun": "Dry run (the queries as a request runs them, without the cache; audited)",
    "catalogue.dryRun.run": "Run",
    "catalogue.dryRun.running": "Querying…",
    "catalogue.dryRun.notAllowed": "This role may not dry-run datasets",
    "catalogue.col.step": "Dataset",
    "catalogue.col.outcome": "Outcome",
    "catalogue.col.ms": "Time (ms)",
    "catalogue.outcome.found": "found",
    "catalogue.outcome.not_found": "not found",
    "catalogue.outcome.skipped": "skipped",
    "catalogue.outcome.failed": "failed",
    "catalogue.col.value": "Value",
    "catalogue.row": "Raw row",
    "catalogue.fields": "Field values",
  },
});

// What a field document leaves out means these (mappings/Field.h).
const kDefaultType = "string";
const kDefaultSharing = "conditional";
const kDefaultSensitivity = "internal";

function problemText(error) {
  return error instanceof ApiError ? `${error.message} (${error.code})` : String(error.message ?? error);
}

// Lists of a kind, or [] when the role may not read it (the page still shows what it can).
async function listOf(kind) {
  try {
    return (await api("GET", `/admin/v1/${kind}`)).items ?? [];
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return [];
    throw error;
  }
}

// Everything the page shows, joined: each field with its dataset, source and department.
async function loadCatalogue() {
  const [datasets, fields, sources, subjects] = await Promise.all(
    ["datasets", "fields", "sources", "subjects"].map(listOf));
  const datasetById = new Map(datasets.map((item) => [item.id, item]));
  const sourceById = new Map(sources.map((item) => [item.id, item]));
  const subjectById = new Map(subjects.map((item) => [item.id, item]));
  const departmentOf = (dataset) => sourceById.get(dataset?.source)?.department ?? dataset?.source ?? "";
  return { datasets, fields, datasetById, sourceById, subjectById, departmentOf };
}

function sharingText(sharing) {
  return t("catalogue.sharing." + sharing);
}

function indicatorBadge(indicator) {
  if (!indicator) return "";
  return h("span", {}, h("code", {}, indicator.id), " ",
    h("span", { class: indicator.authoritative ? "badge authoritative" : "badge" },
      t(indicator.authoritative ? "catalogue.authoritative" : "catalogue.notAuthoritative")));
}

function valueText(value) {
  if (value === null || value === undefined) return "null";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function matches(field, dataset, query) {
  if (!query) return true;
  const haystack = [field.id, field.column, field.description, field.dataset, dataset?.description,
    field.indicator?.id].filter(Boolean).join(" ").toLowerCase();
  return query.toLowerCase().split(/\s+/).filter(Boolean).every((word) => haystack.includes(word));
}

function renderList(root, catalogue, ctx) {
  const params = ctx.params;
  const search = h("input", { type: "search", value: params.q ?? "", placeholder: t("catalogue.search"),
    class: "wide", "data-test": "catalogue-search", autocomplete: "off" });
  const departments = [...new Set(catalogue.datasets.map(catalogue.departmentOf))].sort();
  const subjects = [...new Set(catalogue.datasets.map((dataset) => dataset.subject))].sort();
  const select = (name, values, chosen) => h("select", { "data-test": `catalogue-${name}` },
    h("option", { value: "" }, t("catalogue.all")),
    values.map((value) => h("option", { value, selected: value === chosen }, value)));
  const department = select("department", departments, params.department ?? "");
  const subject = select("subject", subjects, params.subject ?? "");
  const count = h("span", { class: "muted", "data-test": "catalogue-count" });
  const results = h("div", { "data-test": "catalogue-results" });

  const draw = () => {
    const query = search.value.trim();
    // department -> subject type -> dataset -> fields, in the order they were configured.
    const groups = new Map();
    let shownFields = 0;
    const shownDatasets = new Set();
    for (const field of catalogue.fields) {
      const dataset = catalogue.datasetById.get(field.dataset);
      const inDepartment = catalogue.departmentOf(dataset);
      if (department.value && inDepartment !== department.value) continue;
      if (subject.value && dataset?.subject !== subject.value) continue;
      if (!matches(field, dataset, query)) continue;
      const bySubject = groups.get(inDepartment) ?? new Map();
      groups.set(inDepartment, bySubject);
      const byDataset = bySubject.get(dataset?.subject ?? "") ?? new Map();
      bySubject.set(dataset?.subject ?? "", byDataset);
      const list = byDataset.get(field.dataset) ?? [];
      byDataset.set(field.dataset, list);
      list.push(field);
      shownFields += 1;
      shownDatasets.add(field.dataset);
    }
    count.textContent = t("catalogue.count", { fields: fmtNumber(shownFields),
      datasets: fmtNumber(shownDatasets.size) });
    if (shownFields === 0) {
      clear(results, h("p", { "data-test": "catalogue-nothing" }, t("catalogue.nothing")));
      return;
    }
    clear(results, [...groups].map(([inDepartment, bySubject]) =>
      h("section", { class: "catalogue-group", "data-test": `department-${inDepartment}` },
        h("h2", {}, inDepartment || t("catalogue.noDepartment")),
        [...bySubject].map(([type, byDataset]) => [
          h("h3", {}, `${t("catalogue.subject")}: ${type}`),
          [...byDataset].map(([datasetId, fields]) => datasetTable(datasetId, fields))]))));
  };

  const datasetTable = (datasetId, fields) => {
    const dataset = catalogue.datasetById.get(datasetId);
    return h("div", { class: "dataset", "data-test": `dataset-${datasetId}` },
      h("details", {},
        h("summary", {}, h("strong", {}, t("catalogue.dataset", { id: datasetId })), " · ",
          t("catalogue.fromSource", { source: dataset?.source ?? "" }),
          dataset?.description ? ` · ${dataset.description}` : ""),
        h("pre", { class: "query" }, dataset?.query ?? "")),
      h("table", {},
        h("thead", {}, h("tr", {}, ["field", "column", "type", "sharing", "sensitivity", "indicator",
          "description"].map((column) => h("th", {}, t("catalogue.col." + column))))),
        h("tbody", {}, fields.map((field) => h("tr", {},
          h("td", {}, h("a", { href: `#/catalogue?field=${encodeURIComponent(field.id)}`,
            "data-test": `field-${field.id}` }, field.id)),
          h("td", {}, h("code", {}, field.column ?? "")),
          h("td", {}, field.type ?? kDefaultType),
          h("td", {}, sharingText(field.sharing ?? kDefaultSharing)),
          h("td", {}, field.sensitivity ?? kDefaultSensitivity),
          h("td", {}, indicatorBadge(field.indicator)),
          h("td", {}, field.description ?? ""))))));
  };

  // The filters live in the route, without a redraw of the page: Back returns to them.
  const remember = () => {
    const query = new URLSearchParams();
    if (search.value.trim()) query.set("q", search.value.trim());
    if (department.value) query.set("department", department.value);
    if (subject.value) query.set("subject", subject.value);
    const text = query.toString();
    history.replaceState(null, "", `#/catalogue${text ? "?" + text : ""}`);
  };
  for (const control of [search, department, subject]) {
    control.addEventListener("input", () => { remember(); draw(); });
  }

  clear(root,
    h("h1", {}, t("catalogue.title")),
    h("p", { class: "intro" }, t("catalogue.intro")),
    h("div", { class: "toolbar" }, search,
      h("label", {}, t("catalogue.department"), " ", department),
      h("label", {}, t("catalogue.subject"), " ", subject),
      count),
    results);
  draw();
  search.focus();
}

function fieldSheet(field, catalogue) {
  const dataset = catalogue.datasetById.get(field.dataset) ?? {};
  const orDefault = (value, fallback) => value ?? t("catalogue.default", { value: fallback });
  const rows = [
    ["description", field.description ?? ""],
    ["dataset", h("code", { "data-test": "field-dataset" }, field.dataset)],
    ["source", h("code", {}, dataset.source ?? "")],
    ["department", catalogue.departmentOf(dataset)],
    ["subject", dataset.subject ?? ""],
    ["column", h("code", {}, field.column ?? "")],
    ["type", h("span", { "data-test": "field-type" },
      orDefault(field.type, kDefaultType) + (field.scale !== undefined ? ` (scale ${field.scale})` : ""))],
    ["transform", field.transform ?? t("catalogue.none")],
    ["sharing", h("span", { "data-test": "field-sharing" },
      field.sharing ? sharingText(field.sharing)
                    : t("catalogue.default", { value: sharingText(kDefaultSharing) }))],
    ["sensitivity", h("span", { "data-test": "field-sensitivity" },
      orDefault(field.sensitivity, kDefaultSensitivity))],
    ["indicator", h("span", { "data-test": "field-indicator" },
      field.indicator ? indicatorBadge(field.indicator) : t("catalogue.none"))],
    ["query", h("pre", { class: "query", "data-test": "field-query" }, dataset.query ?? "")],
    ["params", h("code", {}, dataset.params ? JSON.stringify(dataset.params) : "")],
    ["ttl", dataset.ttl ?? ""],
  ];
  return h("dl", { class: "field-sheet", "data-test": "field-sheet" },
    rows.filter(([, value]) => value !== "" && value !== undefined).map(([key, value]) => [h("dt", {}, t("catalogue.sheet." + key)), h("dd", {}, value)]));
}

function grantsTable(answer) {
  const notes = [];
  if (answer.sharing === "unconditional") notes.push(h("p", {}, t("catalogue.grants.unconditional")));
  if (answer.sharing === "none") notes.push(h("p", { class: "problem" }, t("catalogue.grants.never")));
  if (answer.grants.length === 0) {
    return [notes, h("p", { "data-test": "field-grants-none" }, t("catalogue.grants.none"))];
  }
  return [notes, h("table", { "data-test": "field-grants" },
    h("thead", {}, h("tr", {}, ["policy", "client", "clientDepartment", "purpose", "effect", "mask",
      "validUntil", "decidedBy"].map((column) => h("th", {}, t("catalogue.col." + column))))),
    h("tbody", {}, answer.grants.map((grant) => h("tr", {
      "data-test": `grant-${grant.policy}-${grant.client}-${grant.purpose}` },
      h("td", {}, h("code", {}, grant.policy)),
      h("td", {}, h("code", {}, grant.client)),
      h("td", {}, grant.department),
      h("td", {}, grant.purpose),
      h("td", { class: grant.effect === "deny" ? "problem" : null },
        t("catalogue.effect." + grant.effect)),
      h("td", { "data-mask": grant.mask }, grant.effect === "allow" ? t("catalogue.mask." + grant.mask) : "–"),
      h("td", {}, grant.valid_until ?? t("catalogue.forever"),
        grant.in_force ? "" : ` (${t("catalogue.expired")})`),
      h("td", {}, grant.decided_by ? h("code", {}, grant.decided_by) : "")))))];
}

function dryRunPanel(field, catalogue, ctx) {
  const dataset = catalogue.datasetById.get(field.dataset) ?? {};
  const subjectType = catalogue.subjectById.get(dataset.subject);
  const key = subjectType?.key ?? "id";
  const panel = h("section", { class: "dry-run" }, h("h2", {}, t("catalogue.dryRun")));
  if (ctx.session.may.datasets !== "write") {
    panel.append(h("p", { class: "muted" }, t("catalogue.dryRun.notAllowed")));
    return panel;
  }
  const subject = h("input", { "data-test": "dryrun-subject", autocomplete: "off",
    placeholder: `${dataset.subject ?? ""} ${key}`, pattern: subjectType?.pattern ?? null });
  const result = h("div", { "data-test": "dryrun-result" });
  const run = async (event) => {
    event.preventDefault();
    clear(result, t("catalogue.dryRun.running"));
    try {
      const answer = await api("POST", `/admin/v1/datasets/${encodeURIComponent(field.dataset)}/dry-run`,
        { body: { subject: { type: dataset.subject, [key]: subject.value.trim() } } });
      clear(result, dryRunResult(answer, field));
    } catch (error) {
      clear(result, h("p", { class: "problem", "data-test": "dryrun-problem" }, problemText(error)));
    }
  };
  panel.append(h("form", { onsubmit: run },
    h("label", {}, `${dataset.subject ?? ""} · ${key} `, subject),
    h("button", { type: "submit", "data-test": "dryrun-run" }, t("catalogue.dryRun.run"))), result);
  return panel;
}

function dryRunResult(answer, field) {
  return answer.steps.map((step) => h("div", { class: "step", "data-test": `dryrun-step-${step.dataset}` },
    h("table", {},
      h("thead", {}, h("tr", {}, ["step", "outcome", "ms"].map((column) =>
        h("th", {}, t("catalogue.col." + column))))),
      h("tbody", {}, h("tr", {},
        h("td", {}, h("code", {}, step.dataset)),
        h("td", { "data-test": "dryrun-outcome", "data-outcome": step.outcome,
          class: step.outcome === "failed" ? "problem" : null },
          t("catalogue.outcome." + step.outcome),
          step.reason ? ` — ${step.reason}` : "",
          step.error ? ` — ${step.error.message}${step.error.sqlstate ? " (" + step.error.sqlstate + ")" : ""}` : ""),
        h("td", {}, fmtNumber(Math.round(step.ms * 100) / 100))))),
    h("pre", { class: "query" }, step.sql),
    step.fields ? h("table", { "data-test": "dryrun-fields" },
      h("caption", {}, t("catalogue.fields")),
      h("thead", {}, h("tr", {}, h("th", {}, t("catalogue.col.field")), h("th", {}, t("catalogue.col.value")))),
      h("tbody", {}, Object.entries(step.fields).map(([id, value]) => h("tr", {
        class: id === field.id ? "this-field" : null,
        "data-test": id === field.id ? "dryrun-this-field" : null },
        h("td", {}, h("code", {}, id)), h("td", {}, valueText(value)))))) : null,
    step.row ? h("details", {}, h("summary", {}, t("catalogue.row")),
      h("table", { "data-test": "dryrun-row" }, h("tbody", {}, Object.entries(step.row).map(([column, value]) =>
        h("tr", {}, h("td", {}, h("code", {}, column)), h("td", {}, valueText(value))))))) : null));
}

async function renderField(root, catalogue, ctx, id) {
  const back = h("a", { href: "#/catalogue", "data-test": "catalogue-back" }, t("catalogue.back"));
  const field = catalogue.fields.find((candidate) => candidate.id === id);
  if (!field) {
    clear(root, back, h("p", { class: "problem" }, t("catalogue.noField", { id })));
    return;
  }
  const grants = h("div", { "data-test": "field-grants-slot" });
  clear(root, back,
    h("h1", {}, t("catalogue.field", { id: field.id })),
    fieldSheet(field, catalogue),
    h("h2", {}, t("catalogue.grants")),
    grants,
    dryRunPanel(field, catalogue, ctx));
  try {
    clear(grants, grantsTable(await api("GET", `/admin/v1/fields/${encodeURIComponent(field.id)}/grants`)));
  } catch (error) {
    clear(grants, h("p", { class: "problem" }, problemText(error)));
  }
}

export default {
  id: "catalogue",
  order: 20,
  title: { zh: "数据目录", en: "Catalogue" },
  kinds: ["fields", "datasets"],
  async render(root, ctx) {
    const catalogue = await loadCatalogue();
    if (ctx.params.field) return renderField(root, catalogue, ctx, ctx.params.field);
    return renderList(root, catalogue, ctx);
  },
};
