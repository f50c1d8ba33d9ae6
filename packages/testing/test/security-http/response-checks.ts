import { expect } from '@jest/globals'
import type { RawResponse } from '../support/raw-http.js'

/** RFC 6750 §3: characters allowed in `realm`, `error` and `error_description` values. */
const QUOTED_VALUE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/
/** RFC 6750 §3: `scope` is space-separated scope-tokens of `%x21 / %x23-5B / %x5D-7E`. */
const SCOPE_VALUE = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/
const ATTRIBUTES = new Set(['realm', 'error', 'error_description', 'scope'])

/** Signs of a stack trace, of internals or of the JOSE layer's own messages in a response. */
const LEAKS = /\n\s+at |node_modules|\.[jt]s:\d+|ERR_J|\bjose\b|JWSSignatureVerificationFailed|TypeError/

/**
 * Parses a `WWW-Authenticate` value as one RFC 6750 Bearer challenge, failing the test on anything an
 * RFC 6750 client could misread: another scheme, CR/LF, an unknown or repeated attribute, a value outside
 * the allowed characters. Returns the attributes.
 */
export function parseStrictChallenge(value: string): Record<string, string> {
  expect(value).not.toMatch(/[\r\n\0]/)
  const match = /^Bearer(?: (.+))?$/.exec(value)
  if (!match) throw new Error(`not a Bearer challenge: ${JSON.stringify(value)}`)
  const attributes: Record<string, string> = {}
  let rest = match[1] ?? ''
  while (rest !== '') {
    const attribute = /^([a-z_]+)="([^"\\]*)"(?:, (?=[a-z_]+=)|$)/.exec(rest)
    if (!attribute) throw new Error(`malformed challenge attributes: ${JSON.stringify(rest)}`)
    const [whole, name, content] = attribute as unknown as [string, string, string]
    expect(ATTRIBUTES.has(name)).toBe(true)
    expect(Object.hasOwn(attributes, name)).toBe(false)
    expect(content).toMatch(name === 'scope' ? SCOPE_VALUE : QUOTED_VALUE)
    attributes[name] = content
    rest = rest.slice(whole.length)
  }
  return attributes
}

/** Expected challenge: `null` for none, else exactly these attributes; `ANY` accepts any non-empty value. */
export type ExpectedChallenge = null | Record<string, string>
export const ANY = '*'

function headerLines(res: RawResponse, name: string): string[] {
  const values: string[] = []
  for (let i = 0; i < res.rawHeaders.length; i += 2)
    if ((res.rawHeaders[i] as string).toLowerCase() === name) values.push(res.rawHeaders[i + 1] as string)
  return values
}

/** Asserts the status, the exact challenge and RFC 6750's "each attribute at most once, one challenge". */
export function expectAnswer(res: RawResponse, status: number, challenge: ExpectedChallenge): void {
  expect(res.status).toBe(status)
  const lines = headerLines(res, 'www-authenticate')
  if (challenge === null) {
    expect(lines).toEqual([])
  } else {
    expect(lines).toHaveLength(1)
    const expected = Object.fromEntries(
      Object.entries(challenge).map(([name, value]) => [
        name,
        value === ANY ? expect.stringMatching(/./) : value,
      ]),
    )
    expect(parseStrictChallenge(lines[0] as string)).toEqual(expected)
  }
  if (status === 503) expect(headerLines(res, 'retry-after')).toEqual([expect.stringMatching(/^\d+$/)])
}

/**
 * Asserts nothing the attacker sent comes back: no token (nor its header or payload segment), no other
 * attacker-chosen text, in the body or in any response header; no stack trace or internals in the body.
 */
export function expectNoEcho(res: RawResponse, tokens: string[], forbidden: string[] = []): void {
  const headerText = res.rawHeaders.join('\n')
  const needles = [...forbidden]
  for (const token of tokens) {
    needles.push(token)
    for (const segment of token.split('.').slice(0, 2)) if (segment.length >= 16) needles.push(segment)
  }
  for (const needle of needles) {
    expect(res.body).not.toContain(needle)
    expect(headerText).not.toContain(needle)
  }
  expect(res.body).not.toMatch(LEAKS)
  for (const name of ['set-cookie', 'injected', 'location', 'refresh'])
    expect(headerLines(res, name)).toEqual([])
}

/** The token-looking strings of a request (header values and query), for `expectNoEcho`. */
export function tokensIn(values: string[]): string[] {
  return values.flatMap((value) => value.match(/[\w-]{8,}\.[\w-]+\.?[\w-]*/g) ?? [])
}
