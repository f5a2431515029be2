// dbaas i: the day-2 tasks of the menu run the same command line a script would type, with the values the
// verbs themselves do not ask for (scale's CPU and memory, resize's size) asked first.
import { expect, it } from 'vitest'
import { main } from '../../../src/cli.ts'
import { R } from '../../../src/k8s/kube.ts'
import { fakeDeps } from '../../helpers/fake-deps.ts'
import { FakePrompter } from '../../helpers/fake-prompter.ts'
import { credentials, namespace, statefulSet } from '../../helpers/fixtures.ts'

function withOrders(d: ReturnType<typeof fakeDeps>): void {
  d.transport.seed(R.namespaces, namespace('dbaas-orders', { instance: { name: 'orders' } }))
  d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', replicas: 1, ready: 1, created: '2026-11-25T11:00:00Z' }))
  d.transport.seed(R.secrets, credentials({ name: 'orders', password: 'x-Pa55word-1' }))
}

it('scale asks CPU and memory (an empty answer keeps it), resize the size; history takes only the instance', async () => {
  const p = new FakePrompter({
    'What would you like': ['day2', 'day2', 'day2', 'quit'],
    'Which database': ['orders', 'orders', 'orders'],
    'What to do with orders': ['scale', 'resize', 'history'],
    CPU: ['1'],
    Memory: [''],
    'New size': ['20Gi'],
  })
  const d = fakeDeps({ interactive: true, prompter: p })
  withOrders(d)
  expect(await main(['i'], d)).toBe(0)
  expect(d.err.text).toContain('$ dbaas scale orders -n dbaas-orders --cpu 1\n')
  expect(d.err.text).toContain('$ dbaas resize orders -n dbaas-orders --storage 20Gi\n')
  expect(d.err.text).toContain('$ dbaas history orders -n dbaas-orders\n')
  expect(p.asked.filter((q) => !q.startsWith('What would') && !q.startsWith('Which') && !q.startsWith('What to do'))).toEqual(['CPU (e.g. 500m or 2; empty keeps it)', 'Memory (e.g. 2Gi; empty keeps it)', 'New size of the disk (e.g. 20Gi; it can only grow)'])
  // The verbs ran (the fake instance has no helm release: each says so, and the menu goes on).
  expect(d.err.text).toContain('no helm release: its creation did not finish, so there is nothing to scale')
})
