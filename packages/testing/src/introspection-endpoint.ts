import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SignJWT, type JWTPayload } from 'jose'

/** The client a test issuer's introspection endpoint accepts (`client_secret_basic` or `client_secret_post`). */
export interface TestIntrospectionClient {
  clientId: string
  clientSecret: string
}

/** The largest request body the endpoint reads: a token and a client's credentials fit many times over. */
const MAX_BODY_BYTES = 64 * 1024
const SIGNED_ANSWER_TYPE = 'application/token-introspection+jwt'

/** RFC 6749 §2.3.1: the id and secret in a Basic header are form-urlencoded first. */
function formDecode(value: string): string {
  return new URLSearchParams(`v=${value}`).get('v') ?? ''
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  let size = 0
  const chunks: Buffer[] = []
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) return undefined
    chunks.push(chunk)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

function authenticated(
  req: IncomingMessage,
  form: URLSearchParams,
  client: TestIntrospectionClient,
): boolean {
  const authorization = req.headers.authorization
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon === -1) return false
    return (
      formDecode(decoded.slice(0, colon)) === client.clientId &&
      formDecode(decoded.slice(colon + 1)) === client.clientSecret
    )
  }
  return form.get('client_id') === client.clientId && form.get('client_secret') === client.clientSecret
}

/** What the endpoint needs from its issuer. */
export interface IntrospectionEndpointContext {
  client: TestIntrospectionClient
  issuer: () => string
  now: () => number
  /** Signs a signed answer (RFC 9701) with the issuer's current key. */
  signAnswer: (jwt: SignJWT) => Promise<string>
}

/**
 * The introspection endpoint of a test issuer (RFC 7662): remembers the tokens the issuer made (opaque or
 * JWT), answers `active` for those neither revoked nor expired, and signs the answer (RFC 9701) when asked.
 */
export class TestIntrospectionEndpoint {
  private readonly tokens = new Map<string, JWTPayload>()
  private readonly revoked = new Set<string>()
  /** Requests answered (any outcome), to assert caching and single-flight. */
  requests = 0

  constructor(private readonly context: IntrospectionEndpointContext) {}

  /** Remembers a token and its claims, so introspection knows it. */
  remember(token: string, claims: JWTPayload): void {
    this.tokens.set(token, claims)
  }

  /** A new random opaque token (43 base64url characters, as many servers issue) for `claims`. */
  issueOpaque(claims: JWTPayload): string {
    const token = randomBytes(32).toString('base64url')
    this.remember(token, claims)
    return token
  }

  revoke(token: string): void {
    this.revoked.add(token)
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++
    const form = req.method === 'POST' ? await readForm(req) : undefined
    if (form === undefined) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}')
      return
    }
    if (!authenticated(req, form, this.context.client)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}')
      return
    }
    const token = form.get('token') ?? ''
    const claims = this.tokens.get(token)
    const nowSeconds = Math.floor(this.context.now() / 1000)
    const live =
      claims !== undefined &&
      !this.revoked.has(token) &&
      (typeof claims.exp !== 'number' || claims.exp > nowSeconds)
    const answer = live ? { active: true, token_type: 'Bearer', ...claims } : { active: false }
    if (req.headers.accept?.includes(SIGNED_ANSWER_TYPE)) {
      const jwt = await this.context.signAnswer(
        new SignJWT({ token_introspection: answer })
          .setIssuer(this.context.issuer())
          .setAudience(this.context.client.clientId)
          .setIssuedAt(nowSeconds),
      )
      res.writeHead(200, { 'content-type': SIGNED_ANSWER_TYPE }).end(jwt)
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
  }
}
