// Connection details of an instance or an HA cluster: key/value text for people, `--format uri` (one URI),
// `--format env` (shell-sourceable variables named as each engine's clients read them), -o json|yaml (the
// ConnectionView / HaConnectionView). Without --show-password, env leaves the password variables out (and
// says so) rather than exporting a mask as if it were the password.
import { laptopPort, shellQuote as q, type ConnectionView } from '../../core/connection.ts'
import type { HaConnectionView } from '../../core/ha/read.ts'
import type { HumanContext, Writer } from '../writer.ts'

const ENV_WITHOUT_PASSWORD = (vars: string) => `${vars} left out: the password is masked; add --show-password to include them`

export function envLines(c: ConnectionView): string[] {
  const pg = c.engine === 'postgresql'
  const lines = pg
    ? [`PGHOST=${q(c.host)}`, `PGPORT=${q(c.port)}`, `PGDATABASE=${q(c.database)}`, `PGUSER=${q(c.user)}`]
    : [`MYSQL_HOST=${q(c.host)}`, `MYSQL_TCP_PORT=${q(c.port)}`, `MYSQL_DATABASE=${q(c.database)}`, `MYSQL_USER=${q(c.user)}`]
  if (!c.passwordShown) return lines
  return [...lines, pg ? `PGPASSWORD=${q(c.password)}` : `MYSQL_PWD=${q(c.password)}`, `DATABASE_URL=${q(c.uri)}`]
}

export function haEnvLines(c: HaConnectionView): string[] {
  if (c.engine !== 'postgresql') {
    const lines = [`MYSQL_HOST=${q(c.rw.host)}`, `MYSQL_TCP_PORT=${q(c.rw.port)}`, `MYSQL_DATABASE=${q(c.database)}`, `MYSQL_USER=${q(c.user)}`]
    if (!c.passwordShown) return lines
    return [...lines, `MYSQL_PWD=${q(c.password)}`, `DATABASE_URL=${q(c.rw.uri)}`, `DATABASE_URL_RO=${q(c.ro.uri)}`]
  }
  const lines = [`PGHOST=${q(c.rw.host)}`, `PGPORT=${q(c.rw.port)}`, `PGDATABASE=${q(c.database)}`, `PGUSER=${q(c.user)}`, `PGSSLMODE=${q(c.sslmode ?? 'require')}`]
  if (!c.passwordShown) return lines
  return [...lines, `PGPASSWORD=${q(c.password)}`, `DATABASE_URL=${q(c.rw.uri)}`, `DATABASE_URL_RO=${q(c.ro.uri)}`]
}

function passwordLine(c: { password: string; passwordShown: boolean; secretRef: { name: string; namespace: string } }): string {
  return c.passwordShown ? c.password : `${c.password} (--show-password to reveal; secret ${c.secretRef.namespace}/${c.secretRef.name})`
}

export const connectionWriter: Writer<ConnectionView> = {
  data: (c) => c,
  names: (c) => [c.name],
  warnings: (c) => c.warnings ?? [],
  human: (c, h: HumanContext) => {
    const p = h.printer
    if (h.variant === 'uri') return p.line(c.uri)
    if (h.variant === 'env') {
      if (!c.passwordShown) p.note(ENV_WITHOUT_PASSWORD(c.engine === 'postgresql' ? 'PGPASSWORD and DATABASE_URL' : 'MYSQL_PWD and DATABASE_URL'))
      for (const l of envLines(c)) p.line(l)
      return
    }
    p.keyValues([
      ['Host', c.host],
      ['Port', String(c.port)],
      ['Database', c.database],
      ['User', c.user],
      ['Password', passwordLine(c)],
      ['URI', c.uri],
    ])
    p.note(`From your laptop: ${c.portForward}  (then connect to 127.0.0.1:${laptopPort(c.port)})`)
  },
}

export const haConnectionWriter: Writer<HaConnectionView> = {
  // writerSelector is for `connect`, not part of the documented shape.
  data: ({ writerSelector: _w, ...c }) => c,
  names: (c) => [c.name],
  human: (c, h: HumanContext) => {
    const p = h.printer
    if (h.variant === 'uri') return p.line(c.rw.uri)
    if (h.variant === 'env') {
      if (!c.passwordShown) p.note(ENV_WITHOUT_PASSWORD(`${c.engine === 'postgresql' ? 'PGPASSWORD' : 'MYSQL_PWD'}, DATABASE_URL and DATABASE_URL_RO`))
      for (const l of haEnvLines(c)) p.line(l)
      return
    }
    p.keyValues([
      ['Read-write', `${c.rw.host}:${c.rw.port}`],
      ['Read-only', `${c.ro.host}:${c.ro.port}`],
      ['Database', c.database],
      ['User', c.user],
      ['Password', passwordLine(c)],
      ['URI (rw)', c.rw.uri],
      ['URI (ro)', c.ro.uri],
    ])
    p.note(`From your laptop: ${c.portForward}  (then connect to 127.0.0.1:${laptopPort(c.rw.port)}${c.sslmode ? ` with sslmode=${c.sslmode}` : ''})`)
  },
}
