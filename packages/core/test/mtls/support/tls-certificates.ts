import { execFileSync } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A certificate and its private key, made at run time with `openssl` (nothing is committed). */
export interface TestCertificate {
  /** PEM text of the certificate. */
  pem: string
  /** PEM text of its private key (PKCS #8). */
  keyPem: string
  /** The certificate's DER bytes. */
  der: Buffer
  /** base64url(SHA-256(DER)): what `cnf["x5t#S256"]` holds for a token bound to it. */
  thumbprint: string
}

/**
 * A self-signed P-256 certificate for `commonName`, valid one day. `ipAddress` adds a subjectAltName
 * (for the HTTPS server's own certificate on 127.0.0.1).
 */
export function makeTestCertificate(commonName: string, ipAddress?: string): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'tokenguard-mtls-'))
  try {
    const key = join(dir, 'key.pem')
    const cert = join(dir, 'cert.pem')
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
    args.push('-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${commonName}`)
    if (ipAddress !== undefined) args.push('-addext', `subjectAltName=IP:${ipAddress}`)
    execFileSync('openssl', args, { stdio: 'ignore' })
    const pem = readFileSync(cert, 'utf8')
    const der = Buffer.from(new X509Certificate(pem).raw)
    return {
      pem,
      keyPem: readFileSync(key, 'utf8'),
      der,
      thumbprint: createHash('sha256').update(der).digest('base64url'),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** nginx `$ssl_client_escaped_cert`: the PEM, URL-encoded as nginx does it. */
export function nginxHeader(certificate: TestCertificate): string {
  return encodeURIComponent(certificate.pem)
}

/** Envoy `X-Forwarded-Client-Cert` with `SANITIZE_SET`: hash, quoted URL-encoded PEM and subject. */
export function envoyHeader(certificate: TestCertificate): string {
  const hash = createHash('sha256').update(certificate.der).digest('hex')
  return `Hash=${hash};Cert="${encodeURIComponent(certificate.pem)}";Subject="CN=test,O=a\\"b;c"`
}

/** RFC 9440 `Client-Cert`: the DER as a structured-field byte sequence. */
export function clientCertHeader(certificate: TestCertificate): string {
  return `:${certificate.der.toString('base64')}:`
}
