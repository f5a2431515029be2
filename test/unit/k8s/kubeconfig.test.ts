import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { ClusterError, UsageError } from '../../../src/errors.ts'
import { kubeconfigPaths, loadKubeconfig, mergeKubeconfigs, type FileSystem } from '../../../src/k8s/kubeconfig.ts'

function memFs(files: Record<string, string>): FileSystem & { reads: string[] } {
  const reads: string[] = []
  return {
    reads,
    exists: (p) => p in files,
    read: (p) => {
      reads.push(p)
      const t = files[p]
      if (t === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' })
      return t
    },
  }
}

function kc(o: {
  current?: string
  clusters?: Array<[string, Record<string, unknown>]>
  users?: Array<[string, Record<string, unknown>]>
  contexts?: Array<[string, Record<string, unknown>]>
}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    ...(o.current !== undefined ? { 'current-context': o.current } : {}),
    clusters: (o.clusters ?? []).map(([name, cluster]) => ({ name, cluster })),
    users: (o.users ?? []).map(([name, user]) => ({ name, user })),
    contexts: (o.contexts ?? []).map(([name, context]) => ({ name, context })),
  })
}

function clusterErr(fn: () => unknown): ClusterError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ClusterError)
    expect((err as ClusterError).code).toBe('kubeconfig')
    expect((err as ClusterError).exitCode).toBe(5)
    return err as ClusterError
  }
  throw new Error('expected a ClusterError')
}

const A = kc({
  current: 'ctx-a',
  clusters: [['shared', { server: 'https://a.example:6443' }], ['only-a', { server: 'https://only-a:6443' }]],
  users: [['u', { token: 'token-a' }]],
  contexts: [['ctx-a', { cluster: 'shared', user: 'u', namespace: 'team-a' }], ['both', { cluster: 'shared', user: 'u' }]],
})
const B = kc({
  current: 'ctx-b',
  clusters: [['shared', { server: 'https://b.example:6443' }], ['only-b', { server: 'https://only-b:6443' }]],
  users: [['u', { token: 'token-b' }]],
  contexts: [['ctx-b', { cluster: 'only-b', user: 'u' }], ['both', { cluster: 'only-b', user: 'u', namespace: 'from-b' }]],
})

describe('kubeconfigPaths', () => {
  it('uses --kubeconfig alone, and refuses a missing one', () => {
    const fs = memFs({ '/k/a': A })
    expect(kubeconfigPaths({ kubeconfig: '/k/a' }, { KUBECONFIG: '/k/b' }, fs)).toEqual(['/k/a'])
    const e = clusterErr(() => kubeconfigPaths({ kubeconfig: '/k/missing' }, {}, fs))
    expect(e.message).toContain('/k/missing')
  })
  it('reads every existing KUBECONFIG file in order and skips missing and empty entries', () => {
    const fs = memFs({ '/k/a': A, '/k/b': B })
    expect(kubeconfigPaths({}, { KUBECONFIG: '/k/missing::/k/b:/k/a' }, fs)).toEqual(['/k/b', '/k/a'])
  })
  it('falls back to $HOME/.kube/config', () => {
    const fs = memFs({ '/home/me/.kube/config': A })
    expect(kubeconfigPaths({}, { HOME: '/home/me' }, fs)).toEqual(['/home/me/.kube/config'])
    expect(kubeconfigPaths({}, { HOME: '/nobody' }, fs)).toEqual([])
  })
})

describe('mergeKubeconfigs / loadKubeconfig: kubectl merge rules', () => {
  it('first definition of a name wins and first current-context wins', () => {
    const fs = memFs({ '/k/a': A, '/k/b': B })
    const cfg = loadKubeconfig({}, { KUBECONFIG: '/k/a:/k/b' }, fs)
    expect(cfg.files).toEqual(['/k/a', '/k/b'])
    expect(cfg.contextName).toBe('ctx-a')
    expect(cfg.cluster.server).toBe('https://a.example:6443')
    expect(cfg.user.token).toBe('token-a')
    expect(cfg.contextNamespace).toBe('team-a')
    // Names only in the second file are still there.
    expect(cfg.raw.clusters.map((c) => c.name)).toEqual(['shared', 'only-a', 'only-b'])
    expect(cfg.raw.contexts.map((c) => c.name)).toEqual(['ctx-a', 'both', 'ctx-b'])
  })

  it('the order of KUBECONFIG decides: reversed, the other file wins', () => {
    const fs = memFs({ '/k/a': A, '/k/b': B })
    const cfg = loadKubeconfig({}, { KUBECONFIG: '/k/b:/k/a' }, fs)
    expect(cfg.contextName).toBe('ctx-b')
    expect(cfg.cluster.server).toBe('https://only-b:6443')
    expect(cfg.user.token).toBe('token-b')
  })

  it('a context defined twice takes the first file\'s definition', () => {
    const fs = memFs({ '/k/a': A, '/k/b': B })
    const cfg = loadKubeconfig({ context: 'both' }, { KUBECONFIG: '/k/a:/k/b' }, fs)
    expect(cfg.cluster.server).toBe('https://a.example:6443')
    expect(cfg.contextNamespace).toBe('default')
  })

  it('a later file supplies the current-context when the first sets none', () => {
    const first = kc({ clusters: [['c', { server: 'https://c:6443' }]], contexts: [['x', { cluster: 'c' }]] })
    const fs = memFs({ '/k/1': first, '/k/b': B })
    expect(loadKubeconfig({}, { KUBECONFIG: '/k/1:/k/b' }, fs).contextName).toBe('ctx-b')
  })

  it('skips missing KUBECONFIG files', () => {
    const fs = memFs({ '/k/b': B })
    const cfg = loadKubeconfig({}, { KUBECONFIG: '/k/gone:/k/b' }, fs)
    expect(cfg.files).toEqual(['/k/b'])
    expect(fs.reads).not.toContain('/k/gone')
  })

  it('strips trailing slashes from the server', () => {
    const t = kc({ current: 'x', clusters: [['c', { server: 'https://c:6443//' }]], contexts: [['x', { cluster: 'c' }]] })
    expect(loadKubeconfig({ kubeconfig: '/k' }, {}, memFs({ '/k': t })).cluster.server).toBe('https://c:6443')
  })
})

describe('--context and -n', () => {
  const fs = memFs({ '/k/a': A })
  it('--context overrides current-context', () => {
    const cfg = loadKubeconfig({ context: 'both' }, { KUBECONFIG: '/k/a' }, fs)
    expect(cfg.contextName).toBe('both')
    expect(cfg.contextNamespace).toBe('default')
  })
  it('an unknown context is a kubeconfig error listing the known ones', () => {
    const e = clusterErr(() => loadKubeconfig({ context: 'nope' }, { KUBECONFIG: '/k/a' }, fs))
    expect(e.message).toContain('"nope"')
    expect(e.hint).toContain('ctx-a')
    expect(e.hint).toContain('both')
  })
  it('no current context and no --context is an error', () => {
    const t = kc({ clusters: [['c', { server: 'https://c' }]], contexts: [['x', { cluster: 'c' }]] })
    expect(clusterErr(() => loadKubeconfig({}, { KUBECONFIG: '/k' }, memFs({ '/k': t }))).hint).toContain('--context')
  })
  it('a context whose cluster has no server is an error', () => {
    const t = kc({ current: 'x', clusters: [['c', {}]], contexts: [['x', { cluster: 'c' }]] })
    clusterErr(() => loadKubeconfig({}, { KUBECONFIG: '/k' }, memFs({ '/k': t })))
  })
  it('-n overrides the namespace but keeps the context namespace', () => {
    const cfg = loadKubeconfig({ namespace: 'mine' }, { KUBECONFIG: '/k/a' }, fs)
    expect(cfg.namespace).toBe('mine')
    expect(cfg.namespaceExplicit).toBe(true)
    expect(cfg.contextNamespace).toBe('team-a')
    const plain = loadKubeconfig({}, { KUBECONFIG: '/k/a' }, fs)
    expect(plain.namespace).toBe('team-a')
    expect(plain.namespaceExplicit).toBe(false)
  })
})

describe('certificates and credentials', () => {
  it('resolves relative certificate paths against the kubeconfig file\'s directory', () => {
    const t = kc({
      current: 'x',
      clusters: [['c', { server: 'https://c', 'certificate-authority': 'pki/ca.crt' }]],
      users: [['u', { 'client-certificate': 'pki/u.crt', 'client-key': '/abs/u.key', tokenFile: 'tok' }]],
      contexts: [['x', { cluster: 'c', user: 'u' }]],
    })
    const fs = memFs({ '/etc/kube/config': t, '/etc/kube/pki/ca.crt': 'CA', '/etc/kube/pki/u.crt': 'CRT', '/abs/u.key': 'KEY', '/etc/kube/tok': 'tkn\n' })
    const cfg = loadKubeconfig({ kubeconfig: '/etc/kube/config' }, {}, fs)
    expect(cfg.cluster.caData?.toString()).toBe('CA')
    expect(cfg.user.certData?.toString()).toBe('CRT')
    expect(cfg.user.keyData?.toString()).toBe('KEY')
    expect(cfg.user.token).toBe('tkn')
    expect(cfg.raw.clusters[0]?.cluster['certificate-authority']).toBe('/etc/kube/pki/ca.crt')
  })

  it('inline *-data wins and is base64-decoded', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64')
    const t = kc({
      current: 'x',
      clusters: [['c', { server: 'https://c', 'certificate-authority-data': b64('INLINE-CA'), 'certificate-authority': 'nope.crt', 'insecure-skip-tls-verify': true, 'tls-server-name': 'api.internal' }]],
      users: [['u', { username: 'admin', password: 'pw' }]],
      contexts: [['x', { cluster: 'c', user: 'u' }]],
    })
    const cfg = loadKubeconfig({ kubeconfig: '/k' }, {}, memFs({ '/k': t }))
    expect(cfg.cluster.caData?.toString()).toBe('INLINE-CA')
    expect(cfg.cluster.insecureSkipTLSVerify).toBe(true)
    expect(cfg.cluster.tlsServerName).toBe('api.internal')
    expect(cfg.user).toMatchObject({ username: 'admin', password: 'pw', needsPlugin: false })
  })

  it('a certificate file named but missing is a kubeconfig error naming it', () => {
    const t = kc({ current: 'x', clusters: [['c', { server: 'https://c', 'certificate-authority': 'ca.crt' }]], contexts: [['x', { cluster: 'c' }]] })
    const e = clusterErr(() => loadKubeconfig({ kubeconfig: '/k/config' }, {}, memFs({ '/k/config': t })))
    expect(e.message).toContain('/k/ca.crt')
  })

  it('marks auth-provider users as needing the client library; exec users are run by dbaas', () => {
    const one = (user: Record<string, unknown>) =>
      loadKubeconfig({ kubeconfig: '/k' }, {}, memFs({ '/k': kc({ current: 'x', clusters: [['c', { server: 'https://c' }]], users: [['u', user]], contexts: [['x', { cluster: 'c', user: 'u' }]] }) })).user
    expect(one({ 'auth-provider': { name: 'oidc' } })).toMatchObject({ needsPlugin: true, authProvider: 'oidc' })
    const e = one({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws', args: ['eks', 'get-token'], interactiveMode: 'Never', env: [{ name: 'AWS_PROFILE', value: 'p' }] } })
    expect(e.needsPlugin).toBe(false)
    expect(e.exec).toEqual({ apiVersion: 'client.authentication.k8s.io/v1', command: 'aws', args: ['eks', 'get-token'], env: [{ name: 'AWS_PROFILE', value: 'p' }], interactiveMode: 'Never', provideClusterInfo: false })
  })
})

/** One cluster entry and one user entry, as a kubeconfig in /k/config. */
function single(cluster: Record<string, unknown>, user: Record<string, unknown> = {}, flags: Parameters<typeof loadKubeconfig>[0] = {}, env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}) {
  const t = kc({ current: 'x', clusters: [['c', { server: 'https://api.example:6443', ...cluster }]], users: [['u', user]], contexts: [['x', { cluster: 'c', user: 'u' }]] })
  return loadKubeconfig({ kubeconfig: '/k/config', ...flags }, env, memFs({ '/k/config': t, ...files }))
}

describe('fail closed: every key is honoured or refused', () => {
  it.each([
    ['cluster', { 'proxy-urll': 'http://typo:1' }, {}, /cluster "c" has "proxy-urll"/],
    ['user', {}, { 'impersonate': 'bob' }, /user "u" has "impersonate"/],
    ['exec', {}, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x', interactiveMode: 'Never', timeout: 5 } }, /exec has "timeout"/],
  ])('refuses an unknown %s key with exit 5, naming it', (_, cluster, user, msg) => {
    const e = clusterErr(() => single(cluster, user))
    expect(e.message).toMatch(msg)
    expect(e.hint).toMatch(/refuses kubeconfig settings it cannot honour/)
  })

  it('accepts the keys kubectl writes that do not change where or as whom (extensions, disable-compression)', () => {
    const cfg = single({ 'disable-compression': true, extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'a' } }] }, { extensions: [] })
    expect(cfg.cluster.execExtension).toEqual({ audience: 'a' })
  })

  it.each([
    ['ftp://api:21', /neither https:\/\/ nor http:\/\//],
    ['not a url', /is not a URL/],
  ])('refuses server %s', (server, msg) => {
    expect(clusterErr(() => single({ server })).message).toMatch(msg)
  })

  it('accepts an http:// server (kubectl proxy)', () => {
    expect(single({ server: 'http://127.0.0.1:8001' }).cluster.server).toBe('http://127.0.0.1:8001')
  })

  it.each([
    ['exec without apiVersion', { exec: { command: 'x' } }, /apiVersion is missing/],
    ['exec v1alpha1', { exec: { apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'x' } }, /v1alpha1" is not supported/],
    ['exec v1 without interactiveMode', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x' } }, /interactiveMode must be set/],
    ['exec with a bad interactiveMode', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x', interactiveMode: 'Sometimes' } }, /"Sometimes" is not Never/],
    ['exec without command', { exec: { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never' } }, /exec has no command/],
    ['exec and auth-provider', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x', interactiveMode: 'Never' }, 'auth-provider': { name: 'oidc' } }, /both exec and auth-provider/],
    ['token and username', { token: 't', username: 'u', password: 'p' }, /both a token and a username/],
    ['exec and a token', { token: 't', exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x', interactiveMode: 'Never' } }, /both exec and a token/],
    ['auth-provider and a username', { username: 'u', password: 'p', 'auth-provider': { name: 'oidc' } }, /both auth-provider and a username\/password/],
    ['as-groups without as', { 'as-groups': ['g'] }, /impersonates groups, a uid or extra fields without a user/],
    ['a missing tokenFile', { tokenFile: '/nope/token' }, /token file \/nope\/token/],
  ])('refuses %s (exit 5)', (_, user, msg) => {
    expect(clusterErr(() => single({}, user)).message).toMatch(msg)
  })

  it('v1beta1 exec defaults interactiveMode to IfAvailable; a command with a slash is relative to the kubeconfig', () => {
    const cfg = single({}, { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: './bin/get-token', provideClusterInfo: true, installHint: 'get it' } })
    expect(cfg.user.exec).toMatchObject({ command: '/k/bin/get-token', interactiveMode: 'IfAvailable', provideClusterInfo: true, installHint: 'get it' })
    expect(single({}, { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws' } }).user.exec?.command).toBe('aws')
  })

  it('tokenFile wins over token and is kept for re-reading', () => {
    const cfg = single({}, { token: 'inline', tokenFile: 'tok' }, {}, {}, { '/k/tok': 'from-file\n' })
    expect(cfg.user).toMatchObject({ token: 'from-file', tokenFile: '/k/tok' })
  })
})

describe('impersonation', () => {
  const entry = { token: 't', as: 'system:serviceaccount:team:sa', 'as-uid': '7', 'as-groups': ['g1', 'g2'], 'as-user-extra': { scopes: ['a', 'b'] } }

  it('reads as, as-uid, as-groups and as-user-extra from the user entry', () => {
    expect(single({}, entry).user.impersonate).toEqual({ user: 'system:serviceaccount:team:sa', uid: '7', groups: ['g1', 'g2'], extra: { scopes: ['a', 'b'] } })
    expect(single({}, { token: 't' }).user.impersonate).toBeUndefined()
  })

  it('--as and --as-group win over the entry, field by field (as kubectl merges them)', () => {
    expect(single({}, entry, { as: 'alice' }).user.impersonate).toEqual({ user: 'alice', uid: '7', groups: ['g1', 'g2'], extra: { scopes: ['a', 'b'] } })
    expect(single({}, entry, { as: 'alice', asGroups: ['ops'] }).user.impersonate).toMatchObject({ user: 'alice', groups: ['ops'] })
    expect(single({}, entry, { asGroups: ['ops'] }).user.impersonate).toMatchObject({ user: 'system:serviceaccount:team:sa', groups: ['ops'] })
    expect(single({}, { token: 't' }, { as: 'bob' }).user.impersonate).toEqual({ user: 'bob', groups: [], extra: {} })
  })

  it('--as-group without any user to impersonate is a usage error (exit 2)', () => {
    let err: unknown
    try {
      single({}, { token: 't' }, { asGroups: ['ops'] })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).exitCode).toBe(2)
    expect((err as UsageError).message).toMatch(/--as-group needs --as/)
  })

  it('applies to the in-cluster service account too', () => {
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount'
    const cfg = loadKubeconfig({ as: 'bob' }, { HOME: '/nobody', KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, memFs({ [`${sa}/token`]: 'x', [`${sa}/ca.crt`]: 'CA' }))
    expect(cfg.user.impersonate?.user).toBe('bob')
    expect(cfg.user.tokenFile).toBe(`${sa}/token`)
  })
})

describe('proxies', () => {
  it('proxy-url is the cluster\'s proxy, even when the environment names another', () => {
    expect(single({ 'proxy-url': 'socks5://bastion:1080' }, {}, {}, { HTTPS_PROXY: 'http://corp:3128' }).cluster.proxy).toEqual({ url: 'socks5://bastion:1080', source: 'proxy-url' })
  })
  it('otherwise HTTPS_PROXY, unless NO_PROXY covers the server', () => {
    expect(single({}, {}, {}, { HTTPS_PROXY: 'corp:3128' }).cluster.proxy).toEqual({ url: 'http://corp:3128/', source: 'HTTPS_PROXY' })
    expect(single({}, {}, {}, { HTTPS_PROXY: 'corp:3128', NO_PROXY: '.example' }).cluster.proxy).toBeUndefined()
  })
  it('an unsupported proxy-url is refused (exit 5)', () => {
    expect(clusterErr(() => single({ 'proxy-url': 'ftp://p:21' })).message).toMatch(/proxy-url scheme "ftp"/)
  })
})

describe('where the kubeconfig came from (helm is told the same)', () => {
  const t = kc({ current: 'x', clusters: [['c', { server: 'https://c' }]], contexts: [['x', { cluster: 'c' }]] })
  it('flag, KUBECONFIG (its whole value) or the default file', () => {
    expect(loadKubeconfig({ kubeconfig: '/k' }, { KUBECONFIG: '/a' }, memFs({ '/k': t })).source).toEqual({ kind: 'flag', value: '/k' })
    expect(loadKubeconfig({}, { KUBECONFIG: '/a:/missing' }, memFs({ '/a': t })).source).toEqual({ kind: 'env', value: '/a:/missing' })
    expect(loadKubeconfig({}, { HOME: '/h' }, memFs({ '/h/.kube/config': t })).source).toEqual({ kind: 'default', value: '/h/.kube/config' })
  })
})

describe('broken and missing kubeconfigs', () => {
  it('broken YAML → ClusterError kubeconfig naming the file', () => {
    const e = clusterErr(() => loadKubeconfig({ kubeconfig: '/k/bad' }, {}, memFs({ '/k/bad': 'clusters: [\n  - name: x\n   bad: indent: here' })))
    expect(e.message).toContain('/k/bad')
    expect(e.message).toMatch(/not valid YAML/)
  })
  it('a YAML list or scalar is not a kubeconfig', () => {
    clusterErr(() => mergeKubeconfigs([{ file: '/k', text: '- a\n- b\n' }]))
    clusterErr(() => mergeKubeconfigs([{ file: '/k', text: 'just a string' }]))
  })
  it('clusters that are not a list are refused', () => {
    expect(clusterErr(() => mergeKubeconfigs([{ file: '/k', text: 'clusters: {a: 1}' }])).message).toContain('"clusters" is not a list')
  })
  it('an empty file merges to nothing and then has no current context', () => {
    expect(mergeKubeconfigs([{ file: '/k', text: '' }])).toEqual({ clusters: [], users: [], contexts: [] })
  })
  it('no file anywhere and not in a cluster → kubeconfig error', () => {
    const e = clusterErr(() => loadKubeconfig({}, { HOME: '/nobody' }, memFs({})))
    expect(e.message).toBe('no kubeconfig found')
  })
  it('KUBECONFIG naming only missing files says so in the hint', () => {
    const e = clusterErr(() => loadKubeconfig({}, { KUBECONFIG: '/k/x:/k/y' }, memFs({})))
    expect(e.hint).toContain('/k/x:/k/y')
  })
})

describe('in-cluster fallback', () => {
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount'
  const files = { [`${sa}/token`]: 'sa-token\n', [`${sa}/namespace`]: 'apps\n', [`${sa}/ca.crt`]: 'SA-CA' }
  it('uses the service account when no kubeconfig exists', () => {
    const cfg = loadKubeconfig({}, { HOME: '/nobody', KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, memFs(files))
    expect(cfg.files).toEqual([])
    expect(cfg.contextName).toBe('in-cluster')
    expect(cfg.cluster.server).toBe('https://10.0.0.1:443')
    expect(cfg.cluster.caData?.toString()).toBe('SA-CA')
    expect(cfg.user.token).toBe('sa-token')
    expect(cfg.contextNamespace).toBe('apps')
    expect(cfg.namespace).toBe('apps')
  })
  it('brackets IPv6 hosts and honours -n', () => {
    const cfg = loadKubeconfig({ namespace: 'x' }, { HOME: '/nobody', KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, memFs(files))
    expect(cfg.cluster.server).toBe('https://[fd00::1]:443')
    expect(cfg.namespace).toBe('x')
    expect(cfg.contextNamespace).toBe('apps')
  })
  it('is not used when a kubeconfig exists', () => {
    const cfg = loadKubeconfig({}, { HOME: '/h', KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, memFs({ ...files, '/h/.kube/config': A }))
    expect(cfg.contextName).toBe('ctx-a')
  })
  it('is not used without the service env or the token', () => {
    clusterErr(() => loadKubeconfig({}, { HOME: '/nobody' }, memFs(files)))
    clusterErr(() => loadKubeconfig({}, { HOME: '/nobody', KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, memFs({})))
  })
})
