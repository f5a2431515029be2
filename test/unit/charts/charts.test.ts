// The three engine charts under templates/charts, checked with the real helm binary:
// `helm lint --strict`, `helm template` against golden files, the rendered objects' shape, and the values schema.
//
// helm: $DBAAS_HELM, else `helm` on PATH, else the lab's build (`bash test/lab/build.sh --dir`)/bin/helm3.
// UPDATE_GOLDEN=1 rewrites test/golden/charts/*.yaml.
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'
import { parseAllDocuments } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { findHelm } from '../../helpers/find-helm.ts'

const repoRoot = path.resolve(import.meta.dirname, '../../..')
const chartsDir = path.join(repoRoot, 'templates/charts')
const goldenDir = path.join(repoRoot, 'test/golden/charts')
const updateGolden = process.env.UPDATE_GOLDEN === '1'

// ---------------------------------------------------------------------------------------------------------------
// helm

let helm = ''

interface Run {
  exitCode: number
  stdout: string
  stderr: string
}

/**
 * Runs helm with values on stdin (`-f -`), as the CLI does. JSON, not `yaml.stringify`: the yaml package writes
 * strings such as y, on and no unquoted, and helm's YAML 1.1 reader turns them into booleans.
 */
async function helmRun(args: string[], values: object): Promise<Run> {
  const r = await execa(helm, [...args, '-f', '-'], {
    input: JSON.stringify(values),
    reject: false,
    timeout: 60_000,
    env: { HELM_DEBUG: 'false' },
  })
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr }
}

async function template(chart: string, release: string, namespace: string, values: object): Promise<Run> {
  return helmRun(['template', release, path.join(chartsDir, chart), '--namespace', namespace], values)
}

/**
 * helm template's output with blank lines before a `---` separator and at the end removed: helm 4 ends every
 * document with an empty line, helm 3 does not, and the goldens hold for both.
 */
function normalize(manifest: string): string {
  return manifest.replace(/\n\s*\n(?=---\n)/g, '\n').replace(/\s*$/, '\n')
}

async function renderOk(chart: string, release: string, namespace: string, values: object): Promise<string> {
  const r = await template(chart, release, namespace, values)
  if (r.exitCode !== 0) throw new Error(`helm template ${chart} failed (${r.exitCode}):\n${r.stderr}`)
  return normalize(r.stdout)
}

// ---------------------------------------------------------------------------------------------------------------
// rendered objects

type Labels = Record<string, string>
// A rendered Kubernetes object, loosely typed: the assertions below are the type checks.
interface K8sObject {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Labels }
  spec: any
}

function parse(manifest: string): K8sObject[] {
  const docs = parseAllDocuments(manifest)
  if (!Array.isArray(docs)) throw new Error('rendered output is not a YAML document stream')
  for (const d of docs) if (d.errors.length > 0) throw new Error(`invalid YAML: ${d.errors.map(String).join('; ')}`)
  return docs.map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null)
}

function only(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name)
  expect(found, `${kind}/${name}`).toHaveLength(1)
  return found[0] as K8sObject
}

// ---------------------------------------------------------------------------------------------------------------
// engines and the values the CLI sends

interface EngineCase {
  /** Golden file name and test title. */
  id: string
  chart: 'postgresql' | 'mysql' | 'mariadb'
  release: string
  engineVersion: string
  repository: string
  port: number
  /** env name → key in the credentials Secret; every one must come from secretKeyRef. */
  secretEnv: Record<string, string>
  /** env set to a literal value (never a credential). */
  plainEnv: Record<string, string>
  mountPath: string
  probe: { startup: RegExp; readiness: RegExp; liveness: RegExp }
}

const pgProbe = /^sh -c exec pg_isready -U "\$POSTGRES_USER" -d "\$POSTGRES_DB" -h 127\.0\.0\.1 -p 5432$/
const pgEnv = { POSTGRES_USER: 'username', POSTGRES_PASSWORD: 'password', POSTGRES_DB: 'database' }

const cases: EngineCase[] = [
  {
    id: 'postgresql-17',
    chart: 'postgresql',
    release: 'my-pg',
    engineVersion: '17',
    repository: 'postgres',
    port: 5432,
    secretEnv: pgEnv,
    plainEnv: { PGDATA: '/var/lib/postgresql/data/pgdata' },
    mountPath: '/var/lib/postgresql/data',
    probe: { startup: pgProbe, readiness: pgProbe, liveness: pgProbe },
  },
  {
    id: 'postgresql-18',
    chart: 'postgresql',
    release: 'pg18',
    engineVersion: '18',
    repository: 'postgres',
    port: 5432,
    secretEnv: pgEnv,
    plainEnv: {},
    mountPath: '/var/lib/postgresql',
    probe: { startup: pgProbe, readiness: pgProbe, liveness: pgProbe },
  },
  {
    id: 'mysql',
    chart: 'mysql',
    release: 'shop-db',
    engineVersion: '8.4',
    repository: 'mysql',
    port: 3306,
    secretEnv: {
      MYSQL_ROOT_PASSWORD: 'root-password',
      MYSQL_USER: 'username',
      MYSQL_PASSWORD: 'password',
      MYSQL_DATABASE: 'database',
    },
    plainEnv: {},
    mountPath: '/var/lib/mysql',
    probe: {
      startup: /^mysqladmin ping --protocol=TCP --host=127\.0\.0\.1 --port=3306 --silent$/,
      readiness: /^bash -c mysql --defaults-extra-file=<\(printf .*"\$MYSQL_ROOT_PASSWORD"\) --protocol=TCP --host=127\.0\.0\.1 .*SELECT 1/,
      liveness: /^mysqladmin ping --protocol=TCP --host=127\.0\.0\.1 --port=3306 --silent$/,
    },
  },
  {
    id: 'mariadb',
    chart: 'mariadb',
    release: 'blog',
    engineVersion: '11.8',
    repository: 'mariadb',
    port: 3306,
    secretEnv: {
      MARIADB_ROOT_PASSWORD: 'root-password',
      MARIADB_USER: 'username',
      MARIADB_PASSWORD: 'password',
      MARIADB_DATABASE: 'database',
    },
    plainEnv: {},
    mountPath: '/var/lib/mysql',
    probe: {
      startup: /^healthcheck\.sh --connect$/,
      readiness: /^healthcheck\.sh --connect --innodb_initialized$/,
      liveness: /^healthcheck\.sh --connect$/,
    },
  },
]

const namespaceOf = (c: EngineCase) => `dbaas-${c.release}`
const secretOf = (c: EngineCase) => `${c.release}-credentials`

/** The labels the chart sets on every object (besides dbaas.io/kind): dbaas finds its objects by these. */
function identityLabels(c: EngineCase): Labels {
  return {
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/instance': c.release,
    'app.kubernetes.io/name': c.chart,
    'dbaas.io/engine': c.chart,
    'dbaas.io/engine-version': c.engineVersion,
  }
}

/** Exactly the shape the TypeScript side sends (buildValues; checked against it below). */
function valuesFor(c: EngineCase, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    engineVersion: c.engineVersion,
    image: { repository: c.repository, tag: '', pullPolicy: 'IfNotPresent', registry: '' },
    auth: { existingSecret: secretOf(c) },
    storage: { size: '10Gi', storageClass: '' },
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '256Mi' } },
    ...(c.chart === 'postgresql' ? { shm: { sizeLimit: '128Mi' } } : {}),
    nodeSelector: {},
    tolerations: [],
    priorityClassName: '',
    imagePullSecrets: [],
    openshift: false,
    labels: {},
    annotations: { 'dbaas.io/storage': '10Gi', 'dbaas.io/database': 'app', 'dbaas.io/user': 'app' },
    ...overrides,
  }
}

function selectorOf(c: EngineCase): Labels {
  return { 'app.kubernetes.io/instance': c.release, 'app.kubernetes.io/name': c.chart }
}

function command(probe: unknown): string {
  const cmd = (probe as { exec?: { command?: unknown } } | undefined)?.exec?.command
  expect(Array.isArray(cmd), 'probe has an exec command').toBe(true)
  return (cmd as string[]).join(' ')
}

// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  helm = await findHelm()
}, 120_000)

describe.each(['postgresql', 'mysql', 'mariadb'] as const)('chart %s', (chart) => {
  const c = cases.find((x) => x.chart === chart) as EngineCase

  it('passes helm lint --strict with the values dbaas sends', async () => {
    const r = await helmRun(['lint', '--strict', path.join(chartsDir, chart), '--namespace', namespaceOf(c)], valuesFor(c))
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toContain('0 chart(s) failed')
  }, 30_000)

  it('has Chart.yaml apiVersion v2, version 0.1.0 and appVersion = values.yaml engineVersion', async () => {
    const chartYaml = parse(await readFile(path.join(chartsDir, chart, 'Chart.yaml'), 'utf8'))[0] as unknown as Record<string, unknown>
    const values = parse(await readFile(path.join(chartsDir, chart, 'values.yaml'), 'utf8'))[0] as unknown as Record<string, unknown>
    expect(chartYaml).toMatchObject({ apiVersion: 'v2', name: chart, version: '0.1.0' })
    expect(typeof chartYaml.appVersion).toBe('string')
    expect(values.engineVersion).toBe(chartYaml.appVersion)
  })

  describe('values schema', () => {
    it('rejects a missing auth.existingSecret', async () => {
      const r = await template(chart, c.release, namespaceOf(c), valuesFor(c, { auth: {} }))
      expect(r.exitCode).not.toBe(0)
      expect(r.stderr).toMatch(/existingSecret/)
    }, 30_000)

    it('rejects an unknown top-level key', async () => {
      const r = await template(chart, c.release, namespaceOf(c), valuesFor(c, { replicas: 3 }))
      expect(r.exitCode).not.toBe(0)
      expect(r.stderr).toMatch(/replicas/)
    }, 30_000)

    it('rejects a non-string engineVersion', async () => {
      const r = await template(chart, c.release, namespaceOf(c), valuesFor(c, { engineVersion: 17 }))
      expect(r.exitCode).not.toBe(0)
      expect(r.stderr).toMatch(/engineVersion/)
    }, 30_000)

    it('refuses a password in values (the chart never receives one)', async () => {
      const v = valuesFor(c, { auth: { existingSecret: secretOf(c), password: 'canary-S3cret' } })
      const r = await template(chart, c.release, namespaceOf(c), v)
      expect(r.exitCode).not.toBe(0)
      expect(r.stderr).toMatch(/password/)
      expect(r.stdout).not.toContain('canary-S3cret')
    }, 30_000)

    it('rejects a malformed storage size and an unknown nested key', async () => {
      const bad = await template(chart, c.release, namespaceOf(c), valuesFor(c, { storage: { size: '10 gigs', storageClass: '' } }))
      expect(bad.exitCode).not.toBe(0)
      const typo = await template(chart, c.release, namespaceOf(c), valuesFor(c, { storage: { size: '1Gi', storgeClass: 'x' } }))
      expect(typo.exitCode).not.toBe(0)
      expect(typo.stderr).toMatch(/storgeClass/)
    }, 30_000)
  })
})

describe.each(cases)('helm template $id', (c) => {
  let manifest = ''
  let objects: K8sObject[] = []
  const ns = namespaceOf(c)

  beforeAll(async () => {
    manifest = await renderOk(c.chart, c.release, ns, valuesFor(c))
    objects = parse(manifest)
  }, 60_000)

  it('matches the golden file', async () => {
    const file = path.join(goldenDir, `${c.id}.yaml`)
    if (updateGolden) {
      await mkdir(goldenDir, { recursive: true })
      await writeFile(file, manifest)
    }
    const golden = await readFile(file, 'utf8').catch(() => {
      throw new Error(`missing golden file ${path.relative(repoRoot, file)}: run with UPDATE_GOLDEN=1`)
    })
    expect(manifest).toBe(golden)
  })

  it('renders exactly a StatefulSet, a client Service, a headless Service and the configuration ConfigMap, all in the release namespace', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [`ConfigMap/${c.release}-config`, `Service/${c.release}`, `Service/${c.release}-headless`, `StatefulSet/${c.release}`].sort(),
    )
    for (const o of objects) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(ns)
    // Nothing that could carry a credential: no Secret, and the ConfigMap holds only server parameters.
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false)
    const cm = only(objects, 'ConfigMap', `${c.release}-config`) as unknown as { data: Record<string, string> }
    expect(Object.keys(cm.data).sort()).toEqual(c.chart === 'postgresql' ? ['dbaas.conf', 'postgresql.conf'] : ['dbaas.cnf'])
  })

  it('labels every object with the identity labels and its dbaas.io/kind', () => {
    const sts = only(objects, 'StatefulSet', c.release)
    const kinds: Array<[string, Labels | undefined]> = [
      ['instance', sts.metadata.labels],
      ['pod', sts.spec.template.metadata.labels],
      ['data', sts.spec.volumeClaimTemplates[0]?.metadata?.labels],
      ['service', only(objects, 'Service', c.release).metadata.labels],
      ['service', only(objects, 'Service', `${c.release}-headless`).metadata.labels],
    ]
    for (const [kind, labels] of kinds) {
      expect(labels).toEqual({ ...identityLabels(c), 'dbaas.io/kind': kind })
    }
  })

  it('builds the StatefulSet the CLI looks for', () => {
    const sts = only(objects, 'StatefulSet', c.release)
    expect(sts.apiVersion).toBe('apps/v1')
    expect(sts.spec.replicas).toBe(1)
    expect(sts.spec.serviceName).toBe(`${c.release}-headless`)
    expect(sts.spec.selector).toEqual({ matchLabels: selectorOf(c) })
    expect(sts.spec.template.metadata.labels).toMatchObject(selectorOf(c))
    // Annotations on the StatefulSet only.
    expect(sts.metadata.annotations).toEqual(valuesFor(c).annotations)
    expect(sts.spec.template.metadata.annotations).toBeUndefined()
    for (const o of objects.filter((x) => x.kind === 'Service')) expect(o.metadata.annotations).toBeUndefined()
    // The data PVC (data-<release>-0) survives deletion of the StatefulSet.
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' })
  })

  it('claims one ReadWriteOnce volume named data of storage.size on the default StorageClass', () => {
    const sts = only(objects, 'StatefulSet', c.release)
    expect(sts.spec.volumeClaimTemplates).toHaveLength(1)
    const pvc = sts.spec.volumeClaimTemplates[0]
    expect(pvc.metadata.name).toBe('data')
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce'])
    expect(pvc.spec.resources).toEqual({ requests: { storage: '10Gi' } })
    expect(pvc.spec).not.toHaveProperty('storageClassName')
  })

  it('runs one container named after the engine on the official image, port db', () => {
    const pod = only(objects, 'StatefulSet', c.release).spec.template.spec
    expect(pod.containers).toHaveLength(1)
    const ctr = pod.containers[0]
    expect(ctr.name).toBe(c.chart)
    expect(ctr.image).toBe(`${c.repository}:${c.engineVersion}`)
    expect(ctr.imagePullPolicy).toBe('IfNotPresent')
    expect(ctr.ports).toEqual([{ name: 'db', containerPort: c.port, protocol: 'TCP' }])
    expect(ctr.resources).toEqual(valuesFor(c).resources)
  })

  it('reads every credential from auth.existingSecret through secretKeyRef', () => {
    const ctr = only(objects, 'StatefulSet', c.release).spec.template.spec.containers[0]
    const env = ctr.env as Array<{ name: string; value?: string; valueFrom?: unknown }>
    expect(env.map((e) => e.name).sort()).toEqual([...Object.keys(c.secretEnv), ...Object.keys(c.plainEnv)].sort())
    for (const [name, key] of Object.entries(c.secretEnv)) {
      const e = env.find((x) => x.name === name)
      expect(e, name).toEqual({ name, valueFrom: { secretKeyRef: { name: secretOf(c), key } } })
    }
    for (const [name, value] of Object.entries(c.plainEnv)) {
      expect(env.find((x) => x.name === name)).toEqual({ name, value })
    }
    // No credential-looking variable carries a literal value, and nothing is read from elsewhere.
    for (const e of env) if (/PASSWORD|USER|_DB$|DATABASE/.test(e.name)) expect(e.value, e.name).toBeUndefined()
    expect(ctr.envFrom).toBeUndefined()
    // The only Secret the manifest names is the existing one.
    const secretNames = new Set([...manifest.matchAll(/secretKeyRef:\s*\n\s*name: (\S+)/g)].map((m) => m[1]))
    expect([...secretNames]).toEqual([secretOf(c)])
  })

  it('mounts the data volume at the engine data path', () => {
    const pod = only(objects, 'StatefulSet', c.release).spec.template.spec
    const mounts = pod.containers[0].volumeMounts as Array<{ name: string; mountPath: string }>
    expect(mounts.find((m) => m.name === 'data')?.mountPath).toBe(c.mountPath)
    // Every mounted volume is either the claim or declared in the pod.
    const declared = new Set(['data', ...((pod.volumes ?? []) as Array<{ name: string }>).map((v) => v.name)])
    for (const m of mounts) expect(declared.has(m.name), m.name).toBe(true)
  })

  it('runs as uid 999 without privileges', () => {
    const pod = only(objects, 'StatefulSet', c.release).spec.template.spec
    expect(pod.securityContext).toMatchObject({
      runAsUser: 999,
      runAsGroup: 999,
      fsGroup: 999,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    })
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    })
    expect(pod.automountServiceAccountToken).toBe(false)
  })

  it('has startup, readiness and liveness probes with the engine health commands', () => {
    const ctr = only(objects, 'StatefulSet', c.release).spec.template.spec.containers[0]
    expect(command(ctr.startupProbe)).toMatch(c.probe.startup)
    expect(command(ctr.readinessProbe)).toMatch(c.probe.readiness)
    expect(command(ctr.livenessProbe)).toMatch(c.probe.liveness)
    for (const p of [ctr.startupProbe, ctr.readinessProbe, ctr.livenessProbe]) {
      expect(p.periodSeconds).toBeGreaterThan(0)
      expect(p.timeoutSeconds).toBeGreaterThan(0)
      expect(p.failureThreshold).toBeGreaterThan(0)
    }
    // The startup probe gives a first initialisation minutes, not seconds.
    expect(ctr.startupProbe.periodSeconds * ctr.startupProbe.failureThreshold).toBeGreaterThanOrEqual(300)
    // No password on a probe's command line: only the environment variable's name.
    for (const p of [ctr.startupProbe, ctr.readinessProbe, ctr.livenessProbe]) {
      expect(command(p)).not.toMatch(/(^|\s)(-p\S|--password=)/)
    }
  })

  it('exposes port db through a ClusterIP Service and a headless Service that publishes unready pods', () => {
    const svc = only(objects, 'Service', c.release)
    const headless = only(objects, 'Service', `${c.release}-headless`)
    const ports = [{ name: 'db', port: c.port, targetPort: 'db', protocol: 'TCP' }]
    expect(svc.spec).toEqual({ type: 'ClusterIP', selector: selectorOf(c), ports })
    expect(headless.spec).toEqual({
      type: 'ClusterIP',
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorOf(c),
      ports,
    })
  })

  it('renders the same bytes twice (deterministic, offline)', async () => {
    expect(await renderOk(c.chart, c.release, ns, valuesFor(c))).toBe(manifest)
  }, 30_000)
})

describe('value variations', () => {
  const pg = cases[0] as EngineCase
  const mysql = cases.find((c) => c.chart === 'mysql') as EngineCase

  async function statefulSet(c: EngineCase, overrides: Record<string, unknown>): Promise<K8sObject> {
    return only(parse(await renderOk(c.chart, c.release, namespaceOf(c), valuesFor(c, overrides))), 'StatefulSet', c.release)
  }

  it.each([
    ['13', '/var/lib/postgresql/data', true],
    ['16', '/var/lib/postgresql/data', true],
    ['17', '/var/lib/postgresql/data', true],
    ['18', '/var/lib/postgresql', false],
    ['19', '/var/lib/postgresql', false],
  ])('PostgreSQL %s mounts %s (PGDATA set: %s)', async (version, mountPath, pgdata) => {
    const sts = await statefulSet(pg, { engineVersion: version })
    const ctr = sts.spec.template.spec.containers[0]
    expect(ctr.image).toBe(`postgres:${version}`)
    expect(ctr.volumeMounts.find((m: { name: string }) => m.name === 'data').mountPath).toBe(mountPath)
    const env = (ctr.env as Array<{ name: string; value?: string }>).find((e) => e.name === 'PGDATA')
    expect(env?.value).toBe(pgdata ? '/var/lib/postgresql/data/pgdata' : undefined)
  }, 30_000)

  it('uses image.tag when set and storage.storageClass when not empty', async () => {
    const sts = await statefulSet(pg, {
      engineVersion: '18',
      image: { repository: 'registry.example/postgres', tag: '18.1-trixie', pullPolicy: 'Always' },
      storage: { size: '25Gi', storageClass: 'fast-ssd' },
    })
    const ctr = sts.spec.template.spec.containers[0]
    expect(ctr.image).toBe('registry.example/postgres:18.1-trixie')
    expect(ctr.imagePullPolicy).toBe('Always')
    expect(ctr.volumeMounts.find((m: { name: string }) => m.name === 'data').mountPath).toBe('/var/lib/postgresql')
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({
      storageClassName: 'fast-ssd',
      resources: { requests: { storage: '25Gi' } },
    })
  }, 30_000)

  it('keeps its own labels even if values.labels tries to override them, and adds the extra ones', async () => {
    const sts = await statefulSet(mysql, {
      labels: {
        'app.kubernetes.io/name': 'evil',
        'app.kubernetes.io/instance': 'other',
        'app.kubernetes.io/managed-by': 'dbaas',
        'dbaas.io/kind': 'x',
        'dbaas.io/engine': 'postgresql',
        'dbaas.io/engine-version': '1',
        team: 'a',
      },
    })
    expect(sts.spec.selector.matchLabels).toEqual(selectorOf(mysql))
    expect(sts.metadata.labels).toEqual({ ...identityLabels(mysql), 'dbaas.io/kind': 'instance', team: 'a' })
    expect(sts.spec.template.metadata.labels).toEqual({ ...identityLabels(mysql), 'dbaas.io/kind': 'pod', team: 'a' })
  }, 30_000)

  it('renders with no labels, annotations or resources', async () => {
    const sts = await statefulSet(mysql, { labels: {}, annotations: {}, resources: {} })
    expect(sts.metadata.labels).toEqual({ ...identityLabels(mysql), 'dbaas.io/kind': 'instance' })
    expect(sts.metadata.annotations).toBeUndefined()
    expect(sts.spec.template.spec.containers[0].resources).toBeUndefined()
  }, 30_000)

  it('passes resources through as sent: no default limit is merged in', async () => {
    const sts = await statefulSet(mysql, { resources: { requests: { cpu: '1', memory: '2Gi' } } })
    expect(sts.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '2Gi' } })
  }, 30_000)

  it('keeps label and annotation values that YAML 1.1 would read as booleans', async () => {
    const sts = await statefulSet(mysql, { labels: { team: 'no' }, annotations: { 'dbaas.io/x': 'on' } })
    expect(sts.metadata.labels?.team).toBe('no')
    expect(sts.metadata.annotations).toEqual({ 'dbaas.io/x': 'on' })
  }, 30_000)

  it('renders with the chart defaults plus only auth.existingSecret', async () => {
    for (const chart of ['postgresql', 'mysql', 'mariadb']) {
      const r = await helmRun(['template', 'x', path.join(chartsDir, chart)], { auth: { existingSecret: 's' } })
      expect(r.exitCode, r.stderr).toBe(0)
      const appVersion = (parse(await readFile(path.join(chartsDir, chart, 'Chart.yaml'), 'utf8'))[0] as unknown as { appVersion: string }).appVersion
      expect(r.stdout).toContain(`:${appVersion}"`)
    }
  }, 60_000)
})

describe('placement and images', () => {
  const placed = {
    nodeSelector: { 'dbaas.io/lab-node': 'real', disktype: 'ssd', flag: 'true' },
    tolerations: [
      { key: 'dbaas.io/lab-node', operator: 'Equal', value: 'real', effect: 'NoSchedule' },
      { key: 'maintenance', operator: 'Exists', effect: 'NoExecute' },
    ],
    priorityClassName: 'databases',
    imagePullSecrets: ['mirror-pull', 'other.pull'],
  }

  it.each(cases)('$id: the pod gets nodeSelector, tolerations, priorityClassName and imagePullSecrets as given', async (c) => {
    const sts = only(parse(await renderOk(c.chart, c.release, namespaceOf(c), valuesFor(c, placed))), 'StatefulSet', c.release)
    const pod = sts.spec.template.spec
    expect(pod.nodeSelector).toEqual(placed.nodeSelector)
    // A label value YAML 1.1 reads as a boolean stays a string.
    expect(pod.nodeSelector.flag).toBe('true')
    expect(pod.tolerations).toEqual(placed.tolerations)
    expect(pod.priorityClassName).toBe('databases')
    expect(pod.imagePullSecrets).toEqual([{ name: 'mirror-pull' }, { name: 'other.pull' }])
  }, 30_000)

  it.each(cases)('$id: without them, the pod spec has none of these keys', async (c) => {
    const pod = only(parse(await renderOk(c.chart, c.release, namespaceOf(c), valuesFor(c))), 'StatefulSet', c.release).spec.template.spec
    for (const k of ['nodeSelector', 'tolerations', 'priorityClassName', 'imagePullSecrets']) expect(pod, k).not.toHaveProperty(k)
  }, 30_000)

  // The chart's registry rewrite and dbaas's (src/core/placement.ts, used by `dbaas images` and ha create) agree.
  it.each([
    ['postgres', 'mirror.example:5000'],
    ['postgres', 'registry.corp/dockerhub'],
    ['library/postgres', 'mirror.example:5000'],
    ['bitnami/postgresql', 'mirror.example:5000'],
    ['docker.io/library/postgres', 'mirror.example:5000'],
    ['ghcr.io/cloudnative-pg/postgresql', 'mirror.example:5000'],
    ['localhost/pg', 'r.example'],
    ['localhost:5000/team/pg', 'r.example/base'],
    ['[::1]:5000/team/pg', 'r.example'],
    ['postgres', ''],
  ])('image %s with registry "%s" renders as rewriteImage says', async (repository, registry) => {
    const { rewriteImage } = await import('../../../src/core/placement.ts')
    const pg = cases[1] as EngineCase
    const sts = only(
      parse(await renderOk('postgresql', pg.release, namespaceOf(pg), valuesFor(pg, { image: { repository, tag: '', pullPolicy: 'IfNotPresent', registry } }))),
      'StatefulSet',
      pg.release,
    )
    const want = rewriteImage(`${repository}:18`, registry || undefined)
    expect(sts.spec.template.spec.containers[0].image).toBe(want)
    if (registry) expect(want.startsWith(`${registry}/`)).toBe(true)
  }, 30_000)

  it('postgresql bounds /dev/shm by shm.sizeLimit, and an empty one sets no limit', async () => {
    const pg = cases[1] as EngineCase
    const vol = async (shm: unknown) =>
      (only(parse(await renderOk('postgresql', pg.release, namespaceOf(pg), valuesFor(pg, { shm }))), 'StatefulSet', pg.release).spec.template.spec.volumes as Array<{ name: string; emptyDir: unknown }>).find(
        (v) => v.name === 'dshm',
      )?.emptyDir
    expect(await vol({ sizeLimit: '1Gi' })).toEqual({ medium: 'Memory', sizeLimit: '1Gi' })
    expect(await vol({ sizeLimit: '' })).toEqual({ medium: 'Memory' })
  }, 30_000)

  it.each([
    ['a taint effect the API does not have', { tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoRun' }] }, /effect/],
    ['an operator the API does not have', { tolerations: [{ key: 'a', operator: 'In', effect: 'NoSchedule' }] }, /operator/],
    ['an unknown toleration field', { tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule', seconds: 3 }] }, /seconds/],
    ['a node selector key that is not a label key', { nodeSelector: { 'bad key': 'x' } }, /nodeSelector|bad key/],
    ['a node selector value that is not a label value', { nodeSelector: { disk: 'has space' } }, /nodeSelector|has space/],
    ['a priority class with capitals', { priorityClassName: 'High' }, /priorityClassName/],
    ['the same pull secret twice', { imagePullSecrets: ['a', 'a'] }, /imagePullSecrets/],
    ['a pull secret that is not a name', { imagePullSecrets: ['Not_A_Name'] }, /imagePullSecrets/],
    ['a registry with a scheme', { image: { repository: 'postgres', tag: '', pullPolicy: 'IfNotPresent', registry: 'https://mirror.example' } }, /registry/],
    ['a shm size that is not a quantity', { shm: { sizeLimit: 'lots' } }, /sizeLimit|shm/],
  ])('the postgresql schema refuses %s', async (_what, overrides, message) => {
    const pg = cases[1] as EngineCase
    const r = await template('postgresql', pg.release, namespaceOf(pg), valuesFor(pg, overrides))
    expect(r.exitCode).not.toBe(0)
    expect(r.stderr).toMatch(message)
  }, 30_000)

  it.each(['mysql', 'mariadb'] as const)('%s has no /dev/shm volume and refuses shm values', async (chart) => {
    const c = cases.find((x) => x.chart === chart) as EngineCase
    const r = await template(chart, c.release, namespaceOf(c), valuesFor(c, { shm: { sizeLimit: '1Gi' } }))
    expect(r.exitCode).not.toBe(0)
    expect(r.stderr).toMatch(/shm/)
  }, 30_000)

  it.each(cases)('$id: the values buildValues sends for a placed, mirrored instance render and lint', async (c) => {
    const { buildValues } = await import('../../../src/core/create.ts')
    const { getEngine } = await import('../../../src/engines/registry.ts')
    const { parsePlacement } = await import('../../../src/core/placement.ts')
    const placement = parsePlacement({
      nodeSelector: ['disktype=ssd'],
      toleration: ['dedicated=db:NoSchedule', 'spot:PreferNoSchedule'],
      priorityClass: 'databases',
      imagePullSecret: ['mirror-pull'],
      imageRegistry: 'mirror.example:5000',
    })
    const values = buildValues({
      engine: getEngine(c.chart),
      name: c.release,
      namespace: namespaceOf(c),
      namespaceExplicit: false,
      version: c.engineVersion,
      storage: '10Gi',
      cpu: '250m',
      memory: '1Gi',
      database: 'app',
      user: 'app',
      dryRun: 'client',
      wait: false,
      timeoutMs: 1000,
      cluster: {},
      placement,
    })
    const lint = await helmRun(['lint', '--strict', path.join(chartsDir, c.chart), '--namespace', namespaceOf(c)], values)
    expect(lint.exitCode, lint.stdout + lint.stderr).toBe(0)
    const sts = only(parse(await renderOk(c.chart, c.release, namespaceOf(c), values)), 'StatefulSet', c.release)
    const pod = sts.spec.template.spec
    expect(pod.containers[0].image).toBe(`mirror.example:5000/library/${c.repository}:${c.engineVersion}`)
    expect(pod.nodeSelector).toEqual({ disktype: 'ssd' })
    expect(pod.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' },
      { key: 'spot', operator: 'Exists', effect: 'PreferNoSchedule' },
    ])
    expect(pod.priorityClassName).toBe('databases')
    expect(pod.imagePullSecrets).toEqual([{ name: 'mirror-pull' }])
    // Kept on the StatefulSet for restores.
    expect(JSON.parse(sts.metadata.annotations?.['dbaas.io/placement'] ?? '{}')).toEqual(placement)
    if (c.chart === 'postgresql') expect(pod.volumes.find((v: { name: string }) => v.name === 'dshm').emptyDir.sizeLimit).toBe('512Mi')
  }, 30_000)
})

describe.each(cases)('OpenShift $id', (c) => {
  it('openshift: true leaves runAsUser, runAsGroup and fsGroup to the SCC and keeps the rest of the hardening', async () => {
    const pod = only(parse(await renderOk(c.chart, c.release, namespaceOf(c), valuesFor(c, { openshift: true }))), 'StatefulSet', c.release).spec.template.spec
    for (const k of ['runAsUser', 'runAsGroup', 'fsGroup']) expect(pod.securityContext, k).not.toHaveProperty(k)
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } })
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })
  }, 30_000)

  it('refuses a non-boolean openshift', async () => {
    const r = await template(c.chart, c.release, namespaceOf(c), valuesFor(c, { openshift: 'yes' }))
    expect(r.exitCode).not.toBe(0)
    expect(r.stderr).toMatch(/openshift/)
  }, 30_000)
})
