// issue 12, done-means 3: an exec credential plugin that hands out a ServiceAccount token bound to a Secret
// (`kubectl create token --bound-object-kind Secret`). Deleting that Secret revokes the token at once; dbaas
// must notice the 401, run the plugin again and carry on — during `status --watch` and during `create`'s wait.
// And a plugin with interactiveMode Always and no terminal fails with exit 5 within a second, never a hang.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpTransport } from '../../src/k8s/http.ts'
import { loadKubeconfig } from '../../src/k8s/kubeconfig.ts'
import { kubectl, kubectlOk, labInfo, tempNamespace, uniqueName } from '../lab/fixtures/lab.ts'
import { cleanupInstance, dbaas, dbaasOk } from './helpers.ts'
import { derivedKubeconfig, startDbaas, until } from './kubeconfig-fixtures.ts'

describe('exec credential plugin with a token bound to a Secret', () => {
  let ns: { name: string; cleanup: () => Promise<void> }
  let kc: string
  let runsFile: string
  const secret = 'dbaas-e2e-token-anchor'
  const name = uniqueName('exe')
  const waiting = uniqueName('exw')
  const storageClass = uniqueName('dbaas-e2e-nowhere')

  /** The plugin's runs by dbaas (helm runs it too, for its own requests), with the token each got. */
  const dbaasTokens = () =>
    readFileSync(runsFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('dbaas '))
      .map((l) => l.slice(6))
  const dbaasRuns = () => dbaasTokens().length

  /**
   * Waits until the API server refuses a token: it caches successful token reviews for a few seconds, so a
   * deleted Secret does not revoke its tokens at the same instant.
   */
  async function revoked(token: string): Promise<void> {
    const probe = derivedKubeconfig((_c, user) => {
      for (const key of Object.keys(user)) delete user[key]
      user.token = token
    })
    const t = new HttpTransport(loadKubeconfig({ kubeconfig: probe }, {}))
    await until('the token to be refused', 60_000, () => t.request('GET', '/api').then(() => false, (e: { details?: { httpCode?: number } }) => e.details?.httpCode === 401))
  }

  beforeAll(async () => {
    ns = await tempNamespace('exec')
    await kubectlOk(['create', 'serviceaccount', 'plugin-user', '-n', ns.name])
    await kubectlOk(['create', 'clusterrolebinding', `plugin-user-${ns.name}`, '--clusterrole=cluster-admin', `--serviceaccount=${ns.name}:plugin-user`])
    const dir = mkdtempSync(join(tmpdir(), 'dbaas-exec-plugin-'))
    runsFile = join(dir, 'runs')
    writeFileSync(runsFile, '')
    const info = labInfo()
    const k = `'${info.isLab ? join(info.binDir, 'kubectl') : 'kubectl'}' --kubeconfig '${info.kubeconfig}' -n '${ns.name}'`
    const plugin = join(dir, 'token-plugin.sh')
    writeFileSync(
      plugin,
      [
        '#!/bin/sh',
        'set -e',
        `${k} get secret ${secret} >/dev/null 2>&1 || ${k} create secret generic ${secret} >/dev/null`,
        `tok=$(${k} create token plugin-user --bound-object-kind Secret --bound-object-name ${secret} --duration 1h)`,
        // Who ran it (dbaas or helm), and the token it got.
        `if tr '\\0' ' ' < /proc/$PPID/cmdline | grep -q 'bin/dbaas.js'; then who=dbaas; else who=other; fi`,
        `echo "$who $tok" >> '${runsFile}'`,
        'printf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\' "$tok"',
      ].join('\n'),
    )
    chmodSync(plugin, 0o755)
    kc = derivedKubeconfig((_c, user) => {
      for (const key of Object.keys(user)) delete user[key]
      user.exec = { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' }
    })
    // A StorageClass nobody provisions: the instance's volume stays Pending (and so does create's wait)
    // until the test binds it by hand.
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: storageClass }, provisioner: 'example.invalid/none', volumeBindingMode: 'Immediate' }),
    })
  })
  afterAll(async () => {
    await cleanupInstance(name, ns?.name)
    await cleanupInstance(waiting, ns?.name)
    await kubectl(['delete', 'clusterrolebinding', `plugin-user-${ns?.name}`, '--ignore-not-found'])
    await kubectl(['delete', 'storageclass', storageClass, '--ignore-not-found'])
    await kubectl(['delete', 'pv', `${waiting}-pv`, '--ignore-not-found', '--wait=false'])
    await ns?.cleanup()
  })

  it('status --watch: the bound Secret is deleted, the next redraw gets 401, dbaas re-runs the plugin and carries on', async () => {
    await dbaasOk(['create', 'postgres', name, '-n', ns.name, '--storage', '1Gi'], { env: { KUBECONFIG: kc } })
    const before = dbaasRuns()
    const w = startDbaas(['status', name, '-n', ns.name, '--watch'], { KUBECONFIG: kc })
    try {
      await w.waitOut(new RegExp(`${name}-0`), 'the first status')
      // One run for this process so far: the credential is kept, not fetched per request.
      expect(dbaasRuns()).toBe(before + 1)
      // Revoke the token dbaas holds, then change the instance so the view is re-read with it.
      await kubectlOk(['delete', 'secret', secret, '-n', ns.name])
      await revoked(dbaasTokens().at(-1)!)
      await kubectlOk(['scale', 'statefulset', name, '-n', ns.name, '--replicas=2'])
      await w.waitOut(new RegExp(`${name}-1\\s`), 'the redraw with the second pod')
      expect(dbaasRuns()).toBe(before + 2)
      expect(w.err()).not.toMatch(/redraw failed|401|Unauthorized/)
    } finally {
      w.child.kill('SIGINT')
      await kubectl(['scale', 'statefulset', name, '-n', ns.name, '--replicas=1'])
    }
    expect((await w.child).exitCode).toBe(130)
  })

  it('create: the Secret is deleted while create waits for the instance; dbaas re-runs the plugin and finishes', async () => {
    const child = startDbaas(['create', 'postgres', waiting, '-n', ns.name, '--storage', '1Gi', '--storage-class', storageClass, '--timeout', '3m'], { KUBECONFIG: kc })
    const pvc = `data-${waiting}-0`
    // Waiting: helm is done (its release deployed: it holds no token any more) and the volume is Pending.
    await until('the deployed release and the pending volume', 90_000, async () => {
      const release = await kubectl(['get', 'secret', '-n', ns.name, '-l', `owner=helm,name=${waiting}`, '-o', 'jsonpath={.items[*].metadata.labels.status}'])
      const phase = await kubectl(['get', 'pvc', pvc, '-n', ns.name, '-o', 'jsonpath={.status.phase}'])
      return release.stdout.trim() === 'deployed' && phase.stdout === 'Pending'
    })
    const before = dbaasRuns()
    await kubectlOk(['delete', 'secret', secret, '-n', ns.name])
    await revoked(dbaasTokens().at(-1)!)
    // Now let it finish: a volume bound by hand, so the pod is scheduled and becomes ready.
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: `${waiting}-pv` },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          storageClassName: storageClass,
          persistentVolumeReclaimPolicy: 'Delete',
          hostPath: { path: `/tmp/${waiting}` },
          claimRef: { namespace: ns.name, name: pvc },
        },
      }),
    })
    const r = await child.child
    expect(r.exitCode, child.err()).toBe(0)
    expect(dbaasRuns()).toBe(before + 1)
    const s = await dbaasOk(['status', waiting, '-n', ns.name, '-o', 'json'], { env: { KUBECONFIG: kc } })
    expect(s.json().status).toBe('Ready')
  })

  it('interactiveMode Always without a terminal: exit 5 within a second, the plugin never run', async () => {
    const always = derivedKubeconfig((_c, user) => {
      for (const key of Object.keys(user)) delete user[key]
      user.exec = { apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/cat', interactiveMode: 'Always' }
    })
    const t0 = Date.now()
    const r = await dbaas(['list', '-n', ns.name], { env: { KUBECONFIG: always }, timeoutMs: 10_000 })
    const took = Date.now() - t0
    expect(r.exitCode, r.stderr).toBe(5)
    expect(r.stderr).toContain('needs a terminal (interactiveMode: Always), and standard input is not one')
    expect(took).toBeLessThan(1000)
  })
})
