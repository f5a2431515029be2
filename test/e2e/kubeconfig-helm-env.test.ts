// issue 12, done-means 5: the shell's HELM_* variables cannot send helm to another namespace, context,
// identity, API server or storage than dbaas's own requests: they are removed from helm's environment and
// replaced by explicit flags, and releases always go to Secrets (what dbaas reads).
import { afterAll, describe, expect, it } from 'vitest'
import { kubectl, kubectlJson, uniqueName } from '../lab/fixtures/lab.ts'
import { cleanupInstance, dbaasOk } from './helpers.ts'

describe('helm ignores the shell\'s HELM_KUBE*, HELM_NAMESPACE and HELM_DRIVER', () => {
  const name = uniqueName('hev')
  const hostile = {
    HELM_NAMESPACE: 'default',
    HELM_KUBECONTEXT: 'nosuch',
    HELM_DRIVER: 'configmap',
    HELM_KUBETOKEN: 'not-a-token',
    HELM_KUBEAPISERVER: 'https://127.0.0.1:1',
    HELM_KUBEASUSER: 'system:anonymous',
    HELM_KUBEINSECURE_SKIP_TLS_VERIFY: 'true',
  }
  afterAll(async () => {
    await cleanupInstance(name)
  })

  it('create installs into dbaas-<name> of the current context, with the release in a Secret', async () => {
    await dbaasOk(['create', 'postgres', name, '--storage', '1Gi'], { env: hostile })
    const releases = await kubectlJson(['get', 'secrets', '-n', `dbaas-${name}`, '-l', `owner=helm,name=${name}`])
    expect(releases.items.map((s: { metadata: { labels: Record<string, string> } }) => s.metadata.labels.status)).toEqual(['deployed'])
    for (const ns of ['default', `dbaas-${name}`]) {
      const cms = await kubectlJson(['get', 'configmaps', '-n', ns, '-l', `owner=helm,name=${name}`])
      expect(cms.items).toEqual([])
    }
    const inDefault = await kubectl(['get', 'statefulset', name, '-n', 'default', '--ignore-not-found', '-o', 'name'])
    expect(inDefault.stdout.trim()).toBe('')
  })

  it('status and delete work with the same shell', async () => {
    const s = await dbaasOk(['status', name, '-o', 'json'], { env: hostile })
    expect(s.json()).toMatchObject({ name, namespace: `dbaas-${name}`, status: 'Ready' })
    await dbaasOk(['delete', name, '--yes', '--delete-data'], { env: hostile })
    const left = await kubectlJson(['get', 'secrets', '-n', `dbaas-${name}`, '-l', `owner=helm,name=${name}`]).catch(() => ({ items: [] }))
    expect(left.items).toEqual([])
  })
})
