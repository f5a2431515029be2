// Prompts, only ever on a terminal. @inquirer/prompts is loaded when a prompt is actually shown.
import type { Deps } from './deps.ts'

/** Asks to type the name to confirm a destructive action (kbcli and GitHub style). */
export async function confirmByName(name: string, what: string, deps: Deps): Promise<boolean> {
  const { input } = await import('@inquirer/prompts')
  deps.printer.note(`This deletes the ${what}.`)
  const typed = await input({ message: `Type the instance name (${name}) to confirm:` }, { output: process.stderr })
  return typed.trim() === name
}
