// Issue 12, "Done means" 7: on a lab where the security.openshift.io API group is served (a
// SecurityContextConstraints CRD this test writes itself — the openshift/api module is not served beyond an
// old version), dbaas renders StatefulSets without runAsUser/runAsGroup/fsGroup, found by discovery alone; the
// shared lab (no such group) still gets uid 999. A lab of its own, because a served group changes every create.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { privateLab, type PrivateLab } from '../lab/fixtures/private-lab.ts'
import { labOnly } from '../lab/tags.ts'
import { uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { dbaas, dbaasOk } from './helpers.ts'

const SCC_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'securitycontextconstraints.security.openshift.io' },
  spec: {
    group: 'security.openshift.io',
    scope: 'Cluster',
    names: { plural: 'securitycontextconstraints', singular: 'securitycontextconstraints', kind: 'SecurityContextConstraints', shortNames: ['scc'] },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
}

type PodSecurity = Record<string, unknown>
const podSecurity = (objects: Array<{ kind: string; spec?: any }>): PodSecurity =>
  objects.find((o) => o.kind === 'StatefulSet')?.spec.template.spec.securityContext

labOnly('needs a second lab of its own (the SCC API group would change every create in the shared one)').describe('OpenShift: uids left to the SCC where security.openshift.io is served', () => {
  let lab: PrivateLab
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    lab = await privateLab({ offset: 17_300, start: true })
    env = { KUBECONFIG: lab.paths.kubeconfig }
    const applied = await lab.kubectl(['apply', '-f', '-'], JSON.stringify(SCC_CRD))
    expect(applied.code, applied.stderr).toBe(0)
    await waitFor('the security.openshift.io group in discovery', 60_000, async () => (await lab.kubectl(['get', '--raw', '/apis/security.openshift.io'])).code === 0)
  }, 300_000)

  afterAll(async () => {
    await lab?.destroy()
  }, 120_000)

  it('a server dry run renders the StatefulSet without runAsUser, runAsGroup or fsGroup', async () => {
    const r = await dbaasOk(['create', 'pg', uniqueName('scc'), '-n', 'default', '--dry-run=server', '-o', 'json'], { env })
    const sc = podSecurity(r.json().items)
    for (const k of ['runAsUser', 'runAsGroup', 'fsGroup']) expect(sc, k).not.toHaveProperty(k)
    expect(sc).toMatchObject({ runAsNonRoot: true })
  })

  it('an installed instance has none either, on every engine', async () => {
    for (const engine of ['postgres', 'mysql', 'mariadb']) {
      const name = uniqueName(`scc-${engine.slice(0, 2)}`)
      await dbaasOk(['create', engine, name, '--storage', '1Gi', '--no-wait'], { env })
      const sts = await lab.kubectl(['get', 'statefulset', name, '-n', `dbaas-${name}`, '-o', 'json'])
      expect(sts.code, sts.stderr).toBe(0)
      const sc = JSON.parse(sts.stdout).spec.template.spec.securityContext
      for (const k of ['runAsUser', 'runAsGroup', 'fsGroup']) expect(sc, `${engine} ${k}`).not.toHaveProperty(k)
      await dbaasOk(['delete', name, '--yes', '--delete-data', '--no-wait'], { env })
    }
  })
})

describe('without the group', () => {
  it('the shared lab gets uid and fsGroup 999; --openshift asks for the SCC way anyway', async () => {
    const name = uniqueName('noscc')
    const plain = await dbaasOk(['create', 'mariadb', name, '-n', 'default', '--dry-run=server', '-o', 'json'])
    expect(podSecurity(plain.json().items)).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 })
    const forced = await dbaasOk(['create', 'mariadb', name, '-n', 'default', '--dry-run=client', '-o', 'json', '--openshift'], { env: { KUBECONFIG: '/nonexistent' } })
    expect(podSecurity(forced.json().items)).not.toHaveProperty('runAsUser')
  })

  it('--image-registry mirror.example:5000 --dry-run=client -o yaml puts every image under the mirror; bad values exit 2', async () => {
    const r = await dbaasOk(['create', 'pg', uniqueName('yaml'), '--image-registry', 'mirror.example:5000', '--dry-run=client', '-o', 'yaml'], { env: { KUBECONFIG: '/nonexistent' } })
    const images = [...r.stdout.matchAll(/^\s*image: (.+)$/gm)].map((m) => m[1]?.replace(/^"|"$/g, ''))
    expect(images).toEqual(['mirror.example:5000/library/postgres:18'])
    const bad = await dbaas(['create', 'pg', uniqueName('yaml'), '--image-registry', 'mirror.example:http', '--dry-run=client', '-o', 'yaml'], { env: { KUBECONFIG: '/nonexistent' } })
    expect(bad.exitCode).toBe(2)
    expect(bad.stdout).toBe('')
  })
})
