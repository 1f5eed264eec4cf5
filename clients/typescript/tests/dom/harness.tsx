// What the jsdom tests share: a scripted fetch that records requests, and the providers around a hook.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { StrictMode, type ReactNode } from 'react'
import { vi } from 'vitest'
import { createLookerProxyClient, type LookerProxyClient } from '../../src/index.js'
import { LookerProxyProvider } from '../../src/react.js'

export type Handler = (request: Request) => Response | Promise<Response>

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

export function problem(status: number, code: string, detail = code): Response {
  const body = { type: 'about:blank', title: code, status, detail, code, request_id: 'r-test' }
  return json(body, status, { 'Content-Type': 'application/problem+json' })
}

/** A fetch that records every request and answers with the handler. */
export function scriptedFetch(handler: Handler) {
  const seen: Request[] = []
  const fake = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init)
    seen.push(request.clone()) // a copy, so a test can read a body the handler read too
    return handler(request)
  })
  return { fetch: fake as unknown as typeof fetch, seen }
}

/** A renderHook wrapper giving the hooks this client and caller (read from `props` at each render). */
export function providers(client: LookerProxyClient, props: { caller: string }, strict = false) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const wrapper = ({ children }: { children: ReactNode }) => {
    const tree = (
      <QueryClientProvider client={queryClient}>
        <LookerProxyProvider client={client} caller={props.caller}>
          {children}
        </LookerProxyProvider>
      </QueryClientProvider>
    )
    return strict ? <StrictMode>{tree}</StrictMode> : tree
  }
  return { wrapper, queryClient }
}

/** A wrapper over a scripted fetch; set `props.caller` and rerender to switch users; `strict` adds StrictMode. */
export function harness(handler: Handler, caller = 'alice', token?: () => string, strict = false) {
  const { fetch, seen } = scriptedFetch(handler)
  const client = createLookerProxyClient({ baseUrl: 'http://proxy.test', fetch, getToken: token })
  const props = { caller }
  return { ...providers(client, props, strict), seen, props }
}
