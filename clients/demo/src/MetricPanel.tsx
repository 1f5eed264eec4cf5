import type { MetricParams } from 'looker-proxy-client'
import { useMetric, useMetrics } from 'looker-proxy-client/react'
import { useState } from 'react'
import { Line } from 'react-chartjs-2'
import { AsOf, ProblemNote } from './AsOf'
import { PALETTE } from './charts'

type Granularity = NonNullable<MetricParams['granularity']>

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10)
}

/** A named metric over a date range the user picks. */
export function MetricPanel() {
  const metrics = useMetrics()
  const today = new Date()
  const [name, setName] = useState('revenue')
  const [from, setFrom] = useState(isoDay(new Date(today.getTime() - 90 * 86_400_000)))
  const [to, setTo] = useState(isoDay(today))
  const [granularity, setGranularity] = useState<Granularity>('week')
  const chosen = metrics.data?.data.find((m) => m.name === name)
  const series = useMetric(name, { from, to, granularity }, { enabled: Boolean(chosen) })
  const points = series.data?.data.points ?? []
  const labels = points.map((p) => p.period)
  const values = points.map((p) => p.value)
  return (
    <section className="panel metric" data-testid="metric">
      <h2>Metric: {chosen?.label ?? name}</h2>
      {chosen?.description && <p className="description">{chosen.description}</p>}
      <div className="filters">
        <label>
          Metric
          <select data-testid="metric-name" value={name} onChange={(e) => setName(e.target.value)}>
            {(metrics.data?.data ?? []).map((m) => (
              <option key={m.name} value={m.name}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" data-testid="metric-from" value={from} max={to} onChange={(e) => e.target.value && setFrom(e.target.value)} />
        </label>
        <label>
          To
          <input type="date" data-testid="metric-to" value={to} min={from} onChange={(e) => e.target.value && setTo(e.target.value)} />
        </label>
        <label>
          By
          <select data-testid="metric-granularity" value={granularity} onChange={(e) => setGranularity(e.target.value as Granularity)}>
            {(chosen?.granularities ?? ['day', 'week', 'month', 'quarter', 'year']).map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ProblemNote error={metrics.error ?? series.error} />
      <figure
        className="tile tile-chart wide"
        data-testid="metric-chart"
        data-range={series.data ? `${series.data.data.from}/${series.data.data.to}/${series.data.data.granularity}` : ''}
        data-labels={JSON.stringify(labels)}
        data-values={JSON.stringify(values)}
      >
        <div className="chart">
          <Line
            data={{
              labels,
              datasets: [{ label: chosen?.label ?? name, data: values, borderColor: PALETTE[0], backgroundColor: PALETTE[0] }],
            }}
          />
        </div>
      </figure>
      <AsOf meta={series.data?.meta} />
    </section>
  )
}
