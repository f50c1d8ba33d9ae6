import { describe, expect, it } from '@jest/globals'
import { isEncrypted } from '../../src/jwe/nested-token.js'

describe('isEncrypted', () => {
  it.each([
    ['a.b.c.d.e', true],
    ['a..c.d.e', true], // ECDH-ES and dir leave the encrypted key empty
    ['a.b.c', false],
    ['a.b.c.d', false],
    ['a.b.c.d.e.f', false],
    ['', false],
  ])('%j → %s', (token, expected) => {
    expect(isEncrypted(token)).toBe(expected)
  })
})
