// dbaas doctor against the lab: the bare lab, the lab with its snapshot controller stopped (its Lease goes
// stale), and a user that RBAC limits to one namespace.
import { afterAll, describe, expect, it } from 'vitest'
import { createLimitedUser, type LimitedUser } from '../lab/fixtures/limited-user.ts'
import { kubectl, labCli, uniqueName } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { dbaas } from './helpers.ts'

interface Report {
  ok: boolean
  checks: Array<{ id: string; status: 'ok' | 'warn' | 'fail'; required: boolean; message: string; disables?: string[]; fix?: string }>
}

async function doctor(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ exitCode: number; report: Report }> {
  const r = await dbaas(['doctor', '-o', 'json', ...args], { env })
  return { exitCode: r.exitCode, report: r.json<Report>() }
}

const status = (r: Report, id: string) => r.checks.find((c) => c.id === id)?.status

async function until(fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 1000))
  }
}

async function cnpgOperatorPresent(): Promise<boolean> {
  const d = await kubectl(['get', 'deployments', '-A', '-l', 'app.kubernetes.io/name=cloudnative-pg', '-o', 'name'])
  const l = await kubectl(['get', 'leases', '-A', '--field-selector', 'metadata.name=db9c8771.cnpg.io', '-o', 'name'])
  return d.stdout.trim() !== '' || l.stdout.trim() !== ''
}

describe('doctor', () => {
  it('the bare lab: required checks ✔, snapshots ✔, CNPG operator ! (ha disabled), exit 0', async () => {
    // Another suite may have stopped the controller: make sure it runs, and that its lease is fresh.
    if ((await labCli(['start', 'snapshot-controller'])).code !== 0) throw new Error('lab:start snapshot-controller failed')
    let r!: Awaited<ReturnType<typeof doctor>>
    await until(async () => {
      r = await doctor()
      return status(r.report, 'snapshot-controller') === 'ok'
    }, 60_000)
    expect(r.exitCode).toBe(0)
    expect(r.report.ok).toBe(true)
    for (const id of ['cluster', 'helm', 'storage']) expect(r.report.checks.find((c) => c.id === id)).toMatchObject({ status: 'ok', required: true })
    for (const id of ['snapshot-crds', 'snapshot-controller', 'snapshot-class', 'cnpg-crds']) expect(status(r.report, id)).toBe('ok')
    if (!(await cnpgOperatorPresent())) {
      expect(r.report.checks.find((c) => c.id === 'cnpg-operator')).toMatchObject({ status: 'warn', required: false, disables: ['ha'] })
    }
    const text = await dbaas(['doctor'])
    expect(text.exitCode).toBe(0)
    expect(text.stdout).toMatch(/^✔ Kubernetes cluster .*v1\.\d+/m)
    expect(text.stdout).toMatch(/^✔ helm +helm v[34]/m)
    expect(text.stdout).toMatch(/^✔ StorageClass +default StorageClass/m)
    expect(text.stdout).toMatch(/^✔ Snapshot controller/m)
  })

  labOnly('stops a lab component').it(
    'with the snapshot controller stopped: snapshots ! (backup and restore disabled), still exit 0',
    async () => {
      try {
        let r!: Awaited<ReturnType<typeof doctor>>
        // Stop it right before asserting (another suite may start it meanwhile), until its Lease is stale.
        await until(async () => {
          await labCli(['stop', 'snapshot-controller'])
          r = await doctor()
          return status(r.report, 'snapshot-controller') === 'warn'
        }, 120_000)
        const c = r.report.checks.find((x) => x.id === 'snapshot-controller')!
        expect(c.message).toMatch(/not running/)
        expect(c.disables).toEqual(['backup', 'restore'])
        expect(c.fix).toBeTruthy()
        expect(r.exitCode).toBe(0)
        expect(r.report.ok).toBe(true)
      } finally {
        await labCli(['start', 'snapshot-controller'])
      }
    },
    180_000,
  )

  labOnly('the CloudNativePG operator is played by a lab fixture').it('with the operator running: every check ✔', async () => {
    const { CnpgOperatorFixture } = await import('./fixtures/cnpg-operator.ts')
    const op = await CnpgOperatorFixture.install()
    try {
      if ((await labCli(['start', 'snapshot-controller'])).code !== 0) throw new Error('lab:start snapshot-controller failed')
      let r!: Awaited<ReturnType<typeof doctor>>
      await until(async () => {
        r = await doctor()
        return r.report.checks.every((c) => c.status === 'ok')
      }, 60_000)
      expect(r.exitCode).toBe(0)
      expect(r.report.checks.find((c) => c.id === 'cnpg-operator')?.message).toMatch(/deployment .* ready replica|leader lease/)
    } finally {
      await op.remove()
    }
  })

  labOnly('signs a user with the lab CA').describe('as a namespace-limited user', () => {
    let user: LimitedUser | undefined
    const ns = uniqueName('doc-ns')
    afterAll(async () => {
      await user?.cleanup()
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
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
