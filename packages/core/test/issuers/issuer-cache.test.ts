import { describe, expect, it } from '@jest/globals'
import { CallBudget, ExpiringLru } from '../../src/issuers/issuer-cache.js'

describe('ExpiringLru', () => {
  it('evicts the least recently used entry past its size', () => {
    const removed: string[] = []
    const lru = new ExpiringLru<string>(2, 1000, (value) => removed.push(value))
    lru.set('a', 'A', 0)
    lru.set('b', 'B', 0)
    expect(lru.get('a', 1)).toBe('A') // a is now the most recently used
    lru.set('c', 'C', 1)
    expect(removed).toEqual(['B'])
    expect(lru.get('b', 1)).toBeUndefined()
    expect(lru.size).toBe(2)
  })

  it('drops an entry at exactly its lifetime', () => {
    const removed: string[] = []
    const lru = new ExpiringLru<string>(5, 1000, (value) => removed.push(value))
    lru.set('a', 'A', 0)
    expect(lru.get('a', 999)).toBe('A')
    expect(lru.get('a', 1000)).toBeUndefined()
    expect(removed).toEqual(['A'])
  })

  it('replaces and deletes, reporting each value that leaves', () => {
    const removed: string[] = []
    const lru = new ExpiringLru<string>(5, 1000, (value) => removed.push(value))
    lru.set('a', 'A1', 0)
    lru.set('a', 'A2', 0)
    expect(lru.delete('a')).toBe(true)
    expect(lru.delete('a')).toBe(false)
    expect(removed).toEqual(['A1', 'A2'])
    const plain = new ExpiringLru<number>(1, 10)
    plain.set('x', 1, 0)
    plain.set('y', 2, 0)
    expect(plain.get('x', 0)).toBeUndefined()
  })

  it('after thousands of hits on a full cache, still evicts the entry used least recently', () => {
    const removed: number[] = []
    const lru = new ExpiringLru<number>(3, 1000, (value) => removed.push(value))
    for (const n of [1, 2, 3]) lru.set(`k${n}`, n, 0)
    for (let round = 0; round < 10_000; round++) lru.get(`k${(round % 2) + 1}`, 0) // k1 and k2, never k3
    lru.set('k4', 4, 0)
    expect(removed).toEqual([3])
    expect([lru.get('k1', 0), lru.get('k2', 0), lru.get('k4', 0)]).toEqual([1, 2, 4])
  })
})

describe('CallBudget', () => {
  it('allows its capacity at once, then one call per refill interval', () => {
    const budget = new CallBudget(3, 0)
    expect([budget.take(0), budget.take(0), budget.take(0), budget.take(0)]).toEqual([
      true,
      true,
      true,
      false,
    ])
    expect(budget.take(19_999)).toBe(false) // 3 per minute: one more after 20 s
    expect(budget.take(20_000)).toBe(true)
    expect(budget.take(20_000)).toBe(false)
  })

  it('never refills past its capacity, and ignores a clock that goes back', () => {
    const budget = new CallBudget(2, 0)
    expect(budget.take(10 * 60_000)).toBe(true)
    expect(budget.take(10 * 60_000)).toBe(true)
    expect(budget.take(10 * 60_000)).toBe(false)
    expect(budget.take(0)).toBe(false)
  })
})
