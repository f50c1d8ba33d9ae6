import { beforeAll, describe, expect, it } from '@jest/globals'
import { X509Certificate } from 'node:crypto'
import { certificateDer, certificateThumbprint, socketCertificate } from '@tokenguard/core'
import { MAX_CERTIFICATE_DER, MAX_CERTIFICATE_PEM } from '../../src/mtls/certificate.js'
import { makeTestCertificate, type TestCertificate } from './support/tls-certificates.js'

let cert: TestCertificate
let other: TestCertificate

beforeAll(() => {
  cert = makeTestCertificate('client-a')
  other = makeTestCertificate('client-b')
})

describe('certificateThumbprint', () => {
  it('is base64url(SHA-256(DER)) whether given DER, PEM, a Uint8Array view or an X509Certificate', () => {
    const backing = new Uint8Array(cert.der.length + 4)
    backing.set(cert.der, 2)
    const view = backing.subarray(2, 2 + cert.der.length)
    const padded = Buffer.concat([Buffer.from('junk'), cert.der]).subarray(4)
    for (const given of [cert.der, cert.pem, new X509Certificate(cert.pem), view, padded])
      expect(certificateThumbprint(given)).toBe(cert.thumbprint)
    expect(certificateThumbprint(other.pem)).toBe(other.thumbprint)
    expect(cert.thumbprint).toMatch(/^[\w-]{43}$/)
  })

  it('takes the first certificate of a PEM chain', () => {
    expect(certificateThumbprint(`${cert.pem}\n${other.pem}`)).toBe(cert.thumbprint)
  })

  it('accepts an X509Certificate-like object from another realm', () => {
    const x509 = new X509Certificate(cert.pem)
    expect(certificateThumbprint({ raw: x509.raw, fingerprint256: x509.fingerprint256 })).toBe(
      cert.thumbprint,
    )
  })

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an empty string', ''],
    ['empty bytes', new Uint8Array(0)],
    ['text that is not PEM', 'hello'],
    ['a PEM armour around garbage', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'],
    ['random bytes', Buffer.from('0123456789abcdef')],
    ['a plain object', { raw: 'x' }],
    ['an empty object (getPeerCertificate without a certificate)', {}],
  ])('is undefined for %s', (_name, value) => {
    expect(certificateThumbprint(value)).toBeUndefined()
    expect(certificateDer(value)).toBeUndefined()
  })

  it('refuses oversized input before parsing it', () => {
    expect(certificateDer(`${cert.pem}${' '.repeat(MAX_CERTIFICATE_PEM)}`)).toBeUndefined()
    expect(certificateDer(Buffer.concat([cert.der, Buffer.alloc(MAX_CERTIFICATE_DER)]))).toBeUndefined()
    const huge = { raw: Buffer.alloc(MAX_CERTIFICATE_DER + 1), fingerprint256: 'AA' }
    expect(certificateDer(huge)).toBeUndefined()
  })
})

describe('socketCertificate', () => {
  const x509 = () => new X509Certificate(cert.pem)

  it('prefers getPeerX509Certificate()', () => {
    const value = x509()
    expect(socketCertificate({ getPeerX509Certificate: () => value, getPeerCertificate: () => ({}) })).toBe(
      value,
    )
  })

  it('falls back to getPeerCertificate().raw', () => {
    expect(socketCertificate({ getPeerCertificate: () => ({ raw: cert.der }) })).toBe(cert.der)
  })

  it.each([
    ['a plain socket', {}],
    ['no socket', undefined],
    ['getPeerX509Certificate() without a certificate', { getPeerX509Certificate: () => undefined }],
    ['getPeerCertificate() answering {}', { getPeerCertificate: () => ({}) }],
    ['getPeerCertificate() answering null', { getPeerCertificate: () => null }],
    ['a raw that is not bytes', { getPeerCertificate: () => ({ raw: 'x' }) }],
  ])('is undefined for %s', (_name, socket) => {
    expect(socketCertificate(socket)).toBeUndefined()
  })
})
