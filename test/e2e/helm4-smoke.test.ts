// dbaas works with whichever helm a user has: the same create → list → delete with helm 4 on PATH.
// `npm test` runs this file with DBAAS_E2E_HELM=4 (the global setup puts the lab's helm 4 first on PATH).
import { describe, expect, it, onTestFinished } from 'vitest'
import { execa } from 'execa'
import { uniqueName } from '../lab/fixtures/lab.ts'
import { onLab } from '../lab/tags.ts'
import { cleanupInstance, dbaas, dbaasOk, namespaceExists } from './helpers.ts'

describe('with the helm on PATH', () => {
  it('creates, lists, shows the helm version and deletes', async () => {
    const name = uniqueName('h')
    onTestFinished(() => cleanupInstance(name))
    const helmVersion = (await execa('helm', ['version', '--template', '{{.Version}}'])).stdout
    // On the lab the global setup put helm 3, or helm 4 with DBAAS_E2E_HELM=4, first on PATH; elsewhere it is the user's.
    if (onLab()) expect(helmVersion).toMatch(process.env.DBAAS_E2E_HELM === '4' ? /^v4\./ : /^v3\./)
    const v = (await dbaasOk(['version', '-o', 'json'])).json()
    expect(v.helm).toBe(helmVersion)
    expect(v.server).toMatch(/^v1\./)
    const created = (await dbaasOk(['create', 'postgres', name, '--storage', '1Gi', '-o', 'json'])).json()
    expect(created).toMatchObject({ status: 'Ready', release: { status: 'deployed', revision: 1 } })
    expect((await dbaasOk(['list', '-o', 'json'])).json<any[]>().find((i) => i.name === name)?.status).toBe('Ready')
    expect((await dbaas(['create', 'postgres', name, '--storage', '1Gi'])).exitCode).toBe(4)
    await dbaasOk(['delete', name, '--yes', '--delete-data'])
    expect(await namespaceExists(`dbaas-${name}`)).toBe(false)
  })
})
