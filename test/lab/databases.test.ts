// Done means 8: port-forward (kubectl and the client library's PortForward) to a simulated pod reaches the
// lab's real PostgreSQL and MariaDB; `kubectl exec` into a simulated pod runs on the host against them;
// `kubectl logs` works; wrong credentials are refused.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { KubeConfig, PortForward } from '@kubernetes/client-node'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { provisionDatabase, type ProvisionedDatabase } from './fixtures/database.ts'
import { kubectl, kubectlOk, labInfo, tempNamespace, uniqueName } from './fixtures/lab.ts'
import { apply, waitJsonpath } from './fixtures/workloads.ts'
import { pgBinDir } from './lib/databases.ts'
import { run } from './lib/kube.ts'
import { labOnly } from './tags.ts'

const lab = labOnly('uses the lab’s local databases behind simulated pods')

const pod = (name: string, namespace: string, image: string, port: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace },
  spec: { containers: [{ name: 'db', image, ports: [{ containerPort: port }] }] },
})

function psql(port: number, db: Pick<ProvisionedDatabase, 'user' | 'password' | 'database'>, sql: string) {
  return run(`${pgBinDir}/psql`, ['-X', '-tA', '-h', '127.0.0.1', '-p', String(port), '-U', db.user, '-d', db.database, '-c', sql], {
    env: { ...process.env, PGPASSWORD: db.password, PGCONNECT_TIMEOUT: '10' },
  })
}

function mariadb(port: number, db: Pick<ProvisionedDatabase, 'user' | 'password' | 'database'>, sql: string) {
  return run('mariadb', ['--no-defaults', '--protocol=tcp', '-h', '127.0.0.1', '-P', String(port), '-u', db.user, '-N', '-B', '-D', db.database, '-e', sql], {
    env: { ...process.env, MYSQL_PWD: db.password },
  })
}

/** `kubectl port-forward` on a free local port; resolves once it forwards. */
async function kubectlPortForward(namespace: string, podName: string, podPort: number): Promise<{ port: number; stop: () => void }> {
  const child: ChildProcess = spawn(`${labInfo().binDir}/kubectl`, ['-n', namespace, 'port-forward', `pod/${podName}`, `:${podPort}`, '--address', '127.0.0.1'], {
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`port-forward did not start: ${out}`)), 20_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code) => reject(new Error(`port-forward exited ${code}: ${out}`)))
  })
  return { port, stop: () => child.kill('SIGTERM') }
}

/** The client library's PortForward behind a local TCP server (what dbaas connect does). */
async function libraryPortForward(namespace: string, podName: string, podPort: number): Promise<{ port: number; stop: () => void }> {
  const kc = new KubeConfig()
  kc.loadFromFile(labInfo().kubeconfig)
  const forward = new PortForward(kc)
  const server: Server = createServer((socket) => {
    void forward.portForward(namespace, podName, [podPort], socket, null, socket).catch(() => socket.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, stop: () => server.close() }
}

lab.describe('simulated pods reach the lab’s real databases', () => {
  let ns: Awaited<ReturnType<typeof tempNamespace>>
  let pg: ProvisionedDatabase
  let my: ProvisionedDatabase
  const stops: (() => void)[] = []

  beforeAll(async () => {
    ns = await tempNamespace('lab-db')
    const suffix = uniqueName('x').slice(2)
    pg = await provisionDatabase({ engine: 'postgresql', user: `app_${suffix}`, password: 'S3cret-pg!', database: `orders_${suffix}` })
    my = await provisionDatabase({ engine: 'mysql', user: `app_${suffix}`, password: 'S3cret-my!', database: `orders_${suffix}` })
    await apply(pod('pg-0', ns.name, 'postgres:15', 5432), pod('my-0', ns.name, 'mysql:8.4', 3306))
    await waitJsonpath('pod/pg-0', ns.name, '{.status.phase}=Running')
    await waitJsonpath('pod/my-0', ns.name, '{.status.phase}=Running')
  })
  afterAll(async () => {
    for (const stop of stops) stop()
    await pg?.drop()
    await my?.drop()
    await ns?.cleanup()
  })

  it('kubectl port-forward reaches PostgreSQL with the right password and is refused with a wrong one', async () => {
    const pf = await kubectlPortForward(ns.name, 'pg-0', 5432)
    stops.push(pf.stop)
    const ok = await psql(pf.port, pg, 'select 1')
    expect(ok.stderr).toBe('')
    expect(ok.stdout.trim()).toBe('1')
    const who = await psql(pf.port, pg, 'select current_user || \'@\' || current_database()')
    expect(who.stdout.trim()).toBe(`${pg.user}@${pg.database}`)
    const bad = await psql(pf.port, { ...pg, password: 'wrong' }, 'select 1')
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/password authentication failed/)
  })

  it('kubectl port-forward reaches MariaDB (the mysql engine’s port 3306) and refuses a wrong password', async () => {
    const pf = await kubectlPortForward(ns.name, 'my-0', 3306)
    stops.push(pf.stop)
    const ok = await mariadb(pf.port, my, 'select 1')
    expect(ok.stderr).toBe('')
    expect(ok.stdout.trim()).toBe('1')
    const version = await mariadb(pf.port, my, 'select version()')
    expect(version.stdout).toMatch(/MariaDB/)
    const bad = await mariadb(pf.port, { ...my, password: 'wrong' }, 'select 1')
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/Access denied/)
  })

  it('the client library’s PortForward reaches PostgreSQL and MariaDB', async () => {
    const pgForward = await libraryPortForward(ns.name, 'pg-0', 5432)
    stops.push(pgForward.stop)
    const r = await psql(pgForward.port, pg, 'select 1')
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('1')
    const bad = await psql(pgForward.port, { ...pg, password: 'wrong' }, 'select 1')
    expect(bad.stderr).toMatch(/password authentication failed/)

    const myForward = await libraryPortForward(ns.name, 'my-0', 3306)
    stops.push(myForward.stop)
    const m = await mariadb(myForward.port, my, 'select 1')
    expect(m.stderr).toBe('')
    expect(m.stdout.trim()).toBe('1')
  })

  it('kubectl exec runs the command on the host against the databases', async () => {
    const pgExec = await kubectl(['-n', ns.name, 'exec', 'pg-0', '--', 'psql', '-U', pg.user, '-d', pg.database, '-tAc', 'select 6 * 7'])
    expect(pgExec.stderr).toBe('')
    expect(pgExec.stdout.trim()).toBe('42')
    const myExec = await kubectl(['-n', ns.name, 'exec', 'my-0', '--', 'mariadb', '--no-defaults', '-u', my.user, `-p${my.password}`, '-N', '-D', my.database, '-e', 'select 6 * 7'])
    expect(myExec.stderr).toBe('')
    expect(myExec.stdout.trim()).toBe('42')
    const myBad = await kubectl(['-n', ns.name, 'exec', 'my-0', '--', 'mariadb', '--no-defaults', '-u', my.user, '-pwrong', '-e', 'select 1'])
    expect(myBad.code).not.toBe(0)
    expect(myBad.stderr).toMatch(/Access denied/)
  })

  it('kubectl logs serves the lab’s log lines for any pod', async () => {
    const logs = await kubectlOk(['-n', ns.name, 'logs', 'pg-0'])
    expect(logs).toContain('lab: database log line 1')
    const tail = await kubectlOk(['-n', ns.name, 'logs', 'my-0', '--tail=1'])
    expect(tail.trim()).toBe('lab: database log line 3')
  })
})
