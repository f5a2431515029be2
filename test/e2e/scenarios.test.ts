// The harder paths of the core: interrupted creates, one name in two namespaces, both dry-runs, where the
// password may and may not appear, delete's confirmation rule, and a user limited by RBAC.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { createLimitedUser } from '../lab/fixtures/limited-user.ts'
import { helm, kubectl, kubectlJson, kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { cleanupInstance, dbaas, dbaasOk, deleteNamespace, kubeconfigFile, namespaceExists, recordingHelm, secretPassword, startCli, written } from './helpers.ts'

/** A namespace of the current test (not created by dbaas), deleted when it ends. */
async function namespaceForTest(prefix: string): Promise<string> {
  const ns = uniqueName(prefix)
  await kubectlOk(['create', 'namespace', ns])
  onTestFinished(() => deleteNamespace(ns))
  return ns
}

describe('an interrupted create is explained by status and completed by a second create', () => {
  it('a helm that cannot even report its version is refused (exit 1) before anything is written', async () => {
    const name = uniqueName('nohelm')
    const r = await dbaas(['create', 'pg', name, '--storage', '1Gi'], { env: { DBAAS_HELM: '/bin/false' } })
    // /bin/false prints no version: helm is judged unusable before anything is written.
    expect(r.exitCode, r.stderr).toBe(1)
    expect(r.stderr).toContain('helm version failed')
    expect(await written(name)).toEqual([])
  })

  it('Ctrl-C during create, then status and a second create', async () => {
    const name = uniqueName('intr')
    onTestFinished(() => cleanupInstance(name))
    // A helm that takes its time before installing (it waits for a file the test never writes, so nothing but
    // the interrupt ends it), so Ctrl-C lands mid-create, as it would in a terminal: the whole process group
    // (dbaas and helm) gets SIGINT.
    const dir = mkdtempSync(join(tmpdir(), 'slow-helm-'))
    const slow = join(dir, 'helm')
    writeFileSync(slow, `#!/usr/bin/env bash\nif [ "$1" = upgrade ]; then while [ ! -e '${dir}/go' ]; do sleep 0.2; done; fi\nexec helm "$@"\n`, { mode: 0o755 })
    const cli = startCli(['create', 'pg', name, '--storage', '1Gi'], { env: { DBAAS_HELM: slow } })
    await waitFor('the credentials secret', 60_000, async () => (await kubectl(['get', 'secret', `${name}-credentials`, '-n', `dbaas-${name}`, '-o', 'name'])).code === 0, 20)
    cli.interrupt()
    const r = await cli.result()
    expect(r.exitCode, r.stderr).toBe(130)
    expect(r.stderr).toContain('running the same command again completes it')
    const status = (await dbaasOk(['status', name, '-o', 'json'])).json()
    expect(status.status).toBe('Incomplete')
    expect(status.explanation).toContain('completes it')
    const listed = (await dbaasOk(['list', '-o', 'json'])).json<any[]>().find((i) => i.name === name)
    expect(listed?.status).toBe('Incomplete')
    const again = await dbaasOk(['create', 'pg', name, '--storage', '1Gi'])
    expect(again.stdout).toContain(`instance "${name}" completed`)
    expect((await dbaasOk(['status', name, '-o', 'json'])).json().status).toBe('Ready')
  })

  it('a release stuck in pending-install is cleared and the create completed', async () => {
    const other = uniqueName('pend')
    const ns = `dbaas-${other}`
    onTestFinished(() => cleanupInstance(other))
    await dbaasOk(['create', 'mysql', other, '--storage', '1Gi'])
    // What an interrupted helm leaves behind: the release record still pending-install, no StatefulSet.
    await kubectlOk(['delete', 'statefulset', other, '-n', ns, '--wait=true'])
    const rel = `sh.helm.release.v1.${other}.v1`
    await kubectlOk(['label', 'secret', rel, '-n', ns, 'status=pending-install', '--overwrite'])
    await kubectlOk(['label', 'secret', rel, '-n', ns, 'modifiedAt=1', '--overwrite'])
    expect((await dbaasOk(['status', other, '-o', 'json'])).json().status).toBe('Incomplete')
    const done = (await dbaasOk(['create', 'mysql', other, '--storage', '1Gi', '-o', 'json'])).json()
    expect(done.status).toBe('Ready')
    expect(done.release.status).toBe('deployed')
  })

  it('a credentials Secret alone is listed as Incomplete and completed by create', async () => {
    const other = uniqueName('half')
    const ns = `dbaas-${other}`
    onTestFinished(() => cleanupInstance(other))
    // Only what the first step of create writes: the namespace and the credentials.
    await kubectlOk(['create', 'namespace', ns])
    const labels = [`app.kubernetes.io/managed-by=dbaas`, `app.kubernetes.io/instance=${other}`, `app.kubernetes.io/name=mariadb`, `dbaas.io/engine=mariadb`, `dbaas.io/engine-version=12.3`, `dbaas.io/kind=credentials`]
    await kubectlOk(['create', 'secret', 'generic', `${other}-credentials`, '-n', ns, '--from-literal=username=app', '--from-literal=password=p4ssw0rd-123', '--from-literal=database=app', '--from-literal=root-password=r00t-p4ss'])
    await kubectlOk(['label', 'secret', `${other}-credentials`, '-n', ns, ...labels])
    const st = (await dbaasOk(['status', other, '-o', 'json'])).json()
    expect(st.status).toBe('Incomplete')
    expect(st.explanation).toContain('completes it')
    const done = (await dbaasOk(['create', 'mariadb', other, '--storage', '1Gi', '-o', 'json'])).json()
    expect(done.status).toBe('Ready')
    expect(await secretPassword(other, ns)).toBe('p4ssw0rd-123')
    // A different engine under the same name is a conflict.
    expect((await dbaas(['create', 'pg', other, '--storage', '1Gi'])).exitCode).toBe(4)
  })
})

describe('one name in two namespaces', () => {
  it('asks for -n (exit 2) and works with it', async () => {
    const name = uniqueName('twin')
    const a = { name: await namespaceForTest('twa') }
    const b = { name: await namespaceForTest('twb') }
    onTestFinished(() => cleanupInstance(name, a.name))
    onTestFinished(() => cleanupInstance(name, b.name))
    await dbaasOk(['create', 'pg', name, '-n', a.name, '--storage', '1Gi', '--no-wait'])
    await dbaasOk(['create', 'mysql', name, '-n', b.name, '--storage', '1Gi', '--no-wait'])
    const r = await dbaas(['status', name])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain(a.name)
    expect(r.stderr).toContain(b.name)
    expect(r.stderr).toContain('-n')
    expect((await dbaasOk(['status', name, '-n', b.name, '-o', 'json'])).json().engine).toBe('mysql')
    const both = (await dbaasOk(['list', '-o', 'json'])).json<any[]>().filter((i) => i.name === name)
    expect(both.map((i) => i.namespace).sort()).toEqual([a.name, b.name].sort())
    // delete refuses without --yes when there is no terminal, and deletes nothing
    const d = await dbaas(['delete', name, '-n', a.name])
    expect(d.exitCode).toBe(2)
    expect(d.stderr).toContain('--yes')
    expect((await dbaas(['status', name, '-n', a.name])).exitCode).toBe(0)
  })
})

describe('dry runs', () => {
  it('--dry-run=client prints every object, redacts the Secret and contacts nothing', async () => {
    const name = uniqueName('dry')
    const nowhere = kubeconfigFile('apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n')
    const r = await dbaasOk(['create', 'postgres', name, '--dry-run=client'], { env: { KUBECONFIG: nowhere } })
    for (const kind of ['Namespace', 'Secret', 'StatefulSet', 'Service']) expect(r.stdout).toContain(`kind: ${kind}`)
    expect(r.stdout).toContain('<redacted>')
    expect(r.stdout).toMatch(/password: <redacted>/)
    const j = (await dbaasOk(['create', 'postgres', name, '--dry-run=client', '-o', 'json'], { env: { KUBECONFIG: nowhere } })).json()
    expect(j.kind).toBe('List')
    expect(j.items.map((o: any) => o.kind)).toEqual(expect.arrayContaining(['Namespace', 'Secret', 'StatefulSet', 'Service']))
    expect(await written(name)).toEqual([])
  })

  it('--dry-run=server validates what it can and says what it could not', async () => {
    const name = uniqueName('drs')
    const r = await dbaasOk(['create', 'postgres', name, '--dry-run=server'])
    expect(r.stderr).toContain(`namespace dbaas-${name} does not exist yet`)
    expect(r.stdout).toContain('kind: Namespace')
    expect(await written(name)).toEqual([])
    // In an existing namespace every object goes to the server with dryRun=All.
    const ns = await namespaceForTest('drs')
    const v = await dbaasOk(['create', 'mysql', name, '-n', ns, '--dry-run=server', '-o', 'json'])
    const items = v.json().items
    const sts = items.find((o: any) => o.kind === 'StatefulSet')
    expect(sts.metadata.uid).toBeTruthy() // filled in by the server
    expect(items.find((o: any) => o.kind === 'Secret').data.password).toBe('<redacted>')
    expect(await written(name)).toEqual([])
    // The server's validation is real: an object the server refuses is refused (a quota of 0 secrets: 403).
    await kubectlOk(['create', 'quota', 'nosecrets', '-n', ns, '--hard=secrets=0'])
    const refused = await dbaas(['create', 'mysql', name, '-n', ns, '--dry-run=server'])
    expect(refused.exitCode, refused.stderr).toBe(5)
    expect(refused.stderr).toMatch(/exceeded quota/i)
    expect(await written(name)).toEqual([])
  })
})

describe('the password appears in exactly one Secret', () => {
  it('not in helm, labels, annotations, events, configmaps, stdout or helm argv', async () => {
    const name = uniqueName('pw')
    const ns = `dbaas-${name}`
    onTestFinished(() => cleanupInstance(name))
    const rec = recordingHelm()
    const out = await dbaasOk(['create', 'mariadb', name, '--storage', '1Gi', '-o', 'json'], { env: { DBAAS_HELM: rec.bin } })
    const password = await secretPassword(name, ns)
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/)
    expect(out.stdout + out.stderr).not.toContain(password)
    expect(readFileSync(rec.log, 'utf8')).not.toContain(password)
    const values = await helm(['get', 'values', name, '-n', ns, '--all', '-o', 'json'])
    expect(values.code).toBe(0)
    expect(values.stdout).not.toContain(password)
    const manifest = await helm(['get', 'manifest', name, '-n', ns])
    expect(manifest.stdout).not.toContain(password)
    const everything = await kubectlOk(['get', 'configmaps,events,statefulsets,services,pods,persistentvolumeclaims,namespaces', '-A', '-o', 'json'])
    expect(everything).not.toContain(password)
    const secrets = await kubectlJson(['get', 'secrets', '-A'])
    const holding = secrets.items.filter((s: any) => Object.values(s.data ?? {}).some((v: any) => Buffer.from(v, 'base64').toString('utf8').includes(password)))
    expect(holding.map((s: any) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual([`${ns}/${name}-credentials`])
    for (const s of secrets.items) {
      expect(JSON.stringify(s.metadata)).not.toContain(password)
    }
  })

  it('--password-stdin: the given password is used', async () => {
    const other = uniqueName('pws')
    onTestFinished(() => cleanupInstance(other))
    await dbaasOk(['create', 'pg', other, '--storage', '1Gi', '--password-stdin', '--no-wait'], { input: 'correct-horse-battery\n' })
    expect(await secretPassword(other, `dbaas-${other}`)).toBe('correct-horse-battery')
  })
})

labOnly('a user signed by the lab CA').describe('a user limited by RBAC to one namespace', () => {
  it('creates, lists, finds and deletes in its namespace; is refused elsewhere with nothing written', async () => {
    const ns = uniqueName('team')
    const name = uniqueName('rb')
    onTestFinished(() => deleteNamespace(ns))
    onTestFinished(() => cleanupInstance(name, ns))
    const user = await createLimitedUser({ name: uniqueName('alice'), namespace: ns })
    onTestFinished(() => user.cleanup())
    const env = { KUBECONFIG: user.kubeconfig }
    // Outside its namespace: refused before any write (exit 5).
    const other = uniqueName('rbx')
    const refused = await dbaas(['create', 'pg', other, '--storage', '1Gi'], { env })
    expect(refused.exitCode).toBe(5)
    expect(refused.stderr).toMatch(/you may not create namespaces/)
    expect(await written(other)).toEqual([])
    // Inside it: the whole lifecycle works.
    await dbaasOk(['create', 'pg', name, '-n', ns, '--storage', '1Gi'], { env })
    const list = await dbaasOk(['list', '-o', 'json'], { env })
    expect(list.stderr).toContain(`showing namespace ${ns} only`)
    expect(list.json<any[]>().map((i) => i.name)).toEqual([name])
    // Found without -n: cluster-wide lookup is forbidden, so dbaas falls back to the context's namespace.
    expect((await dbaasOk(['status', name, '-o', 'json'], { env })).json().namespace).toBe(ns)
    expect((await dbaasOk(['connection', name], { env })).stdout).toContain(`${name}.${ns}.svc`)
    await dbaasOk(['delete', name, '--yes', '--delete-data'], { env })
    expect(await namespaceExists(ns)).toBe(true) // not created by dbaas: never removed by it
  })
})
