// Issue 19, item 1, through the built CLI against the lab: `delete` keeps data-<name>-0; a later `create` of
// that name refuses it (exit 4) unless --reuse-data, which mounts only a volume of the same engine and major
// version (else exit 7). Every refusal writes nothing: the volume's resourceVersion and the namespace's
// objects are as they were.
import { afterAll, describe, expect, it } from 'vitest'
import { kubectl, kubectlJson, uniqueName } from '../lab/fixtures/lab.ts'
import { cleanupInstance, dbaas, dbaasOk } from './helpers.ts'

describe('create and the data volume delete kept', () => {
  const name = uniqueName('keep')
  const ns = `dbaas-${name}`
  const pvc = `data-${name}-0`
  afterAll(() => cleanupInstance(name))

  async function snapshot(): Promise<{ pvcVersion: string; objects: string }> {
    const v = await kubectlJson(['get', 'pvc', pvc, '-n', ns])
    const objects = await kubectl(['get', 'statefulsets,services,secrets,persistentvolumeclaims', '-n', ns, '-o', 'name'])
    return { pvcVersion: v.metadata.resourceVersion, objects: objects.stdout.split('\n').sort().join('\n') }
  }

  it('delete keeps the volume', async () => {
    await dbaasOk(['create', 'postgres', name, '--version', '17', '--storage', '1Gi', '-n', ns])
    await dbaasOk(['delete', name, '-n', ns, '--yes'])
    const left = await kubectlJson(['get', 'pvc', pvc, '-n', ns])
    expect(left.metadata.labels).toMatchObject({ 'dbaas.io/engine': 'postgresql', 'dbaas.io/engine-version': '17' })
  })

  it('create of the same name → exit 4 naming the volume and --reuse-data; nothing written', async () => {
    const before = await snapshot()
    const r = await dbaas(['create', 'postgres', name, '--version', '17', '--storage', '1Gi', '-n', ns])
    expect(r.exitCode).toBe(4)
    expect(r.stderr).toContain(`persistentvolumeclaim/${pvc} already exists in ${ns}`)
    expect(r.stderr).toMatch(/Hint: pass --reuse-data/)
    expect(await snapshot()).toEqual(before)
  })

  it('--reuse-data as another engine → exit 7; as another major → exit 7 naming the recorded one; nothing written', async () => {
    const before = await snapshot()
    const other = await dbaas(['create', 'mariadb', name, '--storage', '1Gi', '-n', ns, '--reuse-data', '-o', 'json'])
    expect(other.exitCode).toBe(7)
    expect(JSON.parse(other.stderr).error).toMatchObject({ code: 'precondition', message: expect.stringContaining('holds postgresql data, not mariadb') })
    const major = await dbaas(['create', 'postgres', name, '--version', '18', '--storage', '1Gi', '-n', ns, '--reuse-data'])
    expect(major.exitCode).toBe(7)
    expect(major.stderr).toContain('Hint: pass --version 17')
    expect(await snapshot()).toEqual(before)
  })

  it('--reuse-data with the same engine and major starts on that volume', async () => {
    const before = await kubectlJson(['get', 'pvc', pvc, '-n', ns])
    const r = await dbaasOk(['create', 'postgres', name, '--version', '17', '--storage', '1Gi', '-n', ns, '--reuse-data', '-o', 'json'])
    expect(r.json()).toMatchObject({ name, status: 'Ready', version: '17' })
    expect(r.stderr).toContain(`reusing the data of persistentvolumeclaim/${pvc} (postgresql 17)`)
    const after = await kubectlJson(['get', 'pvc', pvc, '-n', ns])
    expect(after.metadata.uid).toBe(before.metadata.uid)
  })
})
