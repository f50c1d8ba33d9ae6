import type { DpopOptions } from './dpop/dpop-options.js'
import type { MtlsOptions } from './mtls/mtls-options.js'

/** Options every adapter's middleware accepts besides the verifier's own. */
export interface RequestAuthOptions<Request> {
  /**
   * `true` (default): a request without a token is rejected with 401 `credentials_required`.
   * `false`: it passes through with no `auth`. An invalid or malformed token is rejected either way.
   */
  credentialsRequired?: boolean
  /**
   * Finds the token yourself (the framework's request or context is passed). Replaces the default
   * extraction from the `Authorization` header; return `undefined`, `null` or `''` for "no token".
   * Cannot be combined with `cookie`, `query` or `body`.
   */
  getToken?: (request: Request) => string | null | undefined | Promise<string | null | undefined>
  /**
   * Also accept the token from this cookie. Default: off.
   * Security: browsers send cookies automatically; protect such routes against CSRF.
   */
  cookie?: string
  /**
   * Also accept the token from this query parameter (RFC 6750 §2.3). Default: off.
   * Security: URLs end up in logs and browser history (RFC 6750 §5.3).
   */
  query?: string
  /**
   * Also accept the token from this field of an `application/x-www-form-urlencoded` request body
   * (RFC 6750 §2.2 uses `access_token`). Default: off.
   *
   * Only a form body counts: a JSON or multipart body is ignored, and so is the body of a `GET` or `HEAD`
   * request (RFC 6750 §2.2 forbids `GET`). A repeated or non-string field, or a token also sent in another
   * place, is a 400 `invalid_request`; `maxTokenLength` bounds the token as for any other source.
   *
   * The body is read as your framework parsed it. Express and Koa: register a urlencoded body parser
   * with a size limit **before** `jwtAuth` (`express.urlencoded({ limit: '16kb' })`, `@koa/bodyparser`);
   * a form request that reaches `jwtAuth` unparsed fails with a 500 rather than a misleading 401.
   * Fastify: register `@fastify/formbody` (bounded by `bodyLimit`); with `body` set the plugin
   * authenticates in `preValidation`, after the body is parsed, instead of `onRequest`.
   *
   * Security: unauthenticated clients now get their body parsed before they are refused, so keep the
   * parser's size limit small; and browsers send form posts cross-site, so protect such routes against
   * CSRF if the token may come from a page. Cannot be combined with `getToken`.
   *
   * @example
   * ```ts
   * app.use(express.urlencoded({ extended: false, limit: '16kb' }))
   * app.use(jwtAuth({ issuer, audience, body: 'access_token' }))
   * ```
   */
  body?: string
  /**
   * `true`: let requests that look like a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`)
   * through **without a token**. Default: `false`: a preflight is authenticated like any other request.
   *
   * Security: with `true`, the next handler runs unauthenticated for such requests, and anyone can send
   * one (it is two header values, not proof of a browser). Every handler that answers `OPTIONS` is then
   * reachable without a token: Express `app.all()` and `app.use(path, fn)`, Koa plain middleware and
   * `router.all()`, Fastify `all()` and method lists with `OPTIONS`. Leave it off and register your CORS
   * middleware (`cors`, `@koa/cors`, `@fastify/cors`) **before** the authentication middleware: it
   * answers preflights itself, so they never reach `jwtAuth` (Fetch standard, CORS-preflight request).
   *
   * @example
   * ```ts
   * app.use(cors({ origin: 'https://app.example.com' })) // answers preflights, before jwtAuth
   * app.use(jwtAuth({ issuer, audience })) // allowPreflight stays false
   * ```
   */
  allowPreflight?: boolean
  /**
   * DPoP (RFC 9449): sender-constrained tokens, usable only with a proof signed by the client's key.
   * Default: `{ mode: 'allowed' }`: the `Bearer` and `DPoP` schemes are both accepted, and a DPoP-bound
   * token (`cnf.jkt`) only with a valid proof. See {@link DpopOptions} and docs/dpop.md.
   */
  dpop?: DpopOptions
  /**
   * The origin clients use to reach this API, e.g. `'https://api.example.com'`, with the path prefix a
   * proxy strips if any (`'https://example.com/api'`). A DPoP proof's `htu` is checked against it plus the
   * request path, whatever `Host` or `X-Forwarded-*` say. Default: the framework's own view of protocol
   * and host (Express `trust proxy`, Koa `app.proxy`, Fastify `trustProxy`).
   *
   * Security: set it in production. Without it, the `Host` header (or `X-Forwarded-Host` from a trusted
   * proxy) decides which URI proofs must name.
   */
  publicOrigin?: string
  /**
   * Certificate-bound access tokens (RFC 8705): a token with `cnf["x5t#S256"]` only with the TLS client
   * certificate it is bound to. Default: `{ mode: 'allowed' }`, the certificate read from the request's
   * TLS socket. Behind a TLS-terminating proxy, set `getCertificate`. See {@link MtlsOptions} and
   * docs/mtls.md.
   */
  mtls?: MtlsOptions<Request>
}
