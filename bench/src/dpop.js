import { Buffer } from 'node:buffer'
import { createHash, generateKeyPairSync, sign as cryptoSign } from 'node:crypto'

/**
 * DPoP (RFC 9449) for the HTTP benchmark: one ES256 client key, and proofs made ahead of each measurement
 * (one fresh proof per request, as a real client sends), so the load generator only hands them out.
 * Proofs name `http://bench.example/api` and requests carry `Host: bench.example`, so they are made once
 * whatever port the server under test listens on.
 */

export const DPOP_HOST = 'bench.example'
export const DPOP_HTU = `http://${DPOP_HOST}/api`

const b64url = (value) => Buffer.from(value).toString('base64url')
const sha256 = (text) => createHash('sha256').update(text).digest('base64url')

/** A client key: its public JWK, its RFC 7638 thumbprint (a bound token's `cnf.jkt`), and a proof maker. */
export function createDpopClient() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const { crv, kty, x, y } = publicKey.export({ format: 'jwk' })
  const jwk = { crv, kty, x, y }
  const header = b64url(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk }))
  let counter = 0
  return {
    thumbprint: sha256(JSON.stringify({ crv, kty, x, y })),
    /** A fresh proof (new `jti`) for `method htu` with the access token `token`. */
    proof(token, { method = 'GET', htu = DPOP_HTU } = {}) {
      const payload = b64url(
        JSON.stringify({
          htm: method,
          htu,
          iat: Math.floor(Date.now() / 1000),
          jti: `bench-proof-${process.pid}-${counter++}`,
          ath: sha256(token),
        }),
      )
      const input = `${header}.${payload}`
      const signature = cryptoSign('sha256', Buffer.from(input), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      })
      return `${input}.${b64url(signature)}`
    },
  }
}

/** `count` requests' worth of `{ token, proof }`, cycling through `tokens`, each proof used once. */
export function makeDpopRequests(client, tokens, count) {
  const requests = new Array(count)
  for (let n = 0; n < count; n++) {
    const token = tokens[n % tokens.length]
    requests[n] = { token, proof: client.proof(token) }
  }
  return requests
}
