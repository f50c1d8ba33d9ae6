/**
 * The "Token introspection" section of docs/benchmarks.md, from the results of introspection-bench.js:
 * verifications per second of opaque tokens with the answer cache off and on, as ratios to "cache off,
 * distinct tokens", and the introspection requests each verification cost.
 */

const int = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a')
const x = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a')
const perCall = (value) => (Number.isFinite(value) ? value.toFixed(3) : 'n/a')

export function introspectionSection(intro) {
  const scenarios = Object.keys(intro.throughput)
  const ids = Object.keys(intro.throughput[scenarios[0]] ?? {})
  const rows = ids.map((id) => {
    const cells = scenarios.map((s) => intro.throughput[s][id])
    return (
      `| ${id} | ${cells.map((cell) => `${int(cell?.median)} (${x(cell?.ratio)})`).join(' | ')} | ` +
      `${cells.map((cell) => perCall(cell?.requestsPerVerification)).join(' / ')} |`
    )
  })
  return [
    '## Token introspection (RFC 7662)',
    '',
    `Measured ${intro.measuredAt}. Opaque access tokens verified through \`introspection\` against a loopback ` +
      'endpoint (a worker thread: `client_secret_basic`, one fixed active JSON answer), the answer cache off ' +
      `(the default: every verification asks the endpoint) and on (\`cache: true\`, TTL ${intro.cacheTtlSeconds} s). ` +
      `_Distinct_: every call a token never seen before; _${intro.reusedTokens} tokens reused_: the same tokens in ` +
      'turn, each seen before; _1 token for every caller_: concurrent verifications of one token share one ' +
      `request (single flight, with or without the cache). Verifications per second, median over rounds, with the ratio to "${intro.baseline}"; ` +
      'the last column is the introspection requests one verification cost, at each concurrency. Over a network, ' +
      'each round trip costs the endpoint’s latency on top: the cache-off rows are an upper bound.',
    '',
    `| verifications/s (× ${intro.baseline}) | ${scenarios.map((s) => `concurrency ${s.slice(1)}`).join(' | ')} | requests per verification |`,
    `| --- | ${scenarios.map(() => '---:').join(' | ')} | ---: |`,
    ...rows,
  ].join('\n')
}

/**
 * Adds the section to the rendered page, before "How to run" (or at the end), when the results hold it.
 * Kept out of report.js, which renders every other part.
 */
export function withIntrospectionSection(markdown, results) {
  if (!results.introspection) return markdown
  const section = introspectionSection({
    ...results.introspection.results,
    measuredAt: results.introspection.measuredAt,
  })
  const howToRun = markdown.indexOf('\n## How to run')
  return howToRun === -1
    ? `${markdown.trimEnd()}\n\n${section}\n`
    : `${markdown.slice(0, howToRun)}\n${section}\n${markdown.slice(howToRun)}`
}
