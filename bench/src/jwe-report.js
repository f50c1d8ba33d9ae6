/**
 * The "Encrypted tokens" section of docs/benchmarks.md, from the results of jwe-bench.js. Rows are
 * verifications per second (median over rounds), per key management algorithm.
 */

const format = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—')

export function jweSection(jwe) {
  const algs = Object.keys(jwe.results)
  const ids = Object.keys(jwe.results[algs[0]] ?? {})
  const header = `| verifications/s | ${algs.join(' | ')} |`
  const rule = `| --- | ${algs.map(() => '---:').join(' | ')} |`
  const lines = ids.map(
    (id) => `| ${id} | ${algs.map((alg) => format(jwe.results[alg][id]?.median)).join(' | ')} |`,
  )
  return [
    '## Encrypted tokens (JWE)',
    '',
    `Measured ${jwe.measuredAt}. A signed ES256 access token encrypted with A256GCM, at concurrency 1. ` +
      '_Cold_: a new token every call (a fresh verifier per measurement); _warm_: one token repeated ' +
      "(tokenguard's cache: one decryption per token). jose's `jwtDecrypt` parses the plaintext as claims, " +
      'so the peer of a nested token is `compactDecrypt` then `jwtVerify`. _Garbage, valid-looking header_: ' +
      "random bytes behind the API's own `kid`, a listed `alg`/`enc` and exact sizes — each costs one " +
      'private-key operation, the most an attacker can impose per request; _unknown kid_: refused before any ' +
      'decryption. The last two rows compare plain signed tokens with and without `decryption` configured.',
    '',
    header,
    rule,
    ...lines,
  ].join('\n')
}
