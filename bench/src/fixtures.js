import { Buffer } from 'node:buffer'
import { constants, createHmac, generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto'

/**
 * Keys and tokens for every run, made at start-up (no key is ever written to the repository). Signing uses
 * node:crypto directly: it is several times faster than an async JOSE library, which matters for the
 * thousands of cold tokens. The private keys never leave this process; children get public keys, the
 * HMAC secret and the tokens.
 */

export const AUDIENCE = 'https://api.bench.example'

const b64url = (value) => Buffer.from(value).toString('base64url')

function makeKey(alg) {
  switch (alg) {
    case 'RS256':
    case 'PS256': {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      const options =
        alg === 'PS256'
          ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
          : privateKey
      return { publicKey, signer: (data) => cryptoSign('sha256', data, options) }
    }
    case 'ES256': {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      return {
        publicKey,
        signer: (data) => cryptoSign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
      }
    }
    case 'EdDSA': {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519')
      return { publicKey, signer: (data) => cryptoSign(null, data, privateKey) }
    }
    case 'HS256': {
      const secret = randomBytes(32)
      return { secret, signer: (data) => createHmac('sha256', secret).update(data).digest() }
    }
    default:
      throw new Error(`unknown algorithm ${alg}`)
  }
}

/** A signer of compact JWTs for one algorithm, with a fresh key (`kid` names it in the JWK and the header). */
export function createSigner(alg, issuer, kid = `bench-${alg.toLowerCase()}`) {
  const key = makeKey(alg)
  const header = b64url(JSON.stringify({ alg, typ: 'JWT', kid }))
  const iat = Math.floor(Date.now() / 1000)
  return {
    alg,
    kid,
    publicJwk: key.publicKey
      ? { ...key.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' }
      : undefined,
    publicPem: key.publicKey ? key.publicKey.export({ format: 'pem', type: 'spki' }) : undefined,
    secret: key.secret ? key.secret.toString('base64url') : undefined,
    /** Token number `n`: a realistic access token, distinct for every `n`, with `extra` claims (e.g. `cnf`). */
    sign(n, extra = {}) {
      const payload = b64url(
        JSON.stringify({
          iss: issuer,
          sub: `user-${n}`,
          aud: AUDIENCE,
          iat,
          exp: iat + 4 * 3600,
          jti: `bench-${alg}-${n}`,
          scope: 'read:items write:items',
          client_id: 'bench-client',
          ...extra,
        }),
      )
      const input = `${header}.${payload}`
      return `${input}.${b64url(key.signer(Buffer.from(input)))}`
    },
  }
}

/**
 * Public material and tokens for the given algorithms, as plain JSON for child processes. With `boundTo`
 * (a DPoP key thumbprint), each algorithm also gets `bound`: 100 tokens bound to that key (`cnf.jkt`).
 */
export function makeFixtures(algorithms, issuer, poolSizes, { boundTo } = {}) {
  const fixtures = { issuer, audience: AUDIENCE, algs: {} }
  for (const alg of algorithms) {
    const signer = createSigner(alg, issuer)
    const size = poolSizes[alg]
    const tokens = new Array(size)
    for (let n = 0; n < size; n++) tokens[n] = signer.sign(n)
    fixtures.algs[alg] = {
      alg,
      kid: signer.kid,
      publicJwk: signer.publicJwk,
      publicPem: signer.publicPem,
      secret: signer.secret,
      warm: signer.sign(-1),
      cold: tokens,
      ...(boundTo === undefined
        ? {}
        : {
            bound: Array.from({ length: 100 }, (_, n) =>
              signer.sign(`bound-${n}`, { cnf: { jkt: boundTo } }),
            ),
          }),
    }
  }
  return fixtures
}
