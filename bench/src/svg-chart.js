import { VARIANT_NAMES } from './http-apps.js'
import { contenders } from './verifier-cases.js'

/**
 * docs/benchmarks.svg, written by hand (no charting dependency): horizontal bars of HTTP requests per
 * second per framework and mode (linear scale), then RS256 verifications per second per library (log
 * scale, since cached and uncached differ by orders of magnitude).
 */

const WIDTH = 960
const LABEL = 300
const BAR_AREA = 520
const BAR = 14
const GAP = 4
const COLORS = { bare: '#9aa0a6', tokenguard: '#1a73e8', peer: '#f29900', limit: '#5f6368' }

const escape = (text) =>
  String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])
const fmt = (value) => Math.round(value).toLocaleString('en-US')

function colorOf(id) {
  if (id === 'bare') return COLORS.bare
  if (id.startsWith('tokenguard')) return COLORS.tokenguard
  if (id === 'crypto' || id === 'floor') return COLORS.limit
  return COLORS.peer
}

/** Draws groups of bars from `y`; returns the SVG parts and the next free `y`. */
function bars(groups, y, scale) {
  const out = []
  for (const group of groups) {
    out.push(`<text x="10" y="${y + 12}" class="group">${escape(group.title)}</text>`)
    y += 20
    for (const bar of group.bars) {
      const width = Number.isFinite(bar.value) ? Math.max(1, scale(bar.value)) : 0
      out.push(
        `<text x="${LABEL - 8}" y="${y + 11}" class="label" text-anchor="end">${escape(bar.label)}</text>`,
      )
      out.push(
        `<rect x="${LABEL}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" fill="${bar.color}"/>`,
      )
      const value = Number.isFinite(bar.value) ? fmt(bar.value) : 'n/a'
      out.push(`<text x="${(LABEL + width + 6).toFixed(1)}" y="${y + 11}" class="value">${value}</text>`)
      y += BAR + GAP
    }
    y += 8
  }
  return { out, y }
}

export function renderSvg(results) {
  const parts = []
  let y = 10
  const http = results.http?.results
  if (http) {
    parts.push(`<text x="10" y="${y + 16}" class="title">HTTP requests/s (RS256, loopback, median)</text>`)
    y += 30
    const max = Math.max(
      1,
      ...Object.values(http).flatMap((byMode) =>
        Object.values(byMode).flatMap((byVariant) =>
          Object.values(byVariant)
            .map((entry) => entry.median)
            .filter(Number.isFinite),
        ),
      ),
    )
    const groups = Object.entries(http).flatMap(([framework, byMode]) =>
      Object.entries(byMode).map(([mode, byVariant]) => ({
        title: `${framework} — ${mode}`,
        bars: Object.entries(byVariant).map(([variant, entry]) => ({
          label: VARIANT_NAMES[variant] ?? variant,
          value: entry.median,
          color: colorOf(variant),
        })),
      })),
    )
    const drawn = bars(groups, y, (value) => (value / max) * BAR_AREA)
    parts.push(...drawn.out)
    y = drawn.y + 10
  }
  const verifier = results.verifier?.results?.RS256
  if (verifier) {
    parts.push(
      `<text x="10" y="${y + 16}" class="title">RS256 verifications/s, concurrency 1 (log scale)</text>`,
    )
    y += 30
    const names = Object.fromEntries(contenders.map((contender) => [contender.id, contender.name]))
    const low = 3
    const high = 7
    const scale = (value) => ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * BAR_AREA
    const groups = ['warm-1', 'cold-1'].map((scenario) => ({
      title: scenario === 'warm-1' ? 'warm: one token repeated' : 'cold: a new token every call',
      bars: Object.entries(verifier[scenario] ?? {}).map(([id, entry]) => ({
        label: names[id] ?? id,
        value: entry.median,
        color: colorOf(id),
      })),
    }))
    const drawn = bars(groups, y, scale)
    parts.push(...drawn.out)
    y = drawn.y
  }
  const height = Math.ceil(y + 10)
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="tokenguard benchmarks">`,
    '<style>text{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;fill:#202124}' +
      '.title{font-size:15px;font-weight:600}.group{font-size:12px;font-weight:600}' +
      '.label{font-size:11px}.value{font-size:11px;fill:#5f6368}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n')
}
