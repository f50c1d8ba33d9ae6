import { beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { parseClientCertHeader, parseEnvoyXfcc, parseNginxClientCert } from '@tokenguard/core'
import {
  clientCertHeader,
  envoyHeader,
  makeTestCertificate,
  nginxHeader,
  type TestCertificate,
} from './support/tls-certificates.js'

let cert: TestCertificate
let other: TestCertificate
const thumbprint = (der: Uint8Array | undefined) =>
  der === undefined ? undefined : createHash('sha256').update(der).digest('base64url')

beforeAll(() => {
  cert = makeTestCertificate('client-a')
  other = makeTestCertificate('client-b')
})

describe('parseNginxClientCert ($ssl_client_escaped_cert)', () => {
  it('decodes the URL-encoded PEM to the certificate’s DER', () => {
    expect(thumbprint(parseNginxClientCert(nginxHeader(cert)))).toBe(cert.thumbprint)
    expect(thumbprint(parseNginxClientCert(nginxHeader(other)))).toBe(other.thumbprint)
    expect(Buffer.from(parseNginxClientCert(nginxHeader(cert)) as Uint8Array).equals(cert.der)).toBe(true)
  })

  it.each([
    ['absent', undefined],
    ['empty (no client certificate: nginx sends "")', ''],
    ['repeated', ['a', 'b']],
    ['broken percent-encoding', '%E0%A4%A'],
    ['not a certificate', encodeURIComponent('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')],
    ['oversized', '%41'.repeat(20_000)],
  ])('is undefined when %s', (_name, value) => {
    expect(parseNginxClientCert(value)).toBeUndefined()
  })
})

describe('parseEnvoyXfcc (X-Forwarded-Client-Cert)', () => {
  it('takes the Cert of the one element, among quoted values holding , ; = and \\"', () => {
    expect(thumbprint(parseEnvoyXfcc(envoyHeader(cert)))).toBe(cert.thumbprint)
    expect(thumbprint(parseEnvoyXfcc(envoyHeader(other)))).toBe(other.thumbprint)
  })

  it('accepts an unquoted Cert and any key case', () => {
    expect(thumbprint(parseEnvoyXfcc(`By=spiffe://a;cert=${encodeURIComponent(cert.pem)}`))).toBe(
      cert.thumbprint,
    )
  })

  it.each([
    ['absent', () => undefined],
    ['repeated', () => [envoyHeader(cert), envoyHeader(cert)]],
    [
      'two elements (APPEND_FORWARD: which one is the client?)',
      () => `${envoyHeader(other)},${envoyHeader(cert)}`,
    ],
    ['an element without Cert', () => 'By=spiffe://a;Hash=abc;Subject="CN=x"'],
    ['two Cert keys', () => `Cert="${encodeURIComponent(cert.pem)}";Cert="${encodeURIComponent(other.pem)}"`],
    ['a Cert that is no certificate', () => 'Cert="hello";Hash=abc'],
    ['a pair without =', () => 'Cert'],
    ['oversized', () => `Cert="${'%41'.repeat(20_000)}"`],
  ])('is undefined for %s', (_name, value) => {
    expect(parseEnvoyXfcc(value())).toBeUndefined()
  })
})

describe('parseClientCertHeader (RFC 9440 Client-Cert)', () => {
  it('decodes the :base64: byte sequence, surrounding spaces allowed', () => {
    expect(thumbprint(parseClientCertHeader(clientCertHeader(cert)))).toBe(cert.thumbprint)
    expect(thumbprint(parseClientCertHeader(` ${clientCertHeader(other)} `))).toBe(other.thumbprint)
  })

  it.each([
    ['absent', () => undefined],
    ['repeated', () => [clientCertHeader(cert), clientCertHeader(cert)]],
    ['without colons', () => cert.der.toString('base64')],
    ['base64url instead of base64', () => `:${cert.der.toString('base64url')}_-:`],
    ['an empty byte sequence', () => '::'],
    ['bytes that are no certificate', () => `:${Buffer.from('not a certificate').toString('base64')}:`],
    ['PEM instead of DER', () => `:${Buffer.from(cert.pem).toString('base64')}:`],
    ['oversized', () => `:${'A'.repeat(20_000)}:`],
  ])('is undefined for %s', (_name, value) => {
    expect(parseClientCertHeader(value())).toBeUndefined()
  })
})
