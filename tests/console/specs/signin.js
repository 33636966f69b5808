// Signing in through the console's form, as a person does: every spec starts here.
import { expect } from "@playwright/test";

// The roles of the test configuration (ConsoleBrowserTest.cpp): token variable, name, role.
export const roles = [
  { variable: "TOKEN_DBA", name: "dba-wang", role: "dba" },
  { variable: "TOKEN_SECURITY", name: "sec-li", role: "security_officer" },
  { variable: "TOKEN_AUDITOR", name: "aud-zhao", role: "auditor" },
  { variable: "TOKEN_REFORM", name: "reform-chen", role: "reform_office" },
  { variable: "TOKEN_ADMIN", name: "root-admin", role: "admin" },
];

// Opens the console, signs in with `token` and waits for the shell (the header naming who is
// signed in). Returns the page for chaining.
export async function signIn(page, token) {
  await page.goto(process.env.CONSOLE_URL);
  await page.getByTestId("token").fill(token);
  await page.getByTestId("signin-submit").click();
  await expect(page.getByTestId("who")).toBeVisible();
  return page;
}

// A screenshot of the whole page as SCREENSHOT_DIR/<name>.png (e.g. "sources-dba").
export async function screenshot(page, name) {
  await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/${name}.png`, fullPage: true });
}
