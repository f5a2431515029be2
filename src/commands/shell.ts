// Command lines shown to people ("the same without prompts: …"), quoted for a POSIX shell where needed.
// Not a command: the verb folders use it.

export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

export function commandLine(words: string[]): string {
  return words.map(shellWord).join(' ')
}
