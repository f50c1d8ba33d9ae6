import { Buffer } from 'node:buffer'
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { argv, stderr } from 'node:process'
import { performance } from 'node:perf_hooks'
import { TextDecoder, TextEncoder } from 'node:util'
import { compactDecrypt, CompactEncrypt, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose'
import { createVerifier } from '@tokenguard/core'
import { settings } from './config.js'
import { collectGarbage, median, rotate } from './stats.js'

/**
 * Encrypted access tokens (nested JWTs): ops/s of tokenguard's verify() on a signed ES256 JWT encrypted
 * with RSA-OAEP-256 + A256GCM and with ECDH-ES+A256KW (P-256) + A256GCM, cold (a new token every call,
 * fresh verifier) and warm (one token repeated: the cache), next to jose's `jwtDecrypt` then `jwtVerify`.
 * Two rows measure what an attacker can impose: garbage JWEs with a valid-looking header (the API's kid,
 * listed alg and enc, every size right — so each costs one private-key operation), and garbage naming an
 * unknown kid (refused before any decryption). One more shows what configuring decryption costs a plain
 * signed token: nothing but a segment count.
 *
 * Usage: node --expose-gc jwe-bench.js <result.json>   (run by run.js when BENCH_ONLY includes `jwe`)
 */

const ISSUER = 'https://issuer.example/'
const AUDIENCE = 'https://api.example'
const POOL = settings.quick ? 400 : 3_000
const BATCH = 8

async function measure(verify, tokens, ms, maxOps = Number.POSITIVE_INFINITY) {
  let done = 0
  const start = performance.now()
  const deadline = start + ms
  for (let next = 0; done < maxOps && performance.now() < deadline;) {
    for (let k = 0; k < BATCH && done < maxOps; k++, done++) {
      try {
        await verify(tokens[next++ % tokens.length])
      } catch {
        // Garbage rows: the refusal is what is timed.
      }
    }
  }
  return done / ((performance.now() - start) / 1000)
}

function garbageLike(token, kid) {
  const [header, encryptedKey, iv, ciphertext, tag] = token.split('.')
  const random = (segment) => randomBytes(Buffer.from(segment, 'base64url').length).toString('base64url')
  const head =
    kid === undefined
      ? header
      : Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url')), kid })).toString(
          'base64url',
        )
  return [
    head,
    encryptedKey === '' ? '' : random(encryptedKey),
    random(iv),
    random(ciphertext),
    random(tag),
  ].join('.')
}

async function setUp(alg) {
  const signer = await generateKeyPair('ES256', { extractable: true })
  const encryption = await generateKeyPair(alg, {
    extractable: true,
    ...(alg.startsWith('ECDH') ? { crv: 'P-256' } : {}),
  })
  const signingJwk = { ...(await exportJWK(signer.publicKey)), kid: 'sig-1', alg: 'ES256' }
  const decryptionJwk = { ...(await exportJWK(encryption.privateKey)), kid: 'enc-1' }
  const now = Math.floor(Date.now() / 1000)
  const make = async (i) => {
    const jws = await new SignJWT({ sub: `user-${i}`, scope: 'read' })
      .setProtectedHeader({ alg: 'ES256', kid: 'sig-1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .setJti(`jti-${i}`)
      .sign(signer.privateKey)
    const jwe = await new CompactEncrypt(new TextEncoder().encode(jws))
      .setProtectedHeader({ alg, enc: 'A256GCM', cty: 'JWT', kid: 'enc-1' })
      .encrypt(encryption.publicKey)
    return { jws, jwe }
  }
  const tokens = []
  for (let i = 0; i < POOL; i++) tokens.push(await make(i))
  const options = {
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: signingJwk,
    decryption: { keys: decryptionJwk },
  }
  const joseOptions = { issuer: ISSUER, audience: AUDIENCE }
  const joseNested = async (jwe) => {
    // jwtDecrypt would parse the plaintext as claims; a nested token needs compactDecrypt, then jwtVerify.
    const { plaintext } = await compactDecrypt(jwe, encryption.privateKey, {
      keyManagementAlgorithms: [alg],
      contentEncryptionAlgorithms: ['A256GCM'],
    })
    return jwtVerify(new TextDecoder().decode(plaintext), signer.publicKey, joseOptions)
  }
  return {
    jwes: tokens.map((t) => t.jwe),
    jwss: tokens.map((t) => t.jws),
    garbage: tokens.map((t) => garbageLike(t.jwe)),
    unknownKid: tokens.map((t) => garbageLike(t.jwe, 'made-up')),
    fresh: () => createVerifier(options),
    plainFresh: (withDecryption) =>
      createVerifier(withDecryption ? options : { issuer: ISSUER, audience: AUDIENCE, keys: signingJwk }),
    joseNested,
  }
}

/** Each row: a fresh instance per measurement (so cold runs never reuse a cache), and its token list. */
function rows(s) {
  return [
    { id: 'tokenguard cold', make: () => s.fresh(), tokens: s.jwes, cold: true },
    {
      id: 'jose compactDecrypt + jwtVerify cold',
      make: () => ({ verify: s.joseNested }),
      tokens: s.jwes,
      cold: true,
    },
    { id: 'tokenguard warm', make: () => s.fresh(), tokens: s.jwes.slice(0, 1) },
    {
      id: 'jose compactDecrypt + jwtVerify warm',
      make: () => ({ verify: s.joseNested }),
      tokens: s.jwes.slice(0, 1),
    },
    { id: 'tokenguard garbage, valid-looking header', make: () => s.fresh(), tokens: s.garbage },
    { id: 'tokenguard garbage, unknown kid', make: () => s.fresh(), tokens: s.unknownKid },
    {
      id: 'plain JWS cold, decryption configured',
      make: () => s.plainFresh(true),
      tokens: s.jwss,
      cold: true,
    },
    { id: 'plain JWS cold, no decryption', make: () => s.plainFresh(false), tokens: s.jwss, cold: true },
  ]
}

export async function runJweBench() {
  const results = {}
  for (const alg of ['RSA-OAEP-256', 'ECDH-ES+A256KW']) {
    stderr.write(`  JWE ${alg}: encrypting ${POOL} tokens…\n`)
    const s = await setUp(alg)
    const list = rows(s)
    const rounds = Object.fromEntries(list.map((row) => [row.id, []]))
    const run = async (row, ms) => {
      const instance = row.make()
      collectGarbage()
      // A cold run stops before its pool wraps around: a second pass would hit the cache.
      return measure(
        (token) => instance.verify(token),
        row.tokens,
        ms,
        row.cold ? row.tokens.length : undefined,
      )
    }
    for (const row of list) await run(row, settings.verifierWarmupMs)
    for (let round = 0; round < settings.verifierRounds; round++)
      for (const row of rotate(list, round)) rounds[row.id].push(await run(row, settings.verifierMs))
    results[alg] = Object.fromEntries(
      list.map((row) => [row.id, { rounds: rounds[row.id], median: median(rounds[row.id]) }]),
    )
  }
  return results
}

if (argv[2]) writeFileSync(argv[2], JSON.stringify(await runJweBench()))
