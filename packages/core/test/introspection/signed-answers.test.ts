import { createHmac } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createVerifier } from '@tokenguard/core'
import { createTestIssuer } from '@tokenguard/testing'
import { SignJWT } from 'jose'
import { expectAuthError } from '../support/expect-error.js'
import { AUDIENCE, b64url, compact, makeKey, type TestKey } from '../support/keys.js'
import {
  activeClaims,
  optionsFor,
  opaqueToken,
  serverKey,
  startIntrospectionServer,
  type Answer,
  type IntrospectionServer,
} from './introspection-server.js'

/**
 * Signed answers (RFC 9701): asked for with `signedResponse`, believed only when the issuer's key signed
 * them for this client. A forged or misdirected answer is the server's failure (503), never a pass.
 */

const SIGNED = 'application/token-introspection+jwt'
let server: IntrospectionServer
let key: TestKey
let stranger: TestKey
beforeAll(async () => {
  server = await startIntrospectionServer()
  key = await serverKey()
  stranger = await makeKey('ES256', { kid: key.kid })
})
afterAll(() => server.close())
afterEach(() => {
  server.requests.length = 0
})

const seconds = () => Math.floor(Date.now() / 1000)

/** The claims of a good signed answer, with `overrides` (`undefined` leaves one out). */
function answerClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const claims = {
    iss: server.issuer,
    aud: 'orders-api',
    iat: seconds(),
    token_introspection: activeClaims(),
    ...overrides,
  }
  return JSON.parse(JSON.stringify(claims)) as Record<string, unknown>
}

async function signAnswer(
  claims = answerClaims(),
  header: Record<string, unknown> = {},
  signer: TestKey = key,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'token-introspection+jwt', ...header } as never)
    .sign(signer.privateKey)
}

const sends =
  (jwt: string, type = SIGNED): Answer =>
  (_request, res) =>
    void res.writeHead(200, { 'content-type': type }).end(jwt)

async function verifyWith(answer: Answer) {
  server.answer = answer
  return createVerifier(await optionsFor(server, { signedResponse: true })).verify(opaqueToken())
}

describe('a signed answer', () => {
  it('is accepted from a real issuer, asked for with Accept: application/token-introspection+jwt', async () => {
    const client = { clientId: 'orders-api', clientSecret: 'introspection-secret' }
    const issuer = await createTestIssuer({ introspection: client })
    try {
      const verifier = createVerifier({
        issuer: [{ issuer: issuer.url, introspection: { ...client, signedResponse: true } }],
        audience: issuer.audience,
      })
      const token = issuer.issueOpaqueToken({ sub: 'signed-user' })
      const result = await verifier.verify(token)
      expect(result.payload).toMatchObject({ active: true, sub: 'signed-user' })
      expect(result.header).toEqual({})
      issuer.revokeToken(token)
      await expectAuthError(verifier.verify(token), 'token_inactive')
    } finally {
      await issuer.close()
    }
  })

  it('is accepted when well made; its token_introspection is the payload', async () => {
    const result = await verifyWith(sends(await signAnswer()))
    expect(result.payload).toMatchObject({ active: true, aud: AUDIENCE })
    expect(server.requests[0]?.headers.accept).toBe(SIGNED)
  })

  it('may be up to 60 s plus the clock tolerance from now', async () => {
    await expect(
      verifyWith(sends(await signAnswer(answerClaims({ iat: seconds() - 60 })))),
    ).resolves.toBeDefined()
    await expect(
      verifyWith(sends(await signAnswer(answerClaims({ iat: seconds() + 60 })))),
    ).resolves.toBeDefined()
  })

  it('may name several audiences, one of them this client, and carry a media type parameter', async () => {
    const jwt = await signAnswer(answerClaims({ aud: ['other-client', 'orders-api'] }))
    await expect(verifyWith(sends(`${jwt}\n`, `${SIGNED}; charset=utf-8`))).resolves.toBeDefined()
  })

  it('says inactive with token_introspection.active false (401)', async () => {
    const jwt = await signAnswer(answerClaims({ token_introspection: { active: false } }))
    await expectAuthError(verifyWith(sends(jwt)), 'token_inactive')
  })
})

describe('a forged or misdirected signed answer (503)', () => {
  it.each<[string, string, () => Promise<string>]>([
    ['typ JWT', 'typ', () => signAnswer(answerClaims(), { typ: 'JWT' })],
    ['no typ', 'typ', () => signAnswer(answerClaims(), { typ: undefined })],
    ['aud another client', 'aud', () => signAnswer(answerClaims({ aud: 'other-client' }))],
    ['no aud', 'aud', () => signAnswer(answerClaims({ aud: undefined }))],
    ['iss another issuer', 'iss', () => signAnswer(answerClaims({ iss: 'https://evil.example/' }))],
    ['no iss', 'iss', () => signAnswer(answerClaims({ iss: undefined }))],
    ['no iat', 'iat', () => signAnswer(answerClaims({ iat: undefined }))],
    // Made for this request: an old answer must not stand in for the answers to other tokens.
    ['iat an hour old', 's old', () => signAnswer(answerClaims({ iat: seconds() - 3600 }))],
    [
      'iat 66 s old (60 s and the 5 s clock tolerance)',
      's old',
      () => signAnswer(answerClaims({ iat: seconds() - 67 })),
    ],
    ['iat an hour ahead', 'in the future', () => signAnswer(answerClaims({ iat: seconds() + 3600 }))],
    [
      'no token_introspection',
      'not a JSON object',
      () => signAnswer(answerClaims({ token_introspection: undefined })),
    ],
    [
      'a signature by another key with the same kid',
      'invalid signature',
      () => signAnswer(answerClaims(), {}, stranger),
    ],
    ['an unknown kid', 'no key', () => signAnswer(answerClaims(), { kid: 'nobody' })],
    [
      'alg none with an empty signature',
      'compact JWS',
      async () =>
        compact({ alg: 'none', typ: 'token-introspection+jwt' }, answerClaims()).replace(/c2ln$/, ''),
    ],
    [
      'alg none with a signature',
      'alg',
      async () => compact({ alg: 'none', typ: 'token-introspection+jwt' }, answerClaims()),
    ],
    [
      'HS256 keyed with the public key',
      'alg',
      async () => {
        const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'token-introspection+jwt' }))}.${b64url(JSON.stringify(answerClaims()))}`
        const mac = createHmac('sha256', JSON.stringify(key.publicJwk)).update(input).digest('base64url')
        return `${input}.${mac}`
      },
    ],
    [
      'a payload changed after signing',
      'invalid signature',
      async () => {
        const [header, , signature] = (await signAnswer()).split('.')
        const forged = b64url(
          JSON.stringify(answerClaims({ token_introspection: activeClaims({ sub: 'admin' }) })),
        )
        return `${header}.${forged}.${signature}`
      },
    ],
    ['no JWS at all', 'compact JWS', async () => 'not-a-jws'],
    ['a JWS with a broken header', 'compact JWS', async () => 'e30.e30.c2ln'.replace('e30', b64url('{'))],
  ])('refuses %s (reason: %s)', async (_, why, make) => {
    const error = await expectAuthError(verifyWith(sends(await make())), 'introspection_unavailable')
    expect(error.reason?.check).toBe('introspection')
    expect(error.reason?.message).toContain(why)
  })

  it('refuses a plain JSON answer when a signed one was asked for', async () => {
    const plain = JSON.stringify(activeClaims())
    await expectAuthError(verifyWith(sends(plain, 'application/json')), 'introspection_unavailable')
    await expectAuthError(
      verifyWith((_request, res) => void res.writeHead(200).end(plain)),
      'introspection_unavailable',
    )
  })

  it('is keys_unavailable (503) when the issuer’s keys cannot be fetched', async () => {
    const gone = await startIntrospectionServer()
    await gone.close()
    server.answer = sends(await signAnswer())
    const verifier = createVerifier({
      issuer: [
        {
          issuer: server.issuer,
          jwksUri: `${gone.issuer}/jwks`,
          introspection: {
            endpoint: server.endpoint,
            clientId: 'orders-api',
            clientSecret: 's',
            signedResponse: true,
          },
        },
      ],
      audience: AUDIENCE,
    })
    await expectAuthError(verifier.verify(opaqueToken()), 'keys_unavailable')
  })
})
