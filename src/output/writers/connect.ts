// connect: the session on the terminal. With a client, the client owns the terminal and its exit code is
// dbaas's; with --forward-only (or no client on PATH) the local URI is the result and the forward stays open
// until Ctrl-C.
import { ClientExitError, type ConnectSession } from '../../core/connect.ts'
import type { Writer } from '../writer.ts'

export const connectWriter: Writer<ConnectSession & { name: string; showPassword: boolean }> = {
  data: (s) => ({ uri: s.uri, port: s.port, target: s.target }),
  human: async (s, c) => {
    const p = c.printer
    s.onForwardError((m) => p.warn(m))
    if (!s.client) {
      if (s.missingClients) p.warn(`no ${s.missingClients.join(' or ')} on PATH: keeping only the port-forward open`)
      p.note(`Forwarding 127.0.0.1:${s.port} -> ${s.target}`)
      p.line(s.uri)
      p.note(`${s.showPassword ? '' : `The password: dbaas connection ${s.name} --show-password. `}Ctrl-C closes the forward.`)
      await s.hold()
      p.note('port-forward closed')
      return
    }
    p.note(`Connecting ${s.client} to ${s.target} through 127.0.0.1:${s.port}`)
    const code = await s.runClient()
    if (code !== 0) throw new ClientExitError(s.client, code)
  },
}
