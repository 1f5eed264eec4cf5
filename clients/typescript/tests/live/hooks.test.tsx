// @vitest-environment jsdom
// The hooks in jsdom against the real service (`python -m app --demo`) and its emulator: no scripted answers.
import { act, renderHook, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, inject, it, vi } from 'vitest'
import { createLookerProxyClient } from '../../src/index.js'
import { useEmbedUrl, useExplore, useModels, useRender } from '../../src/react.js'
import { providers } from '../dom/harness.js'

const client = createLookerProxyClient({ baseUrl: inject('baseUrl') })
const lookerOrigin = new URL(inject('emulatorUrl')).origin
const wrap = () => providers(client, { caller: 'live' }).wrapper

afterEach(() => vi.restoreAllMocks())

describe('useModels and useExplore', () => {
  it('list the models and describe an explore', async () => {
    const { result } = renderHook(() => ({ models: useModels(), explore: useExplore('thelook', 'order_items') }), {
      wrapper: wrap(),
    })
    await waitFor(() => expect(result.current.models.isSuccess && result.current.explore.isSuccess).toBe(true))
    expect(result.current.models.data!.data.map((m) => m.name)).toContain('thelook')
    const explore = result.current.explore.data!.data
    expect(explore.dimensions.map((d) => d.name)).toContain('products.brand')
    expect(explore.measures.length).toBeGreaterThan(0)
  })
})

describe('useRender', () => {
  it('renders dashboard 1 to a real PDF with its filename, and revokes its object URL on unmount', async () => {
    const revoke = vi.spyOn(URL, 'revokeObjectURL')
    const { result, unmount } = renderHook(() => useRender(), { wrapper: wrap() })
    await act(() => result.current.start(1, { format: 'pdf', pdf_paper_size: 'a4', pdf_landscape: true }))
    await waitFor(() => expect(result.current.url).toMatch(/^blob:/))
    const head = new Uint8Array(await result.current.blob!.arrayBuffer()).slice(0, 4)
    expect(new TextDecoder().decode(head)).toBe('%PDF')
    expect(result.current.filename).toBe('Business Pulse.pdf')
    expect(result.current.progress?.status).toBe('success')
    const url = result.current.url
    unmount()
    expect(revoke).toHaveBeenCalledWith(url)
  })

  it('gives an unknown dashboard as a 404 ProblemError', async () => {
    const { result } = renderHook(() => useRender(), { wrapper: wrap() })
    await act(() => result.current.start(999))
    await waitFor(() => expect(result.current.isError).toBe(true))
    expect(result.current.error).toMatchObject({ name: 'ProblemError', status: 404, code: 'not_found' })
  })
})

describe('useEmbedUrl', () => {
  it('mints a signed URL on the Looker host that Looker opens once', async () => {
    const { result } = renderHook(() => useEmbedUrl(1, { Status: 'complete' }), { wrapper: wrap() })
    await waitFor(() => expect(result.current.isSuccess).toBe(true))
    const signed = result.current.data!.data.url
    expect(new URL(signed).origin).toBe(lookerOrigin)
    expect(decodeURIComponent(new URL(signed).pathname)).toBe('/login/embed//embed/dashboards/1?Status=complete')
    expect((await fetch(signed)).status).toBe(200)
    expect((await fetch(signed)).status).toBe(401)
  })

  it('gives an unknown dashboard as a 404 ProblemError', async () => {
    const { result } = renderHook(() => useEmbedUrl(999), { wrapper: wrap() })
    await waitFor(() => expect(result.current.isError).toBe(true))
    expect(result.current.error).toMatchObject({ name: 'ProblemError', status: 404, code: 'not_found' })
  })
})
