import { randomBytes } from 'node:crypto'
import type { TestIssuer } from '../../src/index.js'
import type { RawRequest } from '../support/raw-http.js'

/** What a soak request is, which app it goes to, and every status it may legitimately get. */
export interface Kind {
  name: string
  /** Relative frequency. */
  weight: number
  /** `down`: the app whose issuer is unreachable. */
  target: 'main' | 'down'
  expected: readonly number[]
  make(n: number): RawRequest
}

const bearer = (token: string, path = '/protected'): RawRequest => ({
  path,
  headers: [['authorization', `Bearer ${token}`]],
})

/** Printable ASCII and spaces: anything a client can put in a header value. */
function garbage(n: number): string {
  const bytes = randomBytes(8 + (n % 120))
  return Array.from(bytes, (byte) => String.fromCharCode(0x20 + (byte % 95))).join('')
}

/** Pools of pre-signed tokens, so the soak measures the adapters and the verifier, not token signing. */
export interface Pools {
  valid: string[]
  readOnly: string[]
  expired: string[]
  unknownKid: string[]
  down: string[]
}

export async function signPools(trusted: TestIssuer, down: TestIssuer, size = 64): Promise<Pools> {
  const many = (make: (i: number) => Promise<string>) =>
    Promise.all(Array.from({ length: size }, (_, i) => make(i)))
  return {
    valid: await many((i) => trusted.sign({ scope: 'read:items', n: i })),
    readOnly: await many((i) => trusted.sign({ scope: 'write:items', n: i })),
    expired: await many((i) => trusted.sign({ n: i }, { expiresIn: -120 })),
    unknownKid: await many((i) => trusted.sign({ n: i }, { header: { kid: `unknown-${i}` } })),
    down: await many((i) => down.sign({ n: i })),
  }
}

const pick = (pool: string[], n: number) => pool[n % pool.length] as string

/** The request mix: mostly valid traffic, plus every kind of refusal, and a few requests while keys are down. */
export function kinds(pools: Pools): Kind[] {
  return [
    { name: 'valid', weight: 30, target: 'main', expected: [200], make: (n) => bearer(pick(pools.valid, n)) },
    {
      name: 'valid, scoped route',
      weight: 10,
      target: 'main',
      expected: [200],
      make: (n) => bearer(pick(pools.valid, n), '/scoped'),
    },
    {
      name: 'missing scope',
      weight: 5,
      target: 'main',
      expected: [403],
      make: (n) => bearer(pick(pools.readOnly, n), '/scoped'),
    },
    {
      name: 'expired',
      weight: 10,
      target: 'main',
      expected: [401],
      make: (n) => bearer(pick(pools.expired, n)),
    },
    {
      name: 'bad signature',
      weight: 10,
      target: 'main',
      expected: [401],
      make: (n) => bearer(`${pick(pools.valid, n).slice(0, -6)}AAAAAA`),
    },
    {
      name: 'unknown kid',
      weight: 5,
      target: 'main',
      expected: [401],
      make: (n) => bearer(pick(pools.unknownKid, n)),
    },
    {
      name: 'garbage bearer value',
      weight: 10,
      target: 'main',
      expected: [400, 401],
      make: (n) => ({ headers: [['authorization', `Bearer ${garbage(n)}`]] }),
    },
    {
      name: 'garbage Authorization header',
      weight: 5,
      target: 'main',
      expected: [400, 401],
      make: (n) => ({ headers: [['authorization', garbage(n)]] }),
    },
    { name: 'missing', weight: 10, target: 'main', expected: [401], make: () => ({}) },
    {
      name: 'two Authorization lines',
      weight: 4,
      target: 'main',
      expected: [400],
      make: (n) => ({
        headers: [
          ['authorization', `Bearer ${pick(pools.valid, n)}`],
          ['authorization', `Bearer ${pick(pools.valid, n + 1)}`],
        ],
      }),
    },
    {
      name: 'keys down',
      weight: 1,
      target: 'down',
      expected: [503],
      make: (n) => bearer(pick(pools.down, n)),
    },
  ]
}

/** Kind of the n-th request: a fixed interleaving by weight, so every run sends the same mix. */
export function schedule(list: Kind[]): (n: number) => Kind {
  const slots = list.flatMap((kind) => Array.from({ length: kind.weight }, () => kind))
  // Stride through the slots with a step coprime to their count, so kinds interleave instead of running in blocks.
  const step = 37
  return (n) => slots[(n * step) % slots.length] as Kind
}
