// Issue 12, labels dbaas owns, through the built CLI: helm writes the chart objects with the labels dbaas finds
// them by (managed-by Helm) and dbaas writes nothing back; an interrupted create — helm killed while it
// installs — is completed by a second create, with helm 3 and helm 4 and never --force-conflicts; instances
// labelled the older way (managed-by=dbaas written onto the chart objects and helm's record) are still listed,
// shown and deleted.
import { execa } from 'execa'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { kubectl, kubectlJson, kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { cleanupInstance, cliPath, dbaas, dbaasOk } from './helpers.ts'
import { SKIP_REASONS, skipNow } from '../lab/tags.ts'

/** The helm binaries of each major on PATH (the lab puts helm3 and helm4 there). */
async function helmOf(major: '3' | '4'): Promise<string | undefined> {
  for (const bin of [`helm${major}`, 'helm']) {
    const r = await execa(bin, ['version', '--template', '{{.Version}}'], { reject: false })
    if (r.exitCode === 0 && String(r.stdout).startsWith(`v${major}.`)) return bin
  }
  return undefined
}

describe('helm writes the labels; dbaas writes nothing back', () => {
  const name = uniqueName('lbl')
  afterAll(() => cleanupInstance(name))

  it('chart objects say managed-by Helm and carry dbaas.io/kind, engine and version; what dbaas writes says dbaas; no PATCH', async () => {
    const r = await dbaasOk(['create', 'pg', name, '--storage', '1Gi', '-v', '6'])
    // -v 6 traces every API request dbaas sends: nothing is patched after helm but the instance's history
    // (an annotation on dbaas's own credentials Secret).
    expect(r.stderr).toMatch(/POST .*\/secrets/)
    const patches = r.stderr.split('\n').filter((l) => /\bPATCH\b/.test(l))
    expect(patches.length, patches.join('\n')).toBeGreaterThan(0)
    for (const l of patches) expect(l).toMatch(new RegExp(`PATCH \\S*/namespaces/dbaas-${name}/secrets/${name}-credentials\\b`))
    const ns = `dbaas-${name}`
    const want = { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/managed-by': 'Helm', 'dbaas.io/engine': 'postgresql', 'dbaas.io/engine-version': '18' }
    for (const [kind, obj, k] of [
      ['statefulset', name, 'instance'],
      ['service', name, 'service'],
      ['service', `${name}-headless`, 'service'],
      ['pod', `${name}-0`, 'pod'],
      ['pvc', `data-${name}-0`, 'data'],
    ] as const) {
      const o = await kubectlJson(['get', kind, obj, '-n', ns])
      expect(o.metadata.labels, `${kind}/${obj}`).toMatchObject({ ...want, 'dbaas.io/kind': k })
    }
    const secret = await kubectlJson(['get', 'secret', `${name}-credentials`, '-n', ns])
    expect(secret.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'dbaas', 'dbaas.io/kind': 'credentials' })
    const record = (await kubectlJson(['get', 'secret', '-n', ns, '-l', `owner=helm,name=${name}`])).items[0]
    expect(record.metadata.labels['dbaas.io/kind']).toBe('release')
    expect(record.metadata.labels).not.toHaveProperty('app.kubernetes.io/managed-by')
  })
})

/**
 * An HTTP proxy in front of `kubectl proxy` that holds every StatefulSet creation open: a helm sent through it
 * writes its release record (pending-install) and the Services, then waits forever — where the test kills it.
 */
async function stallingProxy(): Promise<{ url: string; stalled: () => number; close: () => Promise<void> }> {
  const kp = execa('kubectl', ['proxy', '--port=0'], { reject: false, env: process.env })
  let said = ''
  kp.stdout?.on('data', (d: Buffer) => (said += d.toString()))
  let upstream = ''
  await waitFor('kubectl proxy to listen', 30_000, async () => {
    upstream = /127\.0\.0\.1:(\d+)/.exec(said)?.[1] ?? ''
    return upstream !== ''
  })
  let stalled = 0
  const held: Array<() => void> = []
  const server: Server = createServer((req, res) => {
    // helm 3 creates with POST, helm 4 with a server-side apply PATCH to the object's own path.
    if ((req.method === 'POST' || req.method === 'PATCH') && /\/statefulsets(\/[^/?]+)?(\?|$)/.test(req.url ?? '')) {
      stalled++
      held.push(() => res.destroy())
      return
    }
    const up = httpRequest({ host: '127.0.0.1', port: Number(upstream), method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    stalled: () => stalled,
    close: async () => {
      for (const h of held) h()
      await new Promise<void>((r) => server.close(() => r()))
      kp.kill()
      await kp.catch(() => undefined)
    },
  }
}

describe.each(['3', '4'] as const)('helm %s: an interrupted create is completed by a second create', (major) => {
  const name = uniqueName(`intr${major}`)
  const ns = `dbaas-${name}`
  let proxy: Awaited<ReturnType<typeof stallingProxy>> | undefined
  afterAll(async () => {
    await proxy?.close()
    await cleanupInstance(name)
  })

  it('helm killed mid-install, then create again: completed, without --force-conflicts', async (ctx) => {
    const helm = await helmOf(major)
    if (!helm) skipNow(ctx, SKIP_REASONS.lab, `no helm ${major} on PATH (the lab puts helm3 and helm4 there)`)
    proxy = await stallingProxy()
    const dir = mkdtempSync(join(tmpdir(), 'dbaas-stall-'))
    const stalling = join(dir, 'helm')
    // helm's own requests go through the stalling proxy; everything else dbaas sends goes straight to the cluster.
    writeFileSync(stalling, `#!/usr/bin/env bash\nif [ "$1" = upgrade ]; then exec ${helm} "$@" --kube-apiserver ${proxy.url}; fi\nexec ${helm} "$@"\n`)
    chmodSync(stalling, 0o755)
    const first = execa(process.execPath, [cliPath, 'create', 'pg', name, '--storage', '1Gi'], { reject: false, detached: true, env: { ...process.env, CI: 'true', DBAAS_HELM: stalling } })
    let said = ''
    let exited: number | undefined
    first.stderr?.on('data', (d: Buffer) => (said += d.toString()))
    void first.then((r) => (exited = r.exitCode ?? -1))
    await waitFor('helm to hang on the StatefulSet, its record pending-install', 60_000, async () => {
      if (exited !== undefined) throw new Error(`dbaas ended first (${exited}): ${said}`)
      if (proxy!.stalled() === 0) return false
      const rec = await kubectl(['get', 'secret', '-n', ns, '-l', `owner=helm,name=${name},status=pending-install`, '-o', 'name'])
      return rec.stdout.trim() !== ''
    })
    // Kill dbaas and its helm, as a machine going down would: no cleanup runs.
    process.kill(-(first.pid as number), 'SIGKILL')
    const ended = await first
    expect(ended.signal).toBe('SIGKILL')
    expect((await kubectl(['get', 'statefulset', name, '-n', ns, '-o', 'name'])).stdout.trim()).toBe('')
    const st = (await dbaasOk(['status', name, '-o', 'json'])).json()
    expect(['Creating', 'Incomplete']).toContain(st.status)
    expect(st.release?.status).toBe('pending-install')
    // A pending-install is someone else's install in progress for 2 minutes; let that time pass on the record.
    const rec = (await kubectlOk(['get', 'secret', '-n', ns, '-l', `owner=helm,name=${name}`, '-o', 'name'])).trim()
    await kubectlOk(['label', rec, '-n', ns, `modifiedAt=${Math.floor(Date.now() / 1000) - 180}`, '--overwrite'])
    expect((await dbaasOk(['status', name, '-o', 'json'])).json().status).toBe('Incomplete')

    // The same helm, recording its command lines.
    const log = join(dir, 'argv.log')
    const recording = join(dir, 'helm-recording')
    writeFileSync(recording, `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> '${log}'\nexec ${helm} "$@"\n`)
    chmodSync(recording, 0o755)
    const again = await dbaasOk(['create', 'pg', name, '--storage', '1Gi', '-o', 'json'], { env: { DBAAS_HELM: recording } })
    expect(again.json()).toMatchObject({ status: 'Ready', release: { status: 'deployed' } })
    const argv = readFileSync(log, 'utf8')
    expect(argv).toMatch(/^uninstall /m)
    expect(argv).toMatch(/^upgrade --install /m)
    expect(argv).not.toContain('--force-conflicts')
  })
})

describe('instances labelled the older way', () => {
  const name = uniqueName('oldlbl')
  afterAll(() => cleanupInstance(name))

  it('(managed-by=dbaas on the chart objects and on helm\'s record) are listed, shown and deleted', async () => {
    await dbaasOk(['create', 'mariadb', name, '--storage', '1Gi'])
    const ns = `dbaas-${name}`
    // What an older dbaas left: managed-by written back to dbaas on what helm installed, dbaas's labels with
    // managed-by=dbaas on helm's record.
    for (const o of [`statefulset/${name}`, `service/${name}`, `service/${name}-headless`]) await kubectlOk(['label', o, '-n', ns, 'app.kubernetes.io/managed-by=dbaas', '--overwrite'])
    const rec = (await kubectlOk(['get', 'secret', '-n', ns, '-l', `owner=helm,name=${name}`, '-o', 'name'])).trim()
    await kubectlOk(['label', rec, '-n', ns, 'app.kubernetes.io/managed-by=dbaas'])
    const listed = (await dbaasOk(['list', '-n', ns, '-o', 'json'])).json<any[]>()
    expect(listed.map((i) => [i.name, i.status])).toEqual([[name, 'Ready']])
    expect((await dbaasOk(['status', name, '-o', 'json'])).json()).toMatchObject({ status: 'Ready', release: { status: 'deployed', revision: 1 } })
    expect((await dbaas(['create', 'mariadb', name, '--storage', '1Gi'])).exitCode).toBe(4)
    await dbaasOk(['delete', name, '--yes', '--delete-data'])
    expect((await kubectl(['get', 'statefulset,service,secret', '-n', ns, '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name'])).stdout.trim()).toBe('')
  })
})
