// Start `python -m app --demo` on a free port for the live tests, and hand its URL and the emulator's to them.
import type { TestProject } from 'vitest/node'
import { startDemoService } from '../../../scripts/demo-service.mjs'

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string
    emulatorUrl: string
  }
}

export default async function setup(project: TestProject) {
  const service = await startDemoService()
  project.provide('baseUrl', service.baseUrl)
  project.provide('emulatorUrl', service.emulatorUrl)
  return service.stop
}
