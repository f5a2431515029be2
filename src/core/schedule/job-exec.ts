// The job bundle's stand-in for src/k8s/client-node.ts. @kubernetes/client-node weighs 1.4 MB bundled, more than
// a ConfigMap holds, and the job needs only one thing from it: the exec stream --quiesce opens into the
// database pod. scripts/build.ts swaps this module in for client-node.ts when it builds dist/job/backup-job.js,
// so quiesce.ts runs unchanged over Node's own WebSocket (undici), speaking Kubernetes's channel protocol
// (v5.channel.k8s.io, else v4): one byte of channel (0 stdin, 1 stdout, 2 stderr, 3 status) then the data.
// The job authenticates with its ServiceAccount token; the cluster's CA comes from NODE_EXTRA_CA_CERTS, which
// the chart points at the token's ca.crt (Node's WebSocket takes no CA of its own).
import type { Writable, Readable } from 'node:stream'
import type { ResolvedConfig } from '../../k8s/kubeconfig.ts'

export interface ExecStatus {
  status?: string
  message?: string
  reason?: string
}

export interface ExecSocket {
  close(): void
  addEventListener(ev: 'close', fn: () => void): void
}

const STDIN = 0
const STDOUT = 1
const STDERR = 2
const STATUS = 3
const CLOSE = 255

/** The exec URL Kubernetes serves (GET, upgraded to a WebSocket). */
export function execUrl(server: string, namespace: string, pod: string, container: string, command: string[], stdin: boolean): string {
  const u = new URL(`${server.replace(/^http/, 'ws')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/exec`)
  u.searchParams.set('container', container)
  for (const c of command) u.searchParams.append('command', c)
  u.searchParams.set('stdout', 'true')
  u.searchParams.set('stderr', 'true')
  if (stdin) u.searchParams.set('stdin', 'true')
  return u.toString()
}

export class Exec {
  private readonly cfg: ResolvedConfig

  constructor(kc: { cfg: ResolvedConfig }) {
    this.cfg = kc.cfg
  }

  async exec(
    namespace: string,
    pod: string,
    container: string,
    command: string[],
    stdout: Writable,
    stderr: Writable,
    stdin: Readable | null,
    _tty: boolean,
    onStatus: (s: ExecStatus) => void,
  ): Promise<ExecSocket> {
    const token = this.cfg.user.token
    if (!token) throw new Error('the job opens exec streams with a ServiceAccount token only, and none was found')
    const ws = new WebSocket(execUrl(this.cfg.cluster.server, namespace, pod, container, command, stdin !== null), {
      protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io'],
      headers: { Authorization: `Bearer ${token}` },
    } as unknown as string[])
    ws.binaryType = 'arraybuffer'
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve(), { once: true })
      ws.addEventListener('error', () => reject(new Error(`the exec into ${namespace}/${pod} was refused or failed to connect (pods/exec permission, pod running?)`)), { once: true })
    })
    const send = (channel: number, data: Uint8Array) => {
      const frame = new Uint8Array(data.length + 1)
      frame[0] = channel
      frame.set(data, 1)
      ws.send(frame)
    }
    if (stdin) {
      stdin.on('data', (chunk: Buffer) => send(STDIN, chunk))
      stdin.on('end', () => {
        // v5 can say "no more input"; v4 cannot, the command ends on its own (quit) or with the socket.
        if (ws.protocol === 'v5.channel.k8s.io' && ws.readyState === WebSocket.OPEN) send(CLOSE, new Uint8Array([STDIN]))
      })
    }
    let status = ''
    ws.addEventListener('message', (ev: MessageEvent) => {
      const data = new Uint8Array(ev.data as ArrayBuffer)
      const body = Buffer.from(data.subarray(1))
      if (data[0] === STDOUT) stdout.write(body)
      else if (data[0] === STDERR) stderr.write(body)
      else if (data[0] === STATUS) {
        status += body.toString('utf8')
        try {
          onStatus(JSON.parse(status) as ExecStatus)
        } catch {
          // a status split over frames: wait for the rest
        }
      }
    })
    return { close: () => ws.close(), addEventListener: (ev, fn) => ws.addEventListener(ev, fn) }
  }
}

/** The shape quiesce.ts and http.ts use: `k8s.Exec` and a KubeConfig-like `kc`. Credential plugins never apply in a pod. */
export async function clientNode(cfg: ResolvedConfig): Promise<{ k8s: { Exec: typeof Exec }; kc: { cfg: ResolvedConfig; applyToHTTPSOptions(): Promise<void> } }> {
  return {
    k8s: { Exec },
    kc: {
      cfg,
      async applyToHTTPSOptions() {
        throw new Error('the backup job authenticates with its ServiceAccount token; exec or auth-provider credential plugins are not available in it')
      },
    },
  }
}
