// useRender and useEmbedUrl in jsdom, against a scripted fetch: polling, Blobs and object URLs, single-use URLs.
import { focusManager, onlineManager } from '@tanstack/react-query'
import { act, renderHook, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useEmbedUrl, useRender } from '../../src/react.js'
import { harness, json, problem, type Handler } from './harness.js'

const PDF = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37]) // %PDF-1.7

/** A render service: every render is pending for `pendingPolls` polls of its file, then done (or failing). */
function renderServer({ pendingPolls = 1, fail = false } = {}) {
  let renders = 0
  const polls = new Map<string, number>()
  const handler: Handler = async (request) => {
    const url = new URL(request.url)
    if (request.method === 'POST' && url.pathname === '/api/renders') {
      const body = (await request.json()) as { dashboard: string }
      if (body.dashboard === '999') return problem(404, 'not_found', 'Looker found nothing for dashboard 999.')
      renders += 1
      const id = `r${renders}`
      return json({ id, status: 'pending' }, 202, { Location: `/api/renders/${id}`, 'Retry-After': '0.02' })
    }
    const file = /^\/api\/renders\/(r\d+)\/file$/.exec(url.pathname)
    if (request.method === 'GET' && file) {
      const count = (polls.get(file[1]) ?? 0) + 1
      polls.set(file[1], count)
      if (count <= pendingPolls) return json({ id: file[1], status: 'rendering' }, 202, { 'Retry-After': '0.02' })
      if (fail) return problem(502, 'looker_error', 'The render failed: the database went away')
      return new Response(PDF, {
        headers: {
          'Content-Type': 'application/pdf',
          'Content-Disposition': `attachment; filename="Business Pulse.pdf"; filename*=UTF-8''Business%20Pulse%20%E2%80%93%20${file[1]}.pdf`,
          ETag: `"${file[1]}"`,
        },
      })
    }
    return problem(404, 'not_found', url.pathname)
  }
  return handler
}

let made = 0
beforeEach(() => {
  made = 0
  vi.spyOn(URL, 'createObjectURL').mockImplementation(() => `blob:http://proxy.test/${++made}`)
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined)
})
afterEach(() => {
  vi.restoreAllMocks()
  focusManager.setFocused(undefined)
  onlineManager.setOnline(true)
})

const revoked = () => vi.mocked(URL.revokeObjectURL).mock.calls.map(([url]) => url)
const posts = (seen: Request[]) => seen.filter((r) => r.method === 'POST')

describe('useRender', () => {
  it('starts, polls at Retry-After, and gives the Blob, its filename and an object URL', async () => {
    const { wrapper, seen } = harness(renderServer({ pendingPolls: 2 }))
    const { result } = renderHook(() => useRender(), { wrapper })
    expect(result.current).toMatchObject({ status: 'idle', progress: null, blob: null, url: null })
    let file: Awaited<ReturnType<typeof result.current.start>>
    await act(async () => {
      file = await result.current.start(1, { format: 'pdf', filters: { Status: 'complete' } })
    })
    expect(file!.filename).toBe('Business Pulse – r1.pdf') // filename* (UTF-8) wins over the ASCII filename
    await waitFor(() => expect(result.current.url).toBe('blob:http://proxy.test/1'))
    expect(result.current).toMatchObject({ status: 'success', isSuccess: true, filename: 'Business Pulse – r1.pdf', error: null })
    expect(result.current.progress).toMatchObject({ id: 'r1', status: 'success', polls: 3 })
    const bytes = new Uint8Array(await result.current.blob!.arrayBuffer())
    expect(new TextDecoder().decode(bytes.slice(0, 4))).toBe('%PDF')
    expect(result.current.data?.meta.etag).toBe('"r1"')
    expect(await posts(seen)[0].json()).toEqual({ format: 'pdf', filters: { Status: 'complete' }, dashboard: '1' })
  })

  it('revokes the object URL when the component unmounts', async () => {
    const { wrapper } = harness(renderServer())
    const { result, unmount } = renderHook(() => useRender(), { wrapper })
    await act(() => result.current.start('1'))
    await waitFor(() => expect(result.current.url).not.toBeNull())
    const url = result.current.url
    expect(revoked()).toEqual([])
    unmount()
    expect(revoked()).toEqual([url])
  })

  it('revokes the previous URL when the next render arrives, and on reset', async () => {
    const { wrapper } = harness(renderServer())
    const { result } = renderHook(() => useRender(), { wrapper })
    await act(() => result.current.start(1))
    await waitFor(() => expect(result.current.url).toBe('blob:http://proxy.test/1'))
    await act(() => result.current.start(1, { format: 'png' }))
    await waitFor(() => expect(result.current.url).toBe('blob:http://proxy.test/2'))
    expect(revoked()).toEqual(['blob:http://proxy.test/1'])
    act(() => result.current.reset())
    expect(result.current).toMatchObject({ status: 'idle', url: null, blob: null, progress: null })
    expect(revoked()).toEqual(['blob:http://proxy.test/1', 'blob:http://proxy.test/2'])
  })

  it('gives a failed render as a ProblemError, with progress ending in failure', async () => {
    const { wrapper } = harness(renderServer({ fail: true }))
    const { result } = renderHook(() => useRender(), { wrapper })
    let file: unknown = 'unset'
    await act(async () => {
      file = await result.current.start(1)
    })
    expect(file).toBeUndefined() // start never rejects: the error is in the hook's state
    await waitFor(() => expect(result.current.isError).toBe(true))
    expect(result.current.error).toMatchObject({ name: 'ProblemError', status: 502, code: 'looker_error' })
    expect(result.current.progress?.status).toBe('failure')
    expect(URL.createObjectURL).not.toHaveBeenCalled()
  })

  it('gives an unknown dashboard as a 404 ProblemError, without polling', async () => {
    const { wrapper, seen } = harness(renderServer())
    const { result } = renderHook(() => useRender(), { wrapper })
    await act(() => result.current.start(999))
    await waitFor(() => expect(result.current.error).toMatchObject({ status: 404, code: 'not_found' }))
    expect(seen).toHaveLength(1)
  })

  it('cancel() stops polling and returns to idle', async () => {
    const { wrapper, seen } = harness(renderServer({ pendingPolls: 1000 }))
    const { result } = renderHook(() => useRender(), { wrapper })
    let running: Promise<unknown> = Promise.resolve()
    act(() => {
      running = result.current.start(1)
    })
    await waitFor(() => expect(result.current.progress?.status).toBe('rendering'))
    act(() => result.current.cancel())
    expect(await running).toBeUndefined()
    expect(result.current).toMatchObject({ status: 'idle', progress: null, error: null })
    const asked = seen.length
    await new Promise((r) => setTimeout(r, 100))
    expect(seen.length).toBe(asked)
  })

  it('drops the file and revokes its URL when the caller changes', async () => {
    const { wrapper, props, queryClient } = harness(renderServer())
    const { result, rerender } = renderHook(() => useRender(), { wrapper })
    await act(() => result.current.start(1))
    await waitFor(() => expect(result.current.url).not.toBeNull())
    const url = result.current.url
    props.caller = 'bob'
    rerender()
    expect(result.current).toMatchObject({ status: 'idle', blob: null, filename: null, url: null, progress: null })
    await waitFor(() => expect(revoked()).toEqual([url]))
    expect(queryClient.getMutationCache().findAll({ mutationKey: ['looker-proxy', 'alice'] })).toHaveLength(0)
  })
})

describe('useEmbedUrl', () => {
  /** Mints a new URL per call, naming the caller and the filters it was asked for. */
  function embedServer(): Handler {
    let minted = 0
    return async (request) => {
      const url = new URL(request.url)
      const found = /^\/api\/embed\/dashboards\/(\w+)$/.exec(url.pathname)
      if (request.method !== 'POST' || !found) return problem(404, 'not_found', url.pathname)
      if (found[1] === '999') return problem(404, 'not_found', 'Looker found nothing for dashboard 999.')
      const nonce = ++minted
      const who = request.headers.get('Authorization')?.replace('Bearer ', '') ?? 'nobody'
      const { filters } = (await request.json()) as { filters?: Record<string, string> }
      const target = encodeURIComponent(`/embed/dashboards/${found[1]}?${new URLSearchParams(filters)}`)
      return json(
        { url: `https://looker.test/login/embed/${target}?nonce=${nonce}&user=${who}`, session_length: 3600 },
        200,
        { 'Cache-Control': 'no-store' },
      )
    }
  }

  it('mints one URL per mount and never again behind its back: not on focus, reconnect or rerender', async () => {
    const { wrapper, seen } = harness(embedServer())
    const { result, rerender } = renderHook(() => useEmbedUrl(1, { Status: 'complete' }), { wrapper })
    await waitFor(() => expect(result.current.data?.data.url).toContain('nonce=1'))
    expect(decodeURIComponent(result.current.data!.data.url)).toContain('/embed/dashboards/1?Status=complete')
    act(() => {
      focusManager.setFocused(false)
      focusManager.setFocused(true)
      onlineManager.setOnline(false)
      onlineManager.setOnline(true)
    })
    rerender()
    await new Promise((r) => setTimeout(r, 50))
    expect(posts(seen)).toHaveLength(1)
    expect(result.current.data?.data.url).toContain('nonce=1')
  })

  it('mints one URL under StrictMode too, whose double render and effects are not a remount', async () => {
    const { wrapper, seen } = harness(embedServer(), 'alice', undefined, true)
    const { result } = renderHook(() => useEmbedUrl(1), { wrapper })
    await waitFor(() => expect(result.current.isSuccess).toBe(true))
    await new Promise((r) => setTimeout(r, 50))
    expect(posts(seen)).toHaveLength(1)
  })

  it('mints a fresh URL when the component mounts again', async () => {
    const { wrapper, seen, queryClient } = harness(embedServer())
    const first = renderHook(() => useEmbedUrl(1), { wrapper })
    await waitFor(() => expect(first.result.current.data?.data.url).toContain('nonce=1'))
    first.unmount()
    await waitFor(() => expect(queryClient.getQueryCache().findAll({ queryKey: ['looker-proxy'] })).toHaveLength(0))
    const again = renderHook(() => useEmbedUrl(1), { wrapper })
    await waitFor(() => expect(again.result.current.data?.data.url).toContain('nonce=2'))
    expect(posts(seen)).toHaveLength(2)
  })

  it('gives two components of the same dashboard two URLs, since each is good for one IFRAME', async () => {
    const { wrapper, queryClient } = harness(embedServer())
    const { result } = renderHook(() => [useEmbedUrl(1), useEmbedUrl(1)], { wrapper })
    await waitFor(() => expect(result.current.every((q) => q.isSuccess)).toBe(true))
    expect(queryClient.getQueryCache().findAll({ queryKey: ['looker-proxy', 'alice', 'embed-dashboard'] })).toHaveLength(2)
    expect(result.current[0].data!.data.url).not.toBe(result.current[1].data!.data.url)
  })

  it('mints the new caller\'s own URL on a user switch, never showing the previous one', async () => {
    const user = { name: 'alice' }
    const { wrapper, props } = harness(embedServer(), 'alice', () => user.name)
    const { result, rerender } = renderHook(() => useEmbedUrl(1), { wrapper })
    await waitFor(() => expect(result.current.data?.data.url).toContain('user=alice'))
    user.name = props.caller = 'bob'
    rerender()
    expect(result.current.data).toBeUndefined()
    await waitFor(() => expect(result.current.data?.data.url).toContain('user=bob'))
  })

  it('keeps no spent URL on screen while new filters are minted', async () => {
    const { wrapper } = harness(embedServer())
    const { result, rerender } = renderHook(({ status }) => useEmbedUrl(1, { Status: status }), {
      wrapper,
      initialProps: { status: 'complete' },
    })
    await waitFor(() => expect(result.current.isSuccess).toBe(true))
    rerender({ status: 'pending' })
    expect(result.current.data).toBeUndefined()
    await waitFor(() => expect(decodeURIComponent(result.current.data!.data.url)).toContain('Status=pending'))
  })

  it('gives an unknown dashboard as a 404 ProblemError', async () => {
    const { wrapper } = harness(embedServer())
    const { result } = renderHook(() => useEmbedUrl(999), { wrapper })
    await waitFor(() => expect(result.current.isError).toBe(true))
    expect(result.current.error).toMatchObject({ name: 'ProblemError', status: 404, code: 'not_found' })
  })
})
