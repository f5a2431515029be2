// dbaas doctor: is this cluster (and this machine) ready for dbaas? Each check says ✔/✘/! and, when not ✔,
// what to do. Required checks (cluster, helm, a StorageClass) decide the exit code; optional ones (volume
// snapshots, CloudNativePG, RBAC) say which verbs they disable.
import type { ClusterFlags, Deps } from '../deps.ts'
import { checkServerTrust } from '../k8s/connection.ts'
import { apiInfo } from '../k8s/errors.ts'
import type { ResolvedConfig } from '../k8s/kubeconfig.ts'
import { R, type AccessCheck, type Kube, type KubeObject } from '../k8s/kube.ts'
import { accessChecks, allVerbs, describeCheck, type Verb } from './rbac.ts'

export type CheckStatus = 'ok' | 'warn' | 'fail'

export interface Check {
  id: string
  title: string
  status: CheckStatus
  required: boolean
  message: string
  fix?: string | undefined
  /** dbaas verbs that do not work while this check is not ✔. */
  disables?: string[] | undefined
}

export interface DoctorReport {
  context: string
  server: string
  namespace: string
  /** False when a required check failed (exit 1). */
  ok: boolean
  checks: Check[]
}

/** Optional detectors from the backup and HA code; each returns checks of its own area. */
export type Detector = (kube: Kube) => Promise<Check[]>

export interface DoctorOptions {
  cluster: ClusterFlags
  /** Namespace the RBAC checks are made in (default: the context's). */
  namespace?: string | undefined
  detectors?: Detector[]
}

const errText = (err: unknown) => (err as Error)?.message ?? String(err)
const forbidden = (err: unknown) => apiInfo(err)?.httpCode === 403

export async function clusterCheck(kube: Kube, context: string, isTls: (err: unknown) => boolean = () => false): Promise<Check & { tlsFailure?: boolean }> {
  try {
    const v = await kube.serverVersion()
    return { id: 'cluster', title: 'Kubernetes cluster', status: 'ok', required: true, message: `context ${context} reaches ${kube.server}, Kubernetes ${v}` }
  } catch (err) {
    return {
      ...(isTls(err) ? { tlsFailure: true } : {}),
      id: 'cluster',
      title: 'Kubernetes cluster',
      status: 'fail',
      required: true,
      message: `context ${context} does not reach ${kube.server}: ${errText(err)}`,
      fix: 'check the context with `kubectl config current-context` and `kubectl version`; pass --context or --kubeconfig to pick another',
    }
  }
}

/** Whether a failure was the server's certificate not verifying (the errno networkError keeps). */
function isTlsFailure(err: unknown): boolean {
  const errno = String((err as { details?: { errno?: unknown } })?.details?.errno ?? '')
  return errno.startsWith('ERR_TLS') || errno.includes('CERT') || errno.includes('SELF_SIGNED') || errno.includes('ISSUER')
}

/**
 * After a TLS failure: whether the server's certificate chains to a CA Node does not trust (and what to do).
 * Undefined when the server does verify, or cannot be reached at all.
 */
export async function trustCheck(cfg: ResolvedConfig): Promise<Check | undefined> {
  const base = { id: 'tls', title: 'Server certificate', required: false }
  try {
    const t = await checkServerTrust(cfg)
    if (t.verdict !== 'untrusted') return undefined
    return cfg.cluster.caData
      ? { ...base, status: 'fail', message: `the server's certificate does not verify against the kubeconfig's certificate-authority: ${t.reason ?? 'unknown reason'}`, fix: 'fix certificate-authority(-data) in your kubeconfig, or tls-server-name if the certificate names another host' }
      : {
          ...base,
          status: 'fail',
          message: `the server's certificate chains to a CA that neither Node nor the OS trust store knows: ${t.reason ?? 'unknown reason'}`,
          fix: 'add certificate-authority to the kubeconfig\'s cluster, or export NODE_EXTRA_CA_CERTS=/path/to/ca.pem (or install the CA in the OS store)',
        }
  } catch {
    return undefined
  }
}

export async function helmCheck(deps: Deps): Promise<Check> {
  try {
    const v = await deps.helm.version()
    const major = Number(/^v?(\d+)/.exec(v)?.[1] ?? 0)
    if (major !== 3 && major !== 4) {
      return { id: 'helm', title: 'helm', status: 'fail', required: true, message: `helm ${v} is not supported`, fix: 'install helm 3 or 4: https://helm.sh/docs/intro/install/' }
    }
    return { id: 'helm', title: 'helm', status: 'ok', required: true, message: `helm ${v} (major ${major})` }
  } catch (err) {
    return {
      id: 'helm',
      title: 'helm',
      status: 'fail',
      required: true,
      message: `helm is not usable: ${errText(err)}`,
      fix: 'install helm 3 or 4 and put it on PATH: https://helm.sh/docs/intro/install/',
      disables: ['create', 'delete'],
    }
  }
}

export function isDefaultClass(c: KubeObject): boolean {
  const a = c.metadata.annotations ?? {}
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
}

export async function storageCheck(kube: Kube): Promise<Check> {
  const base = { id: 'storage', title: 'StorageClass', required: true }
  let classes: KubeObject[]
  try {
    classes = (await kube.list(R.storageClasses, undefined)).items
  } catch (err) {
    if (forbidden(err)) {
      return {
        ...base,
        status: 'warn',
        message: 'you may not read storage classes, so dbaas cannot check that one exists',
        fix: 'ask an admin to confirm a default StorageClass, or for the ClusterRole `dbaas rbac` prints',
      }
    }
    return { ...base, status: 'fail', message: `could not list storage classes: ${errText(err)}` }
  }
  if (classes.length === 0) {
    return { ...base, status: 'fail', message: 'the cluster has no StorageClass: data volumes cannot be provisioned', fix: 'install a CSI driver and a StorageClass for it', disables: ['create'] }
  }
  const defaults = classes.filter(isDefaultClass)
  const names = classes.map((c) => c.metadata.name).join(', ')
  // Which classes `dbaas resize` can grow (allowVolumeExpansion); the others make it exit 7.
  const expandable = classes.filter((c) => (c as KubeObject & { allowVolumeExpansion?: boolean }).allowVolumeExpansion === true).map((c) => c.metadata.name)
  const expand = expandable.length ? `; can expand (dbaas resize): ${expandable.join(', ')}` : '; none can expand (dbaas resize refuses)'
  if (defaults.length === 0) {
    return {
      ...base,
      status: 'warn',
      message: `no default StorageClass (classes: ${names})${expand}`,
      fix: `pass --storage-class to create, or mark one default: kubectl annotate storageclass ${classes[0]?.metadata.name} storageclass.kubernetes.io/is-default-class=true`,
    }
  }
  const d = defaults[0] as KubeObject
  return { ...base, status: 'ok', message: `default StorageClass "${d.metadata.name}" (${String(d.provisioner ?? '?')})${defaults.length > 1 ? `; ${defaults.length} classes claim default` : ''}${expand}` }
}

/** Per dbaas verb, whether the current user may do what it needs (SelfSubjectAccessReview). */
export async function rbacCheck(kube: Kube, namespace: string): Promise<Check> {
  const all = allVerbs.map((v) => ({ verb: v, checks: accessChecks(v, namespace) }))
  // One review per distinct (verb, resource, namespace).
  const key = (c: AccessCheck) => `${c.verb}|${c.group}|${c.resource}|${c.subresource ?? ''}|${c.namespace ?? ''}`
  const unique = new Map<string, AccessCheck>()
  for (const v of all) for (const c of v.checks) unique.set(key(c), c)
  let deniedKeys: Set<string>
  try {
    deniedKeys = new Set((await kube.denied([...unique.values()])).map(key))
  } catch (err) {
    return { id: 'rbac', title: 'RBAC', status: 'warn', required: false, message: `could not review access: ${errText(err)}` }
  }
  const blocked: string[] = []
  const limited: string[] = []
  const details: string[] = []
  for (const v of all) {
    const missing = v.checks.filter((c) => deniedKeys.has(key(c)))
    if (missing.length === 0) continue
    const hard = missing.filter((c) => !c.optional)
    ;(hard.length ? blocked : limited).push(v.verb)
    details.push(`${v.verb}: ${(hard.length ? hard : missing).slice(0, 3).map(describeCheck).join(', ')}${(hard.length ? hard : missing).length > 3 ? ', …' : ''}`)
  }
  if (blocked.length === 0 && limited.length === 0) {
    return { id: 'rbac', title: 'RBAC', status: 'ok', required: false, message: `every verb allowed in namespace ${namespace}` }
  }
  const parts = [
    ...(blocked.length ? [`not allowed in namespace ${namespace}: ${blocked.join(', ')}`] : []),
    ...(limited.length ? [`limited (optional access missing: checks, --watch, cross-namespace work): ${limited.join(', ')}`] : []),
  ]
  return {
    id: 'rbac',
    title: 'RBAC',
    status: 'warn',
    required: false,
    message: `${parts.join('; ')} (${details.join('; ')})`,
    fix: `ask a cluster admin to apply \`dbaas rbac -n ${namespace}\``,
    disables: blocked as Verb[],
  }
}

export async function runDoctor(o: DoctorOptions, deps: Deps): Promise<DoctorReport> {
  let cfg: Awaited<ReturnType<Deps['kubeconfig']>>
  let kube: Kube
  try {
    cfg = await deps.kubeconfig(o.cluster)
    kube = await deps.kube(o.cluster)
  } catch (err) {
    // No usable kubeconfig: still a report (helm is checked), with the kubeconfig problem as the cluster check.
    const hint = (err as { hint?: string }).hint
    const checks: Check[] = [
      { id: 'cluster', title: 'Kubernetes cluster', status: 'fail', required: true, message: errText(err), fix: hint ?? 'point KUBECONFIG or --kubeconfig at a kubeconfig, or pick a context with --context' },
      await helmCheck(deps),
      { id: 'storage', title: 'StorageClass', status: 'fail', required: true, message: 'not checked: no cluster to ask' },
    ]
    return { context: o.cluster.context ?? '', server: '', namespace: o.namespace ?? '', ok: false, checks }
  }
  const namespace = o.namespace ?? cfg.namespace
  const [{ tlsFailure, ...cluster }, helm] = await Promise.all([clusterCheck(kube, cfg.contextName, isTlsFailure), helmCheck(deps)])
  const checks: Check[] = [cluster, helm]
  // The server's certificate did not verify: say whether it chains to a CA Node does not trust.
  const tls = tlsFailure ? await trustCheck(cfg) : undefined
  if (tls) checks.push(tls)
  if (cluster.status === 'fail') {
    checks.push({ id: 'storage', title: 'StorageClass', status: 'fail', required: true, message: 'not checked: the cluster is unreachable' })
  } else {
    const results = await Promise.all([
      storageCheck(kube),
      ...(o.detectors ?? []).map((d) =>
        d(kube).catch((err): Check[] => [{ id: 'detector', title: 'detector', status: 'warn', required: false, message: `check failed: ${errText(err)}` }]),
      ),
      rbacCheck(kube, namespace),
    ])
    for (const r of results) checks.push(...(Array.isArray(r) ? r : [r]))
  }
  return { context: cfg.contextName, server: kube.server, namespace, ok: checks.every((c) => !c.required || c.status !== 'fail'), checks }
}
