import type { DashboardData, Row } from 'looker-proxy-client'
import { Bar, Line, Pie } from 'react-chartjs-2'
import { PALETTE } from './charts'

type Element = DashboardData['elements'][number]
interface TileQuery {
  fields: string[]
}

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 })

function label(field: string): string {
  const name = field.split('.').at(-1) ?? field
  return name.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase())
}

/** Split a tile's rows into its first field (the labels) and the number series of the others. */
export function series(rows: Row[], query: TileQuery | null) {
  const fields = query?.fields ?? Object.keys(rows[0] ?? {})
  const [dimension, ...measures] = fields.length > 1 ? fields : [null, ...fields]
  const labels = dimension ? rows.map((row) => String(row[dimension] ?? '∅')) : []
  const values = Object.fromEntries(measures.map((m) => [m, rows.map((row) => Number(row[m as string] ?? 0))]))
  return { dimension, measures: measures as string[], labels, values }
}

/** One dashboard tile: a chart, a big number, or text; its numbers are also in data attributes for tests. */
export function Tile({ element, query }: { element: Element; query: TileQuery | null }) {
  const common = { 'data-tile-id': element.id, 'data-tile-type': element.type ?? '' }
  if ('error' in element && element.error) {
    return (
      <figure className="tile tile-error" {...common} data-error={element.error.code}>
        <figcaption>{element.title}</figcaption>
        <p className="problem">{element.error.detail}</p>
      </figure>
    )
  }
  const rows = ('data' in element ? element.data : null) as Row[] | null
  if (rows === null || element.type === 'text') {
    return (
      <figure className="tile tile-text" {...common}>
        <figcaption>{element.title}</figcaption>
      </figure>
    )
  }
  const { labels, measures, values } = series(rows, query)
  const numbers = { ...common, 'data-labels': JSON.stringify(labels), 'data-values': JSON.stringify(values) }
  if (element.type === 'single_value') {
    const value = values[measures[0]]?.[0]
    return (
      <figure className="tile tile-single" {...numbers}>
        <figcaption>{element.title}</figcaption>
        <div className="big-number" data-testid="big-number">
          {value === undefined ? '–' : number.format(value)}
        </div>
      </figure>
    )
  }
  const datasets = measures.map((measure, i) => ({
    label: label(measure),
    data: values[measure],
    backgroundColor: element.type === 'looker_pie' ? labels.map((_, j) => PALETTE[j % PALETTE.length]) : PALETTE[i],
    borderColor: PALETTE[i],
    fill: element.type === 'looker_area',
    yAxisID: i === 0 ? 'y' : 'y1',
  }))
  const twoScales = measures.length > 1 && element.type !== 'looker_pie'
  const scales = twoScales ? { y: { position: 'left' as const }, y1: { position: 'right' as const, grid: { drawOnChartArea: false } } } : undefined
  const chart =
    element.type === 'looker_pie' ? (
      <Pie data={{ labels, datasets }} />
    ) : element.type === 'looker_line' || element.type === 'looker_area' ? (
      <Line data={{ labels, datasets }} options={{ scales }} />
    ) : (
      <Bar data={{ labels, datasets }} options={{ indexAxis: element.type === 'looker_bar' ? 'y' : 'x', scales }} />
    )
  return (
    <figure className="tile tile-chart" {...numbers}>
      <figcaption>{element.title}</figcaption>
      <div className="chart">{chart}</div>
    </figure>
  )
}
