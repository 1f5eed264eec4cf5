import { defineConfig } from 'vitest/config'

// Two projects: the client against a real service started by the global setup, and the hooks in jsdom.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'live',
          include: ['tests/live/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/live/service.ts'],
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
