export interface DemoService {
  baseUrl: string
  emulatorUrl: string
  stop: () => Promise<void>
}
export function startDemoService(options?: { env?: Record<string, string>; args?: string[] }): Promise<DemoService>
export function emulatorControls(emulatorUrl: string): {
  reset: () => Promise<Response>
  fault: (fault: object) => Promise<Response>
  calls: () => Promise<Record<string, number>>
}
