// The shell: each role signs in and sees only its pages; a bad token is refused with a message;
// sign-out forgets the token; a token that stops being valid sends the user back to sign in.
import { expect, test } from "@playwright/test";
import { roles, screenshot, signIn } from "./signin.js";

const tokenKey = "oncegate.token";

// What the gateway says the role may do (the same answer the console reads).
async function sessionOf(request, token) {
  const answer = await request.get(`${process.env.GATEWAY_URL}/admin/v1/session`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(answer.status()).toBe(200);
  return answer.json();
}

// The pages in the navigation: id -> the kinds that show it.
async function navigation(page) {
  const links = page.locator("[data-test^=nav-]");
  const shown = {};
  for (const link of await links.all()) {
    const id = (await link.getAttribute("data-test")).slice("nav-".length);
    shown[id] = ((await link.getAttribute("data-kinds")) ?? "").split(",").filter(Boolean);
  }
  return shown;
}

// Pages the contract keeps from a role, whatever kinds they read (docs/console.md).
const never = {
  dba: ["policies", "audit", "sharing"],
  security_officer: ["sources", "catalogue", "audit"],
  reform_office: ["sources", "catalogue", "policies", "audit"],
  auditor: [],
  admin: [],
};

test("the sign-in form comes first, in Chinese, and switches to English", async ({ page }) => {
  await page.goto(process.env.CONSOLE_URL);
  await expect(page.getByTestId("signin")).toBeVisible();
  await expect(page.getByTestId("signin-submit")).toHaveText("登录");
  await screenshot(page, "signin-anonymous");
  await page.getByTestId("locale").click();
  await expect(page.getByTestId("signin-submit")).toHaveText("Sign in");
  await page.getByTestId("locale").click();
  await expect(page.getByTestId("signin-submit")).toHaveText("登录");
});

for (const { variable, name, role } of roles) {
  test(`${role} signs in and sees only its pages`, async ({ page, request }) => {
    const token = process.env[variable];
    expect(token, `${variable} (the harness sets a token of every role)`).toBeTruthy();
    await signIn(page, token);
    await expect(page.getByTestId("who-name")).toHaveText(name);
    await expect(page.getByTestId("who-role")).toHaveAttribute("data-role", role);
    // Never in a URL: only in this tab's sessionStorage.
    expect(page.url()).not.toContain(token);
    expect(await page.evaluate((key) => sessionStorage.getItem(key), tokenKey)).toBe(token);
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain(token);

    const session = await sessionOf(request, token);
    expect(session.role).toBe(role);
    const shown = await navigation(page);
    for (const [id, kinds] of Object.entries(shown)) {
      // A page is shown only when the role may use one of the kinds it names.
      expect(kinds.some((kind) => (session.may[kind] ?? "none") !== "none"), id).toBe(true);
    }
    for (const id of never[role]) expect(Object.keys(shown), id).not.toContain(id);
    if (Object.keys(shown).length === 0) {
      await expect(page.getByTestId("no-pages")).toBeVisible();
    } else {
      await expect(page.locator("main[data-test^=page-]")).toBeVisible();
    }
    await screenshot(page, `signin-${role}`);
  });
}

test("a bad token is refused with a message and not kept", async ({ page }) => {
  await page.goto(process.env.CONSOLE_URL);
  await page.getByTestId("token").fill("not-a-valid-token");
  await page.getByTestId("signin-submit").click();
  await expect(page.getByTestId("signin-problem")).toContainText("令牌无效");
  await expect(page.getByTestId("who")).toHaveCount(0);
  expect(await page.evaluate((key) => sessionStorage.getItem(key), tokenKey)).toBeNull();
  expect(page.url()).not.toContain("not-a-valid-token");
  await screenshot(page, "signin-refused");
});

test("sign-out clears the token from sessionStorage", async ({ page }) => {
  await signIn(page, process.env.TOKEN_AUDITOR);
  await page.getByTestId("signout").click();
  await expect(page.getByTestId("signin")).toBeVisible();
  await expect(page.getByTestId("signin-notice")).toBeVisible();
  expect(await page.evaluate((key) => sessionStorage.getItem(key), tokenKey)).toBeNull();
  // A reload stays signed out.
  await page.reload();
  await expect(page.getByTestId("signin")).toBeVisible();
});

test("the header speaks English after the switch and keeps the role", async ({ page }) => {
  await signIn(page, process.env.TOKEN_DBA);
  await expect(page.getByTestId("signout")).toHaveText("退出");
  await page.getByTestId("locale").click();
  await expect(page.getByTestId("signout")).toHaveText("Sign out");
  await expect(page.getByTestId("who-role")).toHaveText("DBA");
  await page.getByTestId("locale").click();
  await expect(page.getByTestId("who-role")).toHaveText("数据库管理员");
});

test("a token that stops being valid ends the session with a message", async ({ page }) => {
  await signIn(page, process.env.TOKEN_ADMIN);
  // As if the token were revoked at a reload: the next call the console makes is refused 401.
  await page.evaluate((key) => sessionStorage.setItem(key, "revoked-token"), tokenKey);
  await page.reload();
  await expect(page.getByTestId("signin-problem")).toContainText("令牌无效");
  expect(await page.evaluate((key) => sessionStorage.getItem(key), tokenKey)).toBeNull();

  // While a page is open: the page's call is answered 401 and the shell says the session ended.
  await signIn(page, process.env.TOKEN_ADMIN);
  const shown = Object.keys(await navigation(page));
  expect(shown.length).toBeGreaterThan(0);
  await page.evaluate((key) => sessionStorage.setItem(key, "revoked-token"), tokenKey);
  // Any route renders a page again (an unknown one the first page), which calls the gateway.
  await page.evaluate(() => { window.location.hash = `#/again-${Date.now()}`; });
  await expect(page.getByTestId("signin-expired")).toBeVisible();
  expect(await page.evaluate((key) => sessionStorage.getItem(key), tokenKey)).toBeNull();
  await screenshot(page, "signin-expired");
});
