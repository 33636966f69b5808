// The README's pictures of the console: each demo role's first page, signed in through the form,
// from a running demo (scripts/demo.sh, after its retirement prefill). Debian's chromium, driven by
// the console's own Playwright (console/node_modules).
//   node scripts/console-screenshots.mjs [http://127.0.0.1:8080/console/] [docs/screenshots]
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "console", "package.json"));
const { chromium } = require("@playwright/test");

const url = process.argv[2] ?? "http://127.0.0.1:8080/console/";
const out = process.argv[3] ?? join(root, "docs", "screenshots");
// The demo's tokens (config/gateway.yaml) and the page each role lands on.
const roles = [
  { file: "dba-sources", token: "demo-dba-token-wang" },
  { file: "security-officer-policies", token: "demo-officer-token-li" },
  { file: "auditor-audit", token: "demo-auditor-token-zhao", page: "audit" },
  { file: "reform-office-sharing", token: "demo-reform-token-chen" },
];

mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  for (const role of roles) {
    const context = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai",
                                               viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('[data-test="token"]').fill(role.token);
    await page.locator('[data-test="signin-submit"]').click();
    await page.locator('[data-test="who"]').waitFor();
    if (role.page) await page.evaluate((id) => { window.location.hash = `#/${id}`; }, role.page);
    await page.waitForLoadState("networkidle");
    await page.screenshot({ path: join(out, `${role.file}.png`) });
    console.log(`${role.file}.png`);
    await context.close();
  }
} finally {
  await browser.close();
}
