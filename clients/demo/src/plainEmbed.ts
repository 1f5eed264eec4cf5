/**
 * Cookieless embedding driven by the page itself, for a Looker reached over plain HTTP (the bundled emulator).
 *
 * `@looker/embed-sdk` always opens `https://<host>/...`, which the emulator does not serve, so for an http
 * Looker this module plays the SDK's part of the same protocol: it builds the IFRAME's login URL from the
 * acquired tokens exactly as the SDK does, answers the IFRAME's handshake (chatty: Syn 0, SynAck 0, Ack 1,
 * Message 1/2, Response 4 over a MessageChannel port), and answers each `session:tokens:request` with the
 * acquired tokens first and fresh ones (PUT /api/embed/cookieless/tokens) after. A real Looker is https and
 * gets the SDK.
 */
import type { CookielessSession, CookielessTokens } from 'looker-proxy-client'

type Tokens = Pick<CookielessTokens, 'api_token' | 'api_token_ttl' | 'navigation_token' | 'navigation_token_ttl' | 'session_reference_token_ttl'>

export interface PlainEmbedOptions {
  lookerUrl: string
  /** The content's embed path, e.g. `/embed/dashboards/1`. */
  path: string
  container: HTMLElement
  acquire: () => Promise<CookielessSession>
  generate: (held: Tokens) => Promise<CookielessTokens>
  /** Told every event the embedded page sends (`page:changed`, `session:status`...). */
  onEvent?: (name: string, event: Record<string, unknown>) => void
  /** Told each time fresh tokens were handed to the embedded page. */
  onRefresh?: () => void
}

const CHATTY = { syn: 0, synAck: 0, ack: 1, message: 1, messageWithResponse: 2, response: 4 } as const

function only(tokens: Tokens): Tokens {
  const { api_token, api_token_ttl, navigation_token, navigation_token_ttl, session_reference_token_ttl } = tokens
  return { api_token, api_token_ttl, navigation_token, navigation_token_ttl, session_reference_token_ttl }
}

/** Embed content over the cookieless protocol; returns a function that takes the IFRAME down again. */
export async function embedPlain(options: PlainEmbedOptions): Promise<() => void> {
  const { lookerUrl, path, container } = options
  const acquired = await options.acquire()
  let held: Tokens | null = null // what the embedded page was last given
  const src = `${path}?embed_domain=${encodeURIComponent(window.location.origin)}&sdk=3&embed_navigation_token=${acquired.navigation_token}`
  const frame = document.createElement('iframe')
  frame.className = 'embed-frame'
  frame.src = `${lookerUrl}/login/embed/${encodeURIComponent(src)}?embed_authentication_token=${acquired.authentication_token}`
  let port: MessagePort | null = null

  const send = (eventName: string, payload: unknown) =>
    port?.postMessage({ action: CHATTY.message, data: { eventName, payload: [payload] } })

  async function tokensRequested() {
    let next: Tokens
    try {
      next = held === null ? only(acquired) : only(await options.generate(held))
    } catch {
      // As the SDK does when it could not get tokens: the page shows its interrupted state and asks again.
      send('session:tokens', { api_token: undefined, navigation_token: undefined, session_reference_token_ttl: undefined })
      return
    }
    const fresh = held !== null
    held = next
    send('session:tokens', next)
    if (fresh) options.onRefresh?.()
  }

  function onPortMessage(message: MessageEvent) {
    const { action, data } = (message.data ?? {}) as { action?: number; data?: { eventName?: string; payload?: unknown[]; sequence?: number } }
    if (action !== CHATTY.message && action !== CHATTY.messageWithResponse) return
    const name = data?.eventName ?? ''
    const event = (data?.payload?.[0] ?? {}) as Record<string, unknown>
    options.onEvent?.(name, event)
    if (name === 'session:tokens:request') void tokensRequested()
    if (action === CHATTY.messageWithResponse) {
      port?.postMessage({ action: CHATTY.response, data: { eventName: name, payload: [], sequence: data?.sequence } })
    }
  }

  const origin = new URL(lookerUrl).origin
  function onWindowMessage(message: MessageEvent) {
    if (message.source !== frame.contentWindow || message.origin !== origin) return
    if ((message.data as { action?: number })?.action !== CHATTY.syn || !message.ports[0]) return
    port?.close()
    port = message.ports[0]
    port.onmessage = onPortMessage
    port.postMessage({ action: CHATTY.synAck, data: {} })
  }

  window.addEventListener('message', onWindowMessage)
  container.replaceChildren(frame)
  return () => {
    window.removeEventListener('message', onWindowMessage)
    port?.close()
    frame.remove()
  }
}
