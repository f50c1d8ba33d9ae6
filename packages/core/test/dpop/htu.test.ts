import { describe, expect, it } from '@jest/globals'
import { normalizeHtu, requestHtu } from '../../src/dpop/htu.js'

describe('normalizeHtu (RFC 3986 §6.2.2)', () => {
  it.each([
    ['HTTPS://API.Example.COM/items', 'https://api.example.com/items'],
    ['https://api.example.com:443/items', 'https://api.example.com/items'],
    ['http://api.example.com:80/items', 'http://api.example.com/items'],
    ['https://api.example.com:8443/items', 'https://api.example.com:8443/items'],
    ['https://api.example.com/a/./b/../items', 'https://api.example.com/a/items'],
    ['https://api.example.com/%7Eu%73er/%2f%2F', 'https://api.example.com/~user/%2F%2F'],
    ['https://api.example.com/items?q=1#frag', 'https://api.example.com/items'],
    ['https://api.example.com', 'https://api.example.com/'],
  ])('%s → %s', (value, normalized) => {
    expect(normalizeHtu(value)).toBe(normalized)
  })

  it.each([
    ['not a string', 42],
    ['empty', ''],
    ['relative', '/items'],
    ['another scheme', 'ftp://api.example.com/items'],
    ['with credentials', 'https://user:pw@api.example.com/items'],
    ['too long', `https://api.example.com/${'a'.repeat(4100)}`],
  ])('refuses %s', (_, value) => {
    expect(normalizeHtu(value)).toBeUndefined()
  })
})

describe('requestHtu', () => {
  const url = { protocol: 'http', host: '127.0.0.1:3000', path: '/api/items?x=1' }

  it('uses the framework view of protocol and host, and the path without its query', () => {
    expect(requestHtu(undefined, url)).toBe('http://127.0.0.1:3000/api/items')
  })

  it('prefers publicOrigin, with its path prefix, whatever the host says', () => {
    expect(requestHtu('https://example.com/v1', { ...url, host: 'evil.example' })).toBe(
      'https://example.com/v1/api/items',
    )
  })

  it.each([
    ['a host with a path', 'evil.example/x?'],
    ['a host with credentials', 'user@evil.example'],
    ['an empty host', ''],
  ])('refuses %s', (_, host) => {
    expect(requestHtu(undefined, { ...url, host })).toBeUndefined()
  })

  it('accepts a bracketed IPv6 host with a port', () => {
    expect(requestHtu(undefined, { ...url, host: '[::1]:8080' })).toBe('http://[::1]:8080/api/items')
  })

  it('refuses a request target that is not a path', () => {
    expect(requestHtu(undefined, { ...url, path: '*' })).toBeUndefined()
    expect(requestHtu('https://example.com', { ...url, path: 'http://other/x' })).toBeUndefined()
  })
})

describe('requestHtu refuses paths a URL parser would rewrite', () => {
  const url = { protocol: 'https', host: 'api.example.com', path: '/' }
  it.each([
    '/orders/../billing/pay',
    '/%2e%2e/billing/pay',
    '/.%2E/billing/pay',
    '/%2E/items',
    '/./items',
    '/items/..',
    '/a\\..\\b',
    '/a%5c..%5cb',
  ])('%s', (path) => {
    expect(requestHtu('https://api.example.com/orders', { ...url, path })).toBeUndefined()
    expect(requestHtu(undefined, { ...url, path })).toBeUndefined()
  })

  it('keeps names that merely contain dots', () => {
    expect(requestHtu(undefined, { ...url, path: '/v1.2/.well-known/a..b/...' })).toBe(
      'https://api.example.com/v1.2/.well-known/a..b/...',
    )
  })
})
