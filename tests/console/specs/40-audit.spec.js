// The auditor finds the harness's requests for SUBJECT_ID in the central audit store, opens
// one, verifies the hash chain, and exports the search without the token in any URL.
import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { signIn } from "./signin.js";

const subject = process.env.SUBJECT_ID;

test("auditor searches a subject, opens a record and verifies the chain", async ({ page }) => {
  await signIn(page, process.env.TOKEN_AUDITOR);
  await page.click('[data-test="nav-audit"]');
  await page.fill('[data-test="audit-subject"]', subject);
  const rows = page.locator('[data-test="audit-row"]');
  // Records reach the central store shortly after they are written: search until they are there.
  await expect(async () => {
    await page.click('[data-test="audit-submit"]');
    await expect(rows.first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30000 });
  const count = await rows.count();
  expect(count).toBeGreaterThan(0);
  for (let i = 0; i < count; ++i) await expect(rows.nth(i)).toContainText(subject);
  await expect(rows.first()).toContainText("pension-office");

  await page.click('[data-test="open-record-0"]');
  const detail = page.locator('[data-test="record-detail"]');
  await expect(detail).toContainText(subject);
  await expect(page.locator('[data-test="record-fields"]')).toBeVisible();
  const line = JSON.parse(await page.locator('[data-test="record-json"]').innerText());
  expect(line.subject.id_no).toBe(subject);
  expect(line.client).toBe("pension-office");

  await page.click('[data-test="audit-verify"]');
  const verdict = page.locator('[data-test="verify-result"]');
  await expect(verdict).toHaveAttribute("data-intact", "true");
  await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/audit-auditor.png`, fullPage: true });

  // The export is fetched with the token in a header and saved from a blob.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click('[data-test="export-csv"]')]);
  expect(download.url()).toMatch(/^blob:/);
  const csv = await readFile(await download.path(), "utf8");
  expect(csv.split("\r\n")[0]).toContain("request_id");
  expect(csv).toContain(line.request_id);
  expect(csv).not.toContain(process.env.TOKEN_AUDITOR);
});
