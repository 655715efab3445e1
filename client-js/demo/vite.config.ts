// The demo page, served by `peregrine demo` at /demo/ (built into demo/dist),
// GraphiQL and the explorer (also served at /). Asset URLs are absolute
// (/demo/assets/...), so a page works from any URL the server gives it.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const src = (file: string) => fileURLToPath(new URL(`../src/${file}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/demo/",
  plugins: [react()],
  resolve: {
    alias: [
      { find: /^@peregrine\/client\/react$/, replacement: src("react.ts") },
      { find: /^@peregrine\/client$/, replacement: src("index.ts") },
    ],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2017",
    rollupOptions: {
      // The demo, GraphiQL for /graphql (the server redirects to it) and the explorer.
      input: {
        main: fileURLToPath(new URL("index.html", import.meta.url)),
        graphiql: fileURLToPath(new URL("graphiql.html", import.meta.url)),
        explorer: fileURLToPath(new URL("explorer.html", import.meta.url)),
      },
    },
  },
  server: {
    // `npm run dev:demo` next to `cargo run --release` (port 8080).
    proxy: { "/model.json": "http://127.0.0.1:8080", "/graphql": "http://127.0.0.1:8080", "/routes": "http://127.0.0.1:8080" },
  },
});
