import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A self-signed X.509 certificate and its private key, made at run time with the `openssl` CLI (Node can
 * parse certificates but not create them). Nothing is committed.
 */
export function makeCertificate(): { certificate: string; privateKeyPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tokenguard-cert-'))
  try {
    const key = join(dir, 'key.pem')
    const cert = join(dir, 'cert.pem')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=tokenguard-test',
      ],
      { stdio: 'ignore' },
    )
    return { certificate: readFileSync(cert, 'utf8'), privateKeyPem: readFileSync(key, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
