// Start `python -m app --demo` on a free port for a test run; shared by the client's tests and the browser test.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * Start the demo service and wait until /healthz answers; `env` adds settings (e.g. API_KEYS), `args` options
 * of `python -m app --demo` (e.g. `--embed-token-ttl 8`).
 * @param {{ env?: Record<string, string>, args?: string[] }} [options]
 * @returns {Promise<{ baseUrl: string, emulatorUrl: string, stop: () => Promise<void> }>}
 */
export async function startDemoService({ env = {}, args = [] } = {}) {
  const port = await freePort()
  const python = process.env.PYTHON || 'python'
  const child = spawn(python, ['-m', 'app', '--demo', ...args], {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), WEB_CONCURRENCY: '1', LOG_LEVEL: 'warning', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so stopping it also stops the emulator it started
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const baseUrl = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 45_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the demo service exited:\n${output}`)
    const emulator = /Looker emulator on (http:\/\/[\d.:]+)/.exec(output)
    const healthy = await fetch(`${baseUrl}/healthz`).then((r) => r.ok).catch(() => false)
    if (healthy && emulator) {
      const stop = () =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve()
          child.once('exit', () => resolve())
          process.kill(-child.pid, 'SIGTERM')
        })
      return { baseUrl, emulatorUrl: emulator[1], stop }
    }
    if (Date.now() > deadline) {
      process.kill(-child.pid, 'SIGKILL')
      throw new Error(`the demo service did not answer /healthz in time:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** The emulator's test controls (paths no real Looker has). */
export function emulatorControls(emulatorUrl) {
  return {
    reset: () => fetch(`${emulatorUrl}/__emulator/reset`, { method: 'POST' }),
    fault: (fault) =>
      fetch(`${emulatorUrl}/__emulator/faults`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(fault),
      }),
    calls: async () => (await fetch(`${emulatorUrl}/__emulator/calls`)).json(),
  }
}
