import { STATUS_CODES } from 'node:http'
import { HttpException } from '@nestjs/common'
import { isAuthError, type AuthError, type AuthErrorCode } from '@tokenguard/core'

/**
 * What the guard throws for a refused request: a Nest `HttpException` with the `AuthError`'s status (400,
 * 401, 403 or 503) and a generic body `{ statusCode, message, error }`. The `WWW-Authenticate` (or
 * `Retry-After`) header is already set on the response when it is thrown, so Nest's default exception
 * filter, and any filter that answers with `getStatus()` without clearing headers, sends an RFC 6750 answer.
 *
 * A catch-all filter that builds its answer elsewhere should re-apply `headers`. The `AuthError` is kept as
 * `cause` for logs (its `code` and non-enumerable `reason`); never send `cause` to the client.
 *
 * @example
 * ```ts
 * @Catch()
 * class JsonErrors implements ExceptionFilter {
 *   catch(exception: unknown, host: ArgumentsHost) {
 *     const res = host.switchToHttp().getResponse<Response>()
 *     if (exception instanceof TokenguardException)
 *       return void res.status(exception.getStatus()).set(exception.headers).json({ error: exception.code })
 *     res.status(500).json({ error: 'internal_error' })
 *   }
 * }
 * ```
 */
export class TokenguardException extends HttpException {
  /** The `AuthError`'s stable code, e.g. `token_expired`. */
  readonly code: AuthErrorCode
  /** The headers the answer must carry: `WWW-Authenticate` (4xx) or `Retry-After` (503). */
  readonly headers: Readonly<Record<string, string>>

  constructor(error: AuthError) {
    const status = error.status
    const text = STATUS_CODES[status] ?? 'Error'
    // A 4xx message is generic by construction (`expose`); a 503's may name internals, so only its status text.
    super({ statusCode: status, message: error.expose ? error.message : text, error: text }, status, {
      cause: error,
    })
    this.code = error.code
    this.headers = error.headers
  }
}

/** A response of either platform: Fastify's reply (`header`) or Node's/Express's response (`setHeader`). */
interface HeaderTarget {
  raw?: unknown
  header?: (name: string, value: string) => unknown
  setHeader?: (name: string, value: string) => unknown
}

/** Sets `headers` on the response, before an exception filter answers. */
export function setResponseHeaders(response: unknown, headers: Readonly<Record<string, string>>): void {
  const target = response as HeaderTarget
  for (const [name, value] of Object.entries(headers)) {
    // A Fastify reply holds headers until it sends; writing to its raw response would bypass it.
    if (typeof target.raw === 'object' && typeof target.header === 'function') target.header(name, value)
    else if (typeof target.setHeader === 'function') target.setHeader(name, value)
  }
}

/**
 * An `AuthError` becomes a {@link TokenguardException} with its headers set on `response`; anything else
 * (a failing `getToken`, a bug) is returned as is, for Nest to answer 500.
 */
export function toHttpException(error: unknown, response: unknown): unknown {
  if (!isAuthError(error)) return error
  setResponseHeaders(response, error.headers)
  return new TokenguardException(error)
}
