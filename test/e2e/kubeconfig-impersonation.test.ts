// issue 12, done-means 2: a kubeconfig user with `as:` a ServiceAccount. dbaas's own requests and helm's act
// as that ServiceAccount — one identity per command. Without rights it is refused (exit 5); bound to the Role
// `dbaas rbac` prints, create/status/delete work; and a Role that lacks only what helm needs (get services)
// makes helm's install fail naming the ServiceAccount, which proves helm impersonated it too.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { kubectl, kubectlOk, tempNamespace, uniqueName } from '../lab/fixtures/lab.ts'
import { cleanupInstance, dbaas, dbaasOk } from './helpers.ts'
import { derivedKubeconfig } from './kubeconfig-fixtures.ts'

/** A helm wrapper that records its argv and the environment that could redirect it, then runs the real helm. */
function helmRecorder(): { bin: string; calls: () => Array<{ argv: string; kubeconfig: string; driver: string }> } {
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-helm-rec-'))
  const log = join(dir, 'calls.log')
  const bin = join(dir, 'helm')
  writeFileSync(log, '')
  writeFileSync(bin, `#!/usr/bin/env bash\nprintf '%s\\t%s\\t%s\\n' "$*" "$KUBECONFIG" "$HELM_DRIVER" >> '${log}'\nexec helm "$@"\n`)
  chmodSync(bin, 0o755)
  return {
    bin,
    calls: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [argv = '', kubeconfig = '', driver = ''] = l.split('\t')
          return { argv, kubeconfig, driver }
        }),
  }
}

describe('impersonation from the kubeconfig (as: a ServiceAccount)', () => {
  let ns: { name: string; cleanup: () => Promise<void> }
  const sa = (n: string) => `system:serviceaccount:${ns.name}:${n}`
  let nobody: string
  let allowed: string
  let half: string
  const name = uniqueName('imp')
  const halfName = uniqueName('imh')

  beforeAll(async () => {
    ns = await tempNamespace('imp')
    for (const n of ['nobody', 'dbaas-sa', 'half']) await kubectlOk(['create', 'serviceaccount', n, '-n', ns.name])
    // The Role `dbaas rbac` prints, bound to the ServiceAccount (as a User subject: its user name).
    const rbac = await dbaasOk(['rbac', '-n', ns.name, '--user', sa('dbaas-sa'), '--name', 'dbaas-sa'])
    await kubectlOk(['apply', '-f', '-'], { input: rbac.stdout })
    // The same Role without `get services`: dbaas's own checks pass, helm's install cannot read its Service.
    const docs = parseAllDocuments((await dbaasOk(['rbac', '-n', ns.name, '--user', sa('half'), '--name', 'half'])).stdout).map((d) => d.toJS())
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] }
    for (const d of docs) {
      if (d?.kind !== 'Role') continue
      d.rules = (d.rules as Rule[]).flatMap((rule): Rule[] => {
        if (!rule.resources.includes('services')) return [rule]
        const others = rule.resources.filter((r) => r !== 'services')
        return [...(others.length ? [{ ...rule, resources: others }] : []), { ...rule, resources: ['services'], verbs: rule.verbs.filter((v) => v !== 'get') }]
      })
    }
    await kubectlOk(['apply', '-f', '-'], { input: docs.filter(Boolean).map((d) => JSON.stringify(d)).join('\n') })
    const withAs = (who: string) =>
      derivedKubeconfig((_c, user, doc) => {
        user.as = who
        doc.contexts.find((c) => c.name === doc['current-context'])!.context.namespace = ns.name
      })
    nobody = withAs(sa('nobody'))
    allowed = withAs(sa('dbaas-sa'))
    half = withAs(sa('half'))
  })
  afterAll(async () => {
    await cleanupInstance(name, ns?.name)
    await cleanupInstance(halfName, ns?.name)
    if (ns) await kubectl(['delete', 'clusterrole,clusterrolebinding', `dbaas-sa-${ns.name}`, `half-${ns.name}`, '--ignore-not-found'])
    await ns?.cleanup()
  })

  it('a ServiceAccount without rights: `dbaas list -n default` exits 5, refused as that ServiceAccount', async () => {
    const r = await dbaas(['list', '-n', 'default'], { env: { KUBECONFIG: nobody } })
    expect(r.exitCode, r.stderr).toBe(5)
    expect(r.stderr).toContain(`User "${sa('nobody')}" cannot list resource`)
  })

  it('-v 6 shows each request with its impersonation headers on stderr, and nothing on stdout', async () => {
    const r = await dbaas(['list', '-n', 'default', '-v', '6'], { env: { KUBECONFIG: nobody } })
    expect(r.exitCode, r.stderr).toBe(5)
    expect(r.stderr).toMatch(/^GET https:\/\/\S+\/apis\/apps\/v1\/namespaces\/default\/statefulsets\S* 403 Forbidden in \d+ milliseconds$/m)
    expect(r.stderr).toContain(`    Impersonate-User: ${sa('nobody')}`)
    expect(r.stdout).toBe('')
  })

  it('bound to the Role `dbaas rbac` prints: create, status and delete work, and helm gets the same kubeconfig and context', async () => {
    const helm = helmRecorder()
    const env = { KUBECONFIG: allowed, DBAAS_HELM: helm.bin }
    await dbaasOk(['create', 'postgres', name, '-n', ns.name, '--storage', '1Gi'], { env })
    const s = await dbaasOk(['status', name, '-n', ns.name, '-o', 'json'], { env })
    expect(s.json()).toMatchObject({ name, namespace: ns.name, status: 'Ready' })
    await dbaasOk(['delete', name, '-n', ns.name, '--yes', '--delete-data'], { env })
    const calls = helm.calls().filter((c) => /^(upgrade|uninstall)/.test(c.argv))
    expect(calls.map((c) => c.argv.split(' ')[0])).toEqual(['upgrade', 'uninstall'])
    for (const c of calls) {
      // helm reads the same user entry (and so its `as:`): KUBECONFIG as dbaas read it, the same context.
      expect(c.kubeconfig).toBe(allowed)
      expect(c.argv).toMatch(/--kube-context \S+/)
      expect(c.argv).not.toContain('--kube-as-user')
      expect(c.driver).toBe('secret')
    }
  })

  it('helm acts as the ServiceAccount too: a Role without `get services` fails helm\'s install naming the ServiceAccount', async () => {
    const r = await dbaas(['create', 'postgres', halfName, '-n', ns.name, '--storage', '1Gi'], { env: { KUBECONFIG: half } })
    expect(r.exitCode, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/helm install failed/)
    expect(r.stderr).toContain(`User "${sa('half')}" cannot get resource "services"`)
  })
})
