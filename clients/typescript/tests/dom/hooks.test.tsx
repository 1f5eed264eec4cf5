// The React hooks in jsdom, against a scripted fetch: caller-scoped keys, task polling, DELETE on unmount or cancel.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, renderHook, waitFor } from '@testing-library/react'
import type { ReactNode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLookerProxyClient, type QueryRequest } from '../../src/index.js'
import { LookerProxyProvider, useLook, useQuery, useQueryTask } from '../../src/react.js'

type Handler = (request: Request) => Response | Promise<Response>

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

/** A fetch that records every request and answers with the handler. */
function scriptedFetch(handler: Handler) {
  const seen: Request[] = []
  const fake = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init)
    seen.push(request)
    return handler(request)
  })
  return { fetch: fake as unknown as typeof fetch, seen }
}

function harness(handler: Handler, caller = 'alice', token?: () => string) {
  const { fetch, seen } = scriptedFetch(handler)
  const client = createLookerProxyClient({ baseUrl: 'http://proxy.test', fetch, getToken: token })
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  const props = { caller }
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>
      <LookerProxyProvider client={client} caller={props.caller}>
        {children}
      </LookerProxyProvider>
    </QueryClientProvider>
  )
  return { wrapper, seen, queryClient, props }
}

const BODY: QueryRequest = { model: 'thelook', view: 'orders', fields: ['orders.count'] }

afterEach(() => vi.useRealTimers())

describe('useQuery and useLook', () => {
  it('sends the token function answer and exposes "data as of" from Age', async () => {
    const { wrapper, seen } = harness(
      () => json([{ 'orders.count': 7 }], 200, { 'X-Cache': 'HIT', Age: '120', 'Cache-Status': 'looker-proxy; hit; ttl=3480' }),
      'alice',
      () => 'jwt-for-alice',
    )
    const { result } = renderHook(() => useQuery(BODY), { wrapper })
    await waitFor(() => expect(result.current.isSuccess).toBe(true))
    expect(result.current.data!.data).toEqual([{ 'orders.count': 7 }])
    const meta = result.current.data!.meta
    expect(meta.cache).toBe('HIT')
    expect(meta.ttl).toBe(3480)
    expect(meta.receivedAt.getTime() - meta.asOf!.getTime()).toBe(120_000)
    expect(seen[0].headers.get('Authorization')).toBe('Bearer jwt-for-alice')
    expect(seen[0].method).toBe('POST')
  })

  it('never shows the previous caller\'s rows after a user switch', async () => {
    let release: () => void = () => {}
    const user = { name: 'alice' }
    const { wrapper, props, queryClient } = harness(
      async (request) => {
        const who = request.headers.get('Authorization')?.replace('Bearer ', '')
        if (who === 'bob') await new Promise<void>((r) => (release = r))
        return json([{ owner: who }])
      },
      'alice',
      () => user.name,
    )
    const { result, rerender } = renderHook(() => useLook(1), { wrapper })
    await waitFor(() => expect(result.current.data?.data).toEqual([{ owner: 'alice' }]))
    user.name = props.caller = 'bob'
    rerender()
    await waitFor(() => expect(result.current.isPending).toBe(true))
    expect(result.current.data).toBeUndefined()
    expect(queryClient.getQueryCache().findAll({ queryKey: ['looker-proxy', 'alice'] })).toHaveLength(0)
    act(() => release())
    await waitFor(() => expect(result.current.data?.data).toEqual([{ owner: 'bob' }]))
  })
})

describe('useQueryTask', () => {
  function taskServer(pendingPolls: number) {
    let polls = 0
    const handler: Handler = (request) => {
      const url = new URL(request.url)
      if (request.method === 'POST' && url.pathname === '/api/query_tasks') {
        return json({ id: 't1', status: 'added' }, 202, { Location: '/api/query_tasks/t1', 'Retry-After': '0.02' })
      }
      if (request.method === 'GET' && url.pathname === '/api/query_tasks/t1/results') {
        polls += 1
        if (polls <= pendingPolls) return json({ id: 't1', status: 'running' }, 202, { 'Retry-After': '0.02' })
        return json([{ 'orders.count': 42 }], 200, { 'X-Cache': 'MISS' })
      }
      if (request.method === 'DELETE' && url.pathname === '/api/query_tasks/t1') return new Response(null, { status: 204 })
      return json({ status: 404, code: 'not_found', title: 'Not Found', detail: url.pathname, type: '', request_id: null }, 404)
    }
    return handler
  }

  it('polls each 202 at its Retry-After until the rows arrive', async () => {
    const { wrapper, seen } = harness(taskServer(2))
    const { result } = renderHook(() => useQueryTask(BODY), { wrapper })
    await waitFor(() => expect(result.current.isSuccess).toBe(true))
    expect(result.current.data!.data).toEqual([{ 'orders.count': 42 }])
    expect(result.current.progress).toMatchObject({ id: 't1', status: 'complete', polls: 3 })
    expect(seen.filter((r) => r.method === 'DELETE')).toHaveLength(0)
  })

  it('deletes the task when the component unmounts before it is done', async () => {
    const { wrapper, seen } = harness(taskServer(1000))
    const { result, unmount } = renderHook(() => useQueryTask(BODY), { wrapper })
    await waitFor(() => expect(result.current.progress?.status).toBe('running'))
    unmount()
    await waitFor(() => expect(seen.some((r) => r.method === 'DELETE' && r.url.endsWith('/api/query_tasks/t1'))).toBe(true))
  })

  it('cancel() stops polling, deletes the task and reports it killed', async () => {
    const { wrapper, seen } = harness(taskServer(1000))
    const { result } = renderHook(() => useQueryTask(BODY), { wrapper })
    await waitFor(() => expect(result.current.progress?.status).toBe('running'))
    await act(() => result.current.cancel())
    await waitFor(() => expect(seen.some((r) => r.method === 'DELETE')).toBe(true))
    expect(result.current.progress?.status).toBe('killed')
    const pollsAtCancel = seen.length
    await new Promise((r) => setTimeout(r, 100))
    expect(seen.length).toBe(pollsAtCancel)
  })
})
