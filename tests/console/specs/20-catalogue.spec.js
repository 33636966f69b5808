// The Catalogue page as the DBA: search a field, open its sheet, see its indicator and the
// policies that grant it, and dry-run its dataset for one subject.
import { expect, test } from "@playwright/test";
import { signIn } from "./signin.js";

test("the DBA finds a field, sees its grants and indicator, and dry-runs it", async ({ page }) => {
  await signIn(page, process.env.TOKEN_DBA);
  await page.locator('[data-test="nav-catalogue"]').click();
  await expect(page.locator('[data-test="page-catalogue"]')).toBeVisible();
  await expect(page.locator('[data-test="field-tax.employer"]')).toBeVisible();

  await page.locator('[data-test="catalogue-search"]').fill("full_name");
  await expect(page.locator('[data-test="field-civil.full_name"]')).toBeVisible();
  await expect(page.locator('[data-test="field-tax.full_name"]')).toBeVisible();
  await expect(page.locator('[data-test="field-tax.employer"]')).toHaveCount(0);
  await page.locator('[data-test="field-civil.full_name"]').click();

  await expect(page.locator('[data-test="field-sheet"]')).toBeVisible();
  await expect(page.locator('[data-test="field-dataset"]')).toHaveText("civil.person");
  await expect(page.locator('[data-test="field-query"]')).toContainText("SELECT");
  await expect(page.locator('[data-test="field-indicator"]')).toContainText("citizen.name");
  await expect(page.locator('[data-test="field-indicator"] .authoritative')).toBeVisible();
  const grant = page.locator('[data-test="grant-pension-grants-pension-office-pension"]');
  await expect(grant).toBeVisible();
  await expect(grant).toContainText("人力社保局");

  await page.locator('[data-test="dryrun-subject"]').fill(process.env.SUBJECT_ID);
  await page.locator('[data-test="dryrun-run"]').click();
  await expect(page.locator('[data-test="dryrun-outcome"]').last())
    .toHaveAttribute("data-outcome", "found");
  await expect(page.locator('[data-test="dryrun-this-field"]')).toBeVisible();
  await expect(page.locator('[data-test="dryrun-this-field"] td').last()).not.toHaveText("null");

  await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/catalogue-dba.png`, fullPage: true });
});
