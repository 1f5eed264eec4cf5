import type { Dashboard as DashboardShape, DashboardData } from 'looker-proxy-client'
import { useDashboard, useDashboardData } from 'looker-proxy-client/react'
import { useState, type FormEvent } from 'react'
import { AsOf, ProblemNote } from './AsOf'
import { Tile } from './Tile'

type Filter = DashboardShape['filters'][number]
const DATE_CHOICES = ['12 months', '6 months', '3 months', '30 days', '7 days', 'this year', 'last year']
const STATUS_CHOICES = ['complete', 'shipped', 'pending', 'returned', 'cancelled']

/** A dashboard's filters as controls and its tiles as charts. */
export function Dashboard({ id }: { id: number }) {
  const dashboard = useDashboard(id)
  const [applied, setApplied] = useState<Record<string, string> | null>(null)
  const shape = dashboard.data?.data
  const defaults = Object.fromEntries((shape?.filters ?? []).map((f) => [f.name, f.default_value ?? '']))
  const values = applied ?? defaults
  const sent = Object.fromEntries(Object.entries(values).filter(([, value]) => value.trim() !== ''))
  const data = useDashboardData(id, sent, { enabled: Boolean(shape) })
  return (
    <section className="panel dashboard" data-testid="dashboard">
      <h2>{shape?.title ?? 'Dashboard'}</h2>
      {shape?.description && <p className="description">{shape.description}</p>}
      <ProblemNote error={dashboard.error ?? data.error} />
      {shape && <Filters filters={shape.filters} values={values} onApply={setApplied} />}
      <div
        className="tiles"
        data-testid="tiles"
        data-filters={JSON.stringify(sent)}
        data-loading={data.isFetching ? 'true' : 'false'}
      >
        {shape &&
          data.data &&
          data.data.data.elements.map((element: DashboardData['elements'][number]) => (
            <Tile key={element.id} element={element} query={shape.elements.find((e) => e.id === element.id)?.query ?? null} />
          ))}
      </div>
      <AsOf meta={data.data?.meta} />
    </section>
  )
}

function Filters({
  filters,
  values,
  onApply,
}: {
  filters: Filter[]
  values: Record<string, string>
  onApply: (values: Record<string, string>) => void
}) {
  const [draft, setDraft] = useState(values)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    onApply(draft)
  }
  return (
    <form className="filters" onSubmit={submit}>
      {filters.map((filter) => {
        const choices = filter.type === 'date_filter' ? DATE_CHOICES : filter.dimension === 'orders.status' ? STATUS_CHOICES : []
        return (
          <label key={filter.name}>
            {filter.title ?? filter.name}
            <input
              name={filter.name}
              data-filter={filter.name}
              list={`choices-${filter.name}`}
              placeholder="any"
              value={draft[filter.name] ?? ''}
              onChange={(e) => setDraft({ ...draft, [filter.name]: e.target.value })}
            />
            <datalist id={`choices-${filter.name}`}>
              {choices.map((choice) => (
                <option key={choice} value={choice} />
              ))}
            </datalist>
          </label>
        )
      })}
      <button type="submit" data-testid="apply-filters">
        Apply filters
      </button>
    </form>
  )
}
