// Issue 13, "Done means" 1: on the lab's real node, `dbaas create` runs each engine's server in a container
// from the lab's images; the pod becomes Ready by the chart's own probes; `dbaas connect` answers from the
// instance's own server with the instance's own credentials; `dbaas logs` shows the server's own log.
// MySQL 8.4 in the lab is the MariaDB 11.8 server under the mysql:8.4 tag (test/lab/README.md). Instances land
// there through dbaas's placement flags (--node-selector, --toleration).
import { afterAll, expect, it } from 'vitest'
import { kubectlJson, uniqueName } from '../lab/fixtures/lab.ts'
import { describeRealNode, placementFlags, realNodeName, realNodeUp } from '../lab/fixtures/real-node.ts'
import { cleanupInstance, dbaasOk } from './helpers.ts'

const up = await realNodeUp()

const engines = [
  { engine: 'postgres', version: '17', query: ['-tA', '-c', 'select current_user, version()'], user: /^(\S+)\|PostgreSQL 17\./, log: /database system is ready to accept connections/ },
  { engine: 'mariadb', version: '11.8', query: ['-N', '-B', '-e', 'select current_user(), version()'], user: /^(\S+)@%\t11\.8\./, log: /mariadbd: ready for connections/ },
  { engine: 'mysql', version: '8.4', query: ['-N', '-B', '-e', 'select current_user(), version()'], user: /^(\S+)@%\t11\.8\./, log: /ready for connections/ },
]

for (const e of engines) {
  describeRealNode(up, `dbaas ${e.engine} ${e.version} on the real node`, () => {
    const name = uniqueName(`rn${e.engine.slice(0, 3)}`)
    afterAll(async () => cleanupInstance(name))

    it('runs the server in a container, Ready by the chart\'s probes; connect and logs reach it', async () => {
      const t0 = Date.now()
      await dbaasOk(['create', e.engine, name, '--version', e.version, '--storage', '1Gi', ...placementFlags], { timeoutMs: 600_000 })
      process.stderr.write(`real node: dbaas create ${e.engine} ${e.version} → Ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
      const pod = await kubectlJson<{ spec: { nodeName: string; containers: { image: string }[] }; status: { conditions: { type: string; status: string }[] } }>(
        ['-n', `dbaas-${name}`, 'get', 'pod', `${name}-0`])
      expect(pod.spec.nodeName).toBe(realNodeName)
      expect(pod.spec.containers[0]!.image).toBe(`${e.engine}:${e.version}`)
      expect(pod.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }))

      const conn = (await dbaasOk(['connection', name, '-o', 'json'])).json<{ username?: string; user?: string }>()
      const r = await dbaasOk(['connect', name, '--', ...e.query], { timeoutMs: 120_000 })
      const m = e.user.exec(r.stdout.trim())
      expect(m, r.stdout).not.toBeNull()
      expect(m![1]).toBe(conn.username ?? conn.user)

      const logs = await dbaasOk(['logs', name])
      expect(logs.stdout).toMatch(e.log)
    }, 700_000)
  })
}
