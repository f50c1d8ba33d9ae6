import { FetchJsonError, readBounded } from '../jwks/fetch-json.js'
import { jsonDepth, MAX_JSON_DEPTH } from '../token-syntax.js'
import type { ClientAuthentication } from './client-authentication.js'

/** RFC 9701 §4: the media type of a signed introspection answer. */
export const SIGNED_RESPONSE_TYPE = 'application/token-introspection+jwt'

export interface IntrospectionRequestSettings {
  timeout: number
  maxBytes: number
  fetch: typeof fetch
  authenticate: ClientAuthentication
  signedResponse: boolean
}

/** The endpoint's answer: a JSON object, or the compact JWT of a signed answer (RFC 9701). */
export type IntrospectionAnswer = { json: unknown; jwt?: undefined } | { jwt: string; json?: undefined }

/**
 * Asks the endpoint about one token (RFC 7662 §2.1). Redirects are refused: the request carries this API's
 * credentials and the token. Every failure is a `FetchJsonError` whose message never holds the token.
 */
export async function requestIntrospection(
  endpoint: string,
  token: string,
  settings: IntrospectionRequestSettings,
): Promise<IntrospectionAnswer> {
  const signal = AbortSignal.timeout(settings.timeout)
  try {
    const credentials = await settings.authenticate()
    const body = new URLSearchParams({ token, token_type_hint: 'access_token', ...credentials.params })
    const response = await settings.fetch(endpoint, {
      method: 'POST',
      headers: {
        ...credentials.headers,
        'content-type': 'application/x-www-form-urlencoded',
        accept: settings.signedResponse ? SIGNED_RESPONSE_TYPE : 'application/json',
      },
      body: body.toString(),
      redirect: 'manual',
      signal,
    })
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined)
      throw new FetchJsonError(`unexpected HTTP status ${response.status}`, { status: response.status })
    }
    const text = await readBounded(response, settings.maxBytes)
    if (settings.signedResponse) {
      const type = response.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase()
      if (type !== SIGNED_RESPONSE_TYPE)
        throw new FetchJsonError(`the answer is ${type ?? 'untyped'}, not ${SIGNED_RESPONSE_TYPE}`)
      return { jwt: text.trim() }
    }
    // The answer is frozen and walked like a token's claims: bounded in depth like them.
    if (jsonDepth(text) > MAX_JSON_DEPTH)
      throw new FetchJsonError(`the answer is nested deeper than ${MAX_JSON_DEPTH} levels`)
    try {
      return { json: JSON.parse(text) }
    } catch {
      // No cause: V8's SyntaxError quotes the answer, and an endpoint may echo the token in it.
      throw new FetchJsonError('the answer is not JSON')
    }
  } catch (cause) {
    if (cause instanceof FetchJsonError) throw cause
    throw new FetchJsonError(signal.aborted ? 'request timed out' : 'request failed', { cause })
  }
}
