import { expect } from '@jest/globals'
import { DPOP_ALGS } from '../../../core/test/support/challenge.js'
import type { RawResponse } from '../support/raw-http.js'

/** RFC 6750 §3: characters allowed in `realm`, `error` and `error_description` values. */
const QUOTED_VALUE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/
/** RFC 6750 §3: `scope` is space-separated scope-tokens (`%x21 / %x23-5B / %x5D-7E`); RFC 9449 `algs` too. */
const TOKEN_LIST = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/
/** The attributes each scheme may carry: RFC 6750 §3 for Bearer, RFC 9449 §7.1 for DPoP. */
const ATTRIBUTES: Record<Scheme, ReadonlySet<string>> = {
  Bearer: new Set(['realm', 'error', 'error_description', 'scope']),
  DPoP: new Set(['realm', 'error', 'error_description', 'algs']),
}
/** RFC 9449's errors, which only the DPoP challenge may carry. */
const DPOP_ERRORS = new Set(['invalid_dpop_proof', 'use_dpop_nonce'])

/** Signs of a stack trace, of internals or of the JOSE layer's own messages in a response. */
const LEAKS = /\n\s+at |node_modules|\.[jt]s:\d+|ERR_J|\bjose\b|JWSSignatureVerificationFailed|TypeError/

type Scheme = 'Bearer' | 'DPoP'

/** The challenges of one `WWW-Authenticate` value, by scheme. */
export type Challenges = Partial<Record<Scheme, Record<string, string>>>

/**
 * Parses a `WWW-Authenticate` value as an RFC 6750 Bearer challenge, an RFC 9449 DPoP challenge, or both
 * comma-joined in that order, failing the test on anything a client could misread: another scheme, a
 * scheme twice, CR/LF, an unknown or repeated attribute, a value outside the allowed characters, a DPoP
 * error in the Bearer challenge, an error in both. Returns the attributes of each challenge.
 */
export function parseStrictChallenges(value: string): Challenges {
  expect(value).not.toMatch(/[\r\n\0]/)
  const challenges: Challenges = {}
  let rest = value
  while (rest !== '') {
    const start = /^(Bearer|DPoP)(?:( )(?=[a-z_]+=")|, (?=[A-Z])|$)/.exec(rest)
    if (!start) throw new Error(`not a Bearer or DPoP challenge: ${JSON.stringify(rest)}`)
    const scheme = start[1] as Scheme
    if (challenges.DPoP !== undefined || challenges[scheme] !== undefined)
      throw new Error(`challenges out of order or repeated: ${JSON.stringify(value)}`)
    const attributes: Record<string, string> = {}
    challenges[scheme] = attributes
    rest = rest.slice(start[0].length)
    // Without a space after it, the scheme ends the value or is followed by the next challenge.
    if (start[2] === undefined) continue
    for (;;) {
      // Each attribute ends the value, or is followed by another attribute or by the next challenge.
      const attribute = /^([a-z_]+)="([^"\\]*)"(?:, (?=[a-z_]+=")|, (?=[A-Z])|$)/.exec(rest)
      if (!attribute) throw new Error(`malformed challenge attributes: ${JSON.stringify(rest)}`)
      const [whole, name, content] = attribute as unknown as [string, string, string]
      expect(ATTRIBUTES[scheme].has(name)).toBe(true)
      expect(Object.hasOwn(attributes, name)).toBe(false)
      expect(content).toMatch(name === 'scope' || name === 'algs' ? TOKEN_LIST : QUOTED_VALUE)
      attributes[name] = content
      rest = rest.slice(whole.length)
      if (!/^[a-z_]+="/.test(rest)) break
    }
  }
  if (challenges.Bearer?.error !== undefined) {
    expect(DPOP_ERRORS.has(challenges.Bearer.error)).toBe(false)
    expect(challenges.DPoP?.error).toBeUndefined()
  }
  return challenges
}

/** The attributes of the Bearer challenge of a strictly parsed `WWW-Authenticate` value. */
export function parseStrictChallenge(value: string): Record<string, string> {
  const { Bearer } = parseStrictChallenges(value)
  if (Bearer === undefined) throw new Error(`no Bearer challenge: ${JSON.stringify(value)}`)
  return Bearer
}

/** Expected challenge: `null` for none, else exactly these attributes; `ANY` accepts any non-empty value. */
export type ExpectedChallenge = null | Record<string, string>
export const ANY = '*'

/** The DPoP challenge every answer carries by default (`dpop.mode: 'allowed'`): `algs`, and the realm. */
export function defaultDpopChallenge(bearer: Record<string, string>): Record<string, string> {
  return { ...(bearer.realm === undefined ? {} : { realm: bearer.realm }), algs: DPOP_ALGS }
}

function headerLines(res: RawResponse, name: string): string[] {
  const values: string[] = []
  for (let i = 0; i < res.rawHeaders.length; i += 2)
    if ((res.rawHeaders[i] as string).toLowerCase() === name) values.push(res.rawHeaders[i + 1] as string)
  return values
}

function matching(challenge: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(challenge).map(([name, value]) => [
      name,
      value === ANY ? expect.stringMatching(/./) : value,
    ]),
  )
}

/**
 * Asserts the status, the exact challenges and RFC 6750's "each attribute at most once": one header line
 * holding the Bearer challenge (`challenge`), then the DPoP one (`dpop`; by default its `algs` and the
 * Bearer challenge's realm, no error, as a request of the Bearer scheme gets while DPoP is allowed).
 */
export function expectAnswer(
  res: RawResponse,
  status: number,
  challenge: ExpectedChallenge,
  dpop?: ExpectedChallenge,
): void {
  expect(res.status).toBe(status)
  const lines = headerLines(res, 'www-authenticate')
  if (challenge === null) {
    expect(lines).toEqual([])
  } else {
    expect(lines).toHaveLength(1)
    const challenges = parseStrictChallenges(lines[0] as string)
    const expectedDpop = dpop === undefined ? defaultDpopChallenge(challenge) : dpop
    expect(challenges).toEqual({
      Bearer: matching(challenge),
      ...(expectedDpop === null ? {} : { DPoP: matching(expectedDpop) }),
    })
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
