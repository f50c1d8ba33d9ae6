import { describe, expect, it } from '@jest/globals'
import {
  createMemoryRevocationStore,
  RevocationStoreFullError,
  type MemoryRevocationStoreOptions,
  type RevocationEntry,
} from '@tokenguard/core'
import { expectConfigError } from '../support/expect-error.js'
import { NOW } from '../support/keys.js'

const HOUR = 3600
const ISS = 'https://issuer.example.com/'

function setup(options: MemoryRevocationStoreOptions = {}) {
  let clock = NOW * 1000
  const store = createMemoryRevocationStore({ now: () => clock, ...options })
  return { store, at: (ms: number) => void (clock = ms) }
}

/** Whether the store still holds an entry, seen from outside: a store of one entry refuses a second. */
async function isFull(store: ReturnType<typeof setup>['store']): Promise<boolean> {
  // An exp this late is shortened to the longest a token may live from the store's now: always stored.
  return store.revoke({ jti: `probe-${Math.random()}`, exp: Number.MAX_SAFE_INTEGER }).then(
    () => false,
    (error: unknown) => {
      if (error instanceof RevocationStoreFullError) return true
      throw error
    },
  )
}

describe('createMemoryRevocationStore: options', () => {
  it('has a 24 h maxTokenLifetime by default, or the one given', () => {
    expect(createMemoryRevocationStore().maxTokenLifetime).toBe(86_400)
    expect(createMemoryRevocationStore({ maxTokenLifetime: 600 }).maxTokenLifetime).toBe(600)
  })

  it.each([
    ['maxEntries', 0],
    ['maxEntries', 1.5],
    ['maxEntries', '10'],
    ['maxTokenLifetime', 0],
    ['maxTokenLifetime', 86_400_000],
    ['maxTokenLifetime', Number.NaN],
    ['now', 1],
    ['maxEntry', 10],
  ])('refuses %s: %p, naming it', (option, value) => {
    expectConfigError(() => createMemoryRevocationStore({ [option]: value }), option)
  })

  it('cannot be changed after creation', () => {
    const store = createMemoryRevocationStore()
    expect(() => Object.assign(store, { maxTokenLifetime: 10 ** 9 })).toThrow(TypeError)
    expect(() => Object.assign(store, { isRevoked: () => false })).toThrow(TypeError)
    expect(store.maxTokenLifetime).toBe(86_400)
  })

  it('refuses options that are not an object', () => {
    expectConfigError(() => createMemoryRevocationStore(null as never), 'options')
  })
})

describe('revoke: entries', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['an empty object', {}],
    ['both jti and sub', { jti: 'a', exp: NOW, sub: 'b', before: NOW }],
    ['an empty jti', { jti: '', exp: NOW + HOUR }],
    ['a jti over 1024 characters', { jti: 'j'.repeat(1025), exp: NOW + HOUR }],
    ['a numeric jti', { jti: 1, exp: NOW + HOUR }],
    ['no exp', { jti: 'a' }],
    ['an exp that is not finite', { jti: 'a', exp: Number.POSITIVE_INFINITY }],
    ['an exp given as a string', { jti: 'a', exp: String(NOW + HOUR) }],
    ['a misspelt iss', { jti: 'a', exp: NOW + HOUR, issuer: ISS }],
    ['a null iss', { jti: 'a', exp: NOW + HOUR, iss: null }],
    ['a misspelt before', { sub: 'a', befor: NOW }],
    ['a before that is NaN', { sub: 'a', before: Number.NaN }],
    ['an exp on a subject entry', { sub: 'a', before: NOW, exp: NOW }],
  ])('rejects %s with a TypeError, storing nothing', async (_name, entry) => {
    const { store } = setup({ maxEntries: 1 })
    await expect(store.revoke(entry as RevocationEntry)).rejects.toBeInstanceOf(TypeError)
    expect(await isFull(store)).toBe(false)
  })

  it('takes a jti of 1024 characters, and iss: undefined as no iss', async () => {
    const { store } = setup()
    await store.revoke({ jti: 'j'.repeat(1024), exp: NOW + HOUR, iss: undefined })
    expect(store.isRevoked({ jti: 'j'.repeat(1024), iss: 'https://any.example/' })).toBe(true)
  })

  it('refuses a before more than 300 s in the future (a lock-out, not a revocation)', async () => {
    const { store } = setup()
    await expect(store.revoke({ sub: 'alice', before: NOW + 301 })).rejects.toBeInstanceOf(RangeError)
    expect(store.isRevoked({ sub: 'alice', iat: NOW })).toBe(false)
    await store.revoke({ sub: 'alice', before: NOW + 300 })
    expect(store.isRevoked({ sub: 'alice', iat: NOW + 299 })).toBe(true)
  })

  it('rejects when its clock is broken', async () => {
    const store = createMemoryRevocationStore({ now: () => Number.NaN })
    await expect(store.revoke({ jti: 'a', exp: NOW + HOUR })).rejects.toBeInstanceOf(TypeError)
  })
})

describe('isRevoked', () => {
  it('answers synchronously', async () => {
    const { store } = setup()
    expect(store.isRevoked({ jti: 'a' })).toBe(false)
    await store.revoke({ jti: 'a', exp: NOW + HOUR })
    expect(store.isRevoked({ jti: 'a' })).toBe(true)
  })

  it('matches a jti entry with iss only for that issuer, one without iss for every issuer', async () => {
    const { store } = setup()
    await store.revoke({ jti: 'scoped', exp: NOW + HOUR, iss: ISS })
    await store.revoke({ jti: 'global', exp: NOW + HOUR })
    expect(store.isRevoked({ jti: 'scoped', iss: ISS })).toBe(true)
    expect(store.isRevoked({ jti: 'scoped', iss: 'https://other.example/' })).toBe(false)
    expect(store.isRevoked({ jti: 'scoped' })).toBe(false)
    expect(store.isRevoked({ jti: 'scoped', iss: `${ISS} ` })).toBe(false)
    expect(store.isRevoked({ jti: 'global', iss: 'https://other.example/' })).toBe(true)
    expect(store.isRevoked({ jti: 'global' })).toBe(true)
    expect(store.isRevoked({ jti: 'other', iss: ISS })).toBe(false)
  })

  it('revokes a subject’s tokens with iat before `before`, not at or after it', async () => {
    const { store } = setup()
    await store.revoke({ sub: 'alice', before: NOW })
    expect(store.isRevoked({ sub: 'alice', iat: NOW - 1 })).toBe(true)
    expect(store.isRevoked({ sub: 'alice', iat: NOW - 0.001 })).toBe(true)
    expect(store.isRevoked({ sub: 'alice', iat: NOW })).toBe(false)
    expect(store.isRevoked({ sub: 'alice', iat: NOW + 1 })).toBe(false)
    expect(store.isRevoked({ sub: 'bob', iat: NOW - 1 })).toBe(false)
  })

  it('revokes a subject’s token without iat, or with an iat that is not a number', async () => {
    const { store } = setup()
    await store.revoke({ sub: 'alice', before: NOW })
    expect(store.isRevoked({ sub: 'alice' })).toBe(true)
    for (const iat of [Number.NaN, String(NOW + 10), null])
      expect(store.isRevoked({ sub: 'alice', iat: iat as never })).toBe(true)
    // Without an entry for the subject, no iat is no reason to refuse.
    expect(store.isRevoked({ sub: 'bob' })).toBe(false)
  })

  it('scopes a subject entry to its issuer', async () => {
    const { store } = setup()
    await store.revoke({ sub: 'alice', before: NOW, iss: ISS })
    expect(store.isRevoked({ sub: 'alice', iat: NOW - 1, iss: ISS })).toBe(true)
    expect(store.isRevoked({ sub: 'alice', iat: NOW - 1, iss: 'https://other.example/' })).toBe(false)
    expect(store.isRevoked({ sub: 'alice', iat: NOW - 1 })).toBe(false)
  })

  it('matches only string claims, exactly', async () => {
    const { store } = setup()
    await store.revoke({ jti: '1', exp: NOW + HOUR })
    await store.revoke({ sub: '2', before: NOW })
    expect(store.isRevoked({ jti: 1 as never })).toBe(false)
    expect(store.isRevoked({ sub: 2 as never, iat: NOW - 1 })).toBe(false)
    expect(store.isRevoked({ jti: '1 ' })).toBe(false)
  })

  it('treats prototype names as plain keys', async () => {
    const { store } = setup()
    await store.revoke({ jti: 'unrelated', exp: NOW + HOUR })
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(store.isRevoked({ jti: name, sub: name, iat: NOW })).toBe(false)
      expect(store.isRevoked({ jti: name, sub: name })).toBe(false)
    }
    await store.revoke({ jti: '__proto__', exp: NOW + HOUR })
    await store.revoke({ sub: '__proto__', before: NOW })
    expect(store.isRevoked({ jti: '__proto__' })).toBe(true)
    expect(store.isRevoked({ sub: '__proto__', iat: NOW - 1 })).toBe(true)
    expect(store.isRevoked({ jti: 'constructor', sub: 'constructor' })).toBe(false)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('how long entries are kept', () => {
  it('keeps a jti entry until exp + 300 s, rounded up to the second', async () => {
    const { store, at } = setup({ maxEntries: 1 })
    await store.revoke({ jti: 'a', exp: NOW + 60.5 })
    at((NOW + 61 + 300) * 1000 - 1)
    expect(await isFull(store)).toBe(true)
    at((NOW + 61 + 300) * 1000)
    expect(await isFull(store)).toBe(false)
  })

  it('keeps a subject entry until before + maxTokenLifetime + 300 s', async () => {
    const { store, at } = setup({ maxEntries: 1, maxTokenLifetime: HOUR })
    await store.revoke({ sub: 'alice', before: NOW })
    at((NOW + HOUR + 300) * 1000 - 1)
    expect(await isFull(store)).toBe(true)
    at((NOW + HOUR + 300) * 1000)
    expect(await isFull(store)).toBe(false)
  })

  it('stores nothing for tokens already expired everywhere', async () => {
    const { store } = setup({ maxEntries: 1, maxTokenLifetime: HOUR })
    await store.revoke({ jti: 'old', exp: NOW - 300 })
    await store.revoke({ sub: 'alice', before: NOW - HOUR - 300 })
    expect(store.isRevoked({ jti: 'old' })).toBe(false)
    expect(await isFull(store)).toBe(false)
  })

  it('stores a jti whose token is within 300 s of its exp', async () => {
    const { store } = setup({ maxEntries: 1 })
    await store.revoke({ jti: 'late', exp: NOW - 299 })
    expect(store.isRevoked({ jti: 'late' })).toBe(true)
  })

  it('keeps an exp far in the future only as long as a token could live (milliseconds for seconds)', async () => {
    const { store, at } = setup({ maxEntries: 1, maxTokenLifetime: HOUR })
    await store.revoke({ jti: 'typo', exp: NOW * 1000 })
    // No token accepted now can expire after now + maxTokenLifetime + 300 s; then 300 s of margin.
    at((NOW + HOUR + 600) * 1000 - 1)
    expect(await isFull(store)).toBe(true)
    expect(store.isRevoked({ jti: 'typo' })).toBe(true)
    at((NOW + HOUR + 600) * 1000)
    expect(await isFull(store)).toBe(false)
  })

  it('never shortens an entry nor lowers before when revoking again', async () => {
    const { store, at } = setup({ maxEntries: 2, maxTokenLifetime: HOUR })
    await store.revoke({ jti: 'a', exp: NOW + 600 })
    await store.revoke({ jti: 'a', exp: NOW + 60 })
    await store.revoke({ sub: 'alice', before: NOW })
    await store.revoke({ sub: 'alice', before: NOW - 100 })
    expect(store.isRevoked({ sub: 'alice', iat: NOW - 50 })).toBe(true)
    at((NOW + 60 + 300) * 1000)
    // Both entries are still held: the store (of two) takes no third.
    expect(await isFull(store)).toBe(true)
    expect(store.isRevoked({ jti: 'a' })).toBe(true)
  })

  it('extends an entry revoked again with a later time', async () => {
    const { store, at } = setup({ maxEntries: 1 })
    await store.revoke({ jti: 'a', exp: NOW + 60 })
    await store.revoke({ jti: 'a', exp: NOW + 600 })
    at((NOW + 600 + 300) * 1000 - 1)
    expect(await isFull(store)).toBe(true)
  })
})

describe('a full store', () => {
  it('never evicts an entry still needed: revoke() rejects with RevocationStoreFullError', async () => {
    const { store } = setup({ maxEntries: 100 })
    const outcomes = await Promise.allSettled(
      Array.from({ length: 2_000 }, (_, n) =>
        store.revoke(n % 2 ? { jti: `t-${n}`, exp: NOW + HOUR } : { sub: `s-${n}`, before: NOW }),
      ),
    )
    const taken = outcomes.flatMap((outcome, n) => (outcome.status === 'fulfilled' ? [n] : []))
    expect(taken).toEqual(Array.from({ length: 100 }, (_, n) => n))
    const errors = outcomes.slice(100).map((outcome) => (outcome as PromiseRejectedResult).reason)
    expect(errors.every((error) => error instanceof RevocationStoreFullError)).toBe(true)
    expect(errors[0]).toMatchObject({ name: 'RevocationStoreFullError', maxEntries: 100 })
    expect((errors[0] as Error).message).toContain('full')
    for (const n of taken) {
      const claims = n % 2 ? { jti: `t-${n}` } : { sub: `s-${n}`, iat: NOW - 1 }
      expect(store.isRevoked(claims)).toBe(true)
    }
    expect(store.isRevoked({ jti: 't-101' })).toBe(false)
  })

  it('makes room by dropping only expired entries', async () => {
    const { store, at } = setup({ maxEntries: 2 })
    await store.revoke({ jti: 'short', exp: NOW + 10 })
    await store.revoke({ jti: 'long', exp: NOW + HOUR })
    at((NOW + 10 + 300) * 1000)
    await store.revoke({ jti: 'new', exp: NOW + HOUR })
    expect(store.isRevoked({ jti: 'short' })).toBe(false)
    expect(store.isRevoked({ jti: 'long' })).toBe(true)
    expect(store.isRevoked({ jti: 'new' })).toBe(true)
    expect(await isFull(store)).toBe(true)
  })

  it('still takes what it already holds, and the same jti for another issuer needs room', async () => {
    const { store } = setup({ maxEntries: 1 })
    await store.revoke({ jti: 'a', exp: NOW + HOUR, iss: ISS })
    await expect(store.revoke({ jti: 'a', exp: NOW + 2 * HOUR, iss: ISS })).resolves.toBeUndefined()
    await expect(store.revoke({ jti: 'a', exp: NOW + HOUR })).rejects.toBeInstanceOf(RevocationStoreFullError)
  })
})
