// Prompters for tests: one that answers by question (recording every question and each validation message
// it saw), and one that fails the test on any question.
import type { Choice, Prompter } from '../../src/prompts.ts'

export class FakePrompter implements Prompter {
  asked: string[] = []
  rejected: string[] = []
  private answers: Record<string, unknown[]>
  constructor(answers: Record<string, unknown[]>) {
    this.answers = answers
  }
  private next(message: string): unknown {
    this.asked.push(message)
    const key = Object.keys(this.answers).find((k) => message.includes(k))
    const list = key ? this.answers[key] : undefined
    if (!list?.length) throw new Error(`unexpected question: ${message}`)
    return list.shift()
  }
  async select<T>(o: { message: string; choices: Array<Choice<T>> }): Promise<T> {
    const want = this.next(o.message)
    const c = o.choices.find((x) => x.value === want || x.name.startsWith(String(want)))
    if (!c) throw new Error(`no choice ${String(want)} for ${o.message}`)
    return c.value
  }
  async search<T>(o: { message: string; choices: Array<Choice<T>> }): Promise<T> {
    return this.select(o)
  }
  async input(o: { message: string; validate?: (v: string) => Promise<true | string> | true | string }): Promise<string> {
    for (;;) {
      const v = String(this.next(o.message))
      const ok = o.validate ? await o.validate(v) : true
      if (ok === true) return v
      this.rejected.push(ok)
    }
  }
  async confirm(o: { message: string }): Promise<boolean> {
    return this.next(o.message) as boolean
  }
}

const fail = async (o: { message: string }): Promise<never> => {
  throw new Error(`unexpected prompt: ${o.message}`)
}

/** Any question fails: for tests that must never prompt. */
export const noPrompter: Prompter = { select: fail, input: fail, confirm: fail, search: fail }
