// How main() turns failures into exit codes and messages.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { ClusterError } from '../../src/errors.ts'
import { R } from '../../src/k8s/kube.ts'
import { fakeDeps, type FakeDeps } from '../helpers/fake-deps.ts'
import { storageClass } from '../helpers/fixtures.ts'

function noKubeconfig(d: FakeDeps): FakeDeps {
  d.kube = async () => {
    throw new ClusterError('kubeconfig', 'no kubeconfig found', { hint: 'set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config' })
  }
  d.kubeconfig = () => {
    throw new ClusterError('kubeconfig', 'no kubeconfig found')
  }
  return d
}

describe('without a kubeconfig', () => {
  it.each([['--help'], ['--version'], ['version'], ['engines'], ['create', '--help']])('%s works', async (...argv) => {
    const d = noKubeconfig(fakeDeps())
    expect(await main(argv, d)).toBe(0)
    expect(d.err.text).not.toContain('kubeconfig')
  })

  it('create --dry-run=client works (it contacts nothing)', async () => {
    const d = noKubeconfig(fakeDeps())
    expect(await main(['create', 'pg', 'x', '--dry-run=client'], d)).toBe(0)
    expect(d.out.text).toContain('kind: Secret')
  })

  it.each([['list'], ['status', 'x'], ['connection', 'x'], ['delete', 'x', '--yes'], ['create', 'pg', 'x']])('%s → exit 5 with the hint', async (...argv) => {
    const d = noKubeconfig(fakeDeps())
    expect(await main(argv, d)).toBe(5)
    expect(d.err.text).toBe('Error: no kubeconfig found\nHint: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config\n')
    expect(d.out.text).toBe('')
  })

  it('version -o json reports the missing cluster inside the document, exit 0', async () => {
    const d = noKubeconfig(fakeDeps())
    expect(await main(['version', '-o', 'json'], d)).toBe(0)
    expect(JSON.parse(d.out.text).server).toEqual({ error: 'no kubeconfig found' })
  })
})

describe('unexpected errors', () => {
  function failingInstall(env: NodeJS.ProcessEnv = {}): FakeDeps {
    const d = fakeDeps({ env })
    d.transport.seed(R.storageClasses, storageClass('standard', true))
    d.fakeHelm.onInstall = () => {
      throw new Error('boom')
    }
    return d
  }

  it('a plain Error is exit 1 with its message and no stack', async () => {
    const d = failingInstall()
    expect(await main(['create', 'pg', 'x', '--no-wait'], d)).toBe(1)
    expect(d.err.text).toContain('Error: boom\n')
    expect(d.err.text).not.toContain('    at ')
  })

  it('DBAAS_DEBUG adds the stack', async () => {
    const d = failingInstall({ DBAAS_DEBUG: '1' })
    expect(await main(['create', 'pg', 'x', '--no-wait'], d)).toBe(1)
    expect(d.err.text).toContain('    at ')
  })

  it('after Ctrl-C, whatever failed next is exit 130', async () => {
    const d = failingInstall()
    const ctrl = new AbortController()
    ctrl.abort()
    d.signal = ctrl.signal
    expect(await main(['create', 'pg', 'x', '--no-wait'], d)).toBe(130)
    expect(d.err.text).toContain('Error: interrupted')
    expect(d.err.text).toContain('Hint:')
  })

  it('-o json: an unexpected error is JSON too', async () => {
    const d = failingInstall()
    expect(await main(['create', 'pg', 'x', '--no-wait', '-o', 'json'], d)).toBe(1)
    expect(JSON.parse(d.err.text)).toEqual({ error: { code: 'failed', message: 'boom' } })
    expect(d.out.text).toBe('')
  })
})
