// The lab's PKI, made with openssl at first start: a self-signed CA and one admin pair
// (/O=system:masters/CN=lab-admin) that is the apiserver's serving cert, every component's client cert,
// the service-account key and kwok's serving cert. Also signs client certs for test users.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Pki {
  caCert: string
  caKey: string
  adminCert: string
  adminKey: string
}

export function pkiFiles(dir: string): Pki {
  return {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    adminCert: join(dir, 'admin.crt'),
    adminKey: join(dir, 'admin.key'),
  }
}

const serverSans = [
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
  'IP:127.0.0.1',
  // The `kubernetes` Service IP (first address of --service-cluster-ip-range): pods on the real node verify it.
  'IP:10.96.0.1',
].join(',')

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

function serial(): string {
  return '0x' + randomBytes(12).toString('hex')
}

/** Signs `<out>.crt` (and makes `<out>.key`) with the CA; returns the paths. */
export function signCert(
  pki: Pki,
  opts: { subject: string; out: string; extensions: string[]; days?: number; keepKey?: boolean },
): { cert: string; key: string } {
  const key = `${opts.out}.key`
  const cert = `${opts.out}.crt`
  const csr = `${opts.out}.csr`
  const ext = `${opts.out}.ext`
  const dir = join(opts.out, '..')
  mkdirSync(dir, { recursive: true })
  if (!opts.keepKey || !existsSync(key)) openssl(['genrsa', '-out', key, '2048'], dir)
  openssl(['req', '-new', '-key', key, '-subj', opts.subject, '-out', csr], dir)
  writeFileSync(ext, opts.extensions.join('\n') + '\n')
  openssl(
    ['x509', '-req', '-in', csr, '-CA', pki.caCert, '-CAkey', pki.caKey, '-set_serial', serial(),
      '-days', String(opts.days ?? 3650), '-extfile', ext, '-out', `${cert}.tmp`],
    dir,
  )
  renameSync(`${cert}.tmp`, cert)
  rmSync(csr, { force: true })
  rmSync(ext, { force: true })
  return { cert, key }
}

/** Creates the CA and admin pair unless they exist. Returns whether anything was made. */
export function ensurePki(dir: string): boolean {
  const pki = pkiFiles(dir)
  if (existsSync(pki.caCert) && existsSync(pki.adminCert) && existsSync(pki.adminKey)) return false
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  openssl(['genrsa', '-out', pki.caKey, '2048'], dir)
  openssl(
    ['req', '-x509', '-new', '-key', pki.caKey, '-subj', '/CN=dbaas-lab-ca', '-days', '3650',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      '-out', pki.caCert],
    dir,
  )
  signCert(pki, {
    subject: '/O=system:masters/CN=lab-admin',
    out: join(dir, 'admin'),
    extensions: adminExtensions(),
  })
  return true
}

const adminExtensions = () => [
  'basicConstraints=CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth,clientAuth',
  `subjectAltName=${serverSans}`,
]

/**
 * A lab made before the serving certificate named the `kubernetes` Service IP gets it re-signed with the same
 * key (the service-account key, so tokens stay valid; the API server reloads its serving certificate by itself).
 * Returns whether it re-signed.
 */
export function ensureServingSans(dir: string): boolean {
  const pki = pkiFiles(dir)
  const text = execFileSync('openssl', ['x509', '-in', pki.adminCert, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' })
  if (text.includes('IP Address:10.96.0.1')) return false
  signCert(pki, { subject: '/O=system:masters/CN=lab-admin', out: join(dir, 'admin'), extensions: adminExtensions(), keepKey: true })
  return true
}

/** A client certificate for user `cn` in group `org`, signed by the lab CA. */
export function signClientCert(dir: string, opts: { cn: string; org?: string; outDir: string }): { cert: string; key: string } {
  const subject = (opts.org ? `/O=${opts.org}` : '') + `/CN=${opts.cn}`
  return signCert(pkiFiles(dir), {
    subject,
    out: join(opts.outDir, opts.cn),
    extensions: ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'],
    days: 30,
  })
}

/** A kubeconfig with file references to the CA and a client pair. */
export function kubeconfigYaml(opts: { server: string; ca: string; cert: string; key: string; context: string; user: string; namespace?: string }): string {
  const ns = opts.namespace ? `\n    namespace: ${opts.namespace}` : ''
  return `apiVersion: v1
kind: Config
clusters:
- name: ${opts.context}
  cluster:
    server: ${opts.server}
    certificate-authority: ${opts.ca}
users:
- name: ${opts.user}
  user:
    client-certificate: ${opts.cert}
    client-key: ${opts.key}
contexts:
- name: ${opts.context}
  context:
    cluster: ${opts.context}
    user: ${opts.user}${ns}
current-context: ${opts.context}
`
}
