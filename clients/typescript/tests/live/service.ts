// Start `python -m app --demo` on a free port for the live tests, and hand its URL and the emulator's to them.
import type { TestProject } from 'vitest/node'
import { startDemoService } from '../../../scripts/demo-service.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
    emulatorUrl: string
  }
}

/**
 * Wait until a result the service stores comes back from its cache. The emulator's datagroups trigger as it
 * starts (its data is loaded then), and the service counts what it stored within two seconds of a trigger as
 * already stale (its margin for Looker's whole seconds and clock skew), so for that long every query misses.
 */
async function waitForCacheHits(baseUrl: string): Promise<void> {
  const body = JSON.stringify({ model: 'thelook', view: 'orders', fields: ['orders.count'], limit: 1 })
  const ask = async () => {
    const reply = await fetch(`${baseUrl}/api/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })
    await reply.arrayBuffer()
    return reply.headers.get('X-Cache')
  }
  const deadline = Date.now() + 20_000
  while ((await ask()) !== 'HIT') {
    if (Date.now() > deadline) throw new Error('the demo service never served a result from its cache')
    await new Promise((r) => setTimeout(r, 250))
  }
}

export default async function setup(project: TestProject) {
  const service = await startDemoService()
  await waitForCacheHits(service.baseUrl).catch(async (error) => {
    await service.stop()
    throw error
  })
  project.provide('baseUrl', service.baseUrl)
  project.provide('emulatorUrl', service.emulatorUrl)
  return service.stop
}
