import { describe, expect, it } from '@jest/globals'
import { ConfigError } from '@tokenguard/core'
import { isTenantId, parseIssuerTemplate } from '../../src/issuers/issuer-template.js'

const ENTRA = 'https://login.microsoftonline.com/{tenantid}/v2.0'
const TID = '9188040d-6c67-4c5b-b112-36a304b66dad'

describe('parseIssuerTemplate', () => {
  it.each([
    ['https://{tenantid}.example.com/', 'in the host'],
    ['https://idp.example.com:{tenantid}/', 'in the port'],
    ['{tenantid}://idp.example.com/', 'in the scheme'],
    ['https://idp.example.com/t-{tenantid}/', 'part of a segment'],
    ['https://idp.example.com/{tenantid}x', 'glued to the next text'],
    ['https://idp.example.com/?t={tenantid}', 'in the query'],
    ['https://idp.example.com/#{tenantid}', 'in the fragment'],
    ['https://idp.example.com/{tenantid}/{tenantid}', 'twice'],
    ['https://idp.example.com/{tenantid}/{other}', 'with other braces'],
    ['https://idp.example.com/%2F/{tenantid}', 'with percent-encoding'],
    ['https://IDP.example.com/{tenantid}', 'with an upper-case host'],
    ['https://user:pw@idp.example.com/{tenantid}', 'with credentials'],
    ['not a url/{tenantid}', 'in a relative reference'],
  ])('refuses %s (placeholder %s)', (template) => {
    expect(() => parseIssuerTemplate(template, 'issuer[0].issuer')).toThrow(ConfigError)
  })

  it('matches exactly one allowed segment, byte for byte', () => {
    const template = parseIssuerTemplate(ENTRA, 'issuer')
    expect(template.host).toBe('login.microsoftonline.com')
    expect(template.match(`https://login.microsoftonline.com/${TID}/v2.0`)).toBe(TID)
    expect(template.fill(TID)).toBe(`https://login.microsoftonline.com/${TID}/v2.0`)
    expect(
      parseIssuerTemplate('https://idp.example.com/{tenantid}', 'issuer').match(
        'https://idp.example.com/acme',
      ),
    ).toBe('acme')
  })

  it.each([
    ['an extra segment', `https://login.microsoftonline.com/${TID}/x/v2.0`],
    ['an encoded slash', `https://login.microsoftonline.com/a%2Fb/v2.0`],
    ['a dot segment', 'https://login.microsoftonline.com/../v2.0'],
    ['a single dot', 'https://login.microsoftonline.com/./v2.0'],
    ['a leading dot', 'https://login.microsoftonline.com/.hidden/v2.0'],
    ['an empty tenant', 'https://login.microsoftonline.com//v2.0'],
    ['unicode', 'https://login.microsoftonline.com/tenänt/v2.0'],
    ['a very long tenant', `https://login.microsoftonline.com/${'a'.repeat(129)}/v2.0`],
    ['an upper-case host', `https://LOGIN.microsoftonline.com/${TID}/v2.0`],
    ['another host', `https://login.microsoftonline.com.evil.example/${TID}/v2.0`],
    ['a trailing slash', `https://login.microsoftonline.com/${TID}/v2.0/`],
    ['a query', `https://login.microsoftonline.com/${TID}/v2.0?x=1`],
    ['a backslash', 'https://login.microsoftonline.com/a\\b/v2.0'],
    ['the template itself', ENTRA],
  ])('does not match %s', (_name, iss) => {
    expect(parseIssuerTemplate(ENTRA, 'issuer').match(iss)).toBeUndefined()
  })

  it('accepts a 128-character tenant id and refuses 129', () => {
    expect(isTenantId('a'.repeat(128))).toBe(true)
    expect(isTenantId('a'.repeat(129))).toBe(false)
    expect(isTenantId(42)).toBe(false)
    expect(isTenantId('a.b_c-D9')).toBe(true)
  })
})
