// Issue 18 through the built CLI: `create --metrics` puts an exporter in the StatefulSet and a ServiceMonitor
// carrying the label the cluster's Prometheus selects on; without that Prometheus dbaas says nobody scrapes
// it and why; the monitoring user is real (an exporter logs in with it); `dbaas top -o json` and
// `dbaas metrics` read live figures from a real exporter through a real port-forward; `metrics enable` and
// `disable` on a running MariaDB; an HA cluster's PodMonitor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kubectl, kubectlJson, kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { labDatabases, mariadbAdmin, psqlAdmin } from '../lab/fixtures/database.ts'
import { labOnly, onLab } from '../lab/tags.ts'
import { exportersMissing, fixturePrometheus, startMysqldExporter, startPostgresExporter, type RunningExporter } from './fixtures/exporters.ts'
import { cleanupInstance, dbaas, dbaasOk } from './helpers.ts'

const RELEASE = { release: 'kube-prometheus-stack' }
const monNs = uniqueName('mon')
const promName = 'kube-prometheus-stack-prometheus'

async function applyPrometheus(name = promName, release = RELEASE.release): Promise<void> {
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(fixturePrometheus(name, monNs, release)) })
}

async function monitoringServed(): Promise<boolean> {
  return (await kubectl(['get', '--raw', '/apis/monitoring.coreos.com/v1'])).code === 0
}

const secretKey = async (name: string, ns: string, key: string): Promise<string | undefined> => {
  const s = await kubectlJson(['get', 'secret', `${name}-credentials`, '-n', ns])
  const v = s.data?.[key]
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8')
}

const containers = async (name: string, ns: string): Promise<Array<{ name: string; ports?: Array<{ name: string; containerPort: number }> }>> =>
  (await kubectlJson(['get', 'statefulset', name, '-n', ns])).spec.template.spec.containers

// What this cluster offers, decided once: tests that need what is missing are skipped, saying why.
const served = await monitoringServed()
const noExporters = onLab() ? exportersMissing() : 'lab only: runs the Debian exporters against the lab\'s own databases'

/** `it`, or `it.skip` with the reason in its name and on stderr. */
function when(reason: string | undefined): typeof it {
  if (!reason) return it
  return ((name: string, fn: () => unknown, timeout?: number) => {
    process.stderr.write(`skipping "${name}": ${reason}\n`)
    return it.skip(`${name} [skipped: ${reason}]`, fn, timeout)
  }) as unknown as typeof it
}
const withOperator = when(served ? undefined : 'this cluster does not serve monitoring.coreos.com/v1 (the Prometheus Operator\'s CRDs)')
const withExporters = when(noExporters)

beforeAll(async () => {
  if (!served) return
  await kubectlOk(['create', 'namespace', monNs])
  await applyPrometheus()
})
afterAll(async () => {
  await kubectl(['delete', 'namespace', monNs, '--ignore-not-found', '--wait=false'])
})

describe('create postgres --metrics', () => {
  const name = uniqueName('mpg')
  const ns = `dbaas-${name}`
  let exporter: RunningExporter | undefined
  let created: Awaited<ReturnType<typeof dbaas>>
  beforeAll(async () => {
    created = await dbaasOk(['create', 'postgres', name, '--metrics', '--storage', '1Gi', '-o', 'json'])
  })
  afterAll(async () => {
    await exporter?.stop()
    await cleanupInstance(name)
  })

  it('puts the exporter sidecar in the StatefulSet, its port on the headless Service, and its password in the Secret', async () => {
    const c = await containers(name, ns)
    expect(c.map((x) => x.name)).toEqual(['postgresql', 'exporter'])
    expect(c[1]?.ports).toEqual([{ name: 'metrics', containerPort: 9187, protocol: 'TCP' }])
    const svc = await kubectlJson(['get', 'service', `${name}-headless`, '-n', ns])
    expect(svc.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port])).toEqual([['db', 5432], ['metrics', 9187]])
    expect((await secretKey(name, ns, 'monitoring-password'))?.length).toBe(24)
    // The password is nowhere in the pod spec: the exporter gets it by reference.
    expect(JSON.stringify(c)).not.toContain(await secretKey(name, ns, 'monitoring-password'))
  })

  withOperator("creates a ServiceMonitor carrying the release label the cluster's Prometheus selects on, and says who scrapes it", async () => {
    const sm = await kubectlJson(['get', 'servicemonitor', name, '-n', ns])
    expect(sm.metadata.labels).toMatchObject({ ...RELEASE, 'app.kubernetes.io/instance': name, 'dbaas.io/kind': 'monitor' })
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics' })
    expect(created.stderr).toContain(`ServiceMonitor ${ns}/${name} is selected by Prometheus ${monNs}/${promName}`)
  })

  withExporters('the monitoring user exists with pg_monitor, and an exporter logs in with its password', async () => {
    expect((await psqlAdmin(["select string_agg(b.rolname, ',') from pg_auth_members m join pg_roles r on r.oid = m.member join pg_roles b on b.oid = m.roleid where r.rolname = 'dbaas_monitor'"])).trim()).toContain('pg_monitor')
    // Not a superuser, and the verifier was stored rather than the password (SCRAM).
    expect((await psqlAdmin(["select rolsuper::text || ' ' || left(rolpassword, 13) from pg_authid where rolname = 'dbaas_monitor'"])).trim()).toBe('false SCRAM-SHA-256')
    exporter = await startPostgresExporter((await secretKey(name, ns, 'monitoring-password')) as string)
    await waitFor('pg_up 1', 20_000, async () => /^pg_up 1$/m.test(await exporter!.scrape()))
  })

  withExporters('`dbaas top <name> -o json` shows live figures read from the exporter through a port-forward', async () => {
    expect(exporter, 'the exporter of the test before').toBeDefined()
    const v = (await dbaasOk(['top', name, '-o', 'json', '--window', '500ms'])).json()
    expect(v.kind).toBe('top')
    expect(v.items).toHaveLength(1)
    const row = v.items[0]
    expect(row).toMatchObject({ kind: 'instance', name, namespace: ns, engine: 'postgresql', error: null })
    const f = row.figures
    expect(f.up).toBe(true)
    expect(f.connections.max).toBe(Number((await psqlAdmin(['show max_connections'])).trim()))
    expect(f.connections.used).toBeGreaterThan(0)
    expect(typeof f.tps).toBe('number')
    expect(f.tps).toBeGreaterThanOrEqual(0)
    expect(f.cacheHitRatio).toBeGreaterThan(0)
    expect(f.cacheHitRatio).toBeLessThanOrEqual(1)
    const size = Number((await psqlAdmin(["select sum(pg_database_size(datname)) from pg_database where datname not like 'template%'"])).trim())
    expect(Math.abs(f.sizeBytes - size) / size).toBeLessThan(0.05)
  })

  withExporters('`dbaas top` (every instance) lists it; `dbaas metrics <name>` adds who scrapes it', async () => {
    expect(exporter, 'the exporter of the test before').toBeDefined()
    const all = (await dbaasOk(['top', '-n', ns, '-o', 'json', '--window', '500ms'])).json()
    expect(all.items.map((r: { name: string }) => r.name)).toEqual([name])
    const table = await dbaasOk(['top', '-n', ns, '--window', '500ms'])
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+NAMESPACE\s+ENGINE\s+UP\s+CONNECTIONS\s+TPS\s+CACHE-HIT\s+SIZE\s+REPL-LAG\s+SLOW$/)
    expect(table.stdout).toMatch(new RegExp(`^${name}\\s+${ns}\\s+postgresql\\s+yes\\s+\\d+/\\d+`, 'm'))
    const m = (await dbaasOk(['metrics', name, '-o', 'json', '--window', '500ms'])).json()
    expect(m.figures.up).toBe(true)
    expect(m.endpoint).toBe(`${name}-0.${name}-headless.${ns}.svc:9187/metrics`)
    if (served) expect(m.monitor.scrapedBy).toEqual([`Prometheus ${monNs}/${promName}`])
  })

  withOperator('with the Prometheus removed, or selecting another label, dbaas says no Prometheus selects the monitor and why', async () => {
    const show = async () => {
      // The figures are not what this is about: an unreachable exporter is reported in the view, not fatal.
      const r = await dbaas(['metrics', name, '-o', 'json', '--window', '100ms'])
      return r.json()
    }
    const doctorCheck = async () => ((await dbaas(['doctor', '-o', 'json'])).json().checks as Array<{ id: string; status: string; message: string }>).find((c) => c.id === `monitor:${ns}/${name}`)
    expect(await doctorCheck()).toMatchObject({ status: 'ok', message: `scraped by Prometheus ${monNs}/${promName}` })
    await applyPrometheus(promName, 'other-release')
    expect(await doctorCheck()).toMatchObject({ status: 'warn', message: expect.stringContaining('it lacks release=other-release') })
    let m = await show()
    expect(m.monitor.scrapedBy).toEqual([])
    expect(m.monitor.summary).toContain(`is selected by no Prometheus: Prometheus ${monNs}/${promName}: the ServiceMonitor does not meet its serviceMonitorSelector: it lacks release=other-release`)
    await kubectlOk(['delete', 'prometheus', promName, '-n', monNs])
    m = await show()
    expect(m.monitor.summary).toContain('is selected by no Prometheus: the cluster has no Prometheus object')
    const human = await dbaas(['metrics', name, '--window', '100ms'])
    expect(human.stdout).toMatch(/^Monitor: +ServiceMonitor .* is selected by no Prometheus/m)
    await applyPrometheus()
  })

  withExporters('metrics disable removes the sidecar, the ServiceMonitor, the monitoring user and its password', async () => {
    await exporter?.stop()
    exporter = undefined
    const r = (await dbaasOk(['metrics', 'disable', name, '-o', 'json'])).json()
    expect(r).toMatchObject({ kind: 'metrics', name, enabled: false, monitor: null })
    expect((await containers(name, ns)).map((c) => c.name)).toEqual(['postgresql'])
    // The running pod too: disable waited for the rollout.
    const pod = await kubectlJson(['get', 'pod', `${name}-0`, '-n', ns])
    expect(pod.spec.containers.map((c: { name: string }) => c.name)).toEqual(['postgresql'])
    expect((await kubectl(['get', 'servicemonitor', name, '-n', ns, '--ignore-not-found', '-o', 'name'])).stdout.trim()).toBe('')
    expect((await psqlAdmin(["select count(*) from pg_roles where rolname = 'dbaas_monitor'"])).trim()).toBe('0')
    expect(await secretKey(name, ns, 'monitoring-password')).toBeUndefined()
  })
})

labOnly('plays the database inside the pod with the lab\'s MariaDB').describe('metrics enable on a running MariaDB', () => {
  const name = uniqueName('mmy')
  const ns = `dbaas-${name}`
  let exporter: RunningExporter | undefined
  beforeAll(async () => {
    await dbaasOk(['create', 'mariadb', name, '--storage', '1Gi'])
    // The database "inside the pod" is the lab's MariaDB: the instance's root password is made to be its own.
    await kubectlOk(['-n', ns, 'patch', 'secret', `${name}-credentials`, '-p', JSON.stringify({ stringData: { 'root-password': labDatabases.mariadb.adminPassword } })])
  })
  afterAll(async () => {
    await exporter?.stop()
    await mariadbAdmin("DROP USER IF EXISTS 'dbaas_monitor'@'127.0.0.1'")
    await cleanupInstance(name)
  })

  it('adds the exporter (the pod restarts with it), the user with the exporter\'s grants, and the ServiceMonitor', async () => {
    const r = (await dbaasOk(['metrics', 'enable', name, '-o', 'json'])).json()
    expect(r).toMatchObject({ kind: 'metrics', name, namespace: ns, target: 'instance', engine: 'mariadb', enabled: true, monitoringUser: 'dbaas_monitor', exporter: { port: 9104 } })
    const pod = await kubectlJson(['get', 'pod', `${name}-0`, '-n', ns])
    expect(pod.spec.containers.map((c: { name: string }) => c.name)).toEqual(['mariadb', 'exporter'])
    const grants = await mariadbAdmin("SHOW GRANTS FOR 'dbaas_monitor'@'127.0.0.1'")
    expect(grants).toMatch(/GRANT SELECT, PROCESS, BINLOG MONITOR, SLAVE MONITOR ON \*\.\* TO `dbaas_monitor`@`127\.0\.0\.1`/)
    expect(grants).toContain('WITH MAX_USER_CONNECTIONS 3')
    if (served) expect(r.scrapedBy).toEqual([`Prometheus ${monNs}/${promName}`])
    // Enabling again changes nothing but is not an error.
    expect((await dbaas(['metrics', 'enable', name, '-o', 'json'])).exitCode).toBe(0)
  })

  withExporters('`dbaas top <name> -o json` reads the mysqld exporter: up, connections of max, slow queries', async () => {
    exporter = await startMysqldExporter((await secretKey(name, ns, 'monitoring-password')) as string)
    await waitFor('mysql_up 1', 20_000, async () => /^mysql_up 1$/m.test(await exporter!.scrape()))
    const row = (await dbaasOk(['top', name, '-o', 'json', '--window', '500ms'])).json().items[0]
    expect(row).toMatchObject({ engine: 'mariadb', error: null })
    expect(row.figures.up).toBe(true)
    expect(row.figures.connections.max).toBe(Number((await mariadbAdmin('SELECT @@max_connections')).trim()))
    expect(row.figures.connections.used).toBeGreaterThan(0)
    expect(typeof row.figures.slowQueries).toBe('number')
    expect(typeof row.figures.qps).toBe('number')
    expect(row.figures.sizeBytes).toBeGreaterThan(0)
  })
})

describe('an HA cluster: a PodMonitor selecting cnpg.io/cluster, owned by the Cluster', () => {
  const name = uniqueName('mha')
  const ns = `dbaas-${name}`
  beforeAll(async () => {
    await dbaasOk(['ha', 'create', name, '--instances', '2', '--skip-operator-check', '--no-wait'])
  })
  afterAll(async () => {
    await dbaas(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait'])
    await kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false'])
  })

  withOperator('metrics enable creates it with the release label; disable removes it', async () => {
    const r = (await dbaasOk(['metrics', 'enable', name, '-o', 'json'])).json()
    expect(r).toMatchObject({ target: 'ha-cluster', enabled: true, monitor: { kind: 'PodMonitor', name, namespace: ns } })
    const pm = await kubectlJson(['get', 'podmonitor', name, '-n', ns])
    expect(pm.metadata.labels).toMatchObject(RELEASE)
    expect(pm.spec.selector.matchLabels).toEqual({ 'cnpg.io/cluster': name })
    expect(pm.spec.podMetricsEndpoints[0].port).toBe('metrics')
    const cluster = await kubectlJson(['get', 'clusters.postgresql.cnpg.io', name, '-n', ns])
    expect(pm.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Cluster', name, uid: cluster.metadata.uid })])
    const off = (await dbaasOk(['metrics', 'disable', name, '-o', 'json'])).json()
    expect(off).toMatchObject({ enabled: false, changed: true })
    expect((await kubectl(['get', 'podmonitor', name, '-n', ns, '--ignore-not-found', '-o', 'name'])).stdout.trim()).toBe('')
  })
})

describe('refusals write nothing', () => {
  it('metrics enable of an instance that does not exist: exit 3', async () => {
    const r = await dbaas(['metrics', 'enable', uniqueName('nope')])
    expect(r.exitCode).toBe(3)
    expect(r.stdout).toBe('')
  })

  it.runIf(onLab())('bad flags: exit 2 before anything is sent', async () => {
    for (const argv of [['top', '--interval', '1ms'], ['metrics', 'x', '--watch', '-o', 'json'], ['metrics', 'dashboards', 'install', '--label', '=']]) {
      const r = await dbaas([...argv, '-v', '6'])
      expect(r.exitCode).toBe(2)
      expect(r.stderr).not.toMatch(/^(GET|POST|PATCH|PUT|DELETE) /m)
    }
  })
})
