import { describe, expect, it } from 'vitest'
import { MANAGED, identityLabels, instanceSelector, selector, withKind } from '../../../src/k8s/labels.ts'

describe('labels', () => {
  it('identity labels (of what dbaas writes itself) carry managed-by dbaas, instance, name, engine and version', () => {
    expect(identityLabels({ name: 'orders', engine: 'mysql', version: '8.4' })).toEqual({
      'app.kubernetes.io/managed-by': 'dbaas',
      'app.kubernetes.io/instance': 'orders',
      'app.kubernetes.io/name': 'mysql',
      'dbaas.io/engine': 'mysql',
      'dbaas.io/engine-version': '8.4',
    })
  })
  it('withKind adds dbaas.io/kind without touching the input', () => {
    const base = { a: 'b' }
    expect(withKind(base, 'instance')).toEqual({ a: 'b', 'dbaas.io/kind': 'instance' })
    expect(base).toEqual({ a: 'b' })
  })
  it('selectors select on dbaas.io/kind, never on managed-by (Helm on chart objects, dbaas on the rest)', () => {
    expect(MANAGED).toBe('dbaas.io/kind')
    expect(selector({ a: '1', b: '2' })).toBe('a=1,b=2')
    expect(instanceSelector('x')).toBe('dbaas.io/kind,app.kubernetes.io/instance=x')
  })
})
