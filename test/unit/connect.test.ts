// connect's pure parts: the pod it picks, the client invocation (the password only in the environment), and
// the local forward serving each connection on its own stream.
import { connect as netConnect, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { clientCommand, pickPod, startForward, type ConnectPlan } from '../../src/core/connect.ts'
import { getEngine } from '../../src/engines/registry.ts'

const pod = (name: string, ready: boolean, deleting = false) => ({
  metadata: { name, ...(deleting ? { deletionTimestamp: '2026-11-25T12:00:00Z' } : {}) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
})

function plan(engine: string): ConnectPlan {
  const e = getEngine(engine)
  return {
    engine: e,
    pod: 'orders-0',
    podPort: e.port,
    connection: {
      name: 'orders', namespace: 'dbaas-orders', engine: e.name, host: 'h', port: e.port, database: 'app', user: 'app',
      password: 's3cret Pa55', passwordShown: true, secretRef: { name: 'x', namespace: 'y', key: 'password' }, uri: 'u', portForward: 'p',
    },
  }
}

describe('connect', () => {
  it('picks the first ready pod by ordinal, skipping ones being deleted', () => {
    expect(pickPod([pod('x-10', true), pod('x-2', true), pod('x-0', false)])?.metadata.name).toBe('x-2')
    expect(pickPod([pod('x-0', true, true), pod('x-1', true)])?.metadata.name).toBe('x-1')
    expect(pickPod([pod('x-0', false)])).toBeUndefined()
  })

  it('psql: everything by PG* variables; mysql/mariadb: options, and the password only as MYSQL_PWD', () => {
    const pg = clientCommand(plan('postgresql'), 40000, 'psql', ['-c', 'select 1'])
    expect(pg.args).toEqual(['-c', 'select 1'])
    expect(pg.env).toEqual({ PGHOST: '127.0.0.1', PGPORT: '40000', PGUSER: 'app', PGDATABASE: 'app', PGPASSWORD: 's3cret Pa55' })
    const my = clientCommand(plan('mariadb'), 40001, 'mariadb', ['-e', 'select 1'])
    expect(my.args).toEqual(['--protocol=tcp', '--host=127.0.0.1', '--port=40001', '--user=app', '--database=app', '-e', 'select 1'])
    expect(my.env).toEqual({ MYSQL_PWD: 's3cret Pa55' })
    for (const c of [pg, my]) expect(c.args.join(' ')).not.toContain('s3cret')
  })

  it('a free local port, one forward stream per connection', async () => {
    const streams: Socket[] = []
    const fwd = await startForward(plan('postgresql'), 0, async (_ns, _pod, _port, socket) => {
      streams.push(socket)
      socket.on('data', (b) => socket.write(b)) // echo, as the pod would answer
    }, () => {})
    try {
      expect(fwd.port).toBeGreaterThan(0)
      expect(fwd.port).not.toBe(5432)
      for (const word of ['one', 'two']) {
        const got = await new Promise<string>((resolve, reject) => {
          const c = netConnect(fwd.port, '127.0.0.1', () => c.write(word))
          c.on('data', (b) => (resolve(b.toString()), c.end()))
          c.on('error', reject)
        })
        expect(got).toBe(word)
      }
      expect(fwd.connections()).toBe(2)
      expect(streams).toHaveLength(2)
    } finally {
      await fwd.close()
    }
  })

  it('a port in use is refused because of the machine\'s state (exit 7), naming --port', async () => {
    const a = await startForward(plan('postgresql'), 0, async () => {}, () => {})
    try {
      await expect(startForward(plan('postgresql'), a.port, async () => {}, () => {})).rejects.toMatchObject({ exitCode: 7, hint: expect.stringContaining('--port') })
    } finally {
      await a.close()
    }
  })
})
