// The two API servers every contract test runs against, through the same Transport interface dbaas uses:
// the in-memory fake (test/helpers/fake-kube.ts) and the real kube-apiserver of the lab (or the cluster in
// DBAAS_E2E_KUBECONFIG) through src/k8s/http.ts's HttpTransport. A contract test states a rule of the real
// server once; `contract()` runs it against both, so the fake cannot drift from the server unnoticed.
import { afterAll, beforeAll, describe } from 'vitest'
import type { Transport } from '../../src/k8s/http.ts'
import { HttpTransport } from '../../src/k8s/http.ts'
import { apiInfo } from '../../src/k8s/errors.ts'
import { loadKubeconfig } from '../../src/k8s/kubeconfig.ts'
import { Kube, R, type KubeObject, type ResourceType } from '../../src/k8s/kube.ts'
import { FakeTransport, crdObject } from '../helpers/fake-kube.ts'

export interface Backend {
  readonly name: 'fake' | 'cluster'
  readonly transport: Transport
  readonly kube: Kube
  /** Plays the controllers the fake has (namespace and CRD deletion); the real ones run by themselves. */
  settle(): void
  /** Creates a namespace of this test's own (through the transport), deleted when the file ends. */
  namespace(prefix: string): Promise<string>
  /** Installs a CRD of this test's own for a kind in group contract.dbaas.test, waiting until it is served. */
  crd(kind: TestKind): Promise<ResourceType>
  /** Removes what the test made: namespaces and CRDs. */
  cleanup(): Promise<void>
}

export interface TestKind {
  /** Lower-case plural prefix; a random suffix keeps runs apart. */
  plural: string
  kind: string
  namespaced?: boolean
  status?: boolean
}

export const TEST_GROUP = 'contract.dbaas.test'

const suffix = () => Math.random().toString(36).slice(2, 8)

export const uniqueName = (prefix: string) => `${prefix}-${suffix()}`

/** Polls `fn` until it returns something other than undefined, playing the fake's controllers in between. */
export async function eventually<T>(b: Backend, what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    b.settle()
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** The error a request failed with: HTTP code, Status reason and message (as dbaas sees them). */
export async function failure(p: Promise<unknown>): Promise<{ httpCode: number | undefined; reason: string | undefined; message: string }> {
  try {
    await p
  } catch (err) {
    const info = apiInfo(err)
    return { httpCode: info?.httpCode, reason: info?.reason, message: (err as Error).message }
  }
  throw new Error('expected the request to fail, and it succeeded')
}

function common(name: Backend['name'], transport: Transport, settle: () => void): Backend {
  const kube = new Kube(transport, 'default')
  const namespaces: string[] = []
  const crds: string[] = []
  const b: Backend = {
    name,
    transport,
    kube,
    settle,
    async namespace(prefix) {
      const ns = uniqueName(prefix)
      await kube.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      namespaces.push(ns)
      return ns
    },
    async crd(k) {
      const r = { group: TEST_GROUP, version: 'v1', plural: `${k.plural}${suffix()}`, kind: k.kind, namespaced: k.namespaced ?? true }
      await kube.create(R.crds, crdObject({ ...r, status: k.status ?? false }))
      crds.push(`${r.plural}.${r.group}`)
      // The real server serves a new CRD once it is Established, a moment after the create.
      await eventually(b, `${r.plural}.${r.group} to be served`, async () => {
        await kube.list(r, undefined)
        return true
      })
      return r
    },
    async cleanup() {
      for (const ns of namespaces) await kube.deleteIfExists(R.namespaces, undefined, ns)
      for (const c of crds) await kube.deleteIfExists(R.crds, undefined, c)
    },
  }
  return b
}

export function fakeBackend(): Backend {
  const t = new FakeTransport()
  t.clock = () => Date.now()
  return common('fake', t, () => t.settle())
}

/** The real API server: the lab's (global setup) or the one DBAAS_E2E_KUBECONFIG names. */
export function clusterBackend(): Backend {
  const cfg = loadKubeconfig({}, process.env)
  return common('cluster', new HttpTransport(cfg, { timeoutMs: 30_000 }), () => {})
}

/**
 * Declares the same tests twice, `[fake]` and `[cluster]`: `body` receives a getter for the backend of the
 * suite it runs in (created before the suite, cleaned up after it).
 */
export function contract(title: string, body: (backend: () => Backend) => void): void {
  for (const make of [fakeBackend, clusterBackend]) {
    const label = make === fakeBackend ? 'fake' : 'cluster'
    describe(`${title} [${label}]`, () => {
      let b: Backend | undefined
      beforeAll(() => {
        b = make()
      })
      afterAll(async () => {
        await b?.cleanup()
      })
      body(() => {
        if (!b) throw new Error('backend not ready')
        return b
      })
    })
  }
}

/** A ConfigMap in a namespace, as a write body. */
export function configMap(namespace: string, name: string, extra: Partial<KubeObject> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...(extra.metadata ?? {}) }, ...(extra.data ? { data: extra.data as Record<string, string> } : {}) }
}

/** Who owns which field paths (leaves, as `a.b.c`) according to metadata.managedFields. */
export function owners(obj: KubeObject): Array<{ manager: string; operation: string; subresource?: string; fields: string[] }> {
  const list = (obj.metadata as { managedFields?: Array<{ manager: string; operation: string; subresource?: string; fieldsV1?: unknown }> }).managedFields ?? []
  return list.map((m) => ({ manager: m.manager, operation: m.operation, ...(m.subresource ? { subresource: m.subresource } : {}), fields: leaves(m.fieldsV1) }))
}

function leaves(v: unknown, at: string[] = []): string[] {
  const keys = v && typeof v === 'object' ? Object.keys(v as object).filter((k) => k.startsWith('f:')) : []
  if (keys.length === 0) return at.length ? [at.join('.')] : []
  return keys.flatMap((k) => leaves((v as Record<string, unknown>)[k], [...at, k.slice(2)]))
}

/** The leaf fields `manager` owns (through any operation). */
export function ownedBy(obj: KubeObject, manager: string): string[] {
  return owners(obj)
    .filter((o) => o.manager === manager)
    .flatMap((o) => o.fields)
    .sort()
}
