import { describe, expect, it } from '@jest/globals'
import { createProtectedResource, metadataResponse, type ProtectedResource } from '@tokenguard/core'
import { expectConfigError } from '../support/expect-error.js'

const ISSUER = 'https://idp.example.com/'
const RESOURCE = 'https://api.example.com/mcp'
const WELL_KNOWN = '/.well-known/oauth-protected-resource'
const base = { issuer: ISSUER, resource: RESOURCE, resourceMetadata: {} }
const make = (options: Record<string, unknown> = {}) => createProtectedResource({ ...base, ...options })

describe('the RFC 9728 document', () => {
  it('names the resource, the issuer as authorization server, the header method and default DPoP', () => {
    const resource = make()
    expect(resource.resource).toBe(RESOURCE)
    expect(resource.document).toEqual({
      resource: RESOURCE,
      authorization_servers: [ISSUER],
      bearer_methods_supported: ['header'],
      // The DPoP default algorithms (asymmetric only), whatever their exact list.
      dpop_signing_alg_values_supported: expect.arrayContaining(['RS256', 'PS256', 'ES256', 'EdDSA']),
      dpop_bound_access_tokens_required: false,
    })
    expect(resource.document.dpop_signing_alg_values_supported).not.toContain('HS256')
    expect(JSON.parse(resource.body)).toEqual(resource.document)
    expect(Object.isFrozen(resource.document)).toBe(true)
  })

  it('carries every metadata option and what the token sources, DPoP and mTLS options say', () => {
    const resource = make({
      issuer: [ISSUER, { issuer: 'https://other.example.com' }],
      body: 'access_token',
      query: 'access_token',
      dpop: { mode: 'required', algorithms: ['ES256'] },
      mtls: {},
      resourceMetadata: {
        authorizationServers: ['https://as.example.com', 'https://as.example.com'],
        scopesSupported: ['tools:read', 'tools:call'],
        resourceName: 'Example MCP',
        resourceDocumentation: 'https://docs.example.com/mcp',
        resourcePolicyUri: 'https://example.com/policy',
        resourceTosUri: 'https://example.com/tos',
        maxAge: 60,
      },
    })
    expect(resource.document).toEqual({
      resource: RESOURCE,
      authorization_servers: ['https://as.example.com'],
      scopes_supported: ['tools:read', 'tools:call'],
      bearer_methods_supported: ['header', 'body', 'query'],
      resource_name: 'Example MCP',
      resource_documentation: 'https://docs.example.com/mcp',
      resource_policy_uri: 'https://example.com/policy',
      resource_tos_uri: 'https://example.com/tos',
      dpop_signing_alg_values_supported: ['ES256'],
      dpop_bound_access_tokens_required: true,
      tls_client_certificate_bound_access_tokens: true,
    })
    expect(resource.maxAge).toBe(60)
  })

  it('takes every URL issuer as authorization server, and leaves none for issuer null or a shared verifier', () => {
    const several = make({ issuer: [ISSUER, 'not-a-url', { issuer: 'http://127.0.0.1:4000' }] })
    expect(several.document.authorization_servers).toEqual([ISSUER, 'http://127.0.0.1:4000'])
    expect(make({ issuer: null }).document).not.toHaveProperty('authorization_servers')
    expect(make({ issuer: undefined }).document).not.toHaveProperty('authorization_servers')
  })

  it('announces neither DPoP nor mTLS when they are disabled (nor mTLS by default)', () => {
    const document = make({ dpop: { mode: 'disabled' }, mtls: { mode: 'disabled' } }).document
    expect(document).not.toHaveProperty('dpop_signing_alg_values_supported')
    expect(document).not.toHaveProperty('dpop_bound_access_tokens_required')
    expect(document).not.toHaveProperty('tls_client_certificate_bound_access_tokens')
    expect(make().document).not.toHaveProperty('tls_client_certificate_bound_access_tokens')
    expect(make({ mtls: { mode: 'required' } }).document.tls_client_certificate_bound_access_tokens).toBe(
      true,
    )
  })
})

describe('where the document is served (RFC 9728 §3.1)', () => {
  it('inserts the well-known suffix between the host and the path, and also serves the root path', () => {
    const resource = make()
    expect(resource.metadataUrl).toBe(`https://api.example.com${WELL_KNOWN}/mcp`)
    expect(resource.paths).toEqual([`${WELL_KNOWN}/mcp`, WELL_KNOWN])
  })

  it('serves a resource without a path (or with only "/") at the root path alone', () => {
    for (const value of ['https://api.example.com', 'https://api.example.com/']) {
      const resource = make({ resource: value })
      expect(resource.metadataUrl).toBe(`https://api.example.com${WELL_KNOWN}`)
      expect(resource.paths).toEqual([WELL_KNOWN])
      // The identifier is kept exactly as configured: it is compared with `aud` as a string.
      expect(resource.document.resource).toBe(value)
    }
  })

  it('keeps a path as given, port and trailing slash included', () => {
    const resource = make({ resource: 'http://127.0.0.1:3000/api/v1/' })
    expect(resource.metadataUrl).toBe(`http://127.0.0.1:3000${WELL_KNOWN}/api/v1/`)
  })
})

describe('options are checked at start-up', () => {
  it.each([
    ['resource', { resource: 'api.example.com' }],
    ['resource', { resource: 'ftp://api.example.com' }],
    ['resource', { resource: 'https://api.example.com/mcp?x=1' }],
    ['resource', { resource: 'https://api.example.com/mcp#frag' }],
    ['resource', { resource: 'https://user:pw@api.example.com' }],
    ['resource', { resource: 42 }],
    ['resource', { resource: undefined }],
    ['resourceMetadata', { resourceMetadata: 'yes' }],
    ['resourceMetadata', { resourceMetadata: [] }],
    ['resourceMetadata', { resourceMetadata: undefined }],
    ['resourceMetadata.scopes', { resourceMetadata: { scopes: ['a'] } }],
    ['resourceMetadata.authorizationServers', { resourceMetadata: { authorizationServers: [] } }],
    ['resourceMetadata.authorizationServers', { resourceMetadata: { authorizationServers: 'https://a' } }],
    [
      'resourceMetadata.authorizationServers[1]',
      { resourceMetadata: { authorizationServers: [ISSUER, 'x'] } },
    ],
    ['resourceMetadata.scopesSupported', { resourceMetadata: { scopesSupported: ['a b'] } }],
    ['resourceMetadata.scopesSupported', { resourceMetadata: { scopesSupported: 'a' } }],
    ['resourceMetadata.resourceName', { resourceMetadata: { resourceName: '' } }],
    ['resourceMetadata.resourceName', { resourceMetadata: { resourceName: 'x'.repeat(257) } }],
    ['resourceMetadata.resourceDocumentation', { resourceMetadata: { resourceDocumentation: 'docs' } }],
    ['resourceMetadata.resourcePolicyUri', { resourceMetadata: { resourcePolicyUri: 'javascript:x' } }],
    ['resourceMetadata.resourceTosUri', { resourceMetadata: { resourceTosUri: 'https://a/?q' } }],
    ['resourceMetadata.maxAge', { resourceMetadata: { maxAge: -1 } }],
    ['resourceMetadata.maxAge', { resourceMetadata: { maxAge: 1.5 } }],
    ['resourceMetadata.maxAge', { resourceMetadata: { maxAge: 86_401 } }],
    ['dpop.mode', { dpop: { mode: 'sometimes' } }],
  ])('%s: %j', (option, options) => {
    expectConfigError(() => make(options), option)
  })

  it('refuses options that are not an object', () => {
    expectConfigError(() => createProtectedResource(null as unknown as object), 'options')
  })
})

describe('metadataResponse', () => {
  let resource: ProtectedResource
  const respond = (method: string | undefined, url: string | undefined, headers = {}) =>
    metadataResponse(resource, method, url, headers)

  it('answers GET with the JSON document, caching and CORS headers', () => {
    resource = make()
    for (const url of [`${WELL_KNOWN}/mcp`, WELL_KNOWN, `${WELL_KNOWN}/mcp?x=1`]) {
      const answer = respond('GET', url)
      expect(answer?.status).toBe(200)
      expect(answer?.body).toBe(resource.body)
      expect(answer?.headers).toEqual({
        'Content-Type': 'application/json',
        'Content-Length': String(Buffer.byteLength(resource.body)),
        'Cache-Control': 'public, max-age=3600',
        'Access-Control-Allow-Origin': '*',
        'X-Content-Type-Options': 'nosniff',
      })
    }
  })

  it('answers HEAD with the same headers and no body, and the CORS preflight with 204', () => {
    resource = make()
    const head = respond('HEAD', WELL_KNOWN)
    expect(head).toMatchObject({ status: 200, body: '' })
    expect(head?.headers['Content-Length']).toBe(String(Buffer.byteLength(resource.body)))
    const preflight = respond('OPTIONS', WELL_KNOWN, { 'access-control-request-method': 'GET' })
    expect(preflight).toMatchObject({ status: 204, body: '' })
    expect(preflight?.headers).toMatchObject({
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    })
  })

  it('leaves every other method, a plain OPTIONS and every look-alike path to authentication', () => {
    resource = make()
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'get', undefined])
      expect(respond(method, WELL_KNOWN)).toBeUndefined()
    expect(respond('OPTIONS', WELL_KNOWN)).toBeUndefined()
    const lookAlikes = [
      undefined,
      '',
      `${WELL_KNOWN}/`,
      `${WELL_KNOWN}/mcp/`,
      `${WELL_KNOWN}/../admin`,
      `${WELL_KNOWN}/mcp/../../admin`,
      `${WELL_KNOWN}/%2e%2e/admin`,
      `/.well-known/oauth-protected-resourc%65`,
      `/.WELL-KNOWN/oauth-protected-resource`,
      `${WELL_KNOWN}/MCP`,
      `${WELL_KNOWN}x`,
      `${WELL_KNOWN}/mcpx`,
      `//.well-known/oauth-protected-resource`,
      `/api${WELL_KNOWN}`,
      `https://api.example.com${WELL_KNOWN}`,
      `${WELL_KNOWN};x`,
      `${WELL_KNOWN}#x`,
    ]
    for (const url of lookAlikes) expect(respond('GET', url)).toBeUndefined()
  })
})
