// create → ready → list → status → connection → logs → delete, for every engine, through the real CLI.
// The read-only views share one instance made before them; create and delete each use their own, so any test
// runs alone (-t) and none depends on another's outcome.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { kubectlJson, kubectlOk, uniqueName } from '../lab/fixtures/lab.ts'
import { onLab } from '../lab/tags.ts'
import { cleanupInstance, dbaas, dbaasOk, instanceForTest, namespaceExists, secretPassword, written } from './helpers.ts'

const engines = [
  { engine: 'postgres', canonical: 'postgresql', port: 5432, scheme: 'postgresql' },
  { engine: 'mysql', canonical: 'mysql', port: 3306, scheme: 'mysql' },
  { engine: 'mariadb', canonical: 'mariadb', port: 3306, scheme: 'mysql' },
]

describe.each(engines)('$canonical instance lifecycle', ({ engine, canonical, port, scheme }) => {
  /** The instance the read-only tests look at. */
  const name = uniqueName(canonical.slice(0, 5))
  const ns = `dbaas-${name}`
  beforeAll(async () => {
    await dbaasOk(['create', engine, name, '--storage', '1Gi'])
  })
  afterAll(() => cleanupInstance(name))

  it('creates and waits until Ready', async () => {
    const name = uniqueName(`${canonical.slice(0, 4)}c`)
    const ns = `dbaas-${name}`
    onTestFinished(() => cleanupInstance(name))
    const r = await dbaasOk(['create', engine, name, '--storage', '1Gi', '-o', 'json'])
    const v = r.json()
    expect(v).toMatchObject({ kind: 'instance', name, namespace: ns, engine: canonical, status: 'Ready', ready: '1/1', storage: '1Gi' })
    expect(v.release).toMatchObject({ status: 'deployed', revision: 1 })
    const sts = await kubectlJson(['get', 'statefulset', name, '-n', ns])
    // The chart's labels, written by helm: managed-by names helm, dbaas finds it by dbaas.io/kind.
    expect(sts.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'Helm',
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/name': canonical,
      'dbaas.io/engine': canonical,
      'dbaas.io/kind': 'instance',
    })
    expect(sts.metadata.labels['dbaas.io/engine-version']).toBe(v.version)
    const nsObj = await kubectlJson(['get', 'namespace', ns])
    expect(nsObj.metadata.labels['app.kubernetes.io/instance']).toBe(name)
    // The release record carries dbaas's labels too (helm --labels), but not managed-by: the record is helm's.
    const rel = await kubectlJson(['get', 'secrets', '-n', ns, '-l', `owner=helm,name=${name}`])
    expect(rel.items[0].metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': name, 'dbaas.io/kind': 'release' })
    expect(rel.items[0].metadata.labels).not.toHaveProperty('app.kubernetes.io/managed-by')
  })

  it('lists it, in every output shape', async () => {
    const all = (await dbaasOk(['list', '-o', 'json'])).json<any[]>()
    const mine = all.find((i) => i.name === name)
    expect(mine).toMatchObject({ namespace: ns, engine: canonical, status: 'Ready' })
    const table = await dbaasOk(['list', '-n', ns])
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+KIND\s+ENGINE\s+VERSION\s+STATUS\s+READY\s+STORAGE\s+NAMESPACE\s+AGE$/)
    expect(table.stdout).toMatch(new RegExp(`^${name}\\s+instance\\s+${canonical}\\s+\\S+\\s+Ready\\s+1/1\\s+1Gi\\s+${ns}`, 'm'))
    expect((await dbaasOk(['list', '-n', ns, '-o', 'name'])).stdout.trim()).toBe(name)
    // -o wide adds columns; no RELEASE: list never reads helm's release records (status shows the release).
    const wide = (await dbaasOk(['list', '-n', ns, '-o', 'wide'])).stdout
    expect(wide).toContain('STORAGE-CLASS')
    expect(wide).not.toContain('RELEASE')
    expect((await dbaasOk(['list', '-n', ns, '-o', 'yaml'])).stdout).toContain(`name: ${name}`)
  })

  it('shows its status with pods, volume, endpoint and release', async () => {
    const v = (await dbaasOk(['status', name, '-o', 'json'])).json()
    expect(v.status).toBe('Ready')
    expect(v.pods).toEqual([expect.objectContaining({ name: `${name}-0`, ready: true, restarts: 0 })])
    expect(v.volumes).toEqual([expect.objectContaining({ name: `data-${name}-0`, status: 'Bound' })])
    expect(v.endpoint).toEqual({ host: `${name}.${ns}.svc.cluster.local`, port })
    expect(v.release.status).toBe('deployed')
    const text = await dbaasOk(['status', name])
    expect(text.stdout).toMatch(/Status:\s+Ready/)
    expect(text.stdout).toContain(`data-${name}-0`)
  })

  it('prints the connection, masking the password unless asked', async () => {
    const password = await secretPassword(name, ns)
    const masked = await dbaasOk(['connection', name])
    expect(masked.stdout).not.toContain(password)
    expect(masked.stdout).toContain('********')
    expect(masked.stderr).toContain('kubectl port-forward')
    const j = (await dbaasOk(['connection', name, '-o', 'json'])).json()
    expect(j).toMatchObject({ host: `${name}.${ns}.svc.cluster.local`, port, database: 'app', user: 'app', password: '********' })
    expect(j.secretRef).toEqual({ name: `${name}-credentials`, namespace: ns, key: 'password' })
    const uri = (await dbaasOk(['connection', name, '--format', 'uri', '--show-password'])).stdout.trim()
    expect(uri).toBe(`${scheme}://app:${password}@${name}.${ns}.svc.cluster.local:${port}/app`)
    const env = (await dbaasOk(['connection', name, '--format', 'env'])).stdout
    expect(env).toMatch(scheme === 'postgresql' ? /^PGHOST='/m : /^MYSQL_HOST='/m)
    expect(env).not.toContain(password)
  })

  it('prints the database container logs', async () => {
    const r = await dbaasOk(['logs', name, '--tail', '5'])
    if (onLab()) expect(r.stdout).toContain('lab:')
    else expect(r.stdout.trim().length).toBeGreaterThan(0)
  })

  it('refuses a second create of the same instance (exit 4) and changes nothing', async () => {
    const before = await kubectlJson(['get', 'statefulset', name, '-n', ns])
    const r = await dbaas(['create', engine, name, '--storage', '1Gi'])
    expect(r.exitCode).toBe(4)
    expect(r.stderr).toContain('already exists')
    const after = await kubectlJson(['get', 'statefulset', name, '-n', ns])
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion)
  })

  it('deletes it with --yes, keeping the data volume and so the namespace', async () => {
    const name = await instanceForTest(engine, uniqueName(`${canonical.slice(0, 4)}d`))
    const ns = `dbaas-${name}`
    const r = await dbaasOk(['delete', name, '--yes'])
    expect(r.stdout).toContain(`instance "${name}" deleted`)
    expect(r.stderr).toMatch(/kept persistentvolumeclaim\/data-/)
    expect(r.stderr).toMatch(new RegExp(`kept namespace/${ns}`))
    const left = await kubectlOk(['get', 'statefulset,secret', '-n', ns, '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name'])
    expect(left.trim()).toBe('')
    expect(await namespaceExists(ns)).toBe(true)
    const pvc = await kubectlJson(['get', 'pvc', `data-${name}-0`, '-n', ns])
    expect(pvc.metadata.name).toBe(`data-${name}-0`)
    // Gone now: not found (3), unless told to ignore it.
    expect((await dbaas(['delete', name, '--yes'])).exitCode).toBe(3)
    expect((await dbaas(['delete', name, '--yes', '--ignore-not-found'])).exitCode).toBe(0)
    expect((await dbaas(['status', name])).exitCode).toBe(3)
  })
})

describe('delete --delete-data removes the namespace dbaas created', () => {
  it('leaves nothing behind', async () => {
    const name = await instanceForTest('pg', uniqueName('gone'))
    const r = await dbaasOk(['delete', name, '--yes', '--delete-data', '-o', 'json'])
    const v = r.json()
    expect(v.namespaceDeleted).toBe(true)
    expect(v.deleted).toContain(`persistentvolumeclaim/data-${name}-0`)
    // delete waits (by default) until the namespace is gone.
    expect(await namespaceExists(`dbaas-${name}`)).toBe(false)
    expect(await written(name)).toEqual([])
  })
})
