import { randomUUID, type KeyObject } from 'node:crypto'
import { importJWK, SignJWT, type JWK } from 'jose'
import { ConfigError } from '../errors.js'
import type { IntrospectionAuthMethod } from './introspection-types.js'

/** What authenticates one request to the introspection endpoint: headers and form parameters to add. */
export interface ClientCredentials {
  headers: Record<string, string>
  params: Record<string, string>
}

/** Makes the credentials of each introspection request; a fresh assertion every time for `private_key_jwt`. */
export type ClientAuthentication = () => Promise<ClientCredentials> | ClientCredentials

/** RFC 6749 §2.3.1 and Appendix B: `application/x-www-form-urlencoded`, as a form field would be. */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1)
}

/** RFC 7523 §3: the client assertion lives briefly; one minute covers any clock skew worth accepting. */
const ASSERTION_LIFETIME_SECONDS = 60

interface ClientAuthenticationConfig {
  authMethod: IntrospectionAuthMethod
  clientId: string
  clientSecret: string | undefined
  privateKey: JWK | KeyObject | undefined
  /** The assertion's `aud`: the issuer identifier (RFC 7523 §3, as RFC 9126 and OIDC settled on). */
  issuer: string
  now: () => number
}

/** The JWS algorithm of a private key: its JWK's `alg`, else the usual one for its type. */
function signingAlgorithm(key: JWK | KeyObject, option: string): string {
  if ('alg' in key && typeof key.alg === 'string') return key.alg
  const type = 'kty' in key ? key.kty : (key as KeyObject).asymmetricKeyType
  const curve = 'crv' in key ? key.crv : (key as KeyObject).asymmetricKeyDetails?.namedCurve
  if (type === 'RSA' || type === 'rsa') return 'RS256'
  if (type === 'OKP' || type === 'ed25519') return 'EdDSA'
  if ((type === 'EC' || type === 'ec') && (curve === 'P-256' || curve === 'prime256v1')) return 'ES256'
  if ((type === 'EC' || type === 'ec') && (curve === 'P-384' || curve === 'secp384r1')) return 'ES384'
  if ((type === 'EC' || type === 'ec') && (curve === 'P-521' || curve === 'secp521r1')) return 'ES512'
  throw new ConfigError(
    option,
    'must be an RSA, EC (P-256/384/521) or Ed25519 private key, or a JWK with "alg"',
  )
}

function isPrivate(key: JWK | KeyObject): boolean {
  return 'd' in key ? typeof key.d === 'string' : (key as KeyObject).type === 'private'
}

/** Checks the credentials at start-up and returns what makes them per request. */
export function createClientAuthentication(
  config: ClientAuthenticationConfig,
  prefix: string,
): ClientAuthentication {
  const { authMethod, clientId, clientSecret, privateKey } = config
  if (authMethod === 'private_key_jwt') {
    if (clientSecret !== undefined)
      throw new ConfigError(`${prefix}clientSecret`, 'is not used with authMethod "private_key_jwt"')
    if (
      privateKey === undefined ||
      typeof privateKey !== 'object' ||
      privateKey === null ||
      !isPrivate(privateKey)
    )
      throw new ConfigError(
        `${prefix}privateKey`,
        'must be a private JWK or a private KeyObject for "private_key_jwt"',
      )
    const alg = signingAlgorithm(privateKey, `${prefix}privateKey`)
    const kid = 'kid' in privateKey && typeof privateKey.kid === 'string' ? privateKey.kid : undefined
    const key = 'kty' in privateKey ? importJWK(privateKey, alg) : Promise.resolve(privateKey as KeyObject)
    // A key jose cannot use shows at the first request; keep the rejection from going unhandled before it.
    key.catch(() => undefined)
    return async () => {
      const iat = Math.floor(config.now() / 1000)
      const assertion = await new SignJWT({})
        .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(config.issuer)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + ASSERTION_LIFETIME_SECONDS)
        .sign(await key)
      return {
        headers: {},
        params: {
          client_id: clientId,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        },
      }
    }
  }
  if (privateKey !== undefined)
    throw new ConfigError(`${prefix}privateKey`, `is used only with authMethod "private_key_jwt"`)
  if (typeof clientSecret !== 'string' || clientSecret.length === 0)
    throw new ConfigError(
      `${prefix}clientSecret`,
      `is required (a non-empty string) for authMethod "${authMethod}"`,
    )
  if (authMethod === 'client_secret_post') {
    const credentials = { headers: {}, params: { client_id: clientId, client_secret: clientSecret } }
    return () => credentials
  }
  const basic = Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')
  const credentials = { headers: { authorization: `Basic ${basic}` }, params: {} }
  return () => credentials
}
