// dbaas works with whichever helm a user has: the same create → list → delete with helm 4 on PATH.
// `npm test` runs this file with DBAAS_E2E_HELM=4 (the global setup puts the lab's helm 4 first on PATH).
import { afterAll, describe, expect, it } from 'vitest'
import { execa } from 'execa'
import { uniqueName } from '../lab/fixtures/lab.ts'
import { cleanupInstance, dbaas, dbaasOk, namespaceExists } from './helpers.ts'

describe('with the helm on PATH', () => {
  const name = uniqueName('h')
  afterAll(() => cleanupInstance(name))

  it('creates, lists, shows the helm version and deletes', async () => {
    const helmVersion = (await execa('helm', ['version', '--template', '{{.Version}}'])).stdout
    if (process.env.DBAAS_E2E_HELM === '4') expect(helmVersion).toMatch(/^v4\./)
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
