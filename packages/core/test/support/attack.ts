import { expect } from '@jest/globals'
import {
  createVerifier,
  isAuthError,
  type AuthError,
  type AuthErrorCode,
  type Verifier,
  type VerifierOptions,
} from '@tokenguard/core'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK } from 'jose'
import { AUDIENCE, b64url, ISSUER, makeKey, NOW, type TestKey } from './keys.js'
import { rawSignature } from './raw-sign.js'

/** RFC 6750 §3: what an `error_description` / `realm` value may contain. */
const SAFE_QUOTED = /^"[\x20\x21\x23-\x5b\x5d-\x7e]*"$/

/**
 * Asserts a `WWW-Authenticate` value is a well-formed RFC 6750 Bearer challenge: no CR/LF, each
 * attribute at most once, quoted values in the allowed character set.
 */
export function expectSafeChallenge(value: string | undefined): void {
  expect(typeof value).toBe('string')
  const challenge = value as string
  expect(challenge).not.toMatch(/[\r\n\0]/)
  expect(challenge.startsWith('Bearer')).toBe(true)
  const rest = challenge.slice('Bearer'.length).trim()
  if (rest === '') return
  const names = new Set<string>()
  for (const attribute of rest.split(/, (?=[a-z_]+=)/)) {
    const [, name, quoted] = /^([a-z_]+)=(".*")$/.exec(attribute) ?? []
    expect(name).toBeDefined()
    expect(names.has(name!)).toBe(false)
    names.add(name!)
    expect(quoted).toMatch(SAFE_QUOTED)
  }
}

/**
 * Awaits a verification that must fail with 401 `invalid_token` (optionally with `code`), and checks the
 * error is safe to send: generic message, no token text, well-formed challenge.
 */
export async function expectInvalidToken(
  attempt: Promise<unknown>,
  code?: AuthErrorCode | AuthErrorCode[],
  token?: string,
): Promise<AuthError> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (error === undefined) throw new Error('expected the token to be rejected, but it verified')
  expect(isAuthError(error)).toBe(true)
  const auth = error as AuthError
  expect(auth.status).toBe(401)
  expect(auth.error).toBe('invalid_token')
  if (code !== undefined) expect(Array.isArray(code) ? code : [code]).toContain(auth.code)
  expectSafeChallenge(auth.headers['WWW-Authenticate'])
  expect(auth.headers['WWW-Authenticate']).toContain('error="invalid_token"')
  if (token !== undefined && token.length > 8) {
    expect(auth.message).not.toContain(token)
    expect(auth.headers['WWW-Authenticate']).not.toContain(token.slice(0, 40))
  }
  return auth
}

/** Keys and verifier factories shared by the attack suite. */
export interface AttackFixture {
  rsa: TestKey
  ec: TestKey
  /** A second RSA key that is *not* trusted: the attacker's. */
  attacker: TestKey
  /** A verifier trusting `rsa` and `ec` as static keys, fixed clock, cache on. */
  verifier(options?: Partial<VerifierOptions>): Verifier
}

export async function attackFixture(): Promise<AttackFixture> {
  const [rsa, ec, attacker] = await Promise.all([makeKey('RS256'), makeKey('ES256'), makeKey('RS256')])
  return {
    rsa,
    ec,
    attacker: { ...attacker, kid: rsa.kid, publicJwk: { ...attacker.publicJwk, kid: rsa.kid } },
    verifier: (options = {}) =>
      createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: { keys: [rsa.publicJwk, ec.publicJwk] },
        now: () => NOW * 1000,
        ...options,
      } as VerifierOptions),
  }
}

/** A loopback listener that counts every connection and request: the "attacker" URL of SSRF tests. */
export interface Listener {
  url: string
  connections: () => number
  requests: () => number
  close(): Promise<void>
}

export async function startListener(): Promise<Listener> {
  let connections = 0
  let requests = 0
  const server: Server = createServer((_req, res) => {
    requests++
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}')
  })
  server.on('connection', () => connections++)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * Signs raw header and payload *texts* (or bytes) with a test key, so tests can build tokens whose JSON a
 * normal signer would never produce (duplicate members, non-objects, odd encodings).
 */
export async function signParts(
  key: TestKey,
  header: string | Uint8Array,
  payload: string | Uint8Array,
): Promise<string> {
  const jwk = await exportJWK(key.privateKey)
  const input = `${b64url(header)}.${b64url(payload)}`
  return `${input}.${rawSignature(key.alg, jwk, input)}`
}

/** `signParts` with JSON values. */
export function signJson(key: TestKey, header: unknown, payload: unknown): Promise<string> {
  return signParts(key, JSON.stringify(header), JSON.stringify(payload))
}
