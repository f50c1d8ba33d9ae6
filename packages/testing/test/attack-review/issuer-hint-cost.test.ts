import { describe, expect, it } from '@jest/globals'
import { AuthError, createVerifier } from '@tokenguard/core'

/**
 * Found by review (item 149): the reason for an untrusted `iss` computes near-miss hints, and its
 * trailing-slash hint ran `name.replace(/\/+$/, '')` on the token's `iss` — quadratic on a long run of `/`
 * that does not end the string. An unsigned token with ~6 000 slashes in `iss` (under the default
 * 8 192-character limit) blocked the event loop ~300× longer than any other refusal.
 *
 * Fixed by stripping slashes with a linear loop and by looking at an `iss` only when it is at most 512
 * characters long. No timing is asserted here (`npm test` asserts behaviour, benchmarks measure time): these
 * tests pin that long values skip the hint entirely and short ones still get it.
 */

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const HEADER = b64({ alg: 'RS256', typ: 'JWT' })
const unsigned = (iss: string) => `${HEADER}.${b64({ iss })}.AA`
const TRUSTED = 'https://idp.example.com/tenant/'

/** Any syntactically valid secret: the issuer is refused before a key is ever looked at. */
const SECRET = 'a-secret-that-is-at-least-32-bytes-long'

async function reasonFor(token: string, issuers: string[] = [TRUSTED]) {
  const verifier = createVerifier({ issuer: issuers, audience: 'api', secret: SECRET })
  const error = await verifier.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AuthError)
  return (error as AuthError).reason
}

describe('a refused iss is explained in linear time', () => {
  it('an iss of 6 000 slashes and an x is refused without a hint (the hint only looks at short values)', async () => {
    const token = unsigned(`${'/'.repeat(6000)}x`)
    expect(token.length).toBeLessThanOrEqual(8192)
    const reason = await reasonFor(token, [TRUSTED, 'https://a.example/', 'https://b.example/'])
    expect(reason.check).toBe('iss')
    expect(reason.message).not.toMatch(/differs/)
  })

  it('a short near miss still gets its hint, trailing slashes stripped by the linear loop', async () => {
    const reason = await reasonFor(unsigned(`${TRUSTED}///`))
    expect(reason.message).toMatch(/only by a trailing slash/)
    const none = await reasonFor(unsigned('https://idp.example.com/tenant'))
    expect(none.message).toMatch(/only by a trailing slash/)
  })

  it('an iss of exactly 512 characters is still hinted; 513 is not', async () => {
    const at = `${TRUSTED}${'/'.repeat(512 - TRUSTED.length)}`
    expect((await reasonFor(unsigned(at))).message).toMatch(/trailing slash/)
    expect((await reasonFor(unsigned(`${at}/`))).message).not.toMatch(/trailing slash/)
  })
})
