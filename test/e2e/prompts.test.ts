// Prompt flows in a real terminal: tmux runs dbaas against the lab, send-keys answers the prompts,
// capture-pane reads the screen, and the API shows what was created. And the no-TTY rules: piped stdin and
// CI=true never prompt; missing arguments exit 2 naming them. tmux is part of the setup
// (test/lab/install-deps.sh): without it these tests fail, they are never skipped.
import { execa } from 'execa'
import { describe, expect, it, onTestFinished } from 'vitest'
import { kubectlJson, kubectlOk, labInfo, uniqueName } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { CnpgOperatorFixture, getCluster } from './fixtures/cnpg-operator.ts'
import { cleanupInstance, cliPath, dbaas, dbaasOk, deleteNamespace, instanceForTest } from './helpers.ts'

class Terminal {
  readonly session = uniqueName('dbaas-tty')
  /** Starts dbaas in a detached tmux session; the session (and dbaas in it) is killed when the test ends. */
  static async start(args: string[]): Promise<Terminal> {
    const t = new Terminal()
    onTestFinished(() => t.close())
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
    const cmd = `env -u CI NO_COLOR=1 KUBECONFIG=${q(labInfo().kubeconfig)} ${q(process.execPath)} ${q(cliPath)} ${args.map(q).join(' ')}; echo EXIT=$?; sleep 600`
    const r = await execa('tmux', ['new-session', '-d', '-s', t.session, '-x', '200', '-y', '50', cmd], { reject: false })
    if (r.exitCode !== 0) throw new Error(`tmux: ${r.stderr}`)
    return t
  }
  async screen(): Promise<string> {
    return String((await execa('tmux', ['capture-pane', '-p', '-J', '-S', '-200', '-t', this.session])).stdout)
  }
  async waitFor(re: RegExp, timeoutMs = 60_000): Promise<string> {
    const end = Date.now() + timeoutMs
    for (;;) {
      const s = await this.screen()
      if (re.test(s)) return s
      if (Date.now() > end) throw new Error(`screen never matched ${re}:\n${s}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  async keys(...keys: string[]): Promise<void> {
    await execa('tmux', ['send-keys', '-t', this.session, ...keys])
    await new Promise((r) => setTimeout(r, 150))
  }
  async type(text: string): Promise<void> {
    await execa('tmux', ['send-keys', '-t', this.session, '-l', text])
  }
  async close(): Promise<void> {
    const r = await execa('tmux', ['kill-session', '-t', this.session], { reject: false })
    if (r.exitCode !== 0 && !/can't find session|no server running|session not found|no current target/.test(String(r.stderr))) throw new Error(`tmux kill-session: ${r.stderr}`)
  }
}

describe('no terminal: never prompt', () => {
  it('CI=true with stdin a pipe: create without arguments exits 2 naming the engine', async () => {
    const r = await dbaas(['create'], { input: '' })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('missing argument: engine')
  })

  it('without CI but with piped stdin: create <engine> exits 2 naming the name', async () => {
    const r = await dbaas(['create', 'postgres'], { input: '', env: { CI: '' } })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('missing argument: name')
  })

  it('restore, backup create and ha failover without their argument: exit 2 naming it', async () => {
    for (const [args, what] of [
      [['restore', '--to', 'x'], 'missing argument: backup'],
      [['backup', 'create'], 'missing argument: instance'],
      [['ha', 'failover'], 'missing argument: name'],
    ] as const) {
      const r = await dbaas([...args])
      expect(r.exitCode, r.stderr).toBe(2)
      expect(r.stderr).toContain(what)
    }
  })

  it('interactive refuses without a terminal', async () => {
    const r = await dbaas(['interactive'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('needs a terminal')
  })
})

/**
 * The storage class question is asked only when the cluster has more than one class: a second class of the
 * test's own (never the default) makes sure it is, whatever else the cluster has. Removed when the test ends.
 */
async function secondStorageClass(): Promise<string> {
  const sc = uniqueName('prompt-sc')
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: sc }, provisioner: 'prompts.dbaas.test/none' }) })
  onTestFinished(async () => void (await kubectlOk(['delete', 'storageclass', sc, '--ignore-not-found'])))
  return sc
}

describe('prompts in a terminal (tmux)', () => {
  it('create without arguments asks, validates the name live, shows the command, confirms and creates', async () => {
    const name = uniqueName('guided')
    onTestFinished(() => cleanupInstance(name))
    await secondStorageClass()
    const t = await Terminal.start(['create'])
    try {
      await t.waitFor(/\? Engine/)
      await t.keys('Down', 'Down', 'Enter') // MariaDB
      await t.waitFor(/\? Name/)
      await t.type('Bad_Name')
      await t.keys('Enter')
      await t.waitFor(/is not valid/)
      for (let i = 0; i < 8; i++) await t.keys('BSpace')
      await t.type(name)
      await t.keys('Enter')
      await t.waitFor(/\? MariaDB version/)
      await t.keys('Down', 'Enter') // the second version listed
      await t.waitFor(/\? Size/)
      await t.keys('Down', 'Enter') // medium
      await t.waitFor(/\? Storage class/)
      await t.keys('Enter') // the cluster default
      const s = await t.waitFor(/\? Create MariaDB/)
      expect(s).toContain(`dbaas create mariadb ${name} --version 11.8 --storage 50Gi --cpu 1 --memory 2Gi`)
      await t.keys('Enter')
      const done = await t.waitFor(/EXIT=\d+/, 120_000)
      expect(done).toContain('EXIT=0')
      expect(done).toMatch(new RegExp(`instance "${name}" created`))
      expect(done).toMatch(/To do the same in a script:\s+dbaas create mariadb/)
    } finally {
      await t.close()
    }
    const sts = await kubectlJson(['get', 'statefulset', name, '-n', `dbaas-${name}`])
    expect(sts.metadata.labels['dbaas.io/engine']).toBe('mariadb')
    expect(sts.metadata.labels['dbaas.io/engine-version']).toBe('11.8')
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('50Gi')
    expect(sts.spec.template.spec.containers[0].resources.requests).toMatchObject({ cpu: '1', memory: '2Gi' })
  })

  it('a name already taken is refused while typing', async () => {
    const name = await instanceForTest('postgres', uniqueName('taken'))
    const t = await Terminal.start(['create', 'postgres'])
    try {
      await t.waitFor(/\? Name/)
      await t.type(name)
      await t.keys('Enter')
      await t.waitFor(new RegExp(`"${name}" already exists in namespace dbaas-${name}`))
    } finally {
      await t.close()
    }
  })

  it('Ctrl-C at a prompt exits 130 and creates nothing', async () => {
    const gone = uniqueName('never')
    const t = await Terminal.start(['create', 'postgres'])
    try {
      await t.waitFor(/\? Name/)
      await t.type(gone)
      await t.keys('Enter')
      await t.waitFor(/\? PostgreSQL version/)
      await t.keys('C-c')
      const s = await t.waitFor(/EXIT=\d+/)
      expect(s).toContain('EXIT=130')
    } finally {
      await t.close()
    }
    expect((await kubectlOk(['get', 'namespace', `dbaas-${gone}`, '--ignore-not-found', '-o', 'name'])).trim()).toBe('')
  })

  it('dbaas i: the menu creates, lists and shows an instance, then quits', async () => {
    const other = uniqueName('menu')
    onTestFinished(() => cleanupInstance(other))
    await secondStorageClass()
    const t = await Terminal.start(['i'])
    try {
      await t.waitFor(/\? What would you like to do\?/)
      await t.keys('Enter') // Create a database (first)
      await t.waitFor(/\? Engine/)
      await t.keys('Enter') // PostgreSQL
      await t.waitFor(/\? Name/)
      await t.type(other)
      await t.keys('Enter')
      await t.waitFor(/\? PostgreSQL version/)
      await t.keys('Enter')
      await t.waitFor(/\? Size/)
      await t.keys('Enter')
      await t.waitFor(/\? Storage class/)
      await t.keys('Enter')
      await t.waitFor(/\? Create PostgreSQL/)
      await t.keys('Enter')
      await t.waitFor(new RegExp(`instance "${other}" created`), 120_000)
      await t.waitFor(/\? What would you like to do\?[\s\S]*$/)
      await t.keys('Down', 'Down', 'Enter') // Show a database's status
      await t.waitFor(/\? Which database\?/)
      await t.type(other)
      await t.waitFor(new RegExp(`❯ ${other} `))
      await t.keys('Enter')
      await t.waitFor(new RegExp(`\\$ dbaas status ${other} -n dbaas-${other}[\\s\\S]*Status:\\s+Ready`))
      await t.waitFor(/\? What would you like to do\?[^\n]*\n[\s\S]*Quit/)
      for (let i = 0; i < 9; i++) await t.keys('Down') // Quit (last, after the day-2 entry)
      await t.keys('Enter')
      expect(await t.waitFor(/EXIT=\d+/)).toContain('EXIT=0')
    } finally {
      await t.close()
    }
  })

  it('restore without arguments: pick the backup, name the new instance, confirm; the copy is created', async () => {
    const source = uniqueName('rsrc')
    const copy = uniqueName('rcopy')
    const backup = `${source}-bk`
    onTestFinished(() => cleanupInstance(source))
    onTestFinished(() => cleanupInstance(copy))
    onTestFinished(async () => void (await dbaasOk(['backup', 'delete', backup, '-n', `dbaas-${source}`, '--yes', '--ignore-not-found'])))
    await dbaasOk(['create', 'postgres', source, '--storage', '1Gi'])
    await dbaasOk(['backup', 'create', source, '--name', backup])
    const t = await Terminal.start(['restore'])
    try {
      await t.waitFor(/\? Backup to restore/)
      await t.type(backup)
      await t.waitFor(new RegExp(`❯ ${backup} `))
      await t.keys('Enter')
      await t.waitFor(/\? Name of the new instance/)
      await t.type(source)
      await t.keys('Enter')
      await t.waitFor(new RegExp(`"${source}" already exists`))
      for (let i = 0; i < source.length; i++) await t.keys('BSpace')
      await t.type(copy)
      await t.keys('Enter')
      const s = await t.waitFor(/\? Restore/)
      expect(s).toContain(`dbaas restore ${backup} --backup-namespace dbaas-${source} --to ${copy}`)
      await t.keys('Enter')
      expect(await t.waitFor(/EXIT=\d+/, 120_000)).toContain('EXIT=0')
    } finally {
      await t.close()
    }
    const sts = await kubectlJson(['get', 'statefulset', copy, '-n', `dbaas-${copy}`])
    expect(sts.metadata.labels['dbaas.io/engine']).toBe('postgresql')
  })
})

labOnly('the CloudNativePG operator is played by a lab fixture').describe('ha failover prompts (tmux)', () => {
  it('without a name: pick the cluster, then a ready standby; the switchover happens', async () => {
    const op = await CnpgOperatorFixture.install()
    onTestFinished(() => op.remove())
    const name = uniqueName('hafo')
    const ns = `dbaas-${name}`
    onTestFinished(async () => {
      await dbaasOk(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait'])
      await deleteNamespace(ns)
    })
    await dbaasOk(['ha', 'create', name, '--no-wait', '--instances', '3', '--storage', '1Gi'])
    await op.reconcile(ns, name)
    const serving = op.serveSwitchover(ns, name, { promote: true, settleMs: 500 })
    const t = await Terminal.start(['ha', 'failover'])
    try {
      await t.waitFor(/\? HA cluster/)
      await t.type(name)
      await t.waitFor(new RegExp(`❯ ${name} `))
      await t.keys('Enter')
      await t.waitFor(/\? Standby to promote/)
      await t.keys('Down', 'Enter') // the second standby: <name>-3
      const s = await t.waitFor(/\? Switch/)
      expect(s).toContain(`dbaas ha failover ${name} -n ${ns} --to ${name}-3`)
      await t.keys('Enter')
      expect(await t.waitFor(/EXIT=\d+/, 120_000)).toContain('EXIT=0')
    } finally {
      await t.close()
    }
    await serving
    expect((await getCluster(ns, name)).status).toMatchObject({ currentPrimary: `${name}-3`, targetPrimary: `${name}-3` })
  })
})
