import { describe, expect, it } from '@jest/globals'
import { createMemoryReplayStore, ReplayStoreFullError } from '@tokenguard/core'
import { expectConfigError } from '../support/expect-error.js'

describe('createMemoryReplayStore', () => {
  it('accepts an id once within its ttl, and again once the ttl has passed', () => {
    let now = 1_000
    const store = createMemoryReplayStore({ now: () => now })
    expect(store.useOnce('a', 100)).toBe(true)
    expect(store.useOnce('a', 100)).toBe(false)
    expect(store.useOnce('b', 100)).toBe(true)
    // Remembered up to and including its last millisecond.
    now = 1_100
    expect(store.useOnce('a', 100)).toBe(false)
    now = 1_101
    expect(store.useOnce('a', 100)).toBe(true)
  })

  it('when full, forgets expired proofs first and refuses rather than forget a live one', () => {
    let now = 0
    const store = createMemoryReplayStore({ maxEntries: 2, now: () => now })
    expect(store.useOnce('a', 10)).toBe(true)
    expect(store.useOnce('b', 20)).toBe(true)
    expect(() => store.useOnce('c', 10)).toThrow(ReplayStoreFullError)
    // `a` expired: it makes room, and `b` is still remembered.
    now = 11
    expect(store.useOnce('c', 10)).toBe(true)
    expect(store.useOnce('b', 20)).toBe(false)
    expect(() => store.useOnce('d', 10)).toThrow(/2 live proofs/)
  })

  it('a repeat never counts against the bound', () => {
    const store = createMemoryReplayStore({ maxEntries: 1, now: () => 0 })
    expect(store.useOnce('a', 10)).toBe(true)
    expect(store.useOnce('a', 10)).toBe(false)
  })

  it('uses the real clock by default', () => {
    const store = createMemoryReplayStore()
    expect(store.useOnce('x', 60_000)).toBe(true)
    expect(store.useOnce('x', 60_000)).toBe(false)
  })

  it.each([
    ['options', null],
    ['maxEntries', { maxEntries: 0 }],
    ['maxEntries', { maxEntries: 1.5 }],
    ['now', { now: 5 }],
  ])('refuses a bad %s', (option, options) => {
    expectConfigError(() => createMemoryReplayStore(options as never), option)
  })
})
