// The console is served by the gateway under /console/; `npm run dev` proxies the API to a
// running gateway (ONCEGATE_DEV_GATEWAY, default http://127.0.0.1:8080) for work on the pages.
import { defineConfig } from "vite";

const gateway = process.env.ONCEGATE_DEV_GATEWAY ?? "http://127.0.0.1:8080";

export default defineConfig({
  base: "/console/",
  build: {
    outDir: process.env.ONCEGATE_CONSOLE_OUT ?? "dist",
    emptyOutDir: true,
    // Files the gateway embeds: no inlined data URLs that a CSP would have to allow, and no
    // source maps shipped to browsers.
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: { "/admin/v1": gateway, "/v1": gateway },
  },
});
