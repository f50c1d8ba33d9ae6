import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Agent } from 'node:http'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createTestIssuer, type TestIssuer } from '../../src/index.js'
import { FRAMEWORK_APPS, type RunningApp } from '../support/framework-apps.js'
import { keepAliveAgent, sendRaw } from '../support/raw-http.js'
import { kinds, schedule, signPools, type Kind, type Pools } from './traffic.js'

/**
 * A bounded soak through every adapter on loopback: real listening servers (Fastify too: `listen`, not
 * `inject`), 32 concurrent keep-alive connections, a fixed mix of valid, expired, forged, garbage,
 * missing, duplicated and out-of-scope credentials, and 1 % of requests to an app whose issuer is down.
 *
 * Default: 5 000 requests per framework major, 30 000 in all (measured: ~17 s for the file on 2 cores,
 * client and servers in one process). Long mode, per framework major:
 * `SOAK_REQUESTS=200000 npm run test:jest -- packages/testing/test/soak` (`SOAK_REPORT=1` prints the
 * heap growth; measured ~1 MB after 5 000 and 1.3 MB after 60 000 requests).
 *
 * Asserts, per framework: every status is one the request's kind allows, no 5xx but the designed 503s,
 * no client-side error (reset, hang-up), the app still answers afterwards, and heap growth after `gc()`
 * stays under 16 MB over the post-warm-up baseline (the token cache is bounded and the token pools are
 * small, so steady-state traffic should not grow the heap at all). No timing is asserted. A crash or an
 * unhandled rejection fails the run (Jest 30 reports unhandled rejections itself).
 */

const REQUESTS = Number(process.env.SOAK_REQUESTS ?? 5000)
if (!Number.isSafeInteger(REQUESTS) || REQUESTS < 1)
  throw new TypeError('SOAK_REQUESTS must be a positive integer')
const CONCURRENCY = 32
const HEAP_BOUND = 16 * 1024 * 1024
// A generous limit, not a speed check: lets the long mode run without Jest's 30 s default cutting it off.
const TIMEOUT = Math.max(30_000, REQUESTS * 2)

// Jest runs without --expose-gc; V8 can still enable gc() at run time, for a fresh context.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapAfterGc(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

interface Tally {
  byKind: Map<string, Map<number, number>>
  unexpected: string[]
  clientErrors: string[]
  fiveHundreds: number
  designed503: number
}

async function soak(main: RunningApp, down: RunningApp, list: Kind[], requests: number): Promise<Tally> {
  const tally: Tally = {
    byKind: new Map(),
    unexpected: [],
    clientErrors: [],
    fiveHundreds: 0,
    designed503: 0,
  }
  const kindOf = schedule(list)
  const agent: Agent = keepAliveAgent(CONCURRENCY)
  let next = 0
  async function worker(): Promise<void> {
    while (next < requests) {
      const n = next++
      const kind = kindOf(n)
      try {
        const res = await sendRaw(kind.target === 'main' ? main.url : down.url, kind.make(n), agent)
        const counts = tally.byKind.get(kind.name) ?? new Map<number, number>()
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1)
        tally.byKind.set(kind.name, counts)
        if (!kind.expected.includes(res.status)) tally.unexpected.push(`${kind.name} → ${res.status}`)
        if (res.status >= 500) tally.fiveHundreds++
        if (res.status === 503 && kind.target === 'down') tally.designed503++
      } catch (error) {
        tally.clientErrors.push(`${kind.name}: ${(error as Error).message}`)
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  } finally {
    agent.destroy()
  }
  return tally
}

let trusted: TestIssuer
let downIssuer: TestIssuer
let pools: Pools

const consoleError = console.error
beforeAll(async () => {
  // Express logs every error it renders; thousands of stack traces would only slow the run down. A plain
  // function, not a Jest spy: a spy keeps every call's arguments, which would count as heap growth.
  console.error = () => undefined
  ;[trusted, downIssuer] = await Promise.all([createTestIssuer(), createTestIssuer()])
  await downIssuer.close()
  pools = await signPools(trusted, downIssuer)
})
afterAll(async () => {
  await trusted.close()
  console.error = consoleError
})

describe.each(Object.entries(FRAMEWORK_APPS))('soak: %s', (_framework, createApp) => {
  let main: RunningApp
  let down: RunningApp
  beforeAll(async () => {
    main = await createApp({ issuer: trusted.url, audience: trusted.audience })
    down = await createApp({ issuer: downIssuer.url, audience: downIssuer.audience })
  })
  afterAll(() => Promise.all([main.close(), down.close()]))

  it(
    `${REQUESTS} mixed requests, concurrency ${CONCURRENCY}: only expected statuses, only designed 503s, heap growth < 16 MB`,
    async () => {
      const list = kinds(pools)
      // Warm-up: discovery, the JWK Set, JIT and the token cache, so the baseline is the steady state.
      await soak(main, down, list, 500)
      const baseline = heapAfterGc()

      const tally = await soak(main, down, list, REQUESTS)

      expect(tally.clientErrors).toEqual([])
      expect(tally.unexpected).toEqual([])
      expect(tally.fiveHundreds).toBe(tally.designed503)
      expect(tally.designed503).toBeGreaterThan(0)
      const seen = [...tally.byKind.values()]
        .flatMap((counts) => [...counts.values()])
        .reduce((a, b) => a + b, 0)
      expect(seen).toBe(REQUESTS)
      expect(tally.byKind.size).toBe(list.length)

      const valid = await sendRaw(main.url, { headers: [['authorization', `Bearer ${pools.valid[0]}`]] })
      expect(valid.status).toBe(200)
      const growth = heapAfterGc() - baseline
      if (process.env.SOAK_REPORT) process.stdout.write(`heap growth ${(growth / 1048576).toFixed(1)} MB\n`)
      expect(growth).toBeLessThan(HEAP_BOUND)
    },
    TIMEOUT,
  )
})
