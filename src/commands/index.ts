// Every command path of dbaas, as data: name, aliases, one line of help, its arguments as help shows them,
// its help group — and how to load its code. The root help and "did you mean" need only this; a verb's code
// (src/commands/<verb>/command.ts) is imported when that verb runs. test/cli/manifest.test.ts checks that each
// entry says what its loaded command says.
import type { Command } from 'commander'
import type { Deps } from '../deps.ts'

export type Loader = () => Promise<{ default: (deps: Deps) => Command }>

export interface CommandEntry {
  name: string
  aliases?: string[]
  description: string
  /** The arguments as help shows them, e.g. '[engine] [name]'. */
  usage?: string
  /** The verb takes no flags (help shows no "[options]"). */
  noOptions?: true
  group?: string
  /** A verb: how to load it. */
  load?: Loader
  /** A group of verbs (`ha`, `backup`). */
  children?: CommandEntry[]
  /** A group's examples (a verb's own are in its spec). */
  examples?: Array<[string, string]>
  /** The child that runs when the word after the group names none of its children (`metrics <name>` = `metrics show <name>`). */
  isDefault?: true
}

export const commandTree: CommandEntry[] = [
  // Instances
  { group: 'Instances:', name: 'create', description: 'Create a database instance (PostgreSQL, MySQL or MariaDB) and wait until it is ready', usage: '[engine] [name]', load: () => import('./create/command.ts') },
  { group: 'Instances:', name: 'list', aliases: ['ls'], description: 'List database instances and HA clusters in every namespace you may list (or one, with -n)', load: () => import('./list/command.ts') },
  { group: 'Instances:', name: 'status', aliases: ['describe'], description: 'Show one instance: status, pods, volume, endpoint, recent warnings and its helm release', usage: '<name>', load: () => import('./status/command.ts') },
  { group: 'Instances:', name: 'connection', aliases: ['conn'], description: 'Show how to connect to an instance: host, port, database, user, password (masked) and a URI', usage: '<name>', load: () => import('./connection/command.ts') },
  { group: 'Instances:', name: 'connect', description: 'Open a database shell (psql, mysql or mariadb) through an in-process port-forward, or keep just the forward open', usage: '<name> [client-args...]', load: () => import('./connect/command.ts') },
  { group: 'Instances:', name: 'logs', description: "Print the database container's logs of an instance's pods", usage: '<name>', load: () => import('./logs/command.ts') },
  { group: 'Instances:', name: 'delete', aliases: ['rm'], description: 'Delete an instance: its release and credentials; the data volume is kept unless --delete-data', usage: '<name>', load: () => import('./delete/command.ts') },
  // Day 2
  { group: 'Day 2:', name: 'scale', description: "Change an instance's CPU and memory (requests and memory limit); the pod restarts with them", usage: '<name>', load: () => import('./scale/command.ts') },
  { group: 'Day 2:', name: 'resize', description: "Grow an instance's data volume (its storage class must allow expansion); the pod keeps running", usage: '<name>', load: () => import('./resize/command.ts') },
  { group: 'Day 2:', name: 'stop', description: 'Stop an instance: its pod is deleted, its data volume kept; `dbaas start` brings it back', usage: '<name>', load: () => import('./stop/command.ts') },
  { group: 'Day 2:', name: 'start', description: 'Start a stopped instance again, waiting until it is ready', usage: '<name>', load: () => import('./start/command.ts') },
  { group: 'Day 2:', name: 'restart', description: "Restart an instance's pod (a rolling restart), waiting until it was replaced and is ready", usage: '<name>', load: () => import('./restart/command.ts') },
  { group: 'Day 2:', name: 'upgrade', description: 'Move an instance to another release of its version (a new image, the pod restarted); majors say the steps', usage: '<name>', load: () => import('./upgrade/command.ts') },
  {
    group: 'Day 2:',
    name: 'config',
    description: "Server parameters: get (dbaas's values beside the server's), set and unset (checked against the server, reloaded)",
    examples: [['Raise a limit, then see it', 'dbaas config set orders max_connections=150 && dbaas config get orders max_connections']],
    children: [
      { name: 'get', description: "Show the parameters dbaas manages beside the server's effective values (one, or all)", usage: '<name> [key]', load: () => import('./config/get/command.ts') },
      { name: 'set', description: 'Set server parameters (checked against the running server first); reloads, or restarts with --restart', usage: '<name> <key=value...>', load: () => import('./config/set/command.ts') },
      { name: 'unset', description: "Remove parameters dbaas manages (the server's defaults again); reloads, or restarts with --restart", usage: '<name> <key...>', load: () => import('./config/unset/command.ts') },
    ],
  },
  { group: 'Day 2:', name: 'history', description: 'Show the operations dbaas ran on an instance (the last 50): verb, parameters, start, duration, result', usage: '<name>', load: () => import('./history/command.ts') },
  // Backups
  {
    group: 'Backups:',
    name: 'backup',
    description: 'Backups as CSI VolumeSnapshots: create, list, delete, prune, schedule (restore with `dbaas restore`)',
    examples: [['Back up, list, restore into a new instance', 'dbaas backup create orders && dbaas backup list orders && dbaas restore <backup> --to orders-copy']],
    children: [
      { name: 'create', description: "Take a backup: a CSI VolumeSnapshot of the instance's data volume, with a copy of its credentials", usage: '[instance]', load: () => import('./backup/create/command.ts') },
      { name: 'list', aliases: ['ls'], description: 'List backups (also those whose instance was deleted): NAME, INSTANCE, ENGINE, READY, SIZE, AGE, EXPIRES, SCHEDULE', usage: '[instance]', load: () => import('./backup/list/command.ts') },
      { name: 'delete', aliases: ['rm'], description: "Delete a backup: its VolumeSnapshot (the snapshot data, per its class's deletionPolicy) and its credentials copy", usage: '<backup>', load: () => import('./backup/delete/command.ts') },
      { name: 'prune', description: 'Delete the backups whose retention has run out (those created without --retention are kept)', usage: '[instance]', load: () => import('./backup/prune/command.ts') },
      {
        name: 'schedule',
        description: 'Backups on a schedule, run by the cluster itself, with --keep and --retention: set, list, delete, suspend, resume, run',
        examples: [['Nightly backups of orders at 03:00 Berlin time, a week kept', 'dbaas backup schedule set orders --cron "0 3 * * *" --time-zone Europe/Berlin --keep 7']],
        children: [
          { name: 'set', description: 'Back an instance (or HA cluster) up on a schedule, run by the cluster, keeping what --keep and --retention say', usage: '<name>', load: () => import('./backup/schedule/set/command.ts') },
          { name: 'list', aliases: ['ls'], description: 'List backup schedules: cron, zone, keep, retention, last run and its result, next run', usage: '[name]', load: () => import('./backup/schedule/list/command.ts') },
          { name: 'delete', aliases: ['rm'], description: "Delete an instance's backup schedule; the backups it took are kept", usage: '<name>', load: () => import('./backup/schedule/delete/command.ts') },
          { name: 'suspend', description: 'Suspend a backup schedule: no run starts until it is resumed (a running one finishes)', usage: '<name>', load: () => import('./backup/schedule/suspend/command.ts') },
          { name: 'resume', description: 'Resume a suspended backup schedule', usage: '<name>', load: () => import('./backup/schedule/resume/command.ts') },
          { name: 'run', description: 'Run a backup schedule now, in the cluster as it runs on schedule, and wait for the result', usage: '<name>', load: () => import('./backup/schedule/run/command.ts') },
        ],
      },
    ],
  },
  { group: 'Backups:', name: 'restore', description: "Restore a backup into a new instance (by default in its own namespace dbaas-<new-name>), with the source's credentials", usage: '[backup]', load: () => import('./restore/command.ts') },
  // High availability
  {
    group: 'High availability:',
    name: 'ha',
    description: 'High availability through operators: PostgreSQL (CloudNativePG), MySQL (Percona XtraDB Cluster), MariaDB (MariaDB operator)',
    examples: [
      ['A three-instance PostgreSQL cluster, then where it stands', 'dbaas ha create orders && dbaas ha status orders'],
      ['MySQL and MariaDB clusters', 'dbaas ha create mysql shop && dbaas ha create mariadb wiki'],
      ['A verified switchover to the best ready standby', 'dbaas ha failover orders'],
    ],
    children: [
      { name: 'create', description: 'Create an HA cluster: postgres (CloudNativePG), mysql (Percona XtraDB Cluster) or mariadb (MariaDB operator)', usage: '<engine-or-name> [name]', load: () => import('./ha/create/command.ts') },
      { name: 'list', aliases: ['ls'], description: 'List HA clusters in every namespace you may list (or one, with -n)', load: () => import('./ha/list/command.ts') },
      { name: 'status', aliases: ['describe'], description: 'Show an HA cluster: phase, primary and target, each instance, endpoints, last backup', usage: '<name>', load: () => import('./ha/status/command.ts') },
      { name: 'connection', aliases: ['conn'], description: 'Show the read-write and read-only endpoints, database, user and (masked) password', usage: '<name>', load: () => import('./ha/connection/command.ts') },
      { name: 'scale', description: 'Change the number of members, or the CPU and memory of every member (refused while a switchover, failover or other operation runs)', usage: '<name>', load: () => import('./ha/scale/command.ts') },
      { name: 'resize', description: "Grow every instance's data volume (the storage class must allow expansion), waiting until each has the new size", usage: '<name>', load: () => import('./ha/resize/command.ts') },
      { name: 'stop', description: 'Stop (hibernate) an HA cluster: every instance shut down, the volumes kept; `dbaas ha start` wakes it', usage: '<name>', load: () => import('./ha/stop/command.ts') },
      { name: 'start', description: 'Start a stopped (hibernated) HA cluster again, waiting until it is healthy', usage: '<name>', load: () => import('./ha/start/command.ts') },
      { name: 'restart', description: 'Restart every instance (standbys first, then the primary), waiting until all were restarted and the cluster is healthy', usage: '<name>', load: () => import('./ha/restart/command.ts') },
      { name: 'upgrade', description: 'Move an HA cluster to another version: a minor release rolled through the instances, a major (--allow-major) in place after a backup', usage: '<name>', load: () => import('./ha/upgrade/command.ts') },
      { name: 'history', description: 'Show the operations dbaas ran on an HA cluster (the last 50): verb, parameters, start, duration, result', usage: '<name>', load: () => import('./ha/history/command.ts') },
      { name: 'failover', aliases: ['switchover'], description: 'Switch the primary over to another member and wait until it is primary and the cluster healthy (Galera: --force)', usage: '[name]', load: () => import('./ha/failover/command.ts') },
      {
        name: 'config',
        description: "An HA cluster's server parameters (CloudNativePG: spec.postgresql.parameters), checked against the primary: get, set, unset",
        children: [
          { name: 'get', description: "Show an HA cluster's parameters beside the running server's effective values (one, or all set)", usage: '<name> [key]', load: () => import('./ha/config/get/command.ts') },
          { name: 'set', description: "Set an HA cluster's server parameters (checked against the running server first), waiting until the cluster runs with them", usage: '<name> <key=value...>', load: () => import('./ha/config/set/command.ts') },
          { name: 'unset', description: "Remove an HA cluster's server parameters (the server's defaults again), waiting until the cluster runs without them", usage: '<name> <key...>', load: () => import('./ha/config/unset/command.ts') },
        ],
      },
      {
        name: 'backup',
        description: 'Volume-snapshot backups of an HA cluster (CloudNativePG Backup, MariaDB PhysicalBackup): create, list, delete, prune',
        children: [
          { name: 'create', description: 'Take a volume-snapshot backup and wait until it completes', usage: '<name>', load: () => import('./ha/backup/create/command.ts') },
          { name: 'list', aliases: ['ls'], description: "List an HA cluster's backups", usage: '<name>', load: () => import('./ha/backup/list/command.ts') },
          { name: 'delete', aliases: ['rm'], description: "Delete an HA cluster's backup: the operator's backup object and its VolumeSnapshots (their data per the class's deletionPolicy)", usage: '<backup>', load: () => import('./ha/backup/delete/command.ts') },
          { name: 'prune', description: 'Delete the HA backups whose retention has run out (those created without --retention are kept)', usage: '[cluster]', load: () => import('./ha/backup/prune/command.ts') },
        ],
      },
      { name: 'restore', description: 'Create a new HA cluster from a volume-snapshot backup (in any namespace)', usage: '<backup>', load: () => import('./ha/restore/command.ts') },
      { name: 'delete', aliases: ['rm'], description: 'Delete an HA cluster with its instances and data volumes; volume-snapshot backups are kept', usage: '<name>', load: () => import('./ha/delete/command.ts') },
    ],
  },
  // Monitoring
  {
    group: 'Monitoring:',
    name: 'metrics',
    description: 'Metrics: exporters, Prometheus monitors that are really scraped, Grafana dashboards; `metrics <name>` shows the figures',
    examples: [
      ['Add an exporter (and a monitor the cluster\'s Prometheus selects) to an instance', 'dbaas metrics enable orders'],
      ['Its figures, read from the exporter', 'dbaas metrics orders'],
      ['Dashboards for Grafana, once per cluster', 'dbaas metrics dashboards install'],
    ],
    children: [
      { name: 'show', description: "Show one instance's figures from its exporter, and which Prometheus scrapes it (also: dbaas metrics <name>)", usage: '<name>', isDefault: true, load: () => import('./metrics/show/command.ts') },
      { name: 'enable', description: "Add a metrics exporter (and a Prometheus monitor where the cluster has the operator); an instance's pod restarts", usage: '<name>', load: () => import('./metrics/enable/command.ts') },
      { name: 'disable', description: "Remove the metrics exporter, its monitoring user and dbaas's monitor; an instance's pod restarts", usage: '<name>', load: () => import('./metrics/disable/command.ts') },
      {
        name: 'dashboards',
        description: 'Grafana dashboards for the exporters',
        children: [
          { name: 'install', description: "Install Grafana dashboards for each engine as ConfigMaps with the label Grafana's dashboard sidecar watches", load: () => import('./metrics/dashboards/install/command.ts') },
        ],
      },
    ],
  },
  { group: 'Monitoring:', name: 'top', description: 'Show live figures of monitored instances: up, connections, TPS, cache hit ratio, size, replication lag, slow queries', usage: '[name]', load: () => import('./top/command.ts') },
  // Setup
  { group: 'Setup:', name: 'interactive', aliases: ['i'], description: 'A menu of the common tasks, for when you do not know the commands yet', load: () => import('./interactive/command.ts') },
  { group: 'Setup:', name: 'doctor', description: 'Check that the cluster and this machine are ready for dbaas, and say how to fix what is not', load: () => import('./doctor/command.ts') },
  { group: 'Setup:', name: 'rbac', description: 'Print the Role (and ClusterRole) a namespace-limited user needs to run dbaas, for an admin to apply', load: () => import('./rbac/command.ts') },
  { group: 'Setup:', name: 'engines', description: 'List the database engines and versions dbaas can create', load: () => import('./engines/command.ts') },
  { group: 'Setup:', name: 'images', description: 'List every image dbaas may pull (engines, CloudNativePG operands, in-cluster jobs), for mirroring', load: () => import('./images/command.ts') },
  { group: 'Setup:', name: 'completion', description: 'Print the shell completion script for bash, zsh or fish', usage: '<shell>', noOptions: true, load: () => import('./completion/command.ts') },
  { group: 'Setup:', name: 'version', description: "Print dbaas's version (-o json adds helm's and the cluster's)", load: () => import('./version/command.ts') },
]

/** The entries along a command line's leading words (`ha backup create …` → [ha, backup, create]). */
export function pathOf(words: readonly string[], tree: readonly CommandEntry[] = commandTree): CommandEntry[] {
  const path: CommandEntry[] = []
  let level: readonly CommandEntry[] | undefined = tree
  for (const w of words) {
    if (!level || w.startsWith('-')) break
    const hit: CommandEntry | undefined = level.find((e) => e.name === w || e.aliases?.includes(w))
    if (!hit) {
      // A word that names no child of a group with a default child is that child's argument.
      const fallback = path.length ? level.find((e) => e.isDefault) : undefined
      if (fallback) path.push(fallback)
      break
    }
    path.push(hit)
    level = hit.children
  }
  return path
}
