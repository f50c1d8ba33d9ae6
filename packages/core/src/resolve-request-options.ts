import { createVerifier, type Verifier } from './create-verifier.js'
import { resolveDpop, resolvePublicOrigin, type ResolvedDpop } from './dpop/dpop-options.js'
import { ConfigError } from './errors.js'
import { createCertificateBinder, type CertificateBinder } from './mtls/certificate-binding.js'
import { resolveMtls } from './mtls/mtls-options.js'
import type { VerifierOptions } from './options.js'
import type { RequestAuthOptions } from './request-auth-options.js'
import { resolveProtectedResource, type ProtectedResource } from './resource/resource-metadata.js'
import {
  defaultPublicOrigin,
  requireAudienceCheck,
  resolveResource,
  withResourceAudience,
} from './resource/resource-options.js'
import type { Challenge } from './www-authenticate.js'
import type { AuthenticatorHooks, AuthenticatorOptions } from './authenticator.js'

/** The checked options of one authenticator. */
export interface RequestOptions<Request> {
  readonly verifier: Verifier
  readonly realm: string | undefined
  readonly credentialsRequired: boolean
  readonly allowPreflight: boolean
  readonly getToken: RequestAuthOptions<Request>['getToken']
  readonly cookie: string | undefined
  readonly query: string | undefined
  readonly body: string | undefined
  readonly dpop: ResolvedDpop | undefined
  readonly publicOrigin: string | undefined
  readonly protectedResource: ProtectedResource | undefined
  readonly certificates: CertificateBinder<Request> | undefined
  /** What every challenge of the middleware says (realm, schemes, resource metadata). */
  readonly challenge: Challenge
}

const REQUEST_OPTIONS = [
  'credentialsRequired',
  'getToken',
  'cookie',
  'query',
  'body',
  'allowPreflight',
  'dpop',
  'publicOrigin',
  'mtls',
  'verifier',
  'resource',
  'resourceMetadata',
]

function splitOptions(options: Record<string, unknown>) {
  const own: Record<string, unknown> = {}
  const rest: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(options))
    (REQUEST_OPTIONS.includes(name) ? own : rest)[name] = value
  return { own, rest }
}

function check(value: unknown, option: string, type: 'boolean' | 'function' | 'string'): void {
  if (value === undefined) return
  if (typeof value !== type || value === '')
    throw new ConfigError(option, `must be a ${type === 'string' ? 'non-empty string' : type}`)
}

function resolveVerifier(own: Record<string, unknown>, rest: Record<string, unknown>): Verifier {
  const resource = resolveResource(own.resource)
  if (own.verifier === undefined)
    return createVerifier(withResourceAudience(rest, resource) as unknown as VerifierOptions)
  const verifier = own.verifier as Partial<Verifier> | null
  if (typeof verifier !== 'object' || verifier === null || typeof verifier.verifyNow !== 'function')
    throw new ConfigError('verifier', 'must be a verifier made by createVerifier()')
  const [other] = Object.keys(rest)
  if (other !== undefined)
    throw new ConfigError(other, 'cannot be combined with "verifier": set it when creating the verifier')
  if (resource !== undefined) requireAudienceCheck(verifier as Verifier, 'verifier')
  return verifier as Verifier
}

/**
 * Checks an authenticator's options, at start-up: a bad one throws a `ConfigError` naming it. Builds the
 * verifier unless a shared one is given.
 */
export function resolveRequestOptions<Request>(
  options: AuthenticatorOptions<Request>,
  hooks: AuthenticatorHooks<Request>,
): RequestOptions<Request> {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'must be an object')
  const { own, rest } = splitOptions(options as unknown as Record<string, unknown>)
  check(own.credentialsRequired, 'credentialsRequired', 'boolean')
  check(own.allowPreflight, 'allowPreflight', 'boolean')
  check(own.getToken, 'getToken', 'function')
  check(own.cookie, 'cookie', 'string')
  check(own.query, 'query', 'string')
  check(own.body, 'body', 'string')
  if (own.getToken !== undefined) {
    const source = ['cookie', 'query', 'body'].find((name) => own[name] !== undefined)
    if (source !== undefined) throw new ConfigError(source, 'cannot be combined with "getToken"')
  }
  const verifier = resolveVerifier(own, rest)
  const realm = verifier.realm
  const credentialsRequired = own.credentialsRequired !== false
  // Opt-in only: a "preflight" is two header values anyone can send, and the next handler would then run
  // unauthenticated.
  const allowPreflight = own.allowPreflight === true
  const getToken = own.getToken as RequestAuthOptions<Request>['getToken']
  const cookie = own.cookie as string | undefined
  const query = own.query as string | undefined
  const body = own.body as string | undefined
  const dpop = resolveDpop(own.dpop)
  const publicOrigin = resolvePublicOrigin(own.publicOrigin ?? defaultPublicOrigin(own.resource as string))
  const protectedResource = resolveProtectedResource(options as unknown as Record<string, unknown>, dpop)
  if (dpop?.mode === 'required') {
    // RFC 9449 §7.1: a DPoP request carries its token in the Authorization header, nowhere else.
    const source = ['getToken', 'cookie', 'query', 'body'].find((name) => own[name] !== undefined)
    if (source !== undefined) throw new ConfigError(source, 'cannot be combined with dpop.mode "required"')
  }
  const mtls = resolveMtls<Request>(own.mtls, dpop?.mode)
  const clientCertificate = hooks.clientCertificate
  const certificates =
    mtls === undefined
      ? undefined
      : createCertificateBinder(
          mtls,
          clientCertificate === undefined ? undefined : (request: Request) => clientCertificate(request),
          realm,
        )
  const challenge: Challenge = Object.freeze({
    ...(dpop === undefined
      ? { realm }
      : { realm, bearer: dpop.mode !== 'required', dpopAlgorithms: dpop.algorithms }),
    ...(protectedResource === undefined ? {} : { resourceMetadata: protectedResource.metadataUrl }),
  })
  return {
    verifier,
    realm,
    credentialsRequired,
    allowPreflight,
    getToken,
    cookie,
    query,
    body,
    dpop,
    publicOrigin,
    protectedResource,
    certificates,
    challenge,
  }
}
