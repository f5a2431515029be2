// doctor's metrics checks: is the Prometheus Operator there (its API, its Deployment, its Prometheus
// objects), and, per monitor dbaas wrote, does a Prometheus select it — and if not, why.
import { apiInfo } from '../../k8s/errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import { KIND } from '../../k8s/labels.ts'
import type { Check } from '../doctor.ts'
import { MONITOR_KIND } from './monitor.ts'
import { judge, listScrapers, MON, monitoringApiServed, namespaceLabels, type MonitorKind, type MonitorObject } from './prometheus.ts'

const INSTALL = 'install the Prometheus Operator (e.g. the kube-prometheus-stack chart); until then `dbaas metrics <name>` and `dbaas top` read the exporters directly'

async function operatorDeployments(kube: Kube): Promise<string[] | undefined> {
  try {
    const items = (await kube.list(R.deployments, undefined, { labelSelector: 'app.kubernetes.io/name=prometheus-operator' })).items
    return items.filter((d) => (d.status?.availableReplicas ?? 0) > 0).map((d) => `${d.metadata.namespace}/${d.metadata.name}`)
  } catch (err) {
    if (apiInfo(err)?.httpCode === 403) return undefined
    throw err
  }
}

async function dbaasMonitors(kube: Kube, kind: MonitorKind): Promise<MonitorObject[] | 'forbidden'> {
  try {
    return (await kube.list(kind === 'ServiceMonitor' ? MON.serviceMonitors : MON.podMonitors, undefined, { labelSelector: `${KIND}=${MONITOR_KIND}` })).items
  } catch (err) {
    if (apiInfo(err)?.httpCode === 403) return 'forbidden'
    throw err
  }
}

export async function metricsChecks(kube: Kube): Promise<Check[]> {
  const base = { required: false }
  const api = await monitoringApiServed(kube)
  if (!api.serviceMonitor && !api.podMonitor) {
    return [{ ...base, id: 'prometheus-operator', title: 'Prometheus Operator', status: 'warn', message: 'not installed (monitoring.coreos.com/v1 is not served): dbaas creates no monitors', fix: INSTALL }]
  }
  const [running, scrapers, sms, pms] = await Promise.all([operatorDeployments(kube), listScrapers(kube), dbaasMonitors(kube, 'ServiceMonitor'), dbaasMonitors(kube, 'PodMonitor')])
  const names = scrapers.scrapers.map((s) => `${s.kind} ${s.namespace}/${s.name}`)
  const operator = running === undefined ? 'could not look for its Deployment' : running.length ? `operator ${running.join(', ')}` : 'no running operator Deployment found (app.kubernetes.io/name=prometheus-operator)'
  const checks: Check[] = [
    {
      ...base,
      id: 'prometheus-operator',
      title: 'Prometheus Operator',
      status: names.length && running?.length !== 0 ? 'ok' : 'warn',
      message: `CRDs installed; ${operator}; ${names.length ? names.join(', ') : scrapers.incomplete ?? 'no Prometheus object'}`,
      ...(names.length ? {} : { fix: 'create a Prometheus object (kube-prometheus-stack does); without one no monitor is scraped' }),
    },
  ]
  const nsLabels = new Map<string, Promise<Record<string, string> | undefined>>()
  const labelsOf = (ns: string) => {
    let p = nsLabels.get(ns)
    if (!p) nsLabels.set(ns, (p = namespaceLabels(kube, ns)))
    return p
  }
  for (const [kind, list] of [['ServiceMonitor', sms], ['PodMonitor', pms]] as const) {
    if (list === 'forbidden') {
      checks.push({ ...base, id: `monitors-${kind}`, title: `${kind}s`, status: 'warn', message: `you may not list ${kind}s across namespaces: not checked` })
      continue
    }
    for (const m of list) {
      const ns = m.metadata.namespace ?? ''
      const verdicts = judge(scrapers.scrapers, kind, ns, await labelsOf(ns), m.metadata.labels ?? {})
      const yes = verdicts.filter((v) => v.selects).map((v) => v.scraper)
      const target = m.metadata.labels?.['app.kubernetes.io/instance'] ?? m.metadata.name
      checks.push(
        yes.length
          ? { ...base, id: `monitor:${ns}/${m.metadata.name}`, title: `${kind} ${ns}/${m.metadata.name}`, status: 'ok', message: `scraped by ${yes.join(', ')}` }
          : {
              ...base,
              id: `monitor:${ns}/${m.metadata.name}`,
              title: `${kind} ${ns}/${m.metadata.name}`,
              status: 'warn',
              message: `selected by no Prometheus: ${verdicts.length ? verdicts.map((v) => `${v.scraper}: ${v.reason}`).join('; ') : (scrapers.incomplete ?? 'there is no Prometheus object')}`,
              fix: `\`dbaas metrics enable ${target} -n ${ns}\` copies the labels the Prometheus objects ask for now`,
            },
      )
    }
  }
  return checks
}
