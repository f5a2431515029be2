// Which labels a monitor needs, and each Prometheus object's verdict on it: the operator's rules for null
// and empty selectors, namespace selectors, matchExpressions, conflicts between Prometheus objects.
import { describe, expect, it } from 'vitest'
import { judge, planLabels, summary, type Scraper } from '../../../src/core/metrics/prometheus.ts'
import { labelsToMatch, matches, unmet } from '../../../src/core/metrics/selectors.ts'

const base = { 'app.kubernetes.io/instance': 'orders', 'dbaas.io/kind': 'monitor' }
const kps: Scraper = {
  kind: 'Prometheus',
  namespace: 'monitoring',
  name: 'kube-prometheus-stack-prometheus',
  spec: { serviceMonitorSelector: { matchLabels: { release: 'kube-prometheus-stack' } }, serviceMonitorNamespaceSelector: {} },
}

describe('selectors', () => {
  it('matchLabels and every operator', () => {
    const s = {
      matchLabels: { a: '1' },
      matchExpressions: [
        { key: 'b', operator: 'In', values: ['x', 'y'] },
        { key: 'c', operator: 'NotIn', values: ['bad'] },
        { key: 'd', operator: 'Exists' },
        { key: 'e', operator: 'DoesNotExist' },
      ],
    }
    expect(matches(s, { a: '1', b: 'y', d: '' })).toBe(true)
    expect(unmet(s, { a: '2', b: 'z', c: 'bad', e: '1' })).toEqual(['a=1', 'b in (x,y)', 'c notin (bad)', 'd', '!e'])
  })

  it('labelsToMatch adds what is missing and refuses what cannot be had', () => {
    expect(labelsToMatch({ matchLabels: { release: 'kps' }, matchExpressions: [{ key: 'team', operator: 'In', values: ['db', 'ops'] }, { key: 'x', operator: 'Exists' }] }, base)).toEqual({
      labels: { release: 'kps', team: 'db', x: 'true' },
    })
    expect(labelsToMatch({ matchLabels: { 'dbaas.io/kind': 'other' } }, base)).toHaveProperty('conflict')
    expect(labelsToMatch({ matchExpressions: [{ key: 'dbaas.io/kind', operator: 'DoesNotExist' }] }, base)).toHaveProperty('conflict')
    expect(labelsToMatch({ matchExpressions: [{ key: 'z', operator: 'Gt', values: ['1'] }] }, base)).toHaveProperty('conflict')
  })
})

describe('planLabels and judge', () => {
  it("copies kube-prometheus-stack's release label; the Prometheus then selects the monitor", () => {
    const p = planLabels([kps], 'ServiceMonitor', 'dbaas-orders', { 'kubernetes.io/metadata.name': 'dbaas-orders' }, base)
    expect(p.labels).toEqual({ ...base, release: 'kube-prometheus-stack' })
    expect(p.verdicts).toEqual([{ scraper: 'Prometheus monitoring/kube-prometheus-stack-prometheus', selects: true, reason: expect.stringContaining('release=kube-prometheus-stack') }])
  })

  it('a null namespace selector means the Prometheus object\'s own namespace only', () => {
    const own: Scraper = { ...kps, spec: { serviceMonitorSelector: {} } }
    const p = planLabels([own], 'ServiceMonitor', 'dbaas-orders', {}, base)
    expect(p.verdicts[0]).toMatchObject({ selects: false, reason: 'it looks for ServiceMonitors in its own namespace monitoring only (its serviceMonitorNamespaceSelector is not set)' })
    expect(planLabels([own], 'ServiceMonitor', 'monitoring', {}, base).verdicts[0]?.selects).toBe(true)
  })

  it('a null monitor selector selects nothing; an empty one everything', () => {
    const none: Scraper = { ...kps, spec: { serviceMonitorNamespaceSelector: {} } }
    const all: Scraper = { ...kps, name: 'all', spec: { serviceMonitorSelector: {}, serviceMonitorNamespaceSelector: {} } }
    const v = judge([none, all], 'ServiceMonitor', 'dbaas-orders', {}, base)
    expect(v.map((x) => x.selects)).toEqual([false, true])
    expect(v[0]?.reason).toBe('its serviceMonitorSelector is not set, so it selects no ServiceMonitor')
  })

  it("namespace selectors are checked against the namespace's labels (and said when they cannot be read)", () => {
    const teams: Scraper = { ...kps, spec: { ...kps.spec, serviceMonitorNamespaceSelector: { matchLabels: { monitoring: 'on' } } } }
    expect(planLabels([teams], 'ServiceMonitor', 'dbaas-orders', { other: 'x' }, base).verdicts[0]?.reason).toBe('namespace dbaas-orders does not match its serviceMonitorNamespaceSelector (monitoring=on)')
    expect(planLabels([teams], 'ServiceMonitor', 'dbaas-orders', { monitoring: 'on' }, base).verdicts[0]?.selects).toBe(true)
    expect(planLabels([teams], 'ServiceMonitor', 'dbaas-orders', undefined, base).verdicts[0]?.reason).toContain("could not read namespace dbaas-orders's labels")
  })

  it('PodMonitors are judged by the pod selectors', () => {
    const p = planLabels([{ ...kps, spec: { ...kps.spec, podMonitorSelector: { matchLabels: { release: 'other' } }, podMonitorNamespaceSelector: {} } }], 'PodMonitor', 'x', {}, base)
    expect(p.labels.release).toBe('other')
    expect(p.verdicts[0]?.selects).toBe(true)
  })

  it('two Prometheus objects asking for different values of one label: the first in name order wins, the other says why', () => {
    const a: Scraper = { ...kps, name: 'a', spec: { serviceMonitorSelector: { matchLabels: { release: 'one' } }, serviceMonitorNamespaceSelector: {} } }
    const b: Scraper = { ...kps, name: 'b', spec: { serviceMonitorSelector: { matchLabels: { release: 'two' } }, serviceMonitorNamespaceSelector: {} } }
    const p = planLabels([a, b], 'ServiceMonitor', 'ns', {}, base)
    expect(p.labels.release).toBe('one')
    expect(p.verdicts.map((v) => [v.selects, v.reason])).toEqual([
      [true, expect.any(String)],
      [false, 'the ServiceMonitor does not meet its serviceMonitorSelector: it lacks release=two'],
    ])
  })

  it('the summary names who selects it, or every reason nobody does', () => {
    expect(summary('ServiceMonitor', 'orders', 'ns', [], undefined)).toContain('selected by no Prometheus: the cluster has no Prometheus object')
    const v = judge([kps], 'ServiceMonitor', 'ns', {}, base)
    expect(summary('ServiceMonitor', 'orders', 'ns', v)).toBe(
      'ServiceMonitor ns/orders is selected by no Prometheus: Prometheus monitoring/kube-prometheus-stack-prometheus: the ServiceMonitor does not meet its serviceMonitorSelector: it lacks release=kube-prometheus-stack',
    )
  })
})
