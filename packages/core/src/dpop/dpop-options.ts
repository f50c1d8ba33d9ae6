import { DEFAULT_ALGORITHMS } from '../algorithms.js'
import { ConfigError } from '../errors.js'
import { parseHttpUrl } from '../url-policy.js'
import { createDpopNonces, type DpopNonces } from './nonce.js'
import { createProofKeyCache, type ProofKeyCache } from './proof-keys.js'
import { createMemoryReplayStore, type ReplayStore } from './replay-store.js'

/**
 * DPoP (RFC 9449): tokens bound to a client's key, usable only with a fresh proof signed by that key.
 *
 * @example
 * ```ts
 * app.use(jwtAuth({
 *   issuer, audience,
 *   publicOrigin: 'https://api.example.com',
 *   dpop: { mode: 'required', nonce: { secret: process.env.DPOP_NONCE_SECRET! } },
 * }))
 * ```
 */
export interface DpopOptions {
  /**
   * - `'allowed'` (default): the `Bearer` and `DPoP` schemes are both accepted; a DPoP-bound token
   *   (`cnf.jkt`) only with a valid proof of its key.
   * - `'required'`: only the `DPoP` scheme; an unbound token is refused even with a valid proof.
   * - `'disabled'`: the `DPoP` scheme is answered like any unsupported scheme, and bound tokens are refused.
   */
  mode?: 'allowed' | 'required' | 'disabled'
  /**
   * Proof algorithms accepted. Default: the core's asymmetric list and `Ed25519`. `none` and `HS*` are
   * never allowed.
   */
  algorithms?: readonly string[]
  /** Seconds a proof may be old (its `iat`). Default: 300. */
  maxAge?: number
  /** Seconds of clock skew allowed for a proof's `iat`, either way. Default: 30. A nonce is the strict alternative. */
  clockTolerance?: number
  /**
   * Server nonces (RFC 9449 §8): proofs must then carry a `nonce` this server made in the last one or two
   * `lifetime`s (default 300 s). Nonces are derived from `secret` (a string or bytes of at least 32 bytes)
   * and the time, so every instance sharing the secret accepts them. An array of secrets rolls over: the
   * first makes nonces, all of them verify.
   */
  nonce?: { secret: string | Uint8Array | readonly (string | Uint8Array)[]; lifetime?: number }
  /**
   * Remembers used proofs, so none is accepted twice. Default: an in-memory store of 100 000 proofs per
   * process, which refuses (503) rather than forget a live proof when full. Share one between instances
   * behind a load balancer (`@tokenguard/redis`). A store that fails is a 503, never a pass.
   */
  replayStore?: ReplayStore
}

/** The checked form of {@link DpopOptions}. */
export interface ResolvedDpop {
  readonly mode: 'allowed' | 'required'
  readonly algorithms: readonly string[]
  readonly maxAge: number
  readonly clockTolerance: number
  readonly nonces: DpopNonces | undefined
  readonly replayStore: ReplayStore
  /** Milliseconds a proof id is remembered: the longest a proof can be accepted. */
  readonly replayTtlMs: number
  /** Keys of the proof headers seen recently. */
  readonly proofKeys: ProofKeyCache
}

const KNOWN = new Set(['mode', 'algorithms', 'maxAge', 'clockTolerance', 'nonce', 'replayStore'])
/** The core's asymmetric list plus `Ed25519` (RFC 9864's fully-specified EdDSA), which DPoP clients use. */
const PROOF_ALGORITHMS: readonly string[] = Object.freeze([...DEFAULT_ALGORITHMS, 'Ed25519'])

function seconds(value: unknown, option: string, fallback: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max)
    throw new ConfigError(option, `must be an integer number of seconds from 0 to ${max}`)
  return value
}

function algorithmsOf(value: unknown): readonly string[] {
  if (value === undefined) return PROOF_ALGORITHMS
  if (!Array.isArray(value) || value.length === 0)
    throw new ConfigError('dpop.algorithms', 'must be a non-empty array')
  for (const alg of value)
    if (typeof alg !== 'string' || !PROOF_ALGORITHMS.includes(alg))
      throw new ConfigError(
        'dpop.algorithms',
        `holds ${JSON.stringify(alg)}: only asymmetric JWS algorithms are allowed`,
      )
  return Object.freeze([...new Set(value as string[])])
}

/** Checks the `dpop` option; `undefined` when DPoP is disabled. */
export function resolveDpop(options: unknown): ResolvedDpop | undefined {
  if (options === undefined) options = {}
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new ConfigError('dpop', 'must be an object')
  const dpop = options as Record<string, unknown>
  for (const name of Object.keys(dpop))
    if (!KNOWN.has(name)) throw new ConfigError(`dpop.${name}`, 'is not a DPoP option')
  const mode = dpop.mode ?? 'allowed'
  if (mode !== 'allowed' && mode !== 'required' && mode !== 'disabled')
    throw new ConfigError('dpop.mode', 'must be "allowed", "required" or "disabled"')
  const algorithms = algorithmsOf(dpop.algorithms)
  const maxAge = seconds(dpop.maxAge, 'dpop.maxAge', 300, 3600)
  if (maxAge === 0) throw new ConfigError('dpop.maxAge', 'must be at least 1 second')
  const clockTolerance = seconds(dpop.clockTolerance, 'dpop.clockTolerance', 30, 300)
  let nonces: DpopNonces | undefined
  if (dpop.nonce !== undefined) {
    const nonce = dpop.nonce as Record<string, unknown> | null
    if (typeof nonce !== 'object' || nonce === null) throw new ConfigError('dpop.nonce', 'must be an object')
    for (const name of Object.keys(nonce))
      if (name !== 'secret' && name !== 'lifetime')
        throw new ConfigError(`dpop.nonce.${name}`, 'is not a nonce option')
    nonces = createDpopNonces(nonce.secret, nonce.lifetime)
  }
  const given = dpop.replayStore as Partial<ReplayStore> | null | undefined
  if (
    given !== undefined &&
    (typeof given !== 'object' || given === null || typeof given.useOnce !== 'function')
  )
    throw new ConfigError('dpop.replayStore', 'must be an object with a useOnce(id, ttlMs) method')
  if (mode === 'disabled') return undefined
  const replayStore = (given as ReplayStore | undefined) ?? createMemoryReplayStore()
  return Object.freeze({
    mode,
    algorithms,
    maxAge,
    clockTolerance,
    nonces,
    replayStore,
    replayTtlMs: (maxAge + 2 * clockTolerance) * 1000,
    proofKeys: createProofKeyCache(),
  })
}

/** Checks `publicOrigin`: an absolute http(s) URL with no query or fragment; returned without a trailing `/`. */
export function resolvePublicOrigin(value: unknown): string | undefined {
  if (value === undefined) return undefined
  const url = parseHttpUrl(value, 'publicOrigin')
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}
