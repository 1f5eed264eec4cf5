import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = (relative: string) => fileURLToPath(new URL(relative, import.meta.url))

// Built into the service's static folder and served at /demo/, so running the demo needs no Node.
export default defineConfig({
  base: '/demo/',
  resolve: {
    // The page is built from the package's sources, so a change to the client shows in the next build.
    alias: [
      { find: /^looker-proxy-client\/react$/, replacement: here('../typescript/src/react.tsx') },
      { find: /^looker-proxy-client$/, replacement: here('../typescript/src/index.ts') },
    ],
    dedupe: ['react', 'react-dom', '@tanstack/react-query'],
  },
  build: {
    outDir: here('../../app/static/demo'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
    rolldownOptions: {
      // TanStack's "use client" lines are for React Server Components, which this page does not use.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning)
      },
    },
  },
  server: {
    // `npm run dev`: the page on Vite, the API on a demo service started separately (PROXY_TARGET).
    proxy: { '/api': process.env.PROXY_TARGET ?? 'http://localhost:3000' },
  },
})
