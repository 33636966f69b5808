// The sharing dashboard against the real gateway: the reform office sees this page and nothing
// else, and what the page shows is what GET /admin/v1/reports/sharing answers for the same period
// (fetched here with the same token); the consistency check renders with masked subjects only.
import { expect, test } from "@playwright/test";
import { signIn } from "./signin.js";

const gateway = process.env.GATEWAY_URL;
const shots = process.env.SCREENSHOT_DIR;
const counters = ["requests", "fields_asked", "fields_served", "served_from_cache", "denied",
                  "not_found", "unavailable", "verify_only", "unknown_field", "form_fields",
                  "documents_spared"];

// The console's rate format (i18n.js fmtRate): one decimal, "83.3%".
const rate = (value) => (Math.round(value * 1000) / 10).toFixed(1) + "%";
// A count as the page prints it (zh-CN groups thousands with commas).
const count = (text) => Number(text.replace(/[,\s]/g, ""));

async function sharingReport(request, token, query) {
  const answer = await request.get(`${gateway}/admin/v1/reports/sharing`, {
    params: query,
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(answer.status()).toBe(200);
  return answer.json();
}

// The report the page drew: it states its period and grouping on the range line.
async function shownReport(page, request, token) {
  await expect(page.locator('[data-test="sharing-report"][data-ready="true"]')).toBeVisible();
  const range = page.locator('[data-test="sharing-range"]');
  const query = {
    from: await range.getAttribute("data-from"),
    to: await range.getAttribute("data-to"),
    by: await range.getAttribute("data-by"),
  };
  return sharingReport(request, token, query);
}

async function expectRow(row, group) {
  for (const name of counters) {
    const shown = await row.locator(`[data-test="cell-${name}"]`).textContent();
    expect(count(shown), name).toBe(group[name]);
  }
  await expect(row.locator('[data-test="cell-sharing_rate"]')).toHaveText(rate(group.sharing_rate));
}

// Reform office: a text box (it may not list fields); others: a list of the indicators in force.
async function checkConsistency(page, indicator) {
  const input = page.locator('[data-test="consistency-indicator"]');
  if ((await input.evaluate((node) => node.tagName)) === "SELECT") {
    await input.selectOption(indicator);
  } else {
    await input.fill(indicator);
  }
  await page.locator('[data-test="consistency-run"]').click();
  await expect(page.locator('[data-test="consistency-authoritative"]'))
    .toContainText("civil.full_name");
  const row = page.locator('[data-test="consistency-row"][data-field="tax.full_name"]');
  await expect(row).toBeVisible();
  await expect(row.locator('[data-test="cell-agreement_rate"]')).toHaveText(/^\d+\.\d%$/);
  const subjects = page.locator('[data-test="disagreement-row"] td:first-child');
  for (const subject of await subjects.allTextContents()) {
    expect(subject).toMatch(/^\*+[0-9X]{4}$/);
  }
  await expect(page.locator("main")).not.toContainText(process.env.SUBJECT_ID);
}

test("the reform office sees the sharing dashboard only, with the report's figures", async ({
  page,
  request,
}) => {
  const token = process.env.TOKEN_REFORM;
  expect(token, "TOKEN_REFORM (the harness sets a token of every role)").toBeTruthy();
  const urls = [];
  page.on("request", (sent) => urls.push(sent.url()));
  await signIn(page, token);
  await expect(page.locator("header nav a")).toHaveCount(1);
  await expect(page.locator('[data-test="nav-sharing"]')).toBeVisible();
  await page.goto(process.env.CONSOLE_URL + "#/audit");
  await expect(page.locator('[data-test="page-sharing"]')).toBeVisible();

  const report = await shownReport(page, request, token);
  expect(report.by).toBe("form");
  const claim = report.groups.find((group) => group.key === "pension_claim");
  expect(claim, "the harness's prefills of pension_claim are in the report").toBeTruthy();
  expect(claim.requests).toBeGreaterThan(0);
  // Six entries, one supplied by the applicant: every prefill counts the form's six.
  expect(claim.form_fields).toBe(6 * claim.requests);
  await expectRow(page.locator('[data-test="group-row"][data-key="pension_claim"]'), claim);
  await expectRow(page.locator('[data-test="total-row"]'), report.totals);
  await expect(page.locator('[data-test="total-rate"]'))
    .toHaveText(rate(report.totals.sharing_rate));
  for (const document of claim.documents) {
    const row = page.locator('[data-test="document-row"][data-form="pension_claim"]' +
                             `[data-document="${document.document}"]`);
    await expect(row.locator('[data-test="cell-spared"]')).toHaveText(String(document.spared));
  }
  await expect(page.locator('[data-test="chart-form"]')).toBeVisible();
  await expect(page.locator('[data-test="chart-department"]')).toBeVisible();
  await expect(page.locator('[data-test="chart-time"]')).toBeVisible();

  // The CSV comes through fetch and a blob: the token is in no URL the page asked for.
  const [download] = await Promise.all([page.waitForEvent("download"),
                                        page.locator('[data-test="csv"]').click()]);
  const csv = await (await import("node:fs/promises")).readFile(await download.path(), "utf8");
  const lines = csv.split(/\r?\n/);
  expect(lines[0].replace(/^\uFEFF/, "").trim())
    .toBe("key,label,requests,fields_asked,fields_served,served_from_cache,denied,not_found," +
          "unavailable,verify_only,unknown_field,form_fields,sharing_rate,documents_spared");
  const claimLine = lines.find((line) => line.startsWith("pension_claim,"));
  expect(claimLine?.split(",")[2], "the CSV's pension_claim requests").toBe(String(claim.requests));
  expect(urls.filter((url) => url.includes(token))).toEqual([]);

  await checkConsistency(page, "citizen.name");
  await page.screenshot({ path: `${shots}/sharing-reform.png`, fullPage: true });
});

test("the auditor groups the report by department and checks an indicator", async ({
  page,
  request,
}) => {
  const token = process.env.TOKEN_AUDITOR;
  await signIn(page, token);
  await page.locator('[data-test="nav-sharing"]').click();
  await expect(page.locator('[data-test="page-sharing"]')).toBeVisible();
  await expect(page.locator('[data-test="sharing-report"][data-ready="true"]')).toBeVisible();
  await page.locator('[data-test="by"]').selectOption("department");
  await expect(page.locator('[data-test="sharing-range"][data-by="department"]')).toBeVisible();
  const report = await shownReport(page, request, token);
  const department = report.groups.find((group) => group.key === "人力社保局");
  expect(department, "the pension office's department is in the report").toBeTruthy();
  await expectRow(page.locator('[data-test="group-row"][data-key="人力社保局"]'), department);
  await expect(page.locator('[data-test="total-rate"]'))
    .toHaveText(rate(report.totals.sharing_rate));

  await checkConsistency(page, "citizen.name");
  await page.screenshot({ path: `${shots}/sharing-auditor.png`, fullPage: true });
});
