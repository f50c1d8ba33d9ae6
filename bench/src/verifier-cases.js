import { Buffer } from 'node:buffer'
import { createHmac, createPublicKey, createSecretKey, constants, timingSafeEqual, verify } from 'node:crypto'
import { createVerifier as createFastJwtVerifier } from 'fast-jwt'
import { importJWK, jwtVerify } from 'jose'
import jsonwebtoken from 'jsonwebtoken'
import { createVerifier } from '@tokenguard/core'

/**
 * The contenders of the verifier benchmark. Each `make(fixture)` returns `{ verify, sync }`; `verify`
 * takes a compact token and returns (or resolves to) something truthy, and throws on a bad token. `fresh`
 * contenders keep per-instance state (a token cache) and are re-created for every measurement, so a
 * cold run never profits from an earlier one.
 */

const HASH = { RS256: 'sha256', PS256: 'sha256', ES256: 'sha256', EdDSA: null }

/** The physical limit: one signature check with a pre-imported KeyObject, nothing else. */
function rawCrypto(fixture, { async }) {
  const { alg } = fixture
  if (alg === 'HS256') {
    const key = createSecretKey(Buffer.from(fixture.secret, 'base64url'))
    return {
      sync: true,
      verify(token) {
        const dot = token.lastIndexOf('.')
        const mac = createHmac('sha256', key).update(token.slice(0, dot)).digest()
        const signature = Buffer.from(token.slice(dot + 1), 'base64url')
        if (signature.length !== mac.length || !timingSafeEqual(signature, mac))
          throw new Error('bad signature')
        return true
      },
    }
  }
  const publicKey = createPublicKey(fixture.publicPem)
  const key =
    alg === 'PS256'
      ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : alg === 'ES256'
        ? { key: publicKey, dsaEncoding: 'ieee-p1363' }
        : publicKey
  const hash = HASH[alg]
  if (async) {
    // The callback form runs on libuv's thread pool, like WebCrypto: the limit under concurrency.
    return {
      sync: false,
      verify(token) {
        const dot = token.lastIndexOf('.')
        const data = Buffer.from(token.slice(0, dot))
        const signature = Buffer.from(token.slice(dot + 1), 'base64url')
        return new Promise((resolve, reject) =>
          verify(hash, data, key, signature, (error, ok) =>
            error || !ok ? reject(error ?? new Error('bad signature')) : resolve(true),
          ),
        )
      },
    }
  }
  return {
    sync: true,
    verify(token) {
      const dot = token.lastIndexOf('.')
      const data = Buffer.from(token.slice(0, dot))
      if (!verify(hash, data, key, Buffer.from(token.slice(dot + 1), 'base64url')))
        throw new Error('bad signature')
      return true
    },
  }
}

async function joseKey(fixture) {
  if (fixture.alg === 'HS256') return Buffer.from(fixture.secret, 'base64url')
  return importJWK(fixture.publicJwk, fixture.alg)
}

function peerKey(fixture) {
  return fixture.alg === 'HS256' ? Buffer.from(fixture.secret, 'base64url') : fixture.publicPem
}

function tokenguard(fixture, issuer, audience, cache) {
  const keys =
    fixture.alg === 'HS256'
      ? { secret: Buffer.from(fixture.secret, 'base64url') }
      : { keys: fixture.publicJwk, algorithms: [fixture.alg] }
  const verifier = createVerifier({ issuer, audience, ...keys, ...(cache ? {} : { cache: false }) })
  return { sync: false, verify: (token) => verifier.verify(token) }
}

/** @type {{ name: string, id: string, fresh?: boolean, warm?: boolean, cold?: boolean, make: Function }[]} */
export const contenders = [
  {
    id: 'crypto',
    name: 'node:crypto (limit)',
    make: async (fixture, _f, { concurrency }) => rawCrypto(fixture, { async: concurrency > 1 }),
  },
  {
    id: 'jose',
    name: 'jose.jwtVerify',
    make: async (fixture, { issuer, audience }) => {
      const key = await joseKey(fixture)
      const options = { issuer, audience, algorithms: [fixture.alg] }
      return { sync: false, verify: (token) => jwtVerify(token, key, options) }
    },
  },
  {
    id: 'fast-jwt',
    name: 'fast-jwt',
    make: async (fixture, { issuer, audience }) => {
      const verifier = createFastJwtVerifier({
        key: peerKey(fixture),
        algorithms: [fixture.alg],
        allowedIss: issuer,
        allowedAud: audience,
      })
      return { sync: true, verify: verifier }
    },
  },
  {
    id: 'fast-jwt-cache',
    name: 'fast-jwt (cache)',
    fresh: true,
    make: async (fixture, { issuer, audience }) => {
      const verifier = createFastJwtVerifier({
        key: peerKey(fixture),
        algorithms: [fixture.alg],
        allowedIss: issuer,
        allowedAud: audience,
        cache: true,
      })
      return { sync: true, verify: verifier }
    },
  },
  {
    id: 'jsonwebtoken',
    name: 'jsonwebtoken',
    make: async (fixture, { issuer, audience }) => {
      const key = peerKey(fixture)
      const options = { algorithms: [fixture.alg], issuer, audience }
      return { sync: true, verify: (token) => jsonwebtoken.verify(token, key, options) }
    },
  },
  {
    id: 'tokenguard',
    name: 'tokenguard',
    fresh: true,
    make: async (fixture, { issuer, audience }) => tokenguard(fixture, issuer, audience, true),
  },
  {
    id: 'tokenguard-nocache',
    name: 'tokenguard (cache: false)',
    warm: false,
    make: async (fixture, { issuer, audience }) => tokenguard(fixture, issuer, audience, false),
  },
]
