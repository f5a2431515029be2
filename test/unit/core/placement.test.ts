import { describe, expect, it } from 'vitest'
import {
  isQualifiedName,
  mergePlacement,
  parseNodeSelector,
  parsePlacement,
  parsePullSecrets,
  parseRegistry,
  parseToleration,
  parseTolerations,
  placementAnnotation,
  readPlacement,
  rewriteImage,
} from '../../../src/core/placement.ts'
import { UsageError } from '../../../src/errors.ts'

function usage(f: () => unknown): UsageError {
  try {
    f()
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    const e = err as UsageError
    expect(e.exitCode).toBe(2)
    expect(e.message).not.toContain('\n')
    expect(e.hint).toBeTruthy()
    return e
  }
  throw new Error('no usage error')
}

describe('--node-selector', () => {
  it('takes k=v, repeated or comma-separated, and keeps each key once', () => {
    expect(parseNodeSelector(['disktype=ssd', 'zone=a,tier=db'])).toEqual({ disktype: 'ssd', zone: 'a', tier: 'db' })
    expect(parseNodeSelector(['kubernetes.io/os=linux', 'kubernetes.io/os=linux'])).toEqual({ 'kubernetes.io/os': 'linux' })
    expect(parseNodeSelector(['empty='])).toEqual({ empty: '' })
    expect(parseNodeSelector([''])).toEqual({})
  })

  it.each([
    ['disktype', /not key=value/],
    ['Bad Key=x', /not a label key/],
    ['UPPER.example/x=y', /not a label key/],
    [`${'a'.repeat(64)}=x`, /not a label key/],
    ['k=has space', /not a label value/],
    [`k=${'v'.repeat(64)}`, /not a label value/],
    ['k=-leading', /not a label value/],
  ])('refuses %s', (item, message) => {
    expect(usage(() => parseNodeSelector([item])).message).toMatch(message)
  })

  it('refuses one key with two values', () => {
    expect(usage(() => parseNodeSelector(['zone=a', 'zone=b'])).message).toMatch(/twice/)
  })

  it('knows label keys as the API does', () => {
    expect(isQualifiedName('dbaas.io/lab-node')).toBe(true)
    expect(isQualifiedName('a_b.c-d')).toBe(true)
    expect(isQualifiedName('/x')).toBe(false)
    expect(isQualifiedName('a/b/c')).toBe(false)
    expect(isQualifiedName(`${'a'.repeat(254)}/x`)).toBe(false)
  })
})

describe('--toleration (kubectl taint syntax)', () => {
  it('key=value:Effect is Equal, key:Effect is Exists', () => {
    expect(parseToleration('dedicated=db:NoSchedule')).toEqual({ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' })
    expect(parseToleration('dbaas.io/lab-node=real:NoSchedule')).toEqual({ key: 'dbaas.io/lab-node', operator: 'Equal', value: 'real', effect: 'NoSchedule' })
    expect(parseToleration('spot:PreferNoSchedule')).toEqual({ key: 'spot', operator: 'Exists', effect: 'PreferNoSchedule' })
    expect(parseToleration('node.kubernetes.io/unreachable:NoExecute')).toEqual({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' })
    expect(parseToleration('k=:NoSchedule')).toEqual({ key: 'k', operator: 'Equal', value: '', effect: 'NoSchedule' })
  })

  it.each([
    ['dedicated=db', /no effect/],
    ['dedicated=db:Nope', /not a taint effect/],
    ['dedicated=db:noschedule', /not a taint effect/],
    [':NoSchedule', /not a taint key/],
    ['bad key:NoSchedule', /not a taint key/],
    ['k=bad value:NoSchedule', /not a taint value/],
  ])('refuses %s', (text, message) => {
    const e = usage(() => parseToleration(text))
    expect(e.message).toMatch(message)
    expect(e.hint).toMatch(/key=value:Effect/)
  })

  it('drops repeats and empty values', () => {
    expect(parseTolerations(['a:NoSchedule', 'a:NoSchedule', '', 'b=1:NoExecute'])).toHaveLength(2)
  })
})

describe('--image-registry', () => {
  it.each([
    ['mirror.example:5000', 'mirror.example:5000'],
    ['mirror.example:5000/', 'mirror.example:5000'],
    ['registry.corp/dockerhub', 'registry.corp/dockerhub'],
    ['localhost:5000', 'localhost:5000'],
    ['10.0.0.5:5000/a/b', '10.0.0.5:5000/a/b'],
    ['[fd00::1]:5000', '[fd00::1]:5000'],
  ])('accepts %s', (v, want) => {
    expect(parseRegistry(v)).toBe(want)
  })

  it.each([
    ['https://mirror.example', /has a scheme/],
    ['mirror example', /not a registry/],
    ['mirror.example:port', /not a registry/],
    ['mirror.example/UPPER', /not a registry/],
    ['-mirror.example', /not a registry/],
  ])('refuses %s', (v, message) => {
    expect(usage(() => parseRegistry(v)).message).toMatch(message)
  })

  it('names DBAAS_IMAGE_REGISTRY when the bad value came from there', () => {
    const e = usage(() => parsePlacement({}, { DBAAS_IMAGE_REGISTRY: 'https://m.example' }))
    expect(e.message).toContain('DBAAS_IMAGE_REGISTRY')
    expect(e.hint).toContain('DBAAS_IMAGE_REGISTRY=m.example')
  })
})

describe('parsePlacement', () => {
  it('sets only what was given; the flag wins over DBAAS_IMAGE_REGISTRY', () => {
    expect(parsePlacement({ nodeSelector: [], toleration: [], imagePullSecret: [] })).toEqual({})
    expect(parsePlacement({}, { DBAAS_IMAGE_REGISTRY: 'env.example' })).toEqual({ imageRegistry: 'env.example' })
    expect(parsePlacement({ imageRegistry: 'flag.example' }, { DBAAS_IMAGE_REGISTRY: 'env.example' })).toEqual({ imageRegistry: 'flag.example' })
    expect(parsePlacement({ imageRegistry: '' }, { DBAAS_IMAGE_REGISTRY: 'env.example' })).toEqual({ imageRegistry: '' })
    expect(parsePlacement({ priorityClass: 'high', imagePullSecret: ['a,b', 'a'] })).toEqual({ priorityClassName: 'high', imagePullSecrets: ['a', 'b'] })
  })

  it('refuses a bad priority class and pull secret', () => {
    expect(usage(() => parsePlacement({ priorityClass: 'High_Prio' })).message).toMatch(/PriorityClass/)
    expect(usage(() => parsePullSecrets(['Not_OK'])).message).toMatch(/Secret name/)
  })
})

describe('kept on the instance', () => {
  const p = parsePlacement({
    nodeSelector: ['zone=a', 'disk=ssd'],
    toleration: ['dedicated=db:NoSchedule', 'spot:PreferNoSchedule'],
    priorityClass: 'databases',
    imagePullSecret: ['pull'],
    imageRegistry: 'mirror.example:5000',
  })

  it('round-trips through the annotation (keys sorted, empty fields left out)', () => {
    const text = placementAnnotation(p) as string
    expect(JSON.parse(text).nodeSelector).toEqual({ disk: 'ssd', zone: 'a' })
    expect(readPlacement({ 'dbaas.io/placement': text })).toEqual(p)
    expect(placementAnnotation({ nodeSelector: {}, tolerations: [], imageRegistry: '' })).toBeUndefined()
  })

  it('reads a missing, broken or hand-edited annotation as no placement, field by field', () => {
    expect(readPlacement(undefined)).toEqual({})
    expect(readPlacement({ 'dbaas.io/placement': '{not json' })).toEqual({})
    expect(readPlacement({ 'dbaas.io/placement': JSON.stringify({ nodeSelector: { 'bad key': 'x' }, priorityClassName: 'ok', imageRegistry: 'https://x' }) })).toEqual({
      priorityClassName: 'ok',
    })
  })

  it('a restore keeps the source fields it was not given, replaces those it was, and clears on an empty value', () => {
    const given = parsePlacement({ nodeSelector: ['pool=test'], toleration: [''], imageRegistry: '' })
    expect(mergePlacement(p, given)).toEqual({ nodeSelector: { pool: 'test' }, priorityClassName: 'databases', imagePullSecrets: ['pull'] })
    expect(mergePlacement(p, {})).toEqual(p)
    expect(mergePlacement(undefined, given)).toEqual({ nodeSelector: { pool: 'test' } })
  })
})

describe('rewriteImage', () => {
  it.each([
    ['postgres:17', 'R/library/postgres:17'],
    ['postgres', 'R/library/postgres'],
    ['library/postgres:17', 'R/library/postgres:17'],
    ['bitnami/postgresql:16', 'R/bitnami/postgresql:16'],
    ['docker.io/library/mysql:8.4', 'R/library/mysql:8.4'],
    ['ghcr.io/cloudnative-pg/postgresql:17', 'R/cloudnative-pg/postgresql:17'],
    ['ghcr.io/x/y:t', 'R/x/y:t'],
    ['localhost/pg:1', 'R/pg:1'],
    ['localhost:5000/team/pg:1', 'R/team/pg:1'],
    ['node:24-slim', 'R/library/node:24-slim'],
    ['postgres@sha256:abc', 'R/library/postgres@sha256:abc'],
    ['quay.io/org/img:1.0@sha256:abc', 'R/org/img:1.0@sha256:abc'],
  ])('%s → %s', (ref, want) => {
    expect(rewriteImage(ref, 'R')).toBe(want)
  })

  it('leaves references alone without a registry', () => {
    expect(rewriteImage('postgres:17', undefined)).toBe('postgres:17')
    expect(rewriteImage('postgres:17', '')).toBe('postgres:17')
  })
})
