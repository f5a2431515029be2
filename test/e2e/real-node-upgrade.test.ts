// Issue 16 on the lab's real node: a minor upgrade between two PostgreSQL 17.x image tags, checked against the
// instance's own server. The lab builds postgres:17.11 from Debian's 17.11 packages (the pool keeps them) beside
// its current PostgreSQL 17 image, which is also tagged with its exact version, postgres:17.12 (images.sh).
//
// How a user gets onto a given minor: `create --version` takes a series only ("17", a tag that floats to the
// newest 17.x), so they create on the series and pin the minor with `upgrade --version 17.11` — dbaas does it
// and warns that it cannot tell whether 17.11 is newer or older than what "17" runs. This test does the same,
// then the step that matters: a row written on 17.11, `upgrade --version 17.12`, and the server reporting 17.12
// with the row still there; going back to 17.11 without --allow-downgrade is refused (2) with nothing written.
import { afterAll, expect, it } from 'vitest'
import { kubectlJson, uniqueName } from '../lab/fixtures/lab.ts'
import { describeRealNode, placementFlags, realNodeUp } from '../lab/fixtures/real-node.ts'
import { historyOf, versions } from './day2-helpers.ts'
import { cleanupInstance, dbaas, dbaasOk } from './helpers.ts'

const up = await realNodeUp()

describeRealNode(up, 'upgrade between two PostgreSQL 17.x images on the real node', () => {
  const name = uniqueName('rnup')
  const ns = `dbaas-${name}`
  afterAll(async () => cleanupInstance(name))
  const sql = async (q: string) => (await dbaasOk(['connect', name, '--', '-tA', '-c', q], { timeoutMs: 120_000 })).stdout.trim()
  const pod = async () => kubectlJson<{ metadata: { uid: string }; spec: { containers: { image: string }[] } }>(['-n', ns, 'get', 'pod', `${name}-0`])

  it('17 pinned to 17.11, a row, 17.11 → 17.12 on the same data; back to 17.11 refused (2) with nothing written', async () => {
    await dbaasOk(['create', 'postgres', name, '--version', '17', '--storage', '1Gi', ...placementFlags], { timeoutMs: 600_000 })
    const pin = (await dbaasOk(['upgrade', name, '--version', '17.11', '--yes', '-o', 'json', '--timeout', '5m'], { timeoutMs: 400_000 })).json()
    expect(pin).toMatchObject({ action: 'changed', changes: [{ field: 'version', from: '17', to: '17.11' }] })
    expect(pin.warnings.join(' ')).toContain('floats')
    expect((await pod()).spec.containers[0]?.image).toMatch(/postgres:17\.11$/)
    expect(await sql('show server_version')).toMatch(/^17\.11 /)
    await sql("create table upgrade_proof (id int primary key, note text); insert into upgrade_proof values (1, 'written on 17.11')")

    const t0 = Date.now()
    const upg = (await dbaasOk(['upgrade', name, '--version', '17.12', '--yes', '-o', 'json', '--timeout', '5m'], { timeoutMs: 400_000 })).json()
    process.stderr.write(`real node: dbaas upgrade 17.11 → 17.12 (new pod Ready on the new image) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
    expect(upg).toMatchObject({ action: 'changed', changes: [{ field: 'version', from: '17.11', to: '17.12' }], warnings: [] })
    expect((await pod()).spec.containers[0]?.image).toMatch(/postgres:17\.12$/)
    expect(await sql('show server_version')).toMatch(/^17\.12 /)
    expect(await sql('select note from upgrade_proof where id = 1')).toBe('written on 17.11')

    const v = await versions(ns, name)
    const uid = (await pod()).metadata.uid
    const back = await dbaas(['upgrade', name, '--version', '17.11', '--yes'])
    expect(back.exitCode, back.stderr).toBe(2)
    expect(back.stderr).toContain('17.12 → 17.11 is a downgrade')
    expect(back.stderr).toContain('--allow-downgrade')
    expect(await versions(ns, name)).toEqual(v)
    expect((await pod()).metadata.uid).toBe(uid)
    expect(await sql('show server_version')).toMatch(/^17\.12 /)
    const h = (await historyOf(ns, name)).filter((e) => e.verb === 'upgrade')
    expect(h.map((e) => [e.params.version, e.result])).toEqual([
      ['17.11', 'succeeded'],
      ['17.12', 'succeeded'],
    ])
  }, 1_200_000)
})
