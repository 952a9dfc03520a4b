import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Served by the gateway at /studio/ (services/gateway/studio.py): hashed files under
// assets/ are cached for a year, index.html never. `npm run dev` proxies the API to a
// running `make run` (the platform host; open a tenant's studio at <slug>.localhost:5173).
export default defineConfig({
  base: "/studio/",
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: false,
    target: "es2022",
    // The shell's budget is 200 KB gzipped (README); the editor will be a lazy chunk.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { "/api": { target: "http://localhost:8000", changeOrigin: false } },
  },
});
