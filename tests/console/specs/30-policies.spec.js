// The security officer stops granting tax.employer to the pension office through the console,
// sees it denied on /v1/resolve, finds the change in the history's diff, rolls it back and sees
// it served again; an invalid edit shows its problem beside the line at fault and changes nothing.
import { expect, test } from "@playwright/test";
import { signIn } from "./signin.js";

const gateway = process.env.GATEWAY_URL;
const policyUrl = `${gateway}/admin/v1/policies/pension-grants`;
const officer = { Authorization: `Bearer ${process.env.TOKEN_SECURITY}` };

// What /v1/resolve answers the pension office for tax.employer now.
async function employerStatus(request) {
  const answer = await request.post(`${gateway}/v1/resolve`, {
    headers: { Authorization: `Bearer ${process.env.CLIENT_KEY}` },
    data: { purpose: "pension", subject: { type: "citizen", id_no: process.env.SUBJECT_ID },
            fields: ["tax.employer", "civil.full_name"] },
  });
  expect(answer.status()).toBe(200);
  const body = await answer.json();
  expect(body.fields["civil.full_name"].status).toBe("ok");
  return body.fields["tax.employer"].status;
}

test("security officer edits, publishes, compares and rolls back pension-grants", async ({ page, request }) => {
  expect(await employerStatus(request)).toBe("ok");
  const before = await (await request.get(policyUrl, { headers: officer })).json();

  await signIn(page, process.env.TOKEN_SECURITY);
  await page.click('[data-test="nav-policies"]');
  await page.click('[data-test="open-pension-grants"]');
  const editor = page.locator('[data-test="policy-yaml"]');
  await expect(editor).toHaveValue(/^id: pension-grants$/m);
  const original = await editor.inputValue();
  expect(original).not.toMatch(/^deny:/m);
  await editor.fill(original + "deny:\n  - tax.employer\n");
  await page.fill('[data-test="change-comment"]', "stop sharing the employer");

  // The draft's impact on the requests already audited, before anything is published.
  // The request just made is among those replayed once the trail holds it.
  await expect(async () => {
    await page.click('[data-test="impact"]');
    await expect(page.locator('[data-test="impact-changes"]')).toContainText("tax.employer", { timeout: 1000 });
  }).toPass({ timeout: 15000 });
  await expect(page.locator('[data-test="impact-counts"]')).not.toContainText(/新拒绝 0|newly denied 0/);
  expect(await employerStatus(request)).toBe("ok");

  await page.click('[data-test="publish"]');
  await expect(page.locator('[data-test="publish-result"]')).toBeVisible();
  expect(await employerStatus(request)).toBe("denied");

  // History: newest against the one before, side by side; the deny is the lines added.
  await page.click('[data-test="tab-history"]');
  await expect(page.locator('[data-test="history"]')).toBeVisible();
  const added = page.locator('[data-test="diff"] [data-test="diff-added"]');
  await expect(added.first()).toBeVisible();
  await expect(page.locator('[data-test="diff"]')).toContainText("tax.employer");
  expect(await added.allInnerTexts()).toEqual(expect.arrayContaining([expect.stringContaining("tax.employer")]));
  await expect(page.locator('[data-test="history"]')).toContainText("stop sharing the employer");
  await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/policies-security.png`, fullPage: true });

  // Roll back to the version before the change (the first one offered: newest first).
  await page.locator('button[data-test^="rollback-"]').first().click();
  await expect(page.locator('[data-test="rollback-result"]')).toBeVisible();
  expect(await employerStatus(request)).toBe("ok");
  const rolledBack = await (await request.get(policyUrl, { headers: officer })).json();
  expect(rolledBack).toEqual(before);

  // An invalid edit: a misspelt key. The reason stands beside its line; nothing changes.
  await page.click('[data-test="tab-edit"]');
  await expect(editor).toHaveValue(/^allow:/m);
  const lines = (await editor.inputValue()).split("\n");
  const at = lines.findIndex((line) => line.startsWith("allow:"));
  lines[at] = lines[at].replace(/^allow:/, "alow:");
  await editor.fill(lines.join("\n"));
  await page.click('[data-test="publish"]');
  const note = page.locator(`[data-test="line-note-${at + 1}"]`);
  await expect(note).toContainText("alow");
  await expect(page.locator('[data-test="line-notes"] [data-line]')).toHaveCount(1);
  await expect(page.locator('[data-test="problem"]')).toBeVisible();
  expect(await (await request.get(policyUrl, { headers: officer })).json()).toEqual(before);
  expect(await employerStatus(request)).toBe("ok");
});
