// kubectl's JSONPath templates over dbaas's JSON documents.
import { describe, expect, it } from 'vitest'
import { jsonpath } from '../../../src/output/jsonpath.ts'

const list = [
  { name: 'orders', namespace: 'dbaas-orders', status: 'Ready', ready: '1/1', release: { revision: 2 }, tags: ['a', 'b'] },
  { name: 'shop', namespace: 'team-a', status: 'Creating', ready: '0/1', release: null, tags: [] },
]

describe('jsonpath', () => {
  it('fields, nested fields, and literal text around them', () => {
    expect(jsonpath('{.name}', list[0])).toBe('orders')
    expect(jsonpath('{.release.revision}', list[0])).toBe('2')
    expect(jsonpath('name={.name} ns={.namespace}', list[0])).toBe('name=orders ns=dbaas-orders')
  })
  it('arrays: index, negative index, slice, wildcard (space-separated results)', () => {
    expect(jsonpath('{[0].name}', list)).toBe('orders')
    expect(jsonpath('{[-1].name}', list)).toBe('shop')
    expect(jsonpath('{[0:1].name}', list)).toBe('orders')
    expect(jsonpath('{[*].name}', list)).toBe('orders shop')
    expect(jsonpath('{.items[*].name}', { items: list })).toBe('orders shop')
  })
  it('range … end with string literals', () => {
    expect(jsonpath('{range [*]}{.name}{"\\t"}{.status}{"\\n"}{end}', list)).toBe('orders\tReady\nshop\tCreating\n')
  })
  it('filters compare with ==, != and numbers, or test existence', () => {
    expect(jsonpath('{[?(@.status=="Ready")].name}', list)).toBe('orders')
    expect(jsonpath("{[?(@.status!='Ready')].name}", list)).toBe('shop')
    expect(jsonpath('{[?(@.release.revision>1)].name}', list)).toBe('orders')
    expect(jsonpath('{[?(@.release)].name}', list)).toBe('orders')
  })
  it('recursive descent and bracketed keys', () => {
    expect(jsonpath('{..revision}', list)).toBe('2')
    expect(jsonpath("{['name']}", list[1])).toBe('shop')
  })
  it('objects and arrays print as JSON; a missing key prints nothing', () => {
    expect(jsonpath('{.release}', list[0])).toBe('{"revision":2}')
    expect(jsonpath('{.tags}', list[0])).toBe('["a","b"]')
    expect(jsonpath('{.nope}', list[0])).toBe('')
  })
  it('a malformed template is a usage error (exit 2)', () => {
    expect(() => jsonpath('{.name', list[0])).toThrow(expect.objectContaining({ exitCode: 2 }))
    expect(() => jsonpath('{range [*]}{.name}', list)).toThrow(/without \{end\}/)
    expect(() => jsonpath('{end}', list)).toThrow(/without \{range\}/)
  })
})
