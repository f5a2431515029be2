// A Helm that records every call and answers from canned values; no binary runs.
import type { Helm, InstallRequest, KubeTarget, TemplateRequest } from '../../src/helm/helm.ts'

export type HelmCall =
  | { op: 'version' }
  | { op: 'upgradeInstall'; req: InstallRequest }
  | { op: 'template'; req: TemplateRequest }
  | { op: 'uninstall'; release: string; namespace: string; target: KubeTarget; opts: { noHooks?: boolean; timeoutSeconds?: number } }
  | { op: 'rollback'; release: string; namespace: string; target: KubeTarget }
  | { op: 'getValues'; release: string; namespace: string }

export class FakeHelm implements Helm {
  readonly calls: HelmCall[] = []
  versionString = 'v3.19.0'
  /** Thrown by version() (and so by every other call), e.g. a PreconditionError for a missing helm. */
  versionError: Error | undefined
  templateOutput = ''
  /** Runs after an upgradeInstall is recorded (e.g. to make the StatefulSet appear in a FakeTransport). */
  onInstall: ((req: InstallRequest) => void | Promise<void>) | undefined
  onUninstall: ((release: string, namespace: string) => void | Promise<void>) | undefined

  ops(): string[] {
    return this.calls.map((c) => c.op)
  }

  async version(): Promise<string> {
    this.calls.push({ op: 'version' })
    if (this.versionError) throw this.versionError
    return this.versionString
  }

  async upgradeInstall(req: InstallRequest): Promise<void> {
    this.calls.push({ op: 'upgradeInstall', req: structuredClone(req) })
    if (this.versionError) throw this.versionError
    await this.onInstall?.(req)
  }

  async template(req: TemplateRequest): Promise<string> {
    this.calls.push({ op: 'template', req: structuredClone(req) })
    if (this.versionError) throw this.versionError
    return this.templateOutput
  }

  async uninstall(release: string, namespace: string, target: KubeTarget, opts: { noHooks?: boolean; timeoutSeconds?: number } = {}): Promise<void> {
    this.calls.push({ op: 'uninstall', release, namespace, target, opts })
    await this.onUninstall?.(release, namespace)
  }

  async rollback(release: string, namespace: string, target: KubeTarget): Promise<void> {
    this.calls.push({ op: 'rollback', release, namespace, target })
  }

  /** The values of the latest upgradeInstall of that release (or of `values` when set). */
  values: Record<string, Record<string, unknown>> = {}

  async getValues(release: string, namespace: string): Promise<Record<string, unknown>> {
    this.calls.push({ op: 'getValues', release, namespace })
    const key = `${namespace}/${release}`
    if (this.values[key]) return structuredClone(this.values[key])
    const last = this.calls.findLast((c): c is Extract<HelmCall, { op: 'upgradeInstall' }> => c.op === 'upgradeInstall' && c.req.release === release && c.req.namespace === namespace)
    return last ? structuredClone(last.req.values) : {}
  }
}
