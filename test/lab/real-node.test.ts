// The real node (issue 13): real containers from the lab's own images, exec/logs/port-forward through the API
// server, cluster DNS and the `kubernetes` Service from a pod, a PostgreSQL row that survives pod recreation
// and comes back in a PVC restored from a VolumeSnapshot, a volume that expands, MariaDB's entrypoint and
// healthcheck, and an image the lab has not got ending in a pull error. kubectl only, no dbaas.
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { kubectl, kubectlJson, kubectlOk, labInfo, tempNamespace, waitFor } from './fixtures/lab.ts'
import { describeRealNode, execIn, onRealNode, realNodeName, realNodeUp, waitPodReady } from './fixtures/real-node.ts'
import { apply, waitJsonpath, waitPvcBound, waitSnapshotReady } from './fixtures/workloads.ts'

const up = await realNodeUp()

const pgEnv = [
  { name: 'POSTGRES_USER', value: 'app' },
  { name: 'POSTGRES_PASSWORD', value: 'app-secret' },
  { name: 'POSTGRES_DB', value: 'appdb' },
  { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
]

/** A PostgreSQL 17 pod as dbaas's chart runs it (uid/gid 999, fsGroup, PGDATA below the mount), on a claim. */
function pgPod(name: string, ns: string, claim: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: {
      ...onRealNode,
      securityContext: { runAsUser: 999, runAsGroup: 999, runAsNonRoot: true, fsGroup: 999, fsGroupChangePolicy: 'OnRootMismatch' },
      terminationGracePeriodSeconds: 10,
      containers: [
        {
          name: 'postgres',
          image: 'postgres:17',
          imagePullPolicy: 'IfNotPresent',
          env: pgEnv,
          readinessProbe: { exec: { command: ['sh', '-c', 'exec pg_isready -U app -d appdb -h 127.0.0.1 -p 5432'] }, periodSeconds: 1 },
          volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }],
    },
  }
}

function claim(name: string, ns: string, opts: { storage?: string; fromSnapshot?: string } = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: ns },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: opts.storage ?? '1Gi' } },
      ...(opts.fromSnapshot ? { dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: opts.fromSnapshot } } : {}),
    },
  }
}

const psql = (ns: string, pod: string, sql: string) => execIn(ns, pod, ['psql', '-U', 'app', '-d', 'appdb', '-tAc', sql])

async function deletePod(ns: string, name: string): Promise<void> {
  await kubectlOk(['-n', ns, 'delete', 'pod', name, '--wait=true', '--timeout=90s'])
}

describeRealNode(up, 'the real node', () => {
  let ns: Awaited<ReturnType<typeof tempNamespace>>
  beforeAll(async () => {
    ns = await tempNamespace('lab-real')
  })
  afterAll(async () => ns?.cleanup())

  it('is a tainted, labelled Node with one loopback address; its class and snapshot class are the defaults', async () => {
    const node = await kubectlJson<{ metadata: { labels: Record<string, string> }; spec: { taints?: { key: string; value: string; effect: string }[] }; status: { addresses: { type: string; address: string }[]; nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string } } }>(['get', 'node', realNodeName])
    expect(node.metadata.labels['dbaas.io/lab-node']).toBe('real')
    expect(node.spec.taints).toContainEqual({ key: 'dbaas.io/lab-node', value: 'real', effect: 'NoSchedule' })
    expect(node.status.addresses).toEqual([{ type: 'InternalIP', address: '127.0.0.1' }])
    expect(node.status.nodeInfo.kubeletVersion).toBe(process.env.DBAAS_LAB_K8S_VERSION ?? 'v1.34.4')
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/2\./)
    const classes = await kubectlJson<{ items: { metadata: { name: string; annotations?: Record<string, string> }; provisioner: string }[] }>(['get', 'storageclass'])
    const defaults = classes.items.filter((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
    expect(defaults.map((c) => c.metadata.name)).toEqual(['lab-real'])
    const snapClasses = await kubectlJson<{ items: { metadata: { name: string; annotations?: Record<string, string> }; driver: string }[] }>(['get', 'volumesnapshotclass'])
    const defaultByDriver = Object.fromEntries(
      snapClasses.items.filter((c) => c.metadata.annotations?.['snapshot.storage.kubernetes.io/is-default-class'] === 'true').map((c) => [c.driver, c.metadata.name]),
    )
    expect(defaultByDriver).toEqual({ 'real.csi.lab.local': 'lab-real-snapclass', 'csi.lab.local': 'lab-snapclass' })
    const driver = await kubectlJson<{ spec: { fsGroupPolicy: string } }>(['get', 'csidriver', 'real.csi.lab.local'])
    expect(driver.spec.fsGroupPolicy).toBe('File')
  })

  it('runs a real container: exec, logs, port-forward, cluster DNS and the kubernetes Service from inside', async () => {
    const server = `
      const http = require('http');
      console.log('hello from a real container, pid ' + process.pid);
      http.createServer((q, s) => s.end('pong from ' + require('os').hostname())).listen(8080);`
    await apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: ns.name },
      spec: {
        ...onRealNode,
        containers: [{ name: 'node', image: 'node:24-slim', imagePullPolicy: 'IfNotPresent', command: ['node', '-e', server],
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }],
      },
    })
    const pod = await waitPodReady(ns.name, 'web')
    expect(pod.spec.nodeName).toBe(realNodeName)

    // logs: the process's own stdout, through the kubelet.
    const logs = await kubectlOk(['-n', ns.name, 'logs', 'web'])
    expect(logs).toMatch(/^hello from a real container, pid 1$/m)

    // exec: a command in the container's own filesystem and namespaces.
    expect((await execIn(ns.name, 'web', ['node', '-e', 'console.log(process.version, require("os").hostname())'])).trim()).toMatch(/^v24\.\d+\.\d+ web$/)
    expect((await execIn(ns.name, 'web', ['cat', '/etc/os-release'])).trim()).toMatch(/trixie/)

    // DNS: kubernetes.default resolves to the Service IP through the lab's CoreDNS.
    const lookup = await execIn(ns.name, 'web', ['node', '-e', 'require("dns").lookup("kubernetes.default", (e, a) => { if (e) throw e; console.log(a) })'])
    expect(lookup.trim()).toBe('10.96.0.1')

    // The kubernetes Service: TLS to 10.96.0.1 verified with the pod's service-account CA.
    const version = await execIn(ns.name, 'web', ['node', '-e', `
      const https = require('https'), fs = require('fs');
      const ca = fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
      https.get({ host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT, path: '/version', ca, servername: 'kubernetes.default.svc' },
        (r) => { let b = ''; r.on('data', (c) => b += c); r.on('end', () => console.log(JSON.parse(b).gitVersion)) }).on('error', (e) => { console.error(e.message); process.exit(1) })`])
    expect(version.trim()).toBe(process.env.DBAAS_LAB_K8S_VERSION ?? 'v1.34.4')

    // port-forward: from this machine into the pod's network namespace.
    const localPort = 28000 + Math.floor(Math.random() * 1000)
    const pf = spawn(join(labInfo().binDir, 'kubectl'), ['-n', ns.name, 'port-forward', 'pod/web', `${localPort}:8080`], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      let body = ''
      await waitFor('an answer through port-forward', 30_000, async () => {
        body = await new Promise<string>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: localPort, path: '/', timeout: 2000 }, (res) => {
            let b = ''
            res.on('data', (c: Buffer) => (b += c.toString()))
            res.on('end', () => resolve(b))
          })
          req.on('error', reject)
          req.end()
        })
        return body.length > 0
      }, 300)
      expect(body).toBe('pong from web')
    } finally {
      pf.kill('SIGTERM')
    }
  })

  it('keeps a PostgreSQL row across pod recreation and brings it back from a VolumeSnapshot', async () => {
    await apply(claim('pgdata', ns.name), pgPod('pg', ns.name, 'pgdata'))
    const t0 = Date.now()
    await waitPodReady(ns.name, 'pg', 180_000)
    process.stderr.write(`real node: PostgreSQL 17 pod (fresh volume, initdb) Ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
    expect((await psql(ns.name, 'pg', 'select version()')).trim()).toMatch(/^PostgreSQL 17\./)
    // The server runs as uid 999 and owns its data directory, inside the volume the driver bind-mounted.
    expect((await execIn(ns.name, 'pg', ['sh', '-c', 'id -u; stat -c %u:%a /var/lib/postgresql/data/pgdata'])).trim().split('\n')).toEqual(['999', '999:700'])
    await psql(ns.name, 'pg', "create table kept (v text); insert into kept values ('before the snapshot')")

    // A new pod on the same claim finds the row (the volume is a directory on disk, not a simulation).
    await deletePod(ns.name, 'pg')
    await apply(pgPod('pg', ns.name, 'pgdata'))
    const t1 = Date.now()
    await waitPodReady(ns.name, 'pg', 120_000)
    process.stderr.write(`real node: PostgreSQL 17 pod (existing data) Ready in ${((Date.now() - t1) / 1000).toFixed(1)} s\n`)
    expect((await psql(ns.name, 'pg', 'select v from kept')).trim()).toBe('before the snapshot')

    // A snapshot (the default class of the claim's driver), then a row it must not hold.
    await psql(ns.name, 'pg', 'checkpoint')
    await apply({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'snap', namespace: ns.name }, spec: { source: { persistentVolumeClaimName: 'pgdata' } } })
    await waitSnapshotReady('snap', ns.name)
    const snap = await kubectlJson<{ spec: { volumeSnapshotClassName: string }; status: { restoreSize: string } }>(['-n', ns.name, 'get', 'volumesnapshot', 'snap'])
    expect(snap.spec.volumeSnapshotClassName).toBe('lab-real-snapclass')
    expect(snap.status.restoreSize).toBe('1Gi')
    await psql(ns.name, 'pg', "insert into kept values ('after the snapshot')")

    await apply(claim('restored', ns.name, { fromSnapshot: 'snap' }), pgPod('pg-restored', ns.name, 'restored'))
    await waitPvcBound('restored', ns.name)
    await waitPodReady(ns.name, 'pg-restored', 120_000)
    expect((await psql(ns.name, 'pg-restored', 'select v from kept order by v')).trim()).toBe('before the snapshot')
    expect((await psql(ns.name, 'pg', 'select count(*) from kept')).trim()).toBe('2')
  })

  it('expands a volume in use', async () => {
    await kubectlOk(['-n', ns.name, 'patch', 'pvc', 'pgdata', '--type=merge', '-p', '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}'])
    await waitJsonpath('pvc/pgdata', ns.name, '{.status.capacity.storage}=2Gi', '90s')
    const pv = await kubectlJson<{ spec: { volumeName: string } }>(['-n', ns.name, 'get', 'pvc', 'pgdata'])
    const vol = await kubectlJson<{ spec: { capacity: { storage: string } } }>(['get', 'pv', pv.spec.volumeName])
    expect(vol.spec.capacity.storage).toBe('2Gi')
    // The database kept running through it.
    expect((await psql(ns.name, 'pg', 'select count(*) from kept')).trim()).toBe('2')
  })

  it('runs MariaDB 11.8 (also tagged mysql:8.4) with the official images\' environment and healthcheck', async () => {
    for (const [name, image, prefix] of [['maria', 'mariadb:11.8', 'MARIADB'], ['mysql', 'mysql:8.4', 'MYSQL']] as const) {
      await apply(claim(`${name}-data`, ns.name), {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns.name },
        spec: {
          ...onRealNode,
          securityContext: { runAsUser: 999, runAsGroup: 999, runAsNonRoot: true, fsGroup: 999 },
          containers: [{
            name: 'db',
            image,
            imagePullPolicy: 'IfNotPresent',
            ...(prefix === 'MYSQL' ? { args: ['mysqld', '--datadir=/var/lib/mysql/data'] } : {}),
            env: [
              { name: `${prefix}_ROOT_PASSWORD`, value: 'root-secret' },
              { name: `${prefix}_USER`, value: 'app' },
              { name: `${prefix}_PASSWORD`, value: 'app-secret' },
              { name: `${prefix}_DATABASE`, value: 'appdb' },
            ],
            readinessProbe: prefix === 'MARIADB'
              ? { exec: { command: ['healthcheck.sh', '--connect', '--innodb_initialized'] }, periodSeconds: 1 }
              : { exec: { command: ['mysqladmin', 'ping', '--protocol=TCP', '--host=127.0.0.1', '--port=3306', '--silent'] }, periodSeconds: 1 },
            volumeMounts: [{ name: 'data', mountPath: '/var/lib/mysql' }],
          }],
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `${name}-data` } }],
        },
      })
    }
    for (const name of ['maria', 'mysql']) {
      await waitPodReady(ns.name, name, 180_000)
      const out = await execIn(ns.name, name, ['mysql', '--protocol=TCP', '-h127.0.0.1', '-uapp', '-papp-secret', 'appdb', '-N', '-e', 'select version(), current_user(), database()'])
      expect(out.trim()).toMatch(/^11\.8\.\d+-MariaDB[^\t]*\tapp@%\tappdb$/)
    }
    // The mysql chart's layout: the data directory is a subdirectory of the volume.
    expect((await execIn(ns.name, 'mysql', ['sh', '-c', 'test -d /var/lib/mysql/data/mysql && echo yes'])).trim()).toBe('yes')
  })

  it('ends a pod whose image the lab has not got in a pull error, as a cluster without that image does', async () => {
    await apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'old-pg', namespace: ns.name },
      spec: { ...onRealNode, containers: [{ name: 'db', image: 'postgres:13', imagePullPolicy: 'IfNotPresent' }] },
    })
    let reason = ''
    await waitFor('a pull error for postgres:13', 90_000, async () => {
      const r = await kubectl(['-n', ns.name, 'get', 'pod', 'old-pg', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}'])
      reason = r.stdout.trim()
      return /ErrImagePull|ImagePullBackOff/.test(reason)
    }, 500)
    expect(reason).toMatch(/ErrImagePull|ImagePullBackOff/)
  })
})
