/** The API key the page sends, kept for this tab only, and whether the service has asked for one. */
import { useSyncExternalStore } from 'react'

const STORAGE = 'looker-proxy-demo.api-key'
let key = sessionStorage.getItem(STORAGE) ?? ''
let demanded = false
const listeners = new Set<() => void>()
let snapshot = { key, demanded }

function changed() {
  snapshot = { key, demanded }
  listeners.forEach((listener) => listener())
}

export const credentials = {
  current: () => key,
  set(value: string) {
    key = value.trim()
    demanded = false
    if (key) sessionStorage.setItem(STORAGE, key)
    else sessionStorage.removeItem(STORAGE)
    changed()
  },
  demand() {
    if (!demanded) {
      demanded = true
      changed()
    }
  },
  subscribe(listener: () => void) {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
}

/** Return the current key and whether a call was refused for want of one. */
export function useCredentials() {
  return useSyncExternalStore(credentials.subscribe, () => snapshot)
}

/** Name the caller without putting the key itself into query keys (FNV-1a of the key). */
export function callerOf(apiKey: string): string {
  if (!apiKey) return 'anonymous'
  let hash = 0x811c9dc5
  for (const char of apiKey) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0
  return `key:${hash.toString(16)}`
}
