// dbaas doctor against the lab: a lab with no CloudNativePG operator, the same lab with its snapshot
// controller stopped (its Lease goes stale) — both on a private lab, so the shared one is never changed and
// whatever runs in it (an operator, another run's fixture) cannot change the answer — the shared lab with
// an operator played by a fixture, and a user that RBAC limits to one namespace.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { createLimitedUser, type LimitedUser } from '../lab/fixtures/limited-user.ts'
import { uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { privateLab, type PrivateLab } from '../lab/fixtures/private-lab.ts'
import { labOnly } from '../lab/tags.ts'
import { dbaas, deleteNamespace } from './helpers.ts'

interface Report {
  ok: boolean
  checks: Array<{ id: string; status: 'ok' | 'warn' | 'fail'; required: boolean; message: string; disables?: string[]; fix?: string }>
}

async function doctor(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ exitCode: number; report: Report }> {
  const r = await dbaas(['doctor', '-o', 'json', ...args], { env })
  return { exitCode: r.exitCode, report: r.json<Report>() }
}

const status = (r: Report, id: string) => r.checks.find((c) => c.id === id)?.status

/** Runs doctor until `done` holds for its report (with a deadline), and returns that run. */
async function doctorUntil(what: string, done: (r: Report) => boolean, env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<{ exitCode: number; report: Report }> {
  let last: { exitCode: number; report: Report } | undefined
  await waitFor(what, timeoutMs, async () => {
    last = await doctor([], env)
    return done(last.report)
  }, 1000)
  return last!
}

labOnly('runs a private lab (stops its snapshot controller)').describe('doctor on a lab of its own', () => {
  let priv: PrivateLab
  let env: NodeJS.ProcessEnv
  beforeAll(async () => {
    priv = await privateLab({ start: true })
    env = { KUBECONFIG: priv.paths.kubeconfig }
  })
  afterAll(async () => priv?.destroy())

  it('no operator: required checks ✔, snapshots ✔, CNPG CRDs ✔, CNPG operator ! (ha disabled), exit 0', async () => {
    const r = await doctorUntil('the snapshot controller to be seen running', (x) => status(x, 'snapshot-controller') === 'ok', env)
    expect(r.exitCode).toBe(0)
    expect(r.report.ok).toBe(true)
    for (const id of ['cluster', 'helm', 'storage']) expect(r.report.checks.find((c) => c.id === id)).toMatchObject({ status: 'ok', required: true })
    for (const id of ['snapshot-crds', 'snapshot-controller', 'snapshot-class', 'cnpg-crds']) expect(status(r.report, id)).toBe('ok')
    expect(r.report.checks.find((c) => c.id === 'cnpg-operator')).toMatchObject({ status: 'warn', required: false, disables: ['ha'] })
    const text = await dbaas(['doctor'], { env })
    expect(text.exitCode).toBe(0)
    expect(text.stdout).toMatch(/^✔ Kubernetes cluster .*v1\.\d+/m)
    expect(text.stdout).toMatch(/^✔ helm +helm v[34]/m)
    expect(text.stdout).toMatch(/^✔ StorageClass +default StorageClass/m)
    expect(text.stdout).toMatch(/^✔ Snapshot controller/m)
    expect(text.stdout).toMatch(/^! CloudNativePG operator/m)
  })

  it('with the snapshot controller stopped: snapshots ! (backup and restore disabled), still exit 0', async () => {
    const stop = await priv.cli('stop', 'snapshot-controller')
    expect(stop.code, stop.stderr).toBe(0)
    onTestFinished(async () => {
      const start = await priv.cli('start', 'snapshot-controller')
      if (start.code !== 0) throw new Error(`lab:start snapshot-controller (private lab) failed: ${start.stderr}`)
    })
    // Its leader Lease goes stale once nothing renews it.
    const r = await doctorUntil('the snapshot controller to be seen stopped', (x) => status(x, 'snapshot-controller') === 'warn', env, 120_000)
    const c = r.report.checks.find((x) => x.id === 'snapshot-controller')!
    expect(c.message).toMatch(/not running/)
    expect(c.disables).toEqual(['backup', 'restore'])
    expect(c.fix).toBeTruthy()
    expect(r.exitCode).toBe(0)
    expect(r.report.ok).toBe(true)
  }, 180_000)
})

describe('doctor', () => {
  labOnly('the HA operators are played by lab fixtures').it('with the operators running: every check ✔', async () => {
    const { CnpgOperatorFixture } = await import('./fixtures/cnpg-operator.ts')
    const { PxcOperatorFixture } = await import('./fixtures/pxc-operator.ts')
    const { MariadbOperatorFixture } = await import('./fixtures/mariadb-operator.ts')
    const ops = [await CnpgOperatorFixture.install(), await PxcOperatorFixture.install(), await MariadbOperatorFixture.install()]
    onTestFinished(async () => {
      for (const op of ops) await op.remove()
    })
    // The lab serves the Prometheus Operator's CRDs but runs no operator: that check (and the monitors it
    // would scrape) says so with a warning, rightly.
    const metrics = (id: string) => id === 'prometheus-operator' || id.startsWith('monitor:')
    // The day-2 tests' resizer fixture leaves a StorageClass of a driver nothing runs on the shared lab; doctor
    // rightly warns that its volumes cannot be backed up — that one driver alone is not this test's concern.
    const fixtureClassOnly = (c: { id: string; message?: string }) => c.id === 'snapshot-class' && /; none for fixture\.lab\.local \(/.test(c.message ?? '')
    const r = await doctorUntil('every check to pass', (x) => x.checks.every((c) => c.status === 'ok' || metrics(c.id) || fixtureClassOnly(c)))
    expect(r.exitCode).toBe(0)
    for (const id of ['cnpg-operator', 'pxc-operator', 'mariadb-operator']) expect(r.report.checks.find((c) => c.id === id)?.message, id).toMatch(/deployment .* ready replica|leader lease/)
  })

  labOnly('signs a user with the lab CA').describe('as a namespace-limited user', () => {
    let user: LimitedUser | undefined
    const ns = uniqueName('doc-ns')
    afterAll(async () => {
      await user?.cleanup()
      await deleteNamespace(ns)
    })

    it('required checks hold (classes unreadable is !), RBAC says which verbs are disabled and how to fix', async () => {
      user = await createLimitedUser({
        name: uniqueName('doc'),
        namespace: ns,
        rules: [
          { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
        ],
      })
      const r = await doctor([], { KUBECONFIG: user.kubeconfig })
      expect(r.exitCode).toBe(0)
      expect(status(r.report, 'cluster')).toBe('ok')
      expect(r.report.checks.find((c) => c.id === 'storage')).toMatchObject({ status: 'warn', message: expect.stringContaining('may not read storage classes') })
      const rbac = r.report.checks.find((c) => c.id === 'rbac')!
      expect(rbac.status).toBe('warn')
      expect(rbac.disables).toEqual(expect.arrayContaining(['create', 'delete', 'connect', 'logs']))
      expect(rbac.disables).not.toContain('list')
      expect(rbac.disables).not.toContain('connection')
      expect(rbac.fix).toContain(`dbaas rbac -n ${ns}`)
    })
  })
})
