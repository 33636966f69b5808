// Playwright for the console's browser tests, run by ConsoleBrowserTest.cpp (ctest
// console_browser_tests), which starts the gateway and sets CONSOLE_URL, the tokens and
// SCREENSHOT_DIR (docs/console.md). The browser is Debian's chromium, never a downloaded one.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "./specs",
  testMatch: /.*\.spec\.js$/,
  // One browser, the specs one after another in file-name order: they share one gateway.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: true,
  reporter: [["list"]],
  outputDir: process.env.PLAYWRIGHT_OUTPUT_DIR ?? "/tmp/oncegate-console-test-results",
  use: {
    baseURL: process.env.CONSOLE_URL,
    testIdAttribute: "data-test",
    headless: true,
    locale: "zh-CN",
    // Dates are shown in the browser's local time: a fixed zone keeps the specs' expectations
    // and the screenshots stable.
    timezoneId: "Asia/Shanghai",
    viewport: { width: 1280, height: 800 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"],
    },
  },
});
