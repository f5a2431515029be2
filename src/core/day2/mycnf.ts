// The my.cnf text an operator mounts (PXC's spec.pxc.configuration, the MariaDB operator's spec.myCnf), read
// and edited by `dbaas ha config` without touching what a user wrote there by hand. dbaas keeps the values it
// sets in one block of the server section, between two marker comments:
//
//   [mysqld]
//   innodb_log_file_size=256M            <- hand-written: kept as it is
//   # begin dbaas ha config (the lines up to "# end dbaas ha config" are rewritten by dbaas)
//   max_connections=150
//   # end dbaas ha config
//
// Every other line — comments, other sections, hand-written options, `!include` — is kept byte for byte. Setting
// a name that is also written by hand outside the block removes that hand-written line (the option file's last
// occurrence would win, and two values for one name is a trap); unsetting a name removes it wherever it is in the
// server section. Option names compare as the server reads them: dashes and underscores alike, any case. Pure.

export const BEGIN = '# begin dbaas ha config (the lines up to "# end dbaas ha config" are rewritten by dbaas)'
export const END = '# end dbaas ha config'
const BEGIN_RE = /^\s*#\s*begin dbaas ha config\b/
const END_RE = /^\s*#\s*end dbaas ha config\b/
const SECTION_RE = /^\s*\[([^\]]+)\]\s*$/
const OPTION_RE = /^\s*([A-Za-z0-9_.-]+)\s*(?:=(.*))?$/

/** An option name as the server reads it: lower case, dashes as underscores. */
export function optionName(raw: string): string {
  return raw.trim().toLowerCase().replace(/-/g, '_')
}

/** A value as the server reads it: in quotes up to the closing one, else up to a # comment, trimmed. */
function valueOf(v: string): string {
  const t = v.trim()
  const q = /^(["'])(.*?)\1/.exec(t)
  if (q) return q[2] as string
  return t.replace(/\s+#.*$/, '').trim()
}

/** How dbaas writes a value: bare, or in double quotes when a space, # or ; would cut it short. */
export function cnfValue(v: string): string {
  return /[\s#;']/.test(v) ? `"${v}"` : v
}

interface Line {
  text: string
  /** The section the line is in ('' before the first header). */
  section: string
  inBlock: boolean
  marker: boolean
  option?: { name: string; value: string } | undefined
}

function lex(text: string): Line[] {
  const lines = text === '' ? [] : text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n')
  let section = ''
  let inBlock = false
  return lines.map((t) => {
    const h = SECTION_RE.exec(t)
    if (h) {
      section = (h[1] as string).trim().toLowerCase()
      inBlock = false
      return { text: t, section, inBlock, marker: false }
    }
    if (BEGIN_RE.test(t)) {
      inBlock = true
      return { text: t, section, inBlock, marker: true }
    }
    if (END_RE.test(t)) {
      inBlock = false
      return { text: t, section, inBlock: true, marker: true }
    }
    const trimmed = t.trim()
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';') || trimmed.startsWith('!')) return { text: t, section, inBlock, marker: false }
    const o = OPTION_RE.exec(t.replace(/^(\s*[A-Za-z0-9_.-]+)\s+#.*$/, '$1'))
    return { text: t, section, inBlock, marker: false, option: o ? { name: optionName(o[1] as string), value: o[2] === undefined ? 'ON' : valueOf(o[2]) } : undefined }
  })
}

export interface CnfView {
  /** The values in dbaas's block. */
  managed: Record<string, string>
  /** Options written by hand in the server sections, outside the block (the last occurrence of each). */
  handWritten: Record<string, string>
}

/** The values dbaas manages and the hand-written options of the server sections (`sections`: the ones the server reads). */
export function readCnf(text: string | undefined, sections: readonly string[]): CnfView {
  const managed: Record<string, string> = {}
  const handWritten: Record<string, string> = {}
  for (const l of lex(text ?? '')) {
    if (!l.option || !sections.includes(l.section)) continue
    if (l.inBlock) managed[l.option.name] = l.option.value
    else handWritten[l.option.name] = l.option.value
  }
  return { managed, handWritten }
}

export interface CnfEdit {
  /** The new text (null: nothing left in it). */
  text: string | null
  /** Hand-written lines removed because their option is now set (or unset) by dbaas. */
  replaced: string[]
}

/**
 * Sets (a value) and unsets (null) options in dbaas's block of `sections[0]` (created at the end of that section,
 * or as a new section at the end of the text), removing every other definition of those names in the server
 * sections; every other line is kept as it is.
 */
export function editCnf(text: string | undefined, sections: readonly string[], changes: Record<string, string | null>): CnfEdit {
  const names = new Set(Object.keys(changes).map(optionName))
  const lines = lex(text ?? '')
  const replaced: string[] = []
  const kept: Line[] = []
  const managed: Record<string, string> = {}
  for (const l of lines) {
    if (l.marker) continue
    if (l.option && sections.includes(l.section)) {
      if (l.inBlock) {
        if (!names.has(l.option.name)) managed[l.option.name] = l.option.value
        continue
      }
      if (names.has(l.option.name)) {
        replaced.push(l.text.trim())
        continue
      }
    } else if (l.inBlock && sections.includes(l.section) && l.text.trim() === '') continue
    kept.push(l)
  }
  for (const [k, v] of Object.entries(changes)) if (v !== null) managed[optionName(k)] = v
  const block = Object.keys(managed).length ? [BEGIN, ...Object.keys(managed).sort().map((k) => `${k}=${cnfValue(managed[k] as string)}`), END] : []
  const out = kept.map((l) => l.text)
  if (block.length) {
    const home = sections[0] as string
    const start = kept.findIndex((l) => SECTION_RE.test(l.text) && l.section === home)
    if (start < 0) {
      if (out.length && out[out.length - 1]?.trim() !== '') out.push('')
      out.push(`[${home}]`, ...block)
    } else {
      // After the section's last non-blank line (before the next header or the end).
      let end = kept.findIndex((l, i) => i > start && SECTION_RE.test(l.text))
      if (end < 0) end = kept.length
      let at = end
      while (at - 1 > start && (kept[at - 1] as Line).text.trim() === '') at--
      out.splice(at, 0, ...block)
    }
  }
  const joined = out.join('\n')
  return { text: joined.trim() === '' ? null : `${joined}\n`, replaced }
}
