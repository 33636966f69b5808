// The Sources page as the DBA: both test sources healthy; a new SQLite source registered, tested
// inline and listed with its test; never a password shown back. The security officer has no
// such page.
import { expect, test } from "@playwright/test";
import { signIn } from "./signin.js";

const shots = process.env.SCREENSHOT_DIR;
const spareId = "spare_archive";

test("the DBA sees the sources healthy, registers a spare one and tests it inline", async ({ page }) => {
  await signIn(page, process.env.TOKEN_DBA);
  await page.locator('[data-test="nav-sources"]').click();
  await expect(page.locator('[data-test="page-sources"]')).toBeVisible();
  for (const id of ["tax_bureau", "civil_registry"]) {
    await expect(page.locator(`[data-test="health-${id}"]`)).toHaveAttribute("data-health", "healthy");
    await expect(page.locator(`[data-test="breaker-${id}"]`)).not.toBeEmpty();
    // The harness asked for data, so each has query latency to show.
    await expect(page.locator(`[data-test="latency-${id}"]`)).toContainText(/p50/i);
  }

  // Register: the form tests the definition before it is saved, then saves it.
  await page.locator('[data-test="source-new"]').click();
  await page.locator('[data-test="source-id"]').fill(spareId);
  await page.locator('[data-test="source-department"]').fill("档案馆");
  await page.locator('[data-test="source-odbc"]')
    .fill(`Driver=SQLite3;Database=${process.env.SPARE_SQLITE_PATH}`);
  await page.locator('[data-test="source-form-test"]').click();
  await expect(page.locator('[data-test="source-form-test-result"] .ok')).toBeVisible();
  await page.locator('[data-test="source-save"]').click();
  await expect(page.locator('[data-test="source-form"]')).toHaveCount(0);
  const row = page.locator(`[data-test="source-${spareId}"]`);
  await expect(row).toBeVisible();
  await expect(page.locator(`[data-test="health-${spareId}"]`)).toHaveAttribute("data-health", "idle");

  // Test it where it is listed: the outcome inline, and the list remembers the test.
  await page.locator(`[data-test="test-${spareId}"]`).click();
  await expect(page.locator(`[data-test="test-result-${spareId}"] .ok`)).toBeVisible();
  await expect(page.locator(`[data-test="probe-${spareId}"]`)).not.toHaveText(/未测试|never tested/);

  // Editing shows no secret: the password input starts empty, and a blanked one may not be
  // saved back as ***.
  await page.locator('[data-test="edit-tax_bureau"]').click();
  await expect(page.locator('[data-test="source-secret"]')).toHaveValue("");
  await page.locator('[data-test="source-odbc"]').fill("Driver=SQLite3;Database=/nowhere;PWD=***");
  await page.locator('[data-test="source-save"]').click();
  await expect(page.locator('[data-test="source-odbc-problem"]')).not.toBeEmpty();
  await page.locator('[data-test="source-cancel"]').click();

  // The other connector: a PostgreSQL source on libpq, tested before it is saved and listed
  // with its connection string.
  const pgId = "spare_ledger";
  await page.locator('[data-test="source-new"]').click();
  await page.locator('[data-test="source-id"]').fill(pgId);
  await page.locator('[data-test="source-department"]').fill("公积金中心");
  await page.locator('[data-test="source-kind"]').selectOption("postgresql");
  await page.locator('[data-test="source-odbc"]').fill(process.env.SPARE_PG_CONNINFO);
  await page.locator('[data-test="source-form-test"]').click();
  await expect(page.locator('[data-test="source-form-test-result"] .ok')).toBeVisible();
  await page.locator('[data-test="source-save"]').click();
  await expect(page.locator(`[data-test="source-${pgId}"] code.connection`))
    .toHaveText(process.env.SPARE_PG_CONNINFO);
  await page.locator(`[data-test="edit-${pgId}"]`).click();
  await expect(page.locator('[data-test="source-kind"]')).toHaveValue("postgresql");
  await page.locator('[data-test="source-cancel"]').click();
  await page.locator(`[data-test="remove-${pgId}"]`).click();
  await page.locator(`[data-test="remove-${pgId}"]`).click();
  await expect(page.locator(`[data-test="source-${pgId}"]`)).toHaveCount(0);

  await page.screenshot({ path: `${shots}/sources-dba.png`, fullPage: true });

  // Leave the configuration as the other specs expect it.
  await page.locator(`[data-test="remove-${spareId}"]`).click();
  await page.locator(`[data-test="remove-${spareId}"]`).click();
  await expect(row).toHaveCount(0);
});

test("the security officer does not see the Sources page", async ({ page }) => {
  await signIn(page, process.env.TOKEN_SECURITY);
  await expect(page.locator('[data-test="who"]')).toBeVisible();
  await expect(page.locator('[data-test="nav-sources"]')).toHaveCount(0);
  await page.goto(`${process.env.CONSOLE_URL}#/sources`);
  await expect(page.locator('[data-test="who"]')).toBeVisible();
  await expect(page.locator('[data-test="page-sources"]')).toHaveCount(0);
});
