// Done means 1: etcd, apiserver, controller-manager and scheduler healthy; `kubectl version` shows the
// pinned server version; 3 nodes Ready. Also: the global setup's environment reached this worker.
import { execFileSync } from 'node:child_process'
import { describe, expect, inject, it } from 'vitest'
import { kubectl, kubectlJson, kubectlOk, labCli, labInfo } from './fixtures/lab.ts'
import { labOnly } from './tags.ts'

const lab = labOnly('checks the lab’s own processes and pinned version')

describe('the cluster the e2e suite runs against', () => {
  it('is named by KUBECONFIG, as set up by the global setup', () => {
    const provided = inject('lab')
    expect(process.env.KUBECONFIG).toBe(provided.kubeconfig)
    expect(process.env.DBAAS_E2E_LAB).toBe(provided.isLab ? '1' : '0')
  })

  it('answers /readyz', async () => {
    expect((await kubectlOk(['get', '--raw', '/readyz'])).trim()).toBe('ok')
  })
})

lab.describe('lab control plane', () => {
  it('lab:status reports etcd, apiserver, controller-manager and scheduler healthy', async () => {
    const r = await labCli(['status'])
    for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      expect(r.stdout).toMatch(new RegExp(`^${name}\\s+healthy\\s+pid \\d+`, 'm'))
    }
    expect(r.code, r.stdout).toBe(0)
  })

  it('kubectl version shows the pinned server version v1.34.4', async () => {
    const v = await kubectlJson<{ serverVersion: { gitVersion: string }; clientVersion: { gitVersion: string } }>(['version'])
    expect(v.serverVersion.gitVersion).toBe(process.env.DBAAS_LAB_K8S_VERSION ?? 'v1.34.4')
    expect(v.clientVersion.gitVersion).toBe(process.env.DBAAS_LAB_K8S_VERSION ?? 'v1.34.4')
  })

  it('has 3 Ready simulated nodes (and the real node when it is up)', async () => {
    const nodes = await kubectlJson<{ items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[] }>(['get', 'nodes'])
    const ready = nodes.items.filter((n) => n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'))
    const real = process.env.DBAAS_E2E_REAL_NODE === '1' ? ['lab-real-node'] : []
    expect(ready.map((n) => n.metadata.name).sort()).toEqual(['lab-node-1', 'lab-node-2', 'lab-node-3', ...real])
  })

  it('puts the lab’s kubectl and helm first on PATH', () => {
    const client = JSON.parse(execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' })) as { clientVersion: { gitVersion: string } }
    expect(client.clientVersion.gitVersion).toBe(process.env.DBAAS_LAB_K8S_VERSION ?? 'v1.34.4')
    const helmVersion = execFileSync('helm', ['version', '--short'], { encoding: 'utf8' })
    expect(helmVersion).toMatch(labInfo().helmMajor === '4' ? /^v4\.3\.1/ : /^v3\.19\.5/)
  })

  it('serves a StorageClass and the default VolumeSnapshotClass for the mock CSI driver (the default class without the real node)', async () => {
    const sc = await kubectlJson<{ provisioner: string; volumeBindingMode: string; allowVolumeExpansion: boolean; metadata: { annotations: Record<string, string> } }>(['get', 'storageclass', 'lab-csi'])
    expect(sc.provisioner).toBe('csi.lab.local')
    expect(sc.volumeBindingMode).toBe('Immediate')
    expect(sc.allowVolumeExpansion).toBe(true)
    // With the real node up, its data-carrying class is the cluster default instead.
    expect(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe(process.env.DBAAS_E2E_REAL_NODE === '1' ? 'false' : 'true')
    const vsc = await kubectlJson<{ driver: string; deletionPolicy: string; metadata: { annotations: Record<string, string> } }>(['get', 'volumesnapshotclass', 'lab-snapclass'])
    expect(vsc).toMatchObject({ driver: 'csi.lab.local', deletionPolicy: 'Delete' })
    expect(vsc.metadata.annotations['snapshot.storage.kubernetes.io/is-default-class']).toBe('true')
    const driver = await kubectl(['get', 'csidriver', 'csi.lab.local', '-o', 'jsonpath={.spec.attachRequired}'])
    expect(driver.stdout).toBe('false')
  })
})
