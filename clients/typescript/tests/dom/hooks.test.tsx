// The React hooks in jsdom, against a scripted fetch: caller-scoped keys, task polling, DELETE on unmount or cancel.
import { act, renderHook, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { QueryRequest } from '../../src/index.js'
import { useExplore, useLook, useModels, useQuery, useQueryTask } from '../../src/react.js'
import { harness, json, problem, type Handler } from './harness.js'

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

describe('useModels and useExplore', () => {
  /** Answers models and explores naming the caller whose credentials asked, so a mix-up shows. */
  function catalogue(request: Request) {
    const who = request.headers.get('Authorization')?.replace('Bearer ', '') ?? 'nobody'
    const path = new URL(request.url).pathname
    if (path === '/api/models') return json([{ name: 'thelook', label: `The Look for ${who}`, explores: [] }])
    if (path === '/api/models/thelook/explores/orders') {
      return json({ name: 'orders', label: 'Orders', description: who, dimensions: [], measures: [] })
    }
    return problem(404, 'not_found', path)
  }

  it('asks again for the new caller, and never shows the previous caller\'s models or explore', async () => {
    const user = { name: 'alice' }
    const { wrapper, props, queryClient, seen } = harness(catalogue, 'alice', () => user.name)
    const { result, rerender } = renderHook(() => ({ models: useModels(), explore: useExplore('thelook', 'orders') }), {
      wrapper,
    })
    await waitFor(() => expect(result.current.models.data?.data[0].label).toBe('The Look for alice'))
    await waitFor(() => expect(result.current.explore.data?.data.description).toBe('alice'))
    expect(seen.map((r) => new URL(r.url).pathname).sort()).toEqual(['/api/models', '/api/models/thelook/explores/orders'])

    user.name = props.caller = 'bob'
    rerender()
    expect(result.current.models.data).toBeUndefined()
    expect(result.current.explore.data).toBeUndefined()
    await waitFor(() => expect(result.current.models.data?.data[0].label).toBe('The Look for bob'))
    await waitFor(() => expect(result.current.explore.data?.data.description).toBe('bob'))
    expect(queryClient.getQueryCache().findAll({ queryKey: ['looker-proxy', 'alice'] })).toHaveLength(0)
  })

  it('gives an unknown explore as a ProblemError, not retried', async () => {
    const { wrapper, seen } = harness(catalogue)
    const { result } = renderHook(() => useExplore('thelook', 'nope'), { wrapper })
    await waitFor(() => expect(result.current.isError).toBe(true))
    expect(result.current.error).toMatchObject({ name: 'ProblemError', status: 404, code: 'not_found' })
    expect(seen).toHaveLength(1)
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
      return problem(404, 'not_found', url.pathname)
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
