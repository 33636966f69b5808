// The sharing dashboard (reform office, auditor): GET /admin/v1/reports/sharing as charts and
// tables, its CSV, and the 一数一源 consistency check (POST /admin/v1/reports/consistency).
// The period and grouping live in the route (#/sharing?period=7d&by=department) so a view can be
// bookmarked; they are rewritten with replaceState so that changing them does not redraw the
// consistency results below.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { api } from "../api.js";
import { clear, h } from "../dom.js";
import { addStrings, fmtNumber, fmtRate, fmtTime, locale, t } from "../i18n.js";
import "./sharing.css";

// Only the parts drawn here, so the bundle leaves the rest of Chart.js out.
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale,
               LinearScale, Tooltip, Legend);

addStrings({
  zh: {
    "sharing.title": "共享统计",
    "sharing.period": "时间段",
    "sharing.period.24h": "最近 24 小时",
    "sharing.period.7d": "最近 7 天",
    "sharing.period.30d": "最近 30 天",
    "sharing.period.custom": "自定义",
    "sharing.from": "起",
    "sharing.to": "止",
    "sharing.by": "分组",
    "sharing.by.form": "按表单",
    "sharing.by.department": "按部门",
    "sharing.by.client": "按调用方",
    "sharing.by.source": "按数据源",
    "sharing.by.field": "按字段",
    "sharing.show": "查询",
    "sharing.csv": "下载 CSV",
    "sharing.loading": "正在计算…",
    "sharing.empty": "此时间段内没有数据请求",
    "sharing.range": "{from} 至 {to}（本地时间），数据来自{source}",
    "sharing.computed.store": "集中审计库",
    "sharing.computed.trail": "本地审计日志",
    "sharing.rate": "共享率",
    "sharing.rateOf": "{served} / {total} 个字段由部门数据填报",
    "sharing.documentsSpared": "免交材料",
    "sharing.requests": "请求数",
    "sharing.fromCache": "来自缓存",
    "sharing.chart.form": "各表单共享率",
    "sharing.chart.department": "各部门共享率",
    "sharing.chart.time": "随时间变化",
    "sharing.chart.rate": "共享率 (%)",
    "sharing.chart.requests": "请求数",
    "sharing.table.groups": "明细",
    "sharing.table.documents": "免交材料（减材料）",
    "sharing.table.sources": "数据源查询耗时",
    "sharing.col.key": "标识",
    "sharing.col.label": "名称",
    "sharing.col.requests": "请求",
    "sharing.col.fields_asked": "请求字段",
    "sharing.col.fields_served": "已提供",
    "sharing.col.served_from_cache": "来自缓存",
    "sharing.col.denied": "拒绝",
    "sharing.col.not_found": "无数据",
    "sharing.col.unavailable": "不可用",
    "sharing.col.verify_only": "仅核验",
    "sharing.col.unknown_field": "未知字段",
    "sharing.col.form_fields": "表单字段",
    "sharing.col.sharing_rate": "共享率",
    "sharing.col.documents_spared": "免交材料",
    "sharing.col.form": "表单",
    "sharing.col.document": "材料",
    "sharing.col.spared": "免交次数",
    "sharing.col.source": "数据源",
    "sharing.col.queries": "查询次数",
    "sharing.total": "合计",
    "sharing.noDocuments": "没有表单字段标注所替代的材料（replaces:）",
    "sharing.noSources": "此时间段内没有直接查询数据源",
    "consistency.title": "一数一源核查",
    "consistency.indicator": "指标",
    "consistency.indicatorHint": "如 citizen.name",
    "consistency.sample": "抽样人数",
    "consistency.run": "核查",
    "consistency.running": "正在逐一查询各数据源…",
    "consistency.authoritative": "权威来源：{field}（{source}），抽样 {count} 人",
    "consistency.col.field": "字段",
    "consistency.col.source": "数据源",
    "consistency.col.compared": "比对",
    "consistency.col.agreed": "一致",
    "consistency.col.disagreed": "不一致",
    "consistency.col.missing": "无数据",
    "consistency.col.unavailable": "不可用",
    "consistency.col.agreement_rate": "一致率",
    "consistency.disagreements": "不一致的对象（已脱敏）",
    "consistency.col.subject": "对象",
    "consistency.col.subject_hash": "索引哈希",
    "consistency.col.fields": "不一致的字段",
    "consistency.none": "抽样对象全部一致",
  },
  en: {
    "sharing.title": "Sharing",
    "sharing.period": "Period",
    "sharing.period.24h": "Last 24 hours",
    "sharing.period.7d": "Last 7 days",
    "sharing.period.30d": "Last 30 days",
    "sharing.period.custom": "Custom",
    "sharing.from": "From",
    "sharing.to": "To",
    "sharing.by": "Group by",
    "sharing.by.form": "Form",
    "sharing.by.department": "Department",
    "sharing.by.client": "Client",
    "sharing.by.source": "Source",
    "sharing.by.field": "Field",
    "sharing.show": "Show",
    "sharing.csv": "Download CSV",
    "sharing.loading": "Computing…",
    "sharing.empty": "No data requests in this period",
    "sharing.range": "{from} to {to} (local time), computed from the {source}",
    "sharing.computed.store": "central audit store",
    "sharing.computed.trail": "local audit trail",
    "sharing.rate": "Sharing rate",
    "sharing.rateOf": "{served} of {total} form fields filled from departments",
    "sharing.documentsSpared": "Documents spared",
    "sharing.requests": "Requests",
    "sharing.fromCache": "From cache",
    "sharing.chart.form": "Sharing rate per form",
    "sharing.chart.department": "Sharing rate per department",
    "sharing.chart.time": "Over time",
    "sharing.chart.rate": "Sharing rate (%)",
    "sharing.chart.requests": "Requests",
    "sharing.table.groups": "Details",
    "sharing.table.documents": "Documents no longer asked of applicants",
    "sharing.table.sources": "Source query latency",
    "sharing.col.key": "Key",
    "sharing.col.label": "Name",
    "sharing.col.requests": "Requests",
    "sharing.col.fields_asked": "Fields asked",
    "sharing.col.fields_served": "Served",
    "sharing.col.served_from_cache": "From cache",
    "sharing.col.denied": "Denied",
    "sharing.col.not_found": "Not found",
    "sharing.col.unavailable": "Unavailable",
    "sharing.col.verify_only": "Verify only",
    "sharing.col.unknown_field": "Unknown field",
    "sharing.col.form_fields": "Form fields",
    "sharing.col.sharing_rate": "Sharing rate",
    "sharing.col.documents_spared": "Documents spared",
    "sharing.col.form": "Form",
    "sharing.col.document": "Document",
    "sharing.col.spared": "Times spared",
    "sharing.col.source": "Source",
    "sharing.col.queries": "Queries",
    "sharing.total": "Total",
    "sharing.noDocuments": "No form entry names a document it replaces (replaces:)",
    "sharing.noSources": "No source was queried directly in this period",
    "consistency.title": "One datum, one source (一数一源)",
    "consistency.indicator": "Indicator",
    "consistency.indicatorHint": "e.g. citizen.name",
    "consistency.sample": "Subjects to sample",
    "consistency.run": "Check",
    "consistency.running": "Asking every source…",
    "consistency.authoritative": "Authoritative: {field} ({source}); {count} subjects sampled",
    "consistency.col.field": "Field",
    "consistency.col.source": "Source",
    "consistency.col.compared": "Compared",
    "consistency.col.agreed": "Agreed",
    "consistency.col.disagreed": "Disagreed",
    "consistency.col.missing": "Missing",
    "consistency.col.unavailable": "Unavailable",
    "consistency.col.agreement_rate": "Agreement",
    "consistency.disagreements": "Disagreeing subjects (masked)",
    "consistency.col.subject": "Subject",
    "consistency.col.subject_hash": "Index hash",
    "consistency.col.fields": "Fields that disagree",
    "consistency.none": "Every sampled subject agrees",
  },
});

const periods = { "24h": 24 * 3600e3, "7d": 7 * 24 * 3600e3, "30d": 30 * 24 * 3600e3 };
const groupings = ["form", "department", "client", "source", "field"];
// The report's counters, in the order of its CSV.
const counters = ["requests", "fields_asked", "fields_served", "served_from_cache", "denied",
                  "not_found", "unavailable", "verify_only", "unknown_field", "form_fields"];
const palette = ["#1f4e79", "#2e86c1", "#48a868", "#e0a030", "#c0504d", "#7d5ba6", "#4bacc6"];

// Charts hold a canvas and a resize observer: the page destroys them before drawing new ones
// and when the shell replaces the page.
let charts = [];

function dropCharts() {
  for (const chart of charts) chart.destroy();
  charts = [];
}

// The gateway reads whole seconds in UTC ("2026-12-05T03:00:00Z").
function isoSeconds(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

// A datetime-local input's value (local time) from a Date, and back.
function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T` +
         `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// The period the route asks for, as [from, to] Dates, or null when a custom one is incomplete.
function periodOf(state) {
  if (state.period === "custom") {
    const from = new Date(state.from ?? "");
    const to = new Date(state.to ?? "");
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return null;
    return [from, to];
  }
  const to = new Date();
  return [new Date(to.getTime() - periods[state.period]), to];
}

// The start of a series bucket, in local time: a date for days, a date and hour for hours.
function bucketLabel(iso, interval) {
  const when = new Date(iso);
  const options = interval === "day"
    ? { year: "numeric", month: "2-digit", day: "2-digit" }
    : { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false };
  return when.toLocaleString(locale() === "en" ? "en-GB" : "zh-CN", options);
}

function stateFrom(params) {
  const state = {
    period: params.period in periods || params.period === "custom" ? params.period : "30d",
    by: groupings.includes(params.by) ? params.by : "form",
    from: params.from,
    to: params.to,
  };
  return state;
}

function remember(state) {
  const query = new URLSearchParams({ period: state.period, by: state.by });
  if (state.period === "custom") {
    if (state.from) query.set("from", state.from);
    if (state.to) query.set("to", state.to);
  }
  history.replaceState(null, "", `#/sharing?${query}`);
}

function rateChart(canvas, groups, label) {
  charts.push(new Chart(canvas, {
    type: "bar",
    data: {
      labels: groups.map((group) => group.label),
      datasets: [{
        label,
        data: groups.map((group) => Math.round(group.sharing_rate * 1000) / 10),
        backgroundColor: groups.map((group, index) => palette[index % palette.length]),
      }],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => {
              const group = groups[item.dataIndex];
              const share = `${group.fields_served} / ${group.form_fields}`;
              return `${fmtRate(group.sharing_rate)} (${share})`;
            },
          },
        },
      },
      scales: { y: { min: 0, max: 100, ticks: { callback: (value) => value + "%" } } },
    },
  }));
}

function timeChart(canvas, report) {
  charts.push(new Chart(canvas, {
    data: {
      labels: report.series.map((bucket) => bucketLabel(bucket.start, report.interval)),
      datasets: [
        {
          type: "line",
          label: t("sharing.chart.rate"),
          data: report.series.map((bucket) => Math.round(bucket.sharing_rate * 1000) / 10),
          borderColor: palette[0],
          backgroundColor: palette[0],
          yAxisID: "rate",
        },
        {
          type: "bar",
          label: t("sharing.chart.requests"),
          data: report.series.map((bucket) => bucket.requests),
          backgroundColor: "#a9c6e3",
          yAxisID: "requests",
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        rate: { position: "left", min: 0, max: 100, ticks: { callback: (value) => value + "%" } },
        requests: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
                    ticks: { precision: 0 } },
      },
    },
  }));
}

function chartBox(title, testId) {
  const canvas = h("canvas", { "data-test": testId });
  return { canvas, box: h("section", { class: "chart" }, h("h3", {}, title),
                          h("div", { class: "chart-area" }, canvas)) };
}

function counterCells(row) {
  return [
    ...counters.map((name) => h("td", { class: "number", "data-test": "cell-" + name },
                                fmtNumber(row[name]))),
    h("td", { class: "number", "data-test": "cell-sharing_rate" }, fmtRate(row.sharing_rate)),
    h("td", { class: "number", "data-test": "cell-documents_spared" },
      fmtNumber(row.documents_spared)),
  ];
}

function groupsTable(report) {
  const header = ["key", "label", ...counters, "sharing_rate", "documents_spared"];
  return h("table", { "data-test": "sharing-groups" },
    h("thead", {}, h("tr", {}, header.map((name) => h("th", {}, t("sharing.col." + name))))),
    h("tbody", {},
      report.groups.map((group) => h("tr",
        { "data-test": "group-row", "data-key": group.key ?? "" },
        h("td", { "data-test": "cell-key" }, group.key ?? "—"),
        h("td", { "data-test": "cell-label" }, group.label),
        counterCells(group))),
      h("tr", { class: "total", "data-test": "total-row" },
        h("td", { colspan: 2 }, t("sharing.total")), counterCells(report.totals))));
}

function documentsTable(byForm) {
  const rows = byForm.groups.flatMap((group) => (group.documents ?? []).map((document) =>
    h("tr", { "data-test": "document-row", "data-form": group.key ?? "",
              "data-document": document.document },
      h("td", {}, group.label), h("td", {}, document.document),
      h("td", { class: "number", "data-test": "cell-spared" }, fmtNumber(document.spared)))));
  if (rows.length === 0) return h("p", { class: "muted" }, t("sharing.noDocuments"));
  return h("table", { "data-test": "sharing-documents" },
    h("thead", {}, h("tr", {},
      ["form", "document", "spared"].map((name) => h("th", {}, t("sharing.col." + name))))),
    h("tbody", {}, rows));
}

function sourcesTable(report) {
  if (report.sources.length === 0) return h("p", { class: "muted" }, t("sharing.noSources"));
  const ms = (value) => fmtNumber(value) + " ms";
  return h("table", { "data-test": "sharing-sources" },
    h("thead", {}, h("tr", {},
      h("th", {}, t("sharing.col.source")), h("th", {}, t("sharing.col.queries")),
      h("th", {}, "p50"), h("th", {}, "p90"), h("th", {}, "p99"), h("th", {}, "max"))),
    h("tbody", {}, report.sources.map((source) =>
      h("tr", { "data-test": "source-row", "data-source": source.source },
        h("td", {}, source.source),
        h("td", { class: "number" }, fmtNumber(source.queries)),
        h("td", { class: "number" }, ms(source.p50_ms)),
        h("td", { class: "number" }, ms(source.p90_ms)),
        h("td", { class: "number" }, ms(source.p99_ms)),
        h("td", { class: "number" }, ms(source.max_ms))))));
}

function summary(report) {
  const totals = report.totals;
  const figure = (label, value, testId, note) => h("div", { class: "figure" },
    h("span", { class: "figure-label" }, label),
    h("strong", { "data-test": testId }, value),
    note ? h("small", {}, note) : null);
  return h("div", { class: "figures", "data-test": "sharing-summary" },
    figure(t("sharing.rate"), fmtRate(totals.sharing_rate), "total-rate",
           t("sharing.rateOf", { served: fmtNumber(totals.fields_served),
                                 total: fmtNumber(totals.form_fields) })),
    figure(t("sharing.documentsSpared"), fmtNumber(totals.documents_spared), "total-documents"),
    figure(t("sharing.requests"), fmtNumber(totals.requests), "total-requests"),
    figure(t("sharing.fromCache"), fmtNumber(totals.served_from_cache), "total-cache"));
}

// The report for one grouping over [from, to]; the three the page needs share one period.
function fetchReport(by, [from, to]) {
  return api("GET", "/admin/v1/reports/sharing",
             { query: { from: isoSeconds(from), to: isoSeconds(to), by } });
}

// The CSV through fetch with the token in a header, handed to the browser as a blob: a link with
// the token in its URL would leave it in history and logs.
async function downloadCsv(state, period, problem) {
  try {
    const text = await api("GET", "/admin/v1/reports/sharing", {
      query: { from: isoSeconds(period[0]), to: isoSeconds(period[1]), by: state.by,
               format: "csv" },
      accept: "text/csv",
    });
    const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    const link = h("a", { href: url, download: `sharing-${state.by}-${isoSeconds(period[0])}.csv`,
                          style: "display:none" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  } catch (error) {
    clear(problem, error.message);
  }
}

async function showReport(out, state) {
  dropCharts();
  const period = periodOf(state);
  state.shown = period;
  if (!period) return clear(out);
  clear(out, h("p", { class: "muted", "data-test": "sharing-loading" }, t("sharing.loading")));
  const wanted = [...new Set([state.by, "form", "department"])];
  let reports;
  try {
    reports = Object.fromEntries(await Promise.all(
      wanted.map(async (by) => [by, await fetchReport(by, period)])));
  } catch (error) {
    return clear(out, h("p", { class: "problem", "data-test": "sharing-problem" }, error.message));
  }
  const report = reports[state.by];
  const range = h("p", { class: "muted", "data-test": "sharing-range", "data-from": report.from,
                         "data-to": report.to, "data-by": report.by },
    t("sharing.range", { from: fmtTime(report.from), to: fmtTime(report.to),
                         source: t("sharing.computed." + report.computed_from) }));
  if (report.totals.requests === 0) {
    return clear(out, range, h("p", { "data-test": "sharing-empty" }, t("sharing.empty")));
  }
  const byForm = chartBox(t("sharing.chart.form"), "chart-form");
  const byDepartment = chartBox(t("sharing.chart.department"), "chart-department");
  const overTime = chartBox(t("sharing.chart.time"), "chart-time");
  clear(out, range, summary(report),
    h("div", { class: "charts" }, byForm.box, byDepartment.box, overTime.box),
    h("h3", {}, t("sharing.table.groups")), h("div", { class: "wide" }, groupsTable(report)),
    h("h3", {}, t("sharing.table.documents")), documentsTable(reports.form),
    h("h3", {}, t("sharing.table.sources")), sourcesTable(report));
  rateChart(byForm.canvas, reports.form.groups, t("sharing.chart.rate"));
  rateChart(byDepartment.canvas, reports.department.groups, t("sharing.chart.rate"));
  timeChart(overTime.canvas, report);
  out.dataset.ready = "true";
}

function reportSection(params) {
  const state = stateFrom(params);
  const out = h("div", { "data-test": "sharing-report" });
  const problem = h("p", { class: "problem", "data-test": "csv-problem" });
  const fromInput = h("input", { type: "datetime-local", "data-test": "period-from" });
  const toInput = h("input", { type: "datetime-local", "data-test": "period-to" });
  const custom = h("span", { class: "custom-period" },
    h("label", {}, t("sharing.from"), " ", fromInput), " ",
    h("label", {}, t("sharing.to"), " ", toInput));
  const periodSelect = h("select", { "data-test": "period" },
    [...Object.keys(periods), "custom"].map((id) =>
      h("option", { value: id, selected: id === state.period }, t("sharing.period." + id))));
  const bySelect = h("select", { "data-test": "by" },
    groupings.map((id) => h("option", { value: id, selected: id === state.by },
                             t("sharing.by." + id))));

  const showCustom = () => {
    custom.hidden = periodSelect.value !== "custom";
    if (!custom.hidden && !fromInput.value) {
      const [from, to] = periodOf({ period: "7d" });
      fromInput.value = localInput(from);
      toInput.value = localInput(to);
    }
  };
  if (state.period === "custom") {
    fromInput.value = state.from ?? "";
    toInput.value = state.to ?? "";
  }
  const refresh = () => {
    out.dataset.ready = "false";
    state.period = periodSelect.value;
    state.by = bySelect.value;
    state.from = fromInput.value;
    state.to = toInput.value;
    remember(state);
    clear(problem);
    return showReport(out, state);
  };
  periodSelect.addEventListener("change", () => {
    showCustom();
    if (periodSelect.value !== "custom") refresh();
  });
  bySelect.addEventListener("change", refresh);
  showCustom();

  const submit = (event) => {
    event.preventDefault();
    refresh();
  };
  // The CSV covers the period on screen, not one recomputed at the click.
  const download = () => {
    const period = state.shown ?? periodOf(state);
    if (period) downloadCsv(state, period, problem);
  };
  const controls = h("form", { class: "controls", onsubmit: submit },
    h("label", {}, t("sharing.period"), " ", periodSelect), custom,
    h("label", {}, t("sharing.by"), " ", bySelect),
    h("button", { type: "submit", "data-test": "show" }, t("sharing.show")),
    h("button", { type: "button", "data-test": "csv", onclick: download }, t("sharing.csv")));
  return { node: h("section", {}, controls, problem, out), start: refresh };
}

function consistencyResult(answer) {
  const columns = ["compared", "agreed", "disagreed", "missing", "unavailable"];
  return [
    h("p", { "data-test": "consistency-authoritative" },
      t("consistency.authoritative", { field: answer.authoritative.field,
                                       source: answer.authoritative.source,
                                       count: fmtNumber(answer.subjects_sampled) })),
    h("table", { "data-test": "consistency-sources" },
      h("thead", {}, h("tr", {},
        ["field", "source", ...columns, "agreement_rate"].map((name) =>
          h("th", {}, t("consistency.col." + name))))),
      h("tbody", {}, answer.sources.map((source) =>
        h("tr", { "data-test": "consistency-row", "data-field": source.field },
          h("td", {}, source.field), h("td", {}, source.source),
          columns.map((name) => h("td", { class: "number", "data-test": "cell-" + name },
                                   fmtNumber(source[name]))),
          h("td", { class: "number", "data-test": "cell-agreement_rate" },
            fmtRate(source.agreement_rate)))))),
    h("h4", {}, t("consistency.disagreements")),
    answer.disagreements.length === 0
      ? h("p", { class: "muted", "data-test": "consistency-none" }, t("consistency.none"))
      : h("table", { "data-test": "consistency-disagreements" },
          h("thead", {}, h("tr", {}, ["subject", "subject_hash", "fields"].map((name) =>
            h("th", {}, t("consistency.col." + name))))),
          h("tbody", {}, answer.disagreements.map((row) => h("tr",
            { "data-test": "disagreement-row" },
            h("td", { class: "mono" }, row.subject),
            h("td", { class: "mono", title: row.subject_hash },
              row.subject_hash.slice(0, 16) + "…"),
            h("td", {}, row.fields.join(", ")))))),
  ];
}

// Indicators come from the fields in force when the role may read them; the reform office may
// read reports only, so it types the indicator instead of picking it.
async function indicatorInput(session) {
  const typed = () => h("input", { type: "text", required: true,
                                   placeholder: t("consistency.indicatorHint"),
                                   "data-test": "consistency-indicator" });
  if ((session.may?.fields ?? "none") === "none") return typed();
  let fields;
  try {
    fields = (await api("GET", "/admin/v1/fields")).items ?? [];
  } catch {
    return typed();
  }
  const ids = [...new Set(fields.filter((field) => field.indicator)
                                 .map((field) => field.indicator.id))].sort();
  if (ids.length === 0) return typed();
  return h("select", { "data-test": "consistency-indicator" },
           ids.map((id) => h("option", { value: id }, id)));
}

async function consistencySection(session) {
  const out = h("div", { "data-test": "consistency-result" });
  const indicator = await indicatorInput(session);
  const sample = h("input", { type: "number", min: 1, max: 1000, value: "50",
                               "data-test": "consistency-sample" });
  const run = async (event) => {
    event.preventDefault();
    const id = indicator.value.trim();
    if (!id) return;
    clear(out, h("p", { class: "muted" }, t("consistency.running")));
    try {
      const answer = await api("POST", "/admin/v1/reports/consistency",
                               { body: { indicator: id, sample: Number(sample.value) || 50 } });
      clear(out, consistencyResult(answer));
    } catch (error) {
      clear(out, h("p", { class: "problem", "data-test": "consistency-problem" }, error.message));
    }
  };
  return h("section", { class: "consistency" },
    h("h2", {}, t("consistency.title")),
    h("form", { class: "controls", onsubmit: run },
      h("label", {}, t("consistency.indicator"), " ", indicator),
      h("label", {}, t("consistency.sample"), " ", sample),
      h("button", { type: "submit", "data-test": "consistency-run" }, t("consistency.run"))),
    out);
}

export default {
  id: "sharing",
  order: 50,
  title: { zh: "共享统计", en: "Sharing" },
  kinds: ["reports"],
  async render(root, ctx) {
    dropCharts();
    const report = reportSection(ctx.params ?? {});
    const page = h("div", { class: "sharing-page" }, h("h2", {}, t("sharing.title")), report.node);
    // Appended, not replacing: the shell may have put a notice in `root` (a page the role may
    // not open was asked for).
    root.append(page);
    const shown = report.start();
    const consistency = await consistencySection(ctx.session);
    // The shell may have moved on to another page while the field list loaded.
    if (page.isConnected) page.append(consistency);
    await shown;
  },
};
