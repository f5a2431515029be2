// Progress for people: an ora spinner on a TTY, one line per step otherwise, nothing with -o json|yaml or
// --quiet. Always on stderr, never on stdout.
import type { Streams } from './printer.ts'
import { isHuman, type OutputSpec } from './format.ts'

export interface Ui {
  /** Starts a step; a later step or done()/fail() ends it. */
  step(text: string): void
  /** Updates the running step's text (spinner only; plain mode prints nothing). */
  update(text: string): void
  done(text?: string): void
  fail(text?: string): void
  /** Stops anything running (error paths, Ctrl-C). */
  stop(): void
}

/** Spinners currently on screen, so the error path can stop them all before printing. */
const active = new Set<Ui>()

export function stopAllUis(): void {
  for (const ui of active) ui.stop()
  active.clear()
}

export const silentUi: Ui = { step() {}, update() {}, done() {}, fail() {}, stop() {} }

export function lineUi(err: Streams['err'], now: () => number = Date.now): Ui {
  let current: { text: string; start: number } | undefined
  const end = (mark: string, text?: string) => {
    if (!current) return
    const secs = ((now() - current.start) / 1000).toFixed(1)
    err.write(`${mark} ${text ?? current.text} (${secs}s)\n`)
    current = undefined
  }
  return {
    step(text) {
      // One line per finished step, with its time; a step still running shows on the next line's time.
      end('✔')
      current = { text, start: now() }
    },
    update() {},
    done(text) {
      end('✔', text)
    },
    fail(text) {
      end('✘', text)
    },
    stop() {
      current = undefined
    },
  }
}

/** An ora spinner; ora is imported only when a TTY will show it. */
export async function spinnerUi(err: NodeJS.WritableStream): Promise<Ui> {
  const { default: ora } = await import('ora')
  const spinner = ora({ stream: err, discardStdin: false })
  let text = ''
  const ui: Ui = {
    step(t) {
      if (spinner.isSpinning) spinner.succeed()
      text = t
      spinner.start(t)
    },
    update(t) {
      spinner.text = `${text} ${t}`
    },
    done(t) {
      if (spinner.isSpinning) spinner.succeed(t ?? text)
    },
    fail(t) {
      if (spinner.isSpinning) spinner.fail(t ?? text)
    },
    stop() {
      if (spinner.isSpinning) spinner.stop()
    },
  }
  active.add(ui)
  return ui
}

/** Progress for people: a spinner on a TTY, plain step lines otherwise, nothing for machine output. */
export async function progressUi(err: Streams['err'], now: () => number, out: Pick<OutputSpec, 'format'>): Promise<Ui> {
  if (!isHuman(out)) return silentUi
  return err.isTTY ? spinnerUi(err as NodeJS.WritableStream) : lineUi(err, now)
}
