import { createHmac } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import { createDpopNonces } from '../../src/dpop/nonce.js'
import { expectConfigError } from '../support/expect-error.js'

const SECRET = 's'.repeat(32)
const OTHER = 'o'.repeat(32)
const STEP_MS = 300_000

function nonceOf(secret: string, step: number): string {
  return createHmac('sha256', secret).update(`tokenguard-dpop-nonce:${step}`).digest('base64url')
}

describe('createDpopNonces', () => {
  const t = 100 * STEP_MS + 5

  it('makes 43-character nonces that are valid in their step and the next, not later', () => {
    const nonces = createDpopNonces(SECRET, undefined)
    const nonce = nonces.current(t)
    expect(nonce).toMatch(/^[\w-]{43}$/)
    expect(nonces.current(t + 1)).toBe(nonce)
    expect(nonces.isValid(nonce, t)).toBe(true)
    expect(nonces.isValid(nonce, t + STEP_MS)).toBe(true)
    expect(nonces.isValid(nonce, t + 2 * STEP_MS)).toBe(false)
    expect(nonces.isValid(nonceOf(SECRET, 98), t)).toBe(false)
    // A nonce of a future step (a clock ahead) is not accepted either.
    expect(nonces.isValid(nonceOf(SECRET, 101), t)).toBe(false)
  })

  it('is stateless: another instance with the same secret agrees; another secret does not', () => {
    const nonce = createDpopNonces(SECRET, 300).current(t)
    expect(createDpopNonces(SECRET, 300).isValid(nonce, t)).toBe(true)
    expect(createDpopNonces(OTHER, 300).isValid(nonce, t)).toBe(false)
  })

  it('rolls over: the first secret makes nonces, every secret verifies', () => {
    const nonces = createDpopNonces([OTHER, Buffer.from(SECRET)], 300)
    expect(nonces.current(t)).toBe(nonceOf(OTHER, 100))
    expect(nonces.isValid(nonceOf(SECRET, 100), t)).toBe(true)
    expect(nonces.isValid(nonceOf(SECRET, 99), t)).toBe(true)
  })

  it('honours lifetime', () => {
    const nonces = createDpopNonces(SECRET, 10)
    const nonce = nonces.current(0)
    expect(nonces.isValid(nonce, 19_999)).toBe(true)
    expect(nonces.isValid(nonce, 20_000)).toBe(false)
  })

  it.each([
    ['not a string', 42],
    ['undefined', undefined],
    ['too short', 'abc'],
    ['non-canonical base64url of the right length', `${nonceOf(SECRET, 100).slice(0, 42)}!`],
  ])('refuses a nonce that is %s', (_, nonce) => {
    expect(createDpopNonces(SECRET, 300).isValid(nonce, t)).toBe(false)
  })

  it.each([
    ['dpop.nonce.secret', 'short', undefined],
    ['dpop.nonce.secret', 42, undefined],
    ['dpop.nonce.secret', [], undefined],
    ['dpop.nonce.secret[1]', [SECRET, 'short'], undefined],
    ['dpop.nonce.lifetime', SECRET, 0],
    ['dpop.nonce.lifetime', SECRET, 1.5],
    ['dpop.nonce.lifetime', SECRET, 86_401],
  ])('refuses a bad %s', (option, secret, lifetime) => {
    expectConfigError(() => createDpopNonces(secret, lifetime), option)
  })
})
