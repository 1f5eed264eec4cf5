import { defineConfig } from 'vitest/config'

// Two projects: the client and its hooks against a real service started by the global setup (hooks.test.tsx runs
// in jsdom there), and the hooks in jsdom against scripted answers.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'live',
          include: ['tests/live/**/*.test.{ts,tsx}'],
          environment: 'node',
          globalSetup: ['tests/live/service.ts'],
          // One service and one emulator for all files, and the emulator's faults hold for every caller: one file at a time.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'dom',
          include: ['tests/dom/**/*.test.{ts,tsx}'],
          environment: 'jsdom',
        },
      },
    ],
  },
})
