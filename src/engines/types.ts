// What dbaas knows about a database engine. Adding an engine means adding a chart under templates/charts
// and one entry in the registry; the core never branches on an engine's name.

export type EngineName = 'postgresql' | 'mysql' | 'mariadb'

export interface Engine {
  name: EngineName
  aliases: string[]
  displayName: string
  /** Supported major versions, newest first. */
  versions: string[]
  defaultVersion: string
  /** Official image repository (docker.io/library/<image>). */
  image: string
  /** Chart directory under templates/charts/. */
  chart: string
  /** Name of the database container in the pod (logs, exec). */
  container: string
  port: number
  /** URI scheme for connection strings. */
  scheme: 'postgresql' | 'mysql'
  /** Command-line clients, in order of preference, for `dbaas connect`. */
  clients: string[]
  /** Whether the credentials Secret also holds a root password (`root-password`). */
  rootPassword: boolean
  /** The chart mounts a memory-backed /dev/shm (value shm.sizeLimit). */
  sharedMemory: boolean
  /** Environment variable that carries the password to the engine's client (never argv). */
  passwordEnv: 'PGPASSWORD' | 'MYSQL_PWD'
}
