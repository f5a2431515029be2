// Issue 12, placement: --node-selector and --toleration put the pod on the node that asks for them (a lab node
// labelled and tainted here), the choice is kept on the StatefulSet and on its backups, and a restore of the
// deleted instance lands there again; flags given to restore replace the source's. Bad values exit 2 with
// nothing written; a missing PriorityClass is refused before any write; --image-registry puts every image of a
// dry run under the mirror. Through the built CLI, read back with kubectl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kubectl, kubectlJson, kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { cleanupInstance, dbaas, dbaasOk, objectsOf } from './helpers.ts'

/** The node a pod was scheduled to, once it was. */
async function nodeOf(pod: string, ns: string): Promise<string> {
  let node = ''
  await waitFor(`pod ${ns}/${pod} to be scheduled`, 60_000, async () => {
    const r = await kubectl(['get', 'pod', pod, '-n', ns, '-o', 'jsonpath={.spec.nodeName}'])
    node = r.stdout.trim()
    return node !== ''
  })
  return node
}

describe('pods run where --node-selector and --toleration say, and restores follow', () => {
  const key = `dbaas.io/e2e-${uniqueName('pool')}`
  let node = ''
  const name = uniqueName('placed')
  const copy = uniqueName('placed-copy')
  const elsewhere = uniqueName('placed-else')
  let backup = ''

  beforeAll(async () => {
    // Not the lab's real node: its kubelet would run the default PostgreSQL version, which the lab has no image for.
    const nodes = (await kubectlJson(['get', 'nodes'])).items
      .filter((n: { metadata: { labels?: Record<string, string> } }) => n.metadata.labels?.['dbaas.io/lab-node'] !== 'real')
      .map((n: { metadata: { name: string } }) => n.metadata.name).sort()
    expect(nodes.length, 'the lab has several nodes').toBeGreaterThan(1)
    node = nodes[nodes.length - 1]
    await kubectlOk(['label', 'node', node, `${key}=db`])
    await kubectlOk(['taint', 'node', node, `${key}=db:NoSchedule`])
  })

  afterAll(async () => {
    for (const n of [name, copy, elsewhere]) await cleanupInstance(n)
    if (backup) await dbaas(['backup', 'delete', backup, '-n', `dbaas-${name}`, '--yes', '--ignore-not-found', '--no-wait'])
    await kubectl(['taint', 'node', node, `${key}=db:NoSchedule-`])
    await kubectl(['label', 'node', node, `${key}-`])
  })

  it('create lands on the labelled, tainted node and keeps the placement on the StatefulSet', async () => {
    const r = await dbaasOk(['create', 'pg', name, '--storage', '1Gi', '--node-selector', `${key}=db`, '--toleration', `${key}=db:NoSchedule`, '-o', 'json'])
    expect(r.json().status).toBe('Ready')
    const ns = `dbaas-${name}`
    expect(await nodeOf(`${name}-0`, ns)).toBe(node)
    const sts = await kubectlJson(['get', 'statefulset', name, '-n', ns])
    const pod = sts.spec.template.spec
    expect(pod.nodeSelector).toEqual({ [key]: 'db' })
    expect(pod.tolerations).toEqual([{ key, operator: 'Equal', value: 'db', effect: 'NoSchedule' }])
    expect(JSON.parse(sts.metadata.annotations['dbaas.io/placement'])).toEqual({ nodeSelector: { [key]: 'db' }, tolerations: pod.tolerations })
  })

  it('the backup carries it, and a restore of the deleted instance runs there again', async () => {
    const ns = `dbaas-${name}`
    const b = (await dbaasOk(['backup', 'create', name, '-o', 'json'])).json()
    backup = b.name
    const vs = await kubectlJson(['get', 'volumesnapshot', backup, '-n', ns])
    expect(JSON.parse(vs.metadata.annotations['dbaas.io/placement']).nodeSelector).toEqual({ [key]: 'db' })
    await dbaasOk(['delete', name, '--yes'])
    const r = await dbaasOk(['restore', backup, '--to', copy, '-n', ns, '-o', 'json'])
    expect(r.json().status).toBe('Ready')
    expect(await nodeOf(`${copy}-0`, ns)).toBe(node)
    const sts = await kubectlJson(['get', 'statefulset', copy, '-n', ns])
    expect(sts.spec.template.spec.nodeSelector).toEqual({ [key]: 'db' })
  })

  it('flags given to restore replace the source placement: an empty selector runs it anywhere untainted', async () => {
    const ns = `dbaas-${name}`
    const r = await dbaasOk(['restore', backup, '--to', elsewhere, '-n', ns, '--node-selector', '', '--toleration', '', '-o', 'json'])
    expect(r.json().status).toBe('Ready')
    expect(await nodeOf(`${elsewhere}-0`, ns)).not.toBe(node)
    const sts = await kubectlJson(['get', 'statefulset', elsewhere, '-n', ns])
    expect(sts.spec.template.spec.nodeSelector).toBeUndefined()
    expect(sts.spec.template.spec.tolerations).toBeUndefined()
    expect(sts.metadata.annotations['dbaas.io/placement']).toBeUndefined()
  })
})

describe('refusals write nothing', () => {
  const name = uniqueName('badplace')
  afterAll(() => cleanupInstance(name))

  it.each([
    [['--toleration', 'dedicated=db'], /has no effect/],
    [['--toleration', 'dedicated=db:Always'], /not a taint effect/],
    [['--node-selector', 'disk'], /not key=value/],
    [['--image-registry', 'https://mirror.example'], /has a scheme/],
    [['--priority-class', 'Not_A_Name'], /not a PriorityClass name/],
  ])('create %j exits 2 with one line and a hint', async (flags, message) => {
    const r = await dbaas(['create', 'pg', name, '--storage', '1Gi', ...flags])
    expect(r.exitCode).toBe(2)
    const lines = r.stderr.trim().split('\n')
    expect(lines[0]).toMatch(message)
    expect(lines[1]).toMatch(/^Hint: /)
    expect(await objectsOf(name)).toEqual([])
  })

  it('a PriorityClass that does not exist is refused (2) before anything is written; one that exists is used', async () => {
    const r = await dbaas(['create', 'pg', name, '--storage', '1Gi', '--priority-class', 'no-such-class'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('priority class "no-such-class" does not exist')
    expect(await objectsOf(name)).toEqual([])
    const pc = uniqueName('e2e-prio')
    await kubectlOk(['create', 'priorityclass', pc, '--value', '1000'])
    try {
      await dbaasOk(['create', 'pg', name, '--storage', '1Gi', '--priority-class', pc])
      const pod = await kubectlJson(['get', 'pod', `${name}-0`, '-n', `dbaas-${name}`])
      // Admission resolved the class into the pod's priority.
      expect(pod.spec.priorityClassName).toBe(pc)
      expect(pod.spec.priority).toBe(1000)
    } finally {
      await cleanupInstance(name)
      await kubectl(['delete', 'priorityclass', pc, '--ignore-not-found'])
    }
  })
})

describe('--image-registry', () => {
  it('a client dry run shows every image under the mirror, and contacts nothing', async () => {
    const r = await dbaasOk(['create', 'mysql', uniqueName('mirror'), '--dry-run=client', '-o', 'json', '--image-registry', 'mirror.example:5000', '--image-pull-secret', 'mirror-pull'], {
      env: { KUBECONFIG: '/nonexistent' },
    })
    const images = JSON.stringify(r.json()).match(/"image":"[^"]+"/g) ?? []
    expect(images.length).toBeGreaterThan(0)
    for (const i of images) expect(i).toMatch(/"image":"mirror\.example:5000\//)
    const sts = r.json().items.find((o: { kind: string }) => o.kind === 'StatefulSet')
    expect(sts.spec.template.spec.containers[0].image).toBe('mirror.example:5000/library/mysql:9.7')
    expect(sts.spec.template.spec.imagePullSecrets).toEqual([{ name: 'mirror-pull' }])
  })

  it('DBAAS_IMAGE_REGISTRY does the same for an installed instance', async () => {
    const name = uniqueName('mirrored')
    try {
      await dbaasOk(['create', 'mariadb', name, '--storage', '1Gi', '--no-wait'], { env: { DBAAS_IMAGE_REGISTRY: 'mirror.example:5000/hub' } })
      const sts = await kubectlJson(['get', 'statefulset', name, '-n', `dbaas-${name}`])
      expect(sts.spec.template.spec.containers[0].image).toBe('mirror.example:5000/hub/library/mariadb:12.3')
    } finally {
      await cleanupInstance(name)
    }
  })
})
