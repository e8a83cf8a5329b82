import { defineConfig } from "vitest/config";

// Preact without a plugin: esbuild compiles JSX with Preact's automatic runtime.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, target: "es2022" },
  server: {
    // `npm run dev` proxies gRPC-Web to a running server (SWITCHBOARD_URL, default :8080).
    proxy: { "/switchboard.v1.": { target: process.env.SWITCHBOARD_URL ?? "http://127.0.0.1:8080", changeOrigin: true } },
  },
  test: { include: ["test/**/*.test.ts"], environment: "node" },
});
