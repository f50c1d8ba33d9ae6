import { readBinding, type BindingMethod } from '../binding.js'
import type { VerifyOptions } from '../create-verifier.js'
import { AuthError } from '../errors.js'
import type { RequestBinding, VerifiedToken } from '../types.js'
import { certificateThumbprint } from './certificate.js'
import type { CertificateResult, ResolvedMtls } from './mtls-options.js'

type MaybePromise<T> = T | Promise<T>

/** Where the certificate of a request comes from when `getCertificate` is not set (the adapter's socket). */
export type CertificateSource<Request> = (request: Request) => unknown

/** Checks RFC 8705 certificate bindings for one authenticator. */
export interface CertificateBinder<Request> {
  /** What a Bearer verification passes to `verifyNow`: the caller checks `mtls` bindings. */
  readonly bearerVerifyOptions: VerifyOptions
  /**
   * The certificate thumbprint a verified token is bound to (`cnf["x5t#S256"]`), after checking it equals
   * the request's certificate; `undefined` for a token not bound to a certificate. Synchronous unless the
   * certificate comes from an asynchronous `getCertificate`.
   * @throws AuthError `binding_mismatch`
   */
  check(payload: object, request: Request): MaybePromise<string | undefined>
  /** A Bearer request's verified token with its certificate binding checked and recorded. */
  bind(verified: VerifiedToken, request: Request): MaybePromise<VerifiedToken>
}

// The payload was verified with the caller's checked methods already: this read only picks the members.
const BOTH: readonly BindingMethod[] = Object.freeze(['dpop', 'mtls'])
const BEARER_OPTIONS: VerifyOptions = Object.freeze({
  bindingsCheckedByCaller: Object.freeze<BindingMethod[]>(['mtls']),
})

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function'
}

/** A failing `getCertificate` is the app's bug, a 500: a rejection with nothing must not read as "none". */
function asError(failure: unknown): Error {
  return failure instanceof Error
    ? failure
    : new Error('tokenguard: mtls.getCertificate failed', { cause: failure })
}

/** Builds the certificate checks of an authenticator whose `mtls` option is not `'disabled'`. */
export function createCertificateBinder<Request>(
  mtls: ResolvedMtls<Request>,
  fallback: CertificateSource<Request> | undefined,
  realm: string | undefined,
): CertificateBinder<Request> {
  const getCertificate = mtls.getCertificate

  function mismatch(message: string, expected: string, actual?: string): AuthError {
    return new AuthError('binding_mismatch', {
      realm,
      reason: { check: 'cnf', message, expected, ...(actual === undefined ? {} : { actual }) },
    })
  }

  function readCertificate(request: Request): unknown {
    if (getCertificate === undefined) return fallback?.(request)
    let result: CertificateResult | Promise<CertificateResult>
    try {
      result = getCertificate(request)
    } catch (failure) {
      throw asError(failure)
    }
    return isThenable(result)
      ? Promise.resolve(result).catch((failure: unknown) => Promise.reject(asError(failure)))
      : result
  }

  function compare(x5t: string, certificate: unknown): string {
    const thumbprint = certificateThumbprint(certificate)
    if (thumbprint === undefined)
      throw mismatch(
        'the token is certificate-bound (cnf["x5t#S256"]) and the request has no client certificate',
        x5t,
      )
    if (thumbprint !== x5t)
      throw mismatch(
        'the client certificate is not the one the token is bound to (cnf["x5t#S256"])',
        x5t,
        thumbprint,
      )
    return thumbprint
  }

  function check(payload: object, request: Request): MaybePromise<string | undefined> {
    const x5t = readBinding(payload as Record<string, unknown>, BOTH)?.x5t
    if (x5t === undefined) {
      if (mtls.mode === 'required')
        throw new AuthError('binding_mismatch', {
          realm,
          reason: {
            check: 'cnf',
            message: 'the token is not certificate-bound (no cnf["x5t#S256"]) and mtls.mode is "required"',
          },
        })
      return undefined
    }
    // Only now, for a certificate-bound token, is the certificate read: plain bearer requests never pay.
    const certificate = readCertificate(request)
    return certificate instanceof Promise
      ? certificate.then((resolved) => compare(x5t, resolved))
      : compare(x5t, certificate)
  }

  function withBinding(verified: VerifiedToken, thumbprint: string | undefined): VerifiedToken {
    if (thumbprint === undefined) return verified
    const binding: RequestBinding = Object.freeze({ method: 'mtls', thumbprint })
    return Object.freeze({ ...verified, binding })
  }

  return {
    bearerVerifyOptions: BEARER_OPTIONS,
    check,
    bind(verified, request) {
      const thumbprint = check(verified.payload, request)
      return thumbprint instanceof Promise
        ? thumbprint.then((checked) => withBinding(verified, checked))
        : withBinding(verified, thumbprint)
    },
  }
}
