import {
  constants,
  createHmac,
  KeyObject,
  timingSafeEqual,
  verify as cryptoVerify,
  type VerifyKeyObjectInput,
} from 'node:crypto'
import type { VerificationKey } from './key-source.js'

/**
 * The JWS signature check (RFC 7515 §5.2, algorithms of RFC 7518 §3 and RFC 8037) on node:crypto.
 *
 * jose selects and imports the key (its local JWK Set and key import are unchanged); only the last step,
 * the signature itself, runs here. jose does it through WebCrypto, which on Node costs a CryptoKey
 * unwrap, promise plumbing and a thread-pool hop per call: several times the price of the RSA verify
 * itself. node:crypto's callback form still runs the check on libuv's thread pool, so a burst of cold
 * tokens uses every core as jose's did, at a fraction of the overhead.
 *
 * The rules jose's WebCrypto check applies to the signature hold here too, and the Wycheproof vectors
 * hold both to the same verdict: the key must fit the algorithm (type, curve, RSA modulus ≥ 2048 bits),
 * RSASSA-PSS uses MGF1 with the algorithm's hash and a salt as long as the hash, ECDSA signatures are the
 * fixed-size R‖S of RFC 7518 §3.4 (never DER), HMAC is compared in constant time. The key's usages
 * (`use`, `key_ops`) and its binding to one algorithm are settled before: by jose's key selection, which
 * imports a JWK per algorithm, and by the allowlist, which lets a `secret` serve HS* only.
 */

/** A prepared check of one key for one algorithm: resolves `true` only for a valid signature. */
type SignatureCheck = (signingInput: Buffer, signature: Buffer) => boolean | Promise<boolean>

const MIN_RSA_BITS = 2048

const HASH_OF: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' }

/** Curve of each ECDSA algorithm and the byte length of its R‖S signature. */
const ECDSA: Record<string, { curve: string; signatureBytes: number }> = {
  ES256: { curve: 'prime256v1', signatureBytes: 64 },
  ES384: { curve: 'secp384r1', signatureBytes: 96 },
  ES512: { curve: 'secp521r1', signatureBytes: 132 },
}

const ED25519_SIGNATURE_BYTES = 64

function keyDoesNotFit(alg: string): never {
  // Unreachable through jose's key selection, which only returns keys of the algorithm's type; kept so
  // that no key can ever be used with an algorithm it was not made for (RFC 8725 §2.1).
  throw new TypeError(`the resolved key does not fit ${alg}`)
}

function asyncCheck(algorithm: string | null, key: KeyObject | VerifyKeyObjectInput): SignatureCheck {
  return (signingInput, signature) =>
    new Promise((resolve, reject) => {
      cryptoVerify(algorithm, signingInput, key, signature, (error, valid) =>
        error ? reject(error) : resolve(valid),
      )
    })
}

function hmacCheck(alg: string, key: KeyObject): SignatureCheck {
  if (key.type !== 'secret') keyDoesNotFit(alg)
  const hash = HASH_OF[alg.slice(2)] as string
  // HMAC costs about a microsecond: a thread-pool hop would cost more than it saves.
  return (signingInput, signature) => {
    const mac = createHmac(hash, key).update(signingInput).digest()
    return mac.length === signature.length && timingSafeEqual(mac, signature)
  }
}

function rsaCheck(alg: string, key: KeyObject): SignatureCheck {
  // A plain RSA key, as jose imports every RSA JWK; PSS is chosen by the padding below.
  if (key.type !== 'public' || key.asymmetricKeyType !== 'rsa') keyDoesNotFit(alg)
  if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) keyDoesNotFit(alg)
  const hash = HASH_OF[alg.slice(2)] as string
  if (alg.startsWith('RS')) return asyncCheck(hash, key)
  // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash output. The default would accept
  // any salt length the signature claims.
  const saltLength = Number(alg.slice(2)) / 8
  const input: VerifyKeyObjectInput = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }
  return asyncCheck(hash, input)
}

function ecdsaCheck(alg: string, key: KeyObject): SignatureCheck {
  const { curve, signatureBytes } = ECDSA[alg] as { curve: string; signatureBytes: number }
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ec') keyDoesNotFit(alg)
  if (key.asymmetricKeyDetails?.namedCurve !== curve) keyDoesNotFit(alg)
  const check = asyncCheck(HASH_OF[alg.slice(2)] as string, { key, dsaEncoding: 'ieee-p1363' })
  return (signingInput, signature) => signature.length === signatureBytes && check(signingInput, signature)
}

function ed25519Check(alg: string, key: KeyObject): SignatureCheck {
  // jose's JWS table maps both `EdDSA` and `Ed25519` to Ed25519 keys only.
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ed25519') keyDoesNotFit(alg)
  const check = asyncCheck(null, key)
  return (signingInput, signature) =>
    signature.length === ED25519_SIGNATURE_BYTES && check(signingInput, signature)
}

function prepareCheck(alg: string, key: KeyObject): SignatureCheck {
  if (/^HS(256|384|512)$/.test(alg)) return hmacCheck(alg, key)
  if (/^(RS|PS)(256|384|512)$/.test(alg)) return rsaCheck(alg, key)
  if (Object.hasOwn(ECDSA, alg)) return ecdsaCheck(alg, key)
  if (alg === 'EdDSA' || alg === 'Ed25519') return ed25519Check(alg, key)
  throw new TypeError(`no signature check for ${alg}`)
}

/**
 * Prepared checks by key (a CryptoKey from jose's key sets or a KeyObject) and algorithm. Weak: a check
 * lives as long as its key does, which its JWK Set bounds.
 */
const prepared = new WeakMap<object, Map<string, SignatureCheck>>()

/**
 * Whether `signature` is valid over `signingInput` (the ASCII of `header.payload`) for `alg` and `key`.
 * Synchronous for HMAC, a promise otherwise. Throws a `TypeError` when the key does not fit `alg`.
 */
export function verifySignature(
  alg: string,
  key: VerificationKey,
  signingInput: Buffer,
  signature: Buffer,
): boolean | Promise<boolean> {
  let byAlg = prepared.get(key)
  if (byAlg === undefined) prepared.set(key, (byAlg = new Map()))
  let check = byAlg.get(alg)
  if (check === undefined) {
    // KeyObject.from reads a CryptoKey's key material without exporting it (works when not extractable).
    const keyObject =
      key instanceof KeyObject ? key : KeyObject.from(key as Parameters<typeof KeyObject.from>[0])
    byAlg.set(alg, (check = prepareCheck(alg, keyObject)))
  }
  return check(signingInput, signature)
}
