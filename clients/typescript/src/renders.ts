/**
 * Renders (POST /api/renders): dashboards as PDF, PNG or JPG and Looks as PNG or JPG. Start one, read its
 * status, fetch its file, or let `runRender` do all three at the service's pace.
 */
import type { Client } from 'openapi-fetch'
import type { CallOptions } from './client.js'
import { settle, unwrap, type Outcome, type RequestOptions } from './http.js'
import type { Result } from './meta.js'
import { runJob, type Progress, type RunOptions } from './poll.js'
import type { components, paths } from './schema.js'

type Schemas = components['schemas']
/** A dashboard (`{ dashboard: '1', format: 'pdf' }`) or a Look (`{ look: 2, format: 'png' }`) to render. */
export type RenderRequest = Schemas['RenderRequest']
export type Render = Schemas['Render']
export type RenderStatus = Render['status']
export type RenderFormat = 'pdf' | 'png' | 'jpg'
export type PaperSize = 'letter' | 'legal' | 'tabloid' | 'a0' | 'a1' | 'a2' | 'a3' | 'a4' | 'a5'

/** How to render a dashboard: everything of a RenderRequest but the target. */
export interface DashboardRenderOptions {
  /** `pdf` (the default), `png` or `jpg`. */
  format?: RenderFormat
  /** Dashboard filter values by filter name, merged over the defaults as for `dashboardData`. */
  filters?: Record<string, string>
  /** Pixels; the service's default is 1280 x 1024. */
  width?: number
  height?: number
  /** PDF only. */
  pdf_paper_size?: PaperSize
  pdf_landscape?: boolean
}

/** A finished render: the file, the name the service gave it, and its media type. */
export interface RenderFile {
  blob: Blob
  /** From Content-Disposition (e.g. `Business Pulse.pdf`); `render.<ext>` when the header is not readable. */
  filename: string
  contentType: string
}

export type RenderProgress = Progress<RenderStatus>

export interface RunRenderOptions extends CallOptions, RunOptions<RenderStatus> {}

export type RenderOutcome =
  | { done: false; render: Render; retryAfter: number | null }
  | { done: true; result: Result<RenderFile> }

const EXTENSIONS: Record<string, string> = { 'application/pdf': 'pdf', 'image/png': 'png', 'image/jpeg': 'jpg' }

/** Read the file name of a Content-Disposition header: RFC 8187's UTF-8 `filename*` first, then `filename`. */
export function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null
  const extended = /filename\*\s*=\s*utf-8'[^']*'([^;\s]+)/i.exec(disposition)
  if (extended) {
    try {
      return decodeURIComponent(extended[1])
    } catch {
      // A malformed escape: the plain name below is the service's ASCII rendering of the same title.
    }
  }
  const quoted = /(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(disposition)
  if (quoted) return quoted[1].replace(/\\(.)/g, '$1')
  const bare = /(?:^|;)\s*filename\s*=\s*([^";\s]+)/i.exec(disposition)
  return bare ? bare[1] : null
}

/** The render calls of a client, over its openapi-fetch instance and its per-request options. */
export function renderMethods(api: Client<paths>, init: (call?: CallOptions) => RequestOptions) {
  const methods = {
    /** Start rendering (202); poll it with renderStatus or renderFile, or use runRender. */
    startRender(body: RenderRequest, call?: CallOptions): Promise<Result<Render>> {
      // openapi-fetch turns the schema's `pdf_paper_size: null` branches into `undefined`; the schema's own type is the contract.
      return unwrap(api.POST('/api/renders', { body: body as never, ...init(call) }), call?.signal)
    },

    /** Return a render's status (`pending`, `rendering`, `success`, `failure` with Looker's `status_detail`). */
    renderStatus(id: string, call?: CallOptions): Promise<Result<Render>> {
      return unwrap(api.GET('/api/renders/{render_id}', { params: { path: { render_id: id } }, ...init(call) }), call?.signal)
    },

    /** Fetch a render's file: done with it, or not yet with the wait the service asked for. A failed render throws. */
    async renderFile(id: string, call?: CallOptions): Promise<RenderOutcome> {
      const request = api.GET('/api/renders/{render_id}/file', {
        params: { path: { render_id: id } },
        parseAs: 'blob',
        ...init(call),
      }) as Promise<Outcome>
      const { data, meta, response } = await settle<Blob | undefined>(request, call?.signal)
      if (meta.status === 202) {
        // The 202's body is JSON, read here as the Blob that was asked for.
        const render = JSON.parse(await data!.text()) as Render
        return { done: false, render, retryAfter: meta.retryAfter }
      }
      if (data === undefined) return { done: true, result: { data: undefined as never, meta } } // 304
      const contentType = response.headers.get('Content-Type') ?? data.type
      const filename =
        filenameOf(response.headers.get('Content-Disposition')) ?? `render.${EXTENSIONS[contentType] ?? 'bin'}`
      return { done: true, result: { data: { blob: data, filename, contentType }, meta } }
    },

    /**
     * Start a render, poll its file at each Retry-After, and resolve to the file. Aborting the signal stops the
     * wait (the service has no way to stop a render in Looker; an identical request later joins it).
     */
    async runRender(body: RenderRequest, call: RunRenderOptions = {}): Promise<Result<RenderFile>> {
      return runJob<RenderStatus, RenderFile>(
        {
          start: () => methods.startRender(body, call),
          ready: 'success', // a file already in the service's cache is ready at once
          poll: async (id) => {
            const outcome = await methods.renderFile(id, call)
            return outcome.done ? outcome : { done: false, status: outcome.render.status, retryAfter: outcome.retryAfter }
          },
          stoppedAs: (aborted) => (aborted ? null : 'failure'),
        },
        call,
      )
    },
  }
  return methods
}
