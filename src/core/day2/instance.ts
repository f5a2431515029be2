// Opening a single instance for a day-2 verb: find it, read its StatefulSet and its latest helm release —
// the values it was installed with, so a change is `helm upgrade` with the same chart and the same values
// but the one that changes — and refuse what no day-2 verb can act on. Also the shared write (helm upgrade,
// then dbaas's identity label back) and the client and server dry runs of a values change.
import { gunzipSync } from 'node:zlib'
import type { ClusterFlags, Deps } from '../../deps.ts'
import { engineFromLabel } from '../../engines/registry.ts'
import type { Engine } from '../../engines/types.ts'
import { PreconditionError } from '../../errors.ts'
import { R, resourceFor, type Kube, type KubeObject } from '../../k8s/kube.ts'
import type { Pod, Secret, StatefulSet } from '../../k8s/types.ts'
import { instanceSelector } from '../../k8s/labels.ts'
import { parseAllDocuments } from 'yaml'
import { redact, releaseLabels } from '../create.ts'
import { findInstance } from '../find.ts'
import { toView, type InstanceParts, type InstanceView } from '../instances.ts'
import { busyError, holderOf, leaseFree, leaseName, ownHolder } from './lease.ts'

export type Values = Record<string, unknown>

export interface Day2Target {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
}

export interface ReleaseRecord {
  revision: number
  status: string
  /** The user-supplied values of that revision (what dbaas sent). */
  values: Values
  /** The objects that revision rendered (its manifest). */
  manifest: string
}

export interface OpenInstance {
  kube: Kube
  /** The flags it was opened with: helm acts as the same identity on the same cluster. */
  cluster: ClusterFlags
  name: string
  namespace: string
  engine: Engine
  parts: InstanceParts
  statefulSet: StatefulSet | undefined
  release: ReleaseRecord
  view: InstanceView
  /** A release left pending-upgrade/-rollback by a dbaas that was killed: rolled back before the next upgrade. */
  interruptedRelease?: string | undefined
}

/** The values of a helm release storage Secret (driver "secret"): base64 of gzipped JSON, inside the Secret's own base64. */
export function decodeRelease(secret: Pick<Secret, 'data'>): { config: Values; version: number; info: { status?: string }; manifest: string } {
  const outer = secret.data?.release
  if (!outer) throw new Error('the release Secret has no release data')
  const inner = Buffer.from(Buffer.from(outer, 'base64').toString('utf8'), 'base64')
  const json = inner[0] === 0x1f && inner[1] === 0x8b ? gunzipSync(inner).toString('utf8') : inner.toString('utf8')
  const r = JSON.parse(json) as { config?: Values | null; version?: number; info?: { status?: string }; manifest?: string }
  return { config: r.config ?? {}, version: r.version ?? 0, info: r.info ?? {}, manifest: r.manifest ?? '' }
}

/** The latest revision's storage Secret among an instance's release Secrets (metadata only). */
export function latestReleaseSecret(releases: Secret[]): Secret | undefined {
  return [...releases].filter((s) => s.metadata.labels?.owner === 'helm').sort((a, b) => Number(b.metadata.labels?.version ?? 0) - Number(a.metadata.labels?.version ?? 0))[0]
}

/** A deep copy of `values` with `path` set to `value` (objects created on the way). */
export function setValue(values: Values, path: string[], value: unknown): Values {
  const out = structuredClone(values)
  let at: Record<string, unknown> = out
  for (const key of path.slice(0, -1)) {
    const next = at[key]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) at[key] = {}
    at = at[key] as Record<string, unknown>
  }
  at[path[path.length - 1] as string] = value
  return out
}

export function getValue(values: Values, path: string[]): unknown {
  let at: unknown = values
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined
    at = (at as Record<string, unknown>)[key]
  }
  return at
}

export function getString(values: Values, path: string[]): string | undefined {
  const v = getValue(values, path)
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined
}

function ref(o: { name: string; namespace: string }): string {
  return `${o.name} -n ${o.namespace}`
}

/**
 * Finds the instance and reads what every single-instance day-2 verb needs. Refuses (7) an instance being
 * deleted, one whose helm release is being changed right now, and one that has no release (creation never
 * got that far). A missing StatefulSet with a deployed release is what an interrupted `resize` leaves: the
 * verbs go on, and their `helm upgrade` re-creates it.
 */
export async function openInstance(t: Day2Target, verb: string, deps: Deps): Promise<OpenInstance> {
  const kube = await deps.kube(t.cluster)
  const parts = await findInstance(kube, { name: t.name, namespace: t.namespace })
  const ns = parts.namespace
  const view = toView(parts, deps.now())
  const engine = engineFromLabel(view.engine)
  if (!engine) throw new PreconditionError(`instance "${t.name}" has an engine dbaas does not know (${view.engine})`, { hint: 'it was not created by this version of dbaas' })
  const latest = latestReleaseSecret(parts.releases)
  if (parts.statefulSet?.metadata.deletionTimestamp || latest?.metadata.labels?.status === 'uninstalling') {
    throw new PreconditionError(`instance "${t.name}" is being deleted`, { hint: `\`dbaas status ${ref({ name: t.name, namespace: ns })}\` follows it` })
  }
  if (!latest) {
    throw new PreconditionError(`instance "${t.name}" has no helm release: its creation did not finish, so there is nothing to ${verb}`, {
      hint: `\`dbaas create ${engine.name} ${ref({ name: t.name, namespace: ns })}\` completes it, \`dbaas delete ${ref({ name: t.name, namespace: ns })}\` removes it`,
    })
  }
  const status = latest.metadata.labels?.status ?? 'unknown'
  const [full, lease] = await Promise.all([kube.get(R.secrets, ns, latest.metadata.name), kube.find(R.leases, ns, leaseName(t.name)).catch(() => undefined)])
  // Another day-2 verb runs on it: that, before anything else, is why this one cannot (4).
  if (lease && !leaseFree(lease, deps.now()) && !ownHolder(lease.spec?.holderIdentity ?? '')) throw busyError('instance', t.name, ns, holderOf(lease))
  let interrupted: string | undefined
  if (status.startsWith('pending-')) {
    // dbaas runs helm only while it holds the instance's Lease: a pending release with no live holder is what
    // a killed dbaas left, and is rolled back before the next change. A pending install is create's.
    if (status === 'pending-install') {
      throw new PreconditionError(`instance "${t.name}" is being changed by helm right now (release ${status}, revision ${latest.metadata.labels?.version})`, {
        hint: `wait until it finishes and run the command again; if that process was killed, \`dbaas create ${engine.name} ${ref({ name: t.name, namespace: ns })}\` clears the interrupted release`,
      })
    }
    interrupted = status
  }
  let decoded: ReturnType<typeof decodeRelease>
  try {
    decoded = decodeRelease(full)
  } catch (err) {
    throw new PreconditionError(`the helm release of instance "${t.name}" (${latest.metadata.name}) cannot be read: ${(err as Error).message}`, {
      hint: 'it was not written by helm 3 or 4 with the Secret storage driver',
      cause: err,
    })
  }
  return {
    kube,
    cluster: t.cluster,
    name: t.name,
    namespace: ns,
    engine,
    parts,
    statefulSet: parts.statefulSet,
    release: { revision: decoded.version || Number(latest.metadata.labels?.version ?? 0), status, values: decoded.config, manifest: decoded.manifest },
    view,
    ...(interrupted ? { interruptedRelease: interrupted } : {}),
  }
}

/**
 * Under the Lease: whether an opened instance is as it was planned from — the same latest helm release (name
 * and status) and the same StatefulSet (present or not, its generation, not being deleted). One round trip;
 * returns the credentials Secret's metadata (where the history lives) when it holds, false to plan again.
 */
export async function recheckInstance(o: OpenInstance): Promise<{ history?: KubeObject | undefined } | false> {
  const [sts, secrets] = await Promise.all([
    o.kube.find(R.statefulSets, o.namespace, o.name),
    o.kube.list(R.secrets, o.namespace, { labelSelector: instanceSelector(o.name), metadataOnly: true }).then((l) => l.items),
  ])
  const [now, then] = [latestReleaseSecret(secrets), latestReleaseSecret(o.parts.releases)]
  if (now?.metadata.name !== then?.metadata.name || now?.metadata.labels?.status !== then?.metadata.labels?.status) return false
  const was = o.statefulSet
  if ((sts === undefined) !== (was === undefined) || sts?.metadata.generation !== was?.metadata.generation) return false
  if (Boolean(sts?.metadata.deletionTimestamp) !== Boolean(was?.metadata.deletionTimestamp)) return false
  return { history: secrets.find((s) => s.metadata.name === `${o.name}-credentials`) }
}

/** What `helm upgrade` is told: the same chart and release labels as create, the given values. */
async function upgrade(o: OpenInstance, values: Values, timeoutMs: number, deps: Deps): Promise<void> {
  const version = getString(values, ['engineVersion']) ?? o.view.version
  await deps.helm.upgradeInstall({
    release: o.name,
    chart: o.engine.chart,
    namespace: o.namespace,
    values,
    labels: releaseLabels({ name: o.name, engine: o.engine, version }),
    timeoutSeconds: Math.max(1, Math.round(timeoutMs / 1000)),
    target: await deps.kubeTarget(o.cluster),
  })
}

/** helm upgrade with these values, then dbaas's labels back. */
/** Rolls back a release a killed dbaas left pending (once); helm cannot upgrade it otherwise. */
export async function rollbackInterrupted(o: OpenInstance, deps: Deps): Promise<void> {
  if (!o.interruptedRelease) return
  deps.ui.step(`Rolling back the interrupted helm operation on ${o.name} (release ${o.interruptedRelease})`)
  await deps.helm.rollback(o.name, o.namespace, await deps.kubeTarget(o.cluster))
  o.interruptedRelease = undefined
}

export async function helmUpgrade(o: OpenInstance, values: Values, timeoutMs: number, deps: Deps): Promise<void> {
  await rollbackInterrupted(o, deps)
  deps.ui.step(`Upgrading helm release ${o.name}`)
  await upgrade(o, values, timeoutMs, deps)
}

function parseManifest(text: string, namespace: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null && typeof d === 'object' && typeof d.kind === 'string')
    .map((d) => ({ ...d, metadata: { ...d.metadata, namespace: d.metadata.namespace ?? namespace } }))
}

/** The rendered objects that differ from what the release's manifest holds (new ones included). */
export function changedObjects(rendered: KubeObject[], manifest: string, namespace: string): KubeObject[] {
  const before = new Map(parseManifest(manifest, namespace).map((o) => [`${o.kind}/${o.metadata.name}`, JSON.stringify(o)]))
  return rendered.filter((o) => before.get(`${o.kind}/${o.metadata.name}`) !== JSON.stringify(o))
}

/** The objects the chart renders with these values (helm template: nothing sent). */
export async function renderValues(o: Pick<OpenInstance, 'name' | 'namespace' | 'engine'>, values: Values, deps: Deps): Promise<KubeObject[]> {
  const text = await deps.helm.template({ release: o.name, chart: o.engine.chart, namespace: o.namespace, values, verbosity: deps.verbosity })
  return parseManifest(text, o.namespace)
}

/**
 * A server dry run of the rendered objects: each applied with dryRun=All (validated and defaulted by the
 * API server and its admission, nothing stored). Kinds dbaas does not send itself are printed as rendered.
 */
export async function serverDryRun(kube: Kube, objects: KubeObject[], notes: string[], skip: (o: KubeObject) => string | undefined = () => undefined): Promise<KubeObject[]> {
  const out: KubeObject[] = []
  for (const m of objects) {
    const why = skip(m)
    const r = resourceFor(m.apiVersion ?? '', m.kind ?? '')
    if (why || !r) {
      notes.push(`${m.kind}/${m.metadata.name} was not validated by the server${why ? `: ${why}` : ' (dbaas does not send that kind itself)'}`)
      out.push(redact(m))
      continue
    }
    out.push(redact(await kube.apply(r, m, { dryRun: true })))
  }
  return out
}

/** The instance's pods (by dbaas's labels). */
export async function instancePods(kube: Kube, name: string, namespace: string): Promise<Pod[]> {
  return (await kube.list(R.pods, namespace, { labelSelector: instanceSelector(name) })).items
}
