// Policies (the security officer's page): the policies in force, a policy edited as YAML with the
// gateway's validation problems beside the lines at fault, the impact of a draft on recent
// requests before it is published, its history with a side-by-side diff and a rollback, the
// explanation of one decision, and the changes that wait for a security officer's approval.
// Routes: #/policies, #/policies?id=ID[&tab=history], #/policies?view=explain|pending|new.
import { api, ApiError } from "../api.js";
import { clear, h } from "../dom.js";
import { addStrings, fmtNumber, fmtTime, t } from "../i18n.js";
import { idOf, sideBySide, toYaml } from "../yaml-text.js";
import "./policies.css";

addStrings({
  zh: {
    "pol.title": "共享策略",
    "pol.list": "策略列表",
    "pol.pending": "待审批变更",
    "pol.explain": "解释决定",
    "pol.new": "新建策略",
    "pol.id": "编号",
    "pol.clients": "调用方",
    "pol.purposes": "用途",
    "pol.allow": "允许",
    "pol.deny": "拒绝",
    "pol.verifyOnly": "仅核验",
    "pol.validUntil": "有效期至",
    "pol.none": "暂无策略",
    "pol.edit": "编辑",
    "pol.history": "历史版本",
    "pol.readOnly": "此角色只能查看策略",
    "pol.comment": "变更说明",
    "pol.impact": "评估影响（重放近期请求）",
    "pol.publish": "发布",
    "pol.published": "已发布并生效",
    "pol.created": "已创建并生效",
    "pol.unchanged": "有问题，未作任何修改",
    "pol.elsewhere": "其他问题",
    "pol.noId": "草稿缺少顶层 id:",
    "pol.impact.examined": "重放请求 {requests} 个，字段决定 {fields} 个",
    "pol.impact.counts": "新拒绝 {denied} · 新允许 {allowed} · 脱敏变化 {mask} · 仅核验变化 {verify} · 无法判断 {unknown}",
    "pol.impact.none": "不改变任何已审计请求的决定",
    "pol.impact.truncated": "只列出前面的差异",
    "pol.time": "时间",
    "pol.request": "请求",
    "pol.client": "调用方",
    "pol.purpose": "用途",
    "pol.field": "字段",
    "pol.recorded": "当时结果",
    "pol.change": "变化",
    "pol.before": "之前",
    "pol.after": "之后",
    "pol.version": "版本",
    "pol.author": "作者",
    "pol.deleted": "已删除",
    "pol.compare": "对比",
    "pol.left": "左",
    "pol.right": "右",
    "pol.rollback": "回滚到此版本",
    "pol.rolledBack": "已回滚到版本 {to}，现行版本 {version}",
    "pol.noHistory": "没有存储的历史（未配置控制存储，或该策略来自配置文件）",
    "pol.explainIt": "解释",
    "pol.effect": "决定",
    "pol.deciding": "决定策略",
    "pol.reason": "原因",
    "pol.mask": "脱敏",
    "pol.caseRequired": "需要案件编号",
    "pol.sharing": "共享类别",
    "pol.dataset": "数据集",
    "pol.yes": "是",
    "pol.no": "否",
    "pol.state": "状态",
    "pol.kind": "类型",
    "pol.action": "操作",
    "pol.reasons": "待审原因",
    "pol.open": "详情",
    "pol.noPending": "没有待审批的变更",
    "pol.document": "变更后的文档",
    "pol.keys": "新增键 {added} · 删除键 {removed} · 修改键 {changed}",
    "pol.applies": "仍可应用",
    "pol.noLonger": "已不能应用：{problem}",
    "pol.gains": "将获得访问",
    "pol.approve": "批准",
    "pol.reject": "驳回",
    "pol.decided": "变更 {id} 已{state}",
    "state.pending": "待审批",
    "state.approved": "批准",
    "state.rejected": "驳回",
    "state.withdrawn": "撤回",
    "state.all": "全部",
  },
  en: {
    "pol.title": "Sharing policies",
    "pol.list": "Policies",
    "pol.pending": "Pending changes",
    "pol.explain": "Explain a decision",
    "pol.new": "New policy",
    "pol.id": "Id",
    "pol.clients": "Clients",
    "pol.purposes": "Purposes",
    "pol.allow": "Allow",
    "pol.deny": "Deny",
    "pol.verifyOnly": "Verify only",
    "pol.validUntil": "Valid until",
    "pol.none": "No policies",
    "pol.edit": "Edit",
    "pol.history": "History",
    "pol.readOnly": "This role may only read policies",
    "pol.comment": "Change comment",
    "pol.impact": "Impact (replay recent requests)",
    "pol.publish": "Publish",
    "pol.published": "Published and in force",
    "pol.created": "Created and in force",
    "pol.unchanged": "Problems found; nothing was changed",
    "pol.elsewhere": "Other problems",
    "pol.noId": "The draft has no top-level id:",
    "pol.impact.examined": "{requests} requests replayed, {fields} field decisions",
    "pol.impact.counts": "newly denied {denied} · newly allowed {allowed} · mask changed {mask} · verify-only changed {verify} · unknown {unknown}",
    "pol.impact.none": "No decision of the audited requests changes",
    "pol.impact.truncated": "Only the first differences are listed",
    "pol.time": "Time",
    "pol.request": "Request",
    "pol.client": "Client",
    "pol.purpose": "Purpose",
    "pol.field": "Field",
    "pol.recorded": "Recorded",
    "pol.change": "Change",
    "pol.before": "Before",
    "pol.after": "After",
    "pol.version": "Version",
    "pol.author": "Author",
    "pol.deleted": "removed",
    "pol.compare": "Compare",
    "pol.left": "Left",
    "pol.right": "Right",
    "pol.rollback": "Roll back to this version",
    "pol.rolledBack": "Rolled back to version {to}; version {version} is in force",
    "pol.noHistory": "No stored history (no control store, or the policy comes from the files)",
    "pol.explainIt": "Explain",
    "pol.effect": "Decision",
    "pol.deciding": "Deciding policy",
    "pol.reason": "Reason",
    "pol.mask": "Mask",
    "pol.caseRequired": "Case number required",
    "pol.sharing": "Sharing class",
    "pol.dataset": "Dataset",
    "pol.yes": "yes",
    "pol.no": "no",
    "pol.state": "State",
    "pol.kind": "Kind",
    "pol.action": "Action",
    "pol.reasons": "Why it waits",
    "pol.open": "Details",
    "pol.noPending": "No changes wait for approval",
    "pol.document": "The document it puts",
    "pol.keys": "keys added {added} · removed {removed} · changed {changed}",
    "pol.applies": "Still applies",
    "pol.noLonger": "No longer applies: {problem}",
    "pol.gains": "Would gain access",
    "pol.approve": "Approve",
    "pol.reject": "Reject",
    "pol.decided": "Change {id} {state}",
    "state.pending": "pending",
    "state.approved": "approved",
    "state.rejected": "rejected",
    "state.withdrawn": "withdrawn",
    "state.all": "all",
  },
});

const template = `id: new-policy
description: ""
clients:
  - client-id
purposes:
  - purpose
allow:
  - dataset.*
`;

const policyPath = (id) => `/admin/v1/policies/${encodeURIComponent(id)}`;
const list = (values) => (values ?? []).join(", ");
const yesNo = (flag) => t(flag ? "pol.yes" : "pol.no");

function problemNode(error) {
  return h("p", { class: "problem", "data-test": "problem" }, error.message);
}

// Where an answer's problems go: a line of the text sent (shifted by `offset` lines the console
// put before it), or elsewhere (another document, or no line at all).
function faultsOf(error, offset) {
  const byLine = new Map();
  const elsewhere = [];
  const add = (line, reason) => {
    if (!byLine.has(line)) byLine.set(line, []);
    byLine.get(line).push(reason);
  };
  const locations = error instanceof ApiError ? error.answer?.locations : undefined;
  if (Array.isArray(locations)) {
    for (const where of locations) {
      if (where.origin === "request body" && where.line && where.line > offset) {
        add(where.line - offset, where.reason);
      } else {
        elsewhere.push(where.origin ? `${where.origin}:${where.line}: ${where.reason}`
                                    : where.reason);
      }
    }
  } else {
    // Text that is not YAML at all is refused before validation (400): its line is in the
    // message, as the YAML reader words it.
    const found = /request body:(\d+): (.*)$/s.exec(error.message ?? "");
    if (found && Number(found[1]) > offset) add(Number(found[1]) - offset, found[2]);
    else elsewhere.push(error.message);
  }
  return { byLine, elsewhere };
}

// A YAML text area with line numbers, and beside each line the problems the gateway found
// there. The area grows with its text, so the three columns line up without scroll syncing.
function yamlEditor(text, readOnly) {
  const area = h("textarea", { class: "yaml-text", wrap: "off", spellcheck: "false",
    "data-test": "policy-yaml", readonly: readOnly });
  area.value = text;
  const gutter = h("div", { class: "yaml-gutter", "aria-hidden": "true" });
  const notes = h("div", { class: "yaml-notes", "data-test": "line-notes" });
  const elsewhere = h("div", { "data-test": "problems" });
  let faults = { byLine: new Map(), elsewhere: [] };
  const paint = () => {
    const count = area.value.split("\n").length;
    area.rows = Math.max(12, count + 1);
    const numbers = [];
    const beside = [];
    for (let line = 1; line <= count; ++line) {
      const reasons = faults.byLine.get(line);
      numbers.push(h("div", { class: reasons ? "fault" : null }, String(line)));
      beside.push(reasons
        ? h("div", { class: "fault", title: reasons.join("\n"), "data-test": `line-note-${line}`,
          "data-line": line }, "← " + reasons.join("; "))
        : h("div", {}, "\u00a0"));
    }
    clear(gutter, numbers);
    clear(notes, beside);
    const beyond = [...faults.byLine].filter(([line]) => line > count)
      .map(([line, reasons]) => `${line}: ${reasons.join("; ")}`);
    const other = [...faults.elsewhere, ...beyond];
    clear(elsewhere, other.length
      ? [h("strong", {}, t("pol.elsewhere")), h("ul", {}, other.map((item) => h("li", {}, item)))]
      : null);
  };
  area.addEventListener("input", paint);
  paint();
  return {
    node: h("div", {}, h("div", { class: "yaml-editor" }, gutter, area, notes), elsewhere),
    text: () => area.value,
    show(found) {
      faults = found;
      paint();
    },
    reset() {
      faults = { byLine: new Map(), elsewhere: [] };
      paint();
    },
  };
}

function tabs(ctx, current, entries) {
  return h("nav", { class: "tabs" }, entries.map(([key, label, params]) => h("a", {
    href: "#/policies" + (Object.keys(params).length ? "?" + new URLSearchParams(params) : ""),
    class: key === current ? "current" : null, "data-test": "tab-" + key }, label)));
}

function policyTable(policies, ctx) {
  if (policies.length === 0) return h("p", {}, t("pol.none"));
  return h("table", { "data-test": "policy-list" },
    h("thead", {}, h("tr", {}, [t("pol.id"), t("pol.clients"), t("pol.purposes"), t("pol.allow"),
      t("pol.deny"), t("pol.verifyOnly"), t("pol.validUntil")].map((name) => h("th", {}, name)))),
    h("tbody", {}, policies.map((policy) => h("tr", { "data-test": "policy-" + policy.id },
      h("td", {}, h("a", { href: "#", "data-test": "open-" + policy.id, onclick: (event) => {
        event.preventDefault();
        ctx.navigate("policies", { id: policy.id });
      } }, policy.id), policy.description ? h("div", { class: "muted" }, policy.description) : null),
      h("td", {}, list(policy.clients)), h("td", {}, list(policy.purposes)),
      h("td", {}, list(policy.allow)), h("td", {}, list(policy.deny)),
      h("td", {}, list(policy.verify_only)), h("td", {}, policy.valid_until ?? "")))));
}

function impactNode(report) {
  const s = report.summary ?? {};
  const rows = report.changes ?? [];
  const side = (value) => value ? [value.effect, value.mask && value.mask !== "none" ? value.mask : null]
    .filter(Boolean).join(" / ") : "";
  return h("section", { class: "impact", "data-test": "impact-result" },
    h("p", {}, t("pol.impact.examined", { requests: fmtNumber(s.requests_examined ?? 0),
      fields: fmtNumber(s.field_decisions_examined ?? 0) })),
    h("p", { "data-test": "impact-counts" }, t("pol.impact.counts", { denied: s.newly_denied ?? 0,
      allowed: s.newly_allowed ?? 0, mask: s.mask_changed ?? 0,
      verify: s.verify_only_changed ?? 0, unknown: s.unknown ?? 0 })),
    rows.length === 0 ? h("p", {}, t("pol.impact.none")) : h("table", { "data-test": "impact-changes" },
      h("thead", {}, h("tr", {}, [t("pol.time"), t("pol.request"), t("pol.client"), t("pol.purpose"),
        t("pol.field"), t("pol.recorded"), t("pol.change"), t("pol.before"), t("pol.after")]
        .map((name) => h("th", {}, name)))),
      h("tbody", {}, rows.map((row) => h("tr", { class: row.change },
        h("td", {}, fmtTime(row.time)), h("td", { class: "mono" }, row.request_id),
        h("td", {}, row.client), h("td", {}, row.purpose), h("td", {}, row.field),
        h("td", {}, row.recorded), h("td", {}, row.change), h("td", {}, side(row.before)),
        h("td", {}, side(row.after)))))),
    report.truncated ? h("p", { class: "muted" }, t("pol.impact.truncated")) : null);
}

async function editView(section, ctx, id, canWrite) {
  let text = template;
  if (id) text = toYaml(await api("GET", policyPath(id)));
  const editor = yamlEditor(text, !canWrite);
  const comment = h("input", { type: "text", size: 50, "data-test": "change-comment" });
  const outcome = h("div", { "data-test": "edit-result" });
  const busy = (button, work) => async () => {
    button.disabled = true;
    try {
      await work();
    } finally {
      button.disabled = false;
    }
  };

  const impactButton = h("button", { type: "button", "data-test": "impact" }, t("pol.impact"));
  impactButton.addEventListener("click", busy(impactButton, async () => {
    // The draft goes as the one entry of `policies:`; its lines move down two and right four.
    const draft = editor.text().replace(/\n$/, "").split("\n").map((line) => "    " + line);
    const body = "policies:\n  -\n" + draft.join("\n") + "\nlast: 200\n";
    try {
      const report = await api("POST", "/admin/v1/policies/impact", { body });
      editor.reset();
      clear(outcome, impactNode(report));
    } catch (error) {
      editor.show(faultsOf(error, 2));
      clear(outcome, problemNode(error));
    }
  }));

  const publishButton = h("button", { type: "button", class: "primary", "data-test": "publish" },
    t("pol.publish"));
  publishButton.addEventListener("click", busy(publishButton, async () => {
    const target = idOf(editor.text());
    if (!target) return clear(outcome, h("p", { class: "problem", "data-test": "problem" }, t("pol.noId")));
    const headers = comment.value.trim() ? { "X-Change-Comment": comment.value.trim() } : {};
    try {
      const existed = (await api("GET", "/admin/v1/policies")).items.some((p) => p.id === target);
      await api("PUT", policyPath(target), { body: editor.text(), headers });
      editor.reset();
      clear(outcome, h("p", { class: "ok", "data-test": "publish-result" },
        t(existed ? "pol.published" : "pol.created")));
      if (target !== id) ctx.navigate("policies", { id: target });
    } catch (error) {
      editor.show(faultsOf(error, 0));
      clear(outcome, h("p", { class: "problem", "data-test": "problem" },
        error instanceof ApiError && [400, 422].includes(error.status)
          ? `${t("pol.unchanged")}: ${error.message.split("\n")[0]}` : error.message));
    }
  }));

  clear(section,
    canWrite ? null : h("p", { class: "muted" }, t("pol.readOnly")),
    editor.node,
    h("div", { class: "actions" },
      canWrite ? h("label", {}, t("pol.comment") + " ", comment) : null,
      impactButton,
      canWrite ? publishButton : null),
    outcome);
}

function diffNode(before, after) {
  const rows = sideBySide(before, after);
  return h("table", { class: "diff", "data-test": "diff" },
    h("tbody", {}, rows.map((row) => h("tr", { class: row.kind, "data-test": "diff-" + row.kind },
      h("td", { class: "num" }, row.leftLine ?? ""),
      h("td", { class: "left" }, row.left ?? ""),
      h("td", { class: "num" }, row.rightLine ?? ""),
      h("td", { class: "right" }, row.right ?? "")))));
}

async function historyView(section, ctx, id, canWrite) {
  let versions;
  try {
    versions = (await api("GET", policyPath(id) + "/history")).versions;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return clear(section, h("p", {}, t("pol.noHistory")));
    throw error;
  }
  const outcome = h("div", { "data-test": "history-outcome" });
  const diffPlace = h("div", {});
  let left = versions[1]?.version ?? versions[0]?.version;
  let right = versions[0]?.version;
  const textOf = (version) => {
    const found = versions.find((v) => v.version === version);
    return found && !found.deleted ? toYaml(found.policy) : "";
  };
  const showDiff = () => clear(diffPlace,
    h("h3", {}, `${t("pol.compare")}: ${t("pol.version")} ${left} ↔ ${right}`),
    diffNode(textOf(left), textOf(right)));
  const choose = (side, version) => h("input", { type: "radio", name: "side-" + side,
    checked: (side === "left" ? left : right) === version, "data-test": `${side}-${version}`,
    onchange: () => {
      if (side === "left") left = version;
      else right = version;
      showDiff();
    } });
  const rollback = (version) => async (event) => {
    event.target.disabled = true;
    try {
      const answer = await api("POST", policyPath(id) + "/rollback", { body: { version } });
      await historyView(section, ctx, id, canWrite);
      section.prepend(h("p", { class: "ok", "data-test": "rollback-result" },
        t("pol.rolledBack", { to: answer.rolled_back_to, version: answer.version })));
    } catch (error) {
      event.target.disabled = false;
      clear(outcome, problemNode(error));
    }
  };
  clear(section,
    outcome,
    h("table", { "data-test": "history" },
      h("thead", {}, h("tr", {}, [t("pol.left"), t("pol.right"), t("pol.version"), t("pol.time"),
        t("pol.author"), t("pol.comment"), ""].map((name) => h("th", {}, name)))),
      h("tbody", {}, versions.map((v, index) => h("tr", { "data-test": "version-" + v.version },
        h("td", {}, choose("left", v.version)), h("td", {}, choose("right", v.version)),
        h("td", {}, String(v.version), v.deleted ? ` (${t("pol.deleted")})` : ""),
        h("td", {}, fmtTime(v.time)), h("td", {}, v.author), h("td", {}, v.comment),
        h("td", {}, canWrite && index > 0 && !v.deleted
          ? h("button", { type: "button", "data-test": "rollback-" + v.version,
            onclick: rollback(v.version) }, t("pol.rollback"))
          : null))))),
    diffPlace);
  if (versions.length > 0) showDiff();
}

async function policyView(root, ctx, id, tab, canWrite) {
  const section = h("section", {});
  clear(root,
    h("h2", {}, id ?? t("pol.new")),
    id ? tabs(ctx, tab, [["edit", t("pol.edit"), { id }], ["history", t("pol.history"), { id, tab: "history" }]]) : null,
    section);
  if (tab === "history" && id) return historyView(section, ctx, id, canWrite);
  return editView(section, ctx, id, canWrite);
}

async function explainView(section) {
  const [clients, fields] = await Promise.all([
    api("GET", "/admin/v1/clients").then((a) => a.items ?? []).catch(() => []),
    api("GET", "/admin/v1/fields").then((a) => a.items ?? []).catch(() => []),
  ]);
  const client = h("input", { list: "explain-clients", "data-test": "explain-client", required: true });
  const purpose = h("input", { list: "explain-purposes", "data-test": "explain-purpose", required: true });
  const field = h("input", { list: "explain-fields", "data-test": "explain-field", required: true });
  const purposes = h("datalist", { id: "explain-purposes" });
  // The purposes offered are the chosen client's.
  client.addEventListener("input", () => {
    const chosen = clients.find((c) => c.id === client.value.trim());
    clear(purposes, (chosen?.purposes ?? []).map((p) => h("option", { value: p })));
  });
  const result = h("div", { "data-test": "explain-outcome" });
  const submit = async (event) => {
    event.preventDefault();
    try {
      const answer = await api("POST", "/admin/v1/policies/explain", { body: {
        client: client.value.trim(), purpose: purpose.value.trim(), field: field.value.trim() } });
      const row = (label, value, test) => [h("dt", {}, label), h("dd", { "data-test": test }, value)];
      clear(result, h("dl", { class: "explained", "data-test": "explain-result" },
        row(t("pol.effect"), answer.effect, "explain-effect"),
        row(t("pol.deciding"), answer.policy ?? "—", "explain-policy"),
        row(t("pol.reason"), answer.reason, "explain-reason"),
        row(t("pol.mask"), answer.mask ?? "—", "explain-mask"),
        row(t("pol.caseRequired"), yesNo(answer.case_required), "explain-case"),
        row(t("pol.sharing"), answer.sharing, "explain-sharing"),
        row(t("pol.dataset"), answer.dataset, "explain-dataset")));
    } catch (error) {
      clear(result, problemNode(error));
    }
  };
  clear(section,
    h("form", { class: "explain", onsubmit: submit },
      h("label", {}, t("pol.client"), client), h("label", {}, t("pol.purpose"), purpose),
      h("label", {}, t("pol.field"), field),
      h("button", { type: "submit", "data-test": "explain-submit" }, t("pol.explainIt"))),
    h("datalist", { id: "explain-clients" }, clients.map((c) => h("option", { value: c.id }))),
    purposes,
    h("datalist", { id: "explain-fields" }, fields.map((f) => h("option", { value: f.id }))),
    result);
}

async function pendingDetail(place, id, canDecide, reload) {
  const change = await api("GET", `/admin/v1/changes/${encodeURIComponent(id)}`);
  const comment = h("input", { type: "text", size: 40, "data-test": "decision-comment" });
  const outcome = h("div", {});
  const decide = (verb) => async () => {
    const headers = comment.value.trim() ? { "X-Change-Comment": comment.value.trim() } : {};
    try {
      const decided = await api("POST", `/admin/v1/changes/${encodeURIComponent(id)}/${verb}`, { headers });
      await reload(t("pol.decided", { id, state: t("state." + decided.state) }));
    } catch (error) {
      clear(outcome, problemNode(error));
    }
  };
  const keys = change.diff;
  const impact = change.impact;
  clear(place, h("section", { class: "pending-detail", "data-test": "pending-detail" },
    h("h3", {}, `#${change.change} ${change.kind}/${change.id} (${change.action})`),
    h("p", {}, `${change.author} · ${fmtTime(change.time)} · ${change.comment}`),
    h("ul", {}, (change.reasons ?? []).map((reason) => h("li", {}, reason))),
    keys ? h("p", {}, t("pol.keys", { added: list(keys.added) || "—", removed: list(keys.removed) || "—",
      changed: list(keys.changed) || "—" })) : null,
    change.applies === false ? h("p", { class: "problem" }, t("pol.noLonger", { problem: change.problem ?? "" }))
      : change.applies ? h("p", { class: "ok" }, t("pol.applies")) : null,
    change.document ? [h("h4", {}, t("pol.document")), h("pre", { class: "yaml" }, toYaml(change.document))] : null,
    impact?.gains?.length ? [h("h4", {}, t("pol.gains")), h("table", { "data-test": "pending-gains" },
      h("thead", {}, h("tr", {}, [t("pol.client"), t("pol.purpose"), t("pol.field"), t("pol.effect"), ""]
        .map((name) => h("th", {}, name)))),
      h("tbody", {}, impact.gains.map((gain) => h("tr", {}, h("td", {}, gain.client),
        h("td", {}, gain.purpose), h("td", {}, gain.field), h("td", {}, gain.effect),
        h("td", {}, gain.why)))))] : null,
    impact?.replay ? impactNode(impact.replay) : null,
    canDecide && change.state === "pending" ? h("div", { class: "actions" },
      h("label", {}, t("pol.comment") + " ", comment),
      h("button", { type: "button", class: "primary", "data-test": "approve", onclick: decide("approve") },
        t("pol.approve")),
      h("button", { type: "button", "data-test": "reject", onclick: decide("reject") }, t("pol.reject")))
      : null,
    outcome));
}

async function pendingView(section, ctx, canDecide, notice) {
  const state = ctx.params.state ?? "pending";
  const answer = await api("GET", "/admin/v1/changes", { query: { state } });
  const detail = h("div", {});
  const reload = (message) => pendingView(section, ctx, canDecide, message);
  const states = ["pending", "approved", "rejected", "withdrawn", "all"];
  clear(section,
    notice ? h("p", { class: "ok", "data-test": "decision-result" }, notice) : null,
    h("label", {}, t("pol.state") + " ", h("select", { "data-test": "pending-state",
      onchange: (event) => ctx.navigate("policies", { view: "pending", state: event.target.value }) },
    states.map((s) => h("option", { value: s, selected: s === state }, t("state." + s))))),
    answer.changes.length === 0 ? h("p", { "data-test": "pending-empty" }, t("pol.noPending")) : h("table", { "data-test": "pending-list" },
      h("thead", {}, h("tr", {}, ["#", t("pol.state"), t("pol.kind"), t("pol.id"), t("pol.action"),
        t("pol.author"), t("pol.time"), t("pol.comment"), t("pol.reasons"), ""].map((name) => h("th", {}, name)))),
      h("tbody", {}, answer.changes.map((change) => h("tr", { "data-test": "pending-" + change.change },
        h("td", {}, String(change.change)), h("td", {}, t("state." + change.state)),
        h("td", {}, change.kind), h("td", {}, change.id), h("td", {}, change.action),
        h("td", {}, change.author), h("td", {}, fmtTime(change.time)), h("td", {}, change.comment),
        h("td", {}, (change.reasons ?? []).join("; ")),
        h("td", {}, h("button", { type: "button", "data-test": "open-change-" + change.change,
          onclick: () => pendingDetail(detail, String(change.change), canDecide, reload)
            .catch((error) => clear(detail, problemNode(error))) }, t("pol.open"))))))),
    detail);
}

export default {
  id: "policies",
  order: 30,
  title: { zh: "策略", en: "Policies" },
  kinds: ["policies", "approvals"],
  async render(root, ctx) {
    const may = ctx.session.may ?? {};
    const readsPolicies = (may.policies ?? "none") !== "none";
    const canWrite = may.policies === "write";
    const seesChanges = (may.approvals ?? "none") !== "none" || (may.changes ?? "none") !== "none";
    const canDecide = may.approvals === "write";
    const params = ctx.params ?? {};
    const view = params.view ?? (params.id ? "policy" : readsPolicies ? "list" : "pending");

    if (view === "policy" || view === "new") {
      return policyView(root, ctx, params.id, params.tab ?? "edit", canWrite);
    }
    const section = h("section", {});
    clear(root, h("h2", {}, t("pol.title")),
      tabs(ctx, view, [
        readsPolicies ? ["list", t("pol.list"), {}] : null,
        seesChanges ? ["pending", t("pol.pending"), { view: "pending" }] : null,
        readsPolicies ? ["explain", t("pol.explain"), { view: "explain" }] : null,
      ].filter(Boolean)),
      section);
    if (view === "pending") return pendingView(section, ctx, canDecide);
    if (view === "explain") return explainView(section);
    const policies = (await api("GET", "/admin/v1/policies")).items ?? [];
    clear(section,
      canWrite ? h("p", {}, h("button", { type: "button", "data-test": "new-policy",
        onclick: () => ctx.navigate("policies", { view: "new" }) }, t("pol.new"))) : null,
      policyTable(policies, ctx));
  },
};
