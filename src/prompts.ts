// Prompts, only ever on a terminal. Flows talk to a Prompter: the inquirer one in production (loaded when a
// prompt is actually shown, drawing on stderr so stdout stays the command's result), a fake in tests.
import { InterruptedError } from './errors.ts'

export interface Choice<T> {
  name: string
  value: T
  description?: string | undefined
}

export interface Prompter {
  select<T>(o: { message: string; choices: Array<Choice<T>>; default?: T | undefined }): Promise<T>
  input(o: { message: string; default?: string | undefined; validate?: (value: string) => Promise<true | string> | true | string }): Promise<string>
  confirm(o: { message: string; default?: boolean }): Promise<boolean>
  /** A list filtered as the user types (for long lists such as instances). */
  search<T>(o: { message: string; choices: Array<Choice<T>> }): Promise<T>
}

/** Ctrl-C (or a closed terminal) inside a prompt is an interruption: exit 130, nothing done. */
function interrupted(err: unknown): never {
  const name = (err as Error)?.name
  if (name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError') {
    throw new InterruptedError('cancelled; nothing was done')
  }
  throw err
}

export async function inquirerPrompter(deps: { signal: AbortSignal }, output: NodeJS.WritableStream = process.stderr): Promise<Prompter> {
  const inq = await import('@inquirer/prompts')
  const ctx = { output, signal: deps.signal }
  return {
    select: <T>(o: { message: string; choices: Array<Choice<T>>; default?: T | undefined }) =>
      inq
        .select<T>({ message: o.message, choices: o.choices, pageSize: 12, ...(o.default !== undefined ? { default: o.default } : {}) }, ctx)
        .catch(interrupted),
    input: (o) =>
      inq
        .input(
          {
            message: o.message,
            ...(o.default !== undefined ? { default: o.default } : {}),
            ...(o.validate ? { validate: o.validate } : {}),
          },
          ctx,
        )
        .catch(interrupted),
    confirm: (o) => inq.confirm({ message: o.message, default: o.default ?? true }, ctx).catch(interrupted),
    search: <T>(o: { message: string; choices: Array<Choice<T>> }) =>
      inq
        .search<T>(
          {
            message: o.message,
            pageSize: 12,
            source: (term) => {
              const t = (term ?? '').toLowerCase()
              return o.choices.filter((c) => c.name.toLowerCase().includes(t))
            },
          },
          ctx,
        )
        .catch(interrupted),
  }
}

/** The inquirer Prompter, loaded on its first question only (the prompt library is not on the start-up path). */
export function lazyPrompter(deps: { signal: AbortSignal }, output: NodeJS.WritableStream = process.stderr): Prompter {
  let impl: Promise<Prompter> | undefined
  const get = () => (impl ??= inquirerPrompter(deps, output))
  return {
    select: async (o) => (await get()).select(o),
    input: async (o) => (await get()).input(o),
    confirm: async (o) => (await get()).confirm(o),
    search: async (o) => (await get()).search(o),
  }
}
