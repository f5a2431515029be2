// dbaas images through main(): every image dbaas may pull, as the charts and `ha create` write them, filtered
// by engine and version, under --image-registry / DBAAS_IMAGE_REGISTRY; contacts nothing.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { haEngine } from '../../src/core/ha/registry.ts'
import { listImages, NODE_JOB_IMAGE } from '../../src/core/images.ts'
import { engines, getEngine } from '../../src/engines/registry.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'

async function run(argv: string[], env: Record<string, string> = {}) {
  const d = fakeDeps()
  Object.assign(d.env, env)
  const code = await main(argv, d)
  return { d, code, out: d.out.text, err: d.err.text }
}

describe('dbaas images', () => {
  it('lists every engine version, every CloudNativePG operand major and the jobs\' Node image, contacting nothing', async () => {
    const r = await run(['images', '-o', 'json'])
    expect(r.code, r.err).toBe(0)
    expect(r.d.transport.requests).toEqual([])
    const doc = JSON.parse(r.out)
    expect(doc.registry).toBeNull()
    const images: string[] = doc.images.map((i: { image: string }) => i.image)
    for (const e of engines) for (const v of e.versions) expect(images).toContain(`${e.image}:${v}`)
    expect(images).toContain('ghcr.io/cloudnative-pg/postgresql:13')
    expect(images).toContain('ghcr.io/cloudnative-pg/postgresql:18')
    expect(images).toContain(NODE_JOB_IMAGE)
    expect(new Set(images).size).toBe(images.length)
  })

  it('the CloudNativePG images are those ha create writes, with and without a registry', () => {
    const cnpg = haEngine('cnpg')
    const spec = { engine: 'cnpg' as const, topology: cnpg.topologies[0]!, name: 'x', namespace: 'n', instances: 1, database: 'app', user: 'app', storage: '1Gi', params: {} }
    for (const registry of [undefined, 'mirror.example:5000']) {
      const rows = listImages({ engine: getEngine('pg'), registry }).images.filter((i) => i.usedBy === 'ha create')
      expect(rows.length).toBe(cnpg.versions.length)
      for (const row of rows) {
        const c = cnpg.build({ ...spec, version: row.version ?? undefined, ...(registry ? { placement: { imageRegistry: registry } } : {}) }) as { spec?: { imageName?: string } }
        expect(c.spec?.imageName).toBe(row.image)
      }
    }
  })

  it('the MySQL and MariaDB HA images are listed too (PXC, HAProxy, MariaDB)', () => {
    const mysql = listImages({ engine: getEngine('mysql') }).images.filter((i) => i.usedBy === 'ha create').map((i) => i.image)
    expect(mysql.some((i) => i.includes('percona-xtradb-cluster'))).toBe(true)
    expect(mysql.some((i) => i.includes('haproxy'))).toBe(true)
    const mariadb = listImages({ engine: getEngine('mariadb') }).images.filter((i) => i.usedBy === 'ha create').map((i) => i.image)
    expect(mariadb.length).toBeGreaterThan(0)
  })

  it('filters by engine (aliases too) and version; -o name prints one image per line', async () => {
    const r = await run(['images', '--engine', 'pg', '--version', '17', '-o', 'name'])
    expect(r.out).toBe('postgres:17\nghcr.io/cloudnative-pg/postgresql:17\n')
    const m = await run(['images', '--engine', 'mariadb', '-o', 'name'])
    const lines = m.out.trim().split('\n')
    // The single-instance images first, then those the MariaDB operator's clusters use (ha create mariadb).
    expect(lines.slice(0, getEngine('mariadb').versions.length)).toEqual(getEngine('mariadb').versions.map((v) => `mariadb:${v}`))
    expect(lines.slice(getEngine('mariadb').versions.length).every((l) => l.includes('mariadb'))).toBe(true)
    expect(new Set(lines).size).toBe(lines.length)
  })

  it('--image-registry rewrites every image and the table shows the source; DBAAS_IMAGE_REGISTRY does the same', async () => {
    const r = await run(['images', '--engine', 'mysql', '--image-registry', 'mirror.example:5000'])
    expect(r.out.split('\n')[0]).toMatch(/^IMAGE\s+ENGINE\s+VERSION\s+USED BY\s+SOURCE$/)
    expect(r.out).toMatch(/^mirror\.example:5000\/library\/mysql:8\.4\s+mysql\s+8\.4\s+create\s+mysql:8\.4$/m)
    const e = await run(['images', '-o', 'json'], { DBAAS_IMAGE_REGISTRY: 'r.corp/hub' })
    const doc = JSON.parse(e.out)
    expect(doc.registry).toBe('r.corp/hub')
    for (const i of doc.images) expect(i.image.startsWith('r.corp/hub/')).toBe(true)
    expect(doc.images.find((i: { source: string }) => i.source === NODE_JOB_IMAGE).image).toBe('r.corp/hub/library/node:24-slim')
  })

  it.each([
    [['images', '--engine', 'oracle'], /unknown engine "oracle"/],
    [['images', '--engine', 'mysql', '--version', '5.5'], /no image of MySQL has version "5\.5"/],
    [['images', '--image-registry', 'https://m.example'], /has a scheme/],
  ])('%j exits 2 with a hint', async (argv, message) => {
    const r = await run(argv)
    expect(r.code).toBe(2)
    expect(r.err).toMatch(message)
    expect(r.err).toMatch(/Hint: /)
  })
})
