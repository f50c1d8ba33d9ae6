import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import process from 'node:process'
import { URL, URLSearchParams } from 'node:url'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { createVerifier } from '@tokenguard/core'
import { settings } from './config.js'
import { AUDIENCE } from './fixtures.js'
import { collectGarbage, median, rotate, verifyRate } from './stats.js'

/**
 * Token introspection (issue 22, RFC 7662): verifications per second of opaque tokens through tokenguard's
 * `introspection` option against a loopback introspection endpoint, with the answer cache off (the default:
 * every verification asks the endpoint) and on (`cache: true`, TTL 30 s), over two token streams:
 *
 * - distinct: every call a token never seen before, so every call is a round trip whatever the cache;
 * - reused: 100 tokens in turn (as the warm HTTP runs), so with the cache on nearly every call is a hit;
 * - one token for every caller (cache off): at concurrency 64, callers share each request (single flight).
 *
 * At concurrency 1 and 64; each figure is a median over rounds, as a ratio to "cache off, distinct". The
 * endpoint runs in a worker thread (its own event loop, so it does not share the verifier's), checks the
 * client's Basic credentials, and answers one fixed active JSON object for every token the bench issued
 * (an `op_` prefix) and `{"active":false}` for anything else. It counts its requests, so the report also
 * shows how many introspection requests one verification cost.
 *
 * Usage: node --expose-gc introspection-bench.js <result.json>   (run by run.js when BENCH_ONLY includes
 * `introspection`)
 */

const CLIENT_ID = 'bench-api'
const CLIENT_SECRET = 'bench-secret-with:colon%and-percent'
const REUSED_TOKENS = 100

/** The introspection endpoint, in a worker thread. */
function runEndpoint({ expectedAuthorization, answer }) {
  const inactive = '{"active":false}'
  let requests = 0
  const server = createServer((req, res) => {
    requests++
    if (req.method !== 'POST' || req.headers.authorization !== expectedAuthorization) {
      req.resume()
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}')
      return
    }
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      const token = new URLSearchParams(Buffer.concat(chunks).toString('latin1')).get('token') ?? ''
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(token.startsWith('op_') ? answer : inactive)
    })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }))
  parentPort.on('message', (message) => {
    if (message === 'count') parentPort.postMessage({ requests })
    if (message === 'close') server.close(() => parentPort.close())
  })
}

if (!isMainThread) {
  runEndpoint(workerData)
} else {
  await main()
}

/** Starts the endpoint worker; `requests()` asks it how many requests it answered so far. */
async function startEndpoint(issuer) {
  const now = Math.floor(Date.now() / 1000)
  const answer = JSON.stringify({
    active: true,
    iss: issuer,
    sub: 'user-42',
    aud: AUDIENCE,
    client_id: 'bench-client',
    scope: 'read:items write:items',
    token_type: 'Bearer',
    iat: now,
    exp: now + 3600,
  })
  // RFC 6749 §2.3.1: id and secret form-urlencoded before base64 — the secret has both ':' and '%'.
  const form = (value) => new URLSearchParams([['', value]]).toString().slice(1)
  const expectedAuthorization = `Basic ${Buffer.from(`${form(CLIENT_ID)}:${form(CLIENT_SECRET)}`).toString('base64')}`
  const worker = new Worker(new URL(import.meta.url), { workerData: { expectedAuthorization, answer } })
  const next = () => new Promise((resolve) => worker.once('message', resolve))
  const { port } = await next()
  return {
    endpoint: `http://127.0.0.1:${port}/introspect`,
    requests: async () => {
      const reply = next()
      worker.postMessage('count')
      return (await reply).requests
    },
    close: async () => {
      worker.postMessage('close')
      await new Promise((resolve) => worker.once('exit', resolve))
    },
  }
}

/** Opaque tokens shaped like many servers issue them (43 characters), each never seen before. */
function distinctTokens() {
  const suffix = randomBytes(21).toString('base64url')
  let n = 0
  return () => `op_${(n++).toString(36).padStart(12, '0')}${suffix}`
}

function reusedTokens(count = REUSED_TOKENS) {
  const pool = Array.from({ length: count }, () => `op_${randomBytes(30).toString('base64url')}`)
  let n = 0
  const next = () => pool[n++ % pool.length]
  next.pool = pool
  return next
}

async function main() {
  const issuer = 'https://issuer.bench.example'
  const idp = await startEndpoint(issuer)
  try {
    const make = (cache) =>
      createVerifier({
        issuer,
        audience: AUDIENCE,
        // Opaque tokens never need the issuer's keys: its discovery document is never fetched.
        introspection: {
          endpoint: idp.endpoint,
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          ...(cache ? { cache: true } : {}),
        },
      })
    const off = make(false)
    const on = make(true)

    // Sanity: an unknown token is inactive (401), a known one carries the endpoint's claims, or the numbers
    // mean nothing.
    const unknown = await off.verify(`xx_${randomBytes(30).toString('base64url')}`).then(
      () => 'accepted',
      (error) => error.code,
    )
    if (unknown !== 'token_inactive') throw new Error(`an unknown opaque token gave ${unknown}`)
    const known = await off.verify(distinctTokens()())
    if (known.payload.sub !== 'user-42' || Object.keys(known.header).length !== 0)
      throw new Error('a known opaque token did not carry the introspection answer')

    const contenders = [
      { id: 'cache off, distinct tokens', verifier: off, tokens: distinctTokens() },
      { id: 'cache off, 100 tokens reused', verifier: off, tokens: reusedTokens() },
      // Concurrent callers of one token share one request (single flight), cache or not.
      { id: 'cache off, 1 token for every caller', verifier: off, tokens: reusedTokens(1) },
      { id: 'cache on, distinct tokens', verifier: on, tokens: distinctTokens() },
      { id: 'cache on, 100 tokens reused', verifier: on, tokens: reusedTokens() },
    ]
    const baseline = contenders[0].id
    const throughput = {}
    for (const concurrency of [1, 64]) {
      const rounds = Object.fromEntries(contenders.map(({ id }) => [id, []]))
      const perVerification = Object.fromEntries(contenders.map(({ id }) => [id, { ops: 0, requests: 0 }]))
      for (const { verifier, tokens } of contenders) {
        // "Reused" means every token of the pool was seen before, however short the warm-up.
        // (In chunks: more than maxInFlight (64) at once would be refused, as designed.)
        for (let n = 0; n < (tokens.pool?.length ?? 0); n += 32)
          await Promise.all(tokens.pool.slice(n, n + 32).map((token) => verifier.verify(token)))
        await verifyRate(verifier, tokens, concurrency, settings.verifierWarmupMs)
      }
      for (let round = 0; round < settings.verifierRounds; round++)
        for (const { id, verifier, tokens } of rotate(contenders, round)) {
          collectGarbage()
          const before = await idp.requests()
          const { ops, rate } = await verifyRate(verifier, tokens, concurrency, settings.verifierMs)
          perVerification[id].requests += (await idp.requests()) - before
          perVerification[id].ops += ops
          rounds[id].push(rate)
        }
      const base = median(rounds[baseline])
      throughput[`c${concurrency}`] = Object.fromEntries(
        contenders.map(({ id }) => [
          id,
          {
            rounds: rounds[id],
            median: median(rounds[id]),
            ratio: median(rounds[id]) / base,
            requestsPerVerification: perVerification[id].requests / perVerification[id].ops,
          },
        ]),
      )
      process.stderr.write(
        `  introspection c${concurrency}: ` +
          contenders
            .map(({ id }) => {
              const entry = throughput[`c${concurrency}`][id]
              return `${id} ${Math.round(entry.median)} ops/s (${entry.ratio.toFixed(2)}×, ${entry.requestsPerVerification.toFixed(3)} req/verification)`
            })
            .join('; ') +
          '\n',
      )
    }
    writeFileSync(
      process.argv[2],
      JSON.stringify({ baseline, reusedTokens: REUSED_TOKENS, cacheTtlSeconds: 30, throughput }),
    )
  } finally {
    await idp.close()
  }
}
