// Done means 6: `helm install --wait`, `helm list -A -o json` and `helm uninstall` work with helm 3 and
// helm 4 (on the lab both; on a real cluster the suite's helm from PATH).
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { helm, kubectl, kubectlJson, labInfo, tempNamespace, uniqueName } from './fixtures/lab.ts'
import { labSourceDir } from './lib/paths.ts'

const chart = join(labSourceDir, 'fixtures', 'chart')
const majors: ('3' | '4')[] = labInfo().isLab ? ['3', '4'] : [labInfo().helmMajor]

interface ReleaseRow {
  name: string
  namespace: string
  status: string
  chart: string
}

describe.each(majors)('helm %s', (major) => {
  let ns: Awaited<ReturnType<typeof tempNamespace>>
  beforeAll(async () => {
    ns = await tempNamespace(`lab-helm${major}`)
  })
  afterAll(async () => ns?.cleanup())

  it('reports its pinned version on the lab', async (ctx) => {
    if (!labInfo().isLab) return ctx.skip('lab only: pinned helm versions')
    const r = await helm(['version', '--short'], { major })
    expect(r.stdout.trim()).toMatch(major === '4' ? /^v4\.3\.1/ : /^v3\.19\.5/)
  })

  it('installs with --wait, lists with -A -o json, uninstalls', async () => {
    const release = uniqueName('tiny')
    const install = await helm(['install', release, chart, '-n', ns.name, '--wait', '--timeout', '120s', '-f', '-'], { major, input: 'message: from stdin\n' })
    expect(install.code, install.stderr).toBe(0)

    const deploy = await kubectlJson<{ status: { readyReplicas?: number } }>(['-n', ns.name, 'get', 'deployment', release])
    expect(deploy.status.readyReplicas).toBe(1)
    const cm = await kubectlJson<{ data: Record<string, string> }>(['-n', ns.name, 'get', 'configmap', `${release}-config`])
    expect(cm.data.message).toBe('from stdin')
    if (labInfo().isLab) expect(cm.data.kubeVersion).toBe(process.env.DBAAS_LAB_K8S_VERSION ?? 'v1.34.4')

    const list = await helm(['list', '-A', '-o', 'json'], { major })
    expect(list.code, list.stderr).toBe(0)
    const rows = JSON.parse(list.stdout) as ReleaseRow[]
    expect(rows).toContainEqual(expect.objectContaining({ name: release, namespace: ns.name, status: 'deployed', chart: 'lab-tiny-0.1.0' }))

    const values = await helm(['get', 'values', release, '-n', ns.name, '-o', 'json'], { major })
    expect(JSON.parse(values.stdout)).toEqual({ message: 'from stdin' })

    const uninstall = await helm(['uninstall', release, '-n', ns.name, '--wait'], { major })
    expect(uninstall.code, uninstall.stderr).toBe(0)
    const after = JSON.parse((await helm(['list', '-A', '-o', 'json'], { major })).stdout) as ReleaseRow[]
    expect(after.map((r) => r.name)).not.toContain(release)
    const gone = await kubectl(['-n', ns.name, 'get', 'deployment', release])
    expect(gone.stderr).toMatch(/NotFound|not found/)
  })
})
