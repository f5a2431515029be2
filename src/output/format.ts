// -o as kubectl has it: table, wide, json, yaml, name and jsonpath=<template>, plus --no-headers for tables.
// Parsed once, by the command pipeline, before anything else runs: a bad -o is a usage error (exit 2).
import { UsageError } from '../errors.ts'

export const FORMATS = ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath'] as const
export type Format = (typeof FORMATS)[number]

export interface OutputSpec {
  format: Format
  /** The template of -o jsonpath=<template>. */
  template?: string | undefined
  /** --no-headers: tables without their header row. */
  noHeaders: boolean
  /** A command's own text variant of its human view (connection's --format uri|env). */
  variant?: string | undefined
}

/** Formats whose output is for people (spinners, prompts and colours allowed). */
export function isHuman(o: Pick<OutputSpec, 'format'>): boolean {
  return o.format === 'table' || o.format === 'wide'
}

/** Formats whose output is a machine document: errors go to stderr as JSON for json (and yaml) too. */
export function isData(o: Pick<OutputSpec, 'format'>): boolean {
  return o.format === 'json' || o.format === 'yaml' || o.format === 'jsonpath'
}

function stripQuotes(s: string): string {
  if (s.length >= 2 && ((s.startsWith("'") && s.endsWith("'")) || (s.startsWith('"') && s.endsWith('"')))) return s.slice(1, -1)
  return s
}

/** Parses -o (default: table) against the formats this command supports. */
export function parseOutput(value: string | undefined, allowed: readonly Format[], noHeaders = false): OutputSpec {
  const v = value ?? 'table'
  const jp = /^jsonpath(?:=(.*))?$/s.exec(v)
  const format = (jp ? 'jsonpath' : v) as Format
  const shown = allowed.filter((f) => f !== 'table').map((f) => (f === 'jsonpath' ? 'jsonpath=<template>' : f))
  if (!(allowed as readonly string[]).includes(format)) {
    throw new UsageError(`unknown output format "${v}"`, { hint: shown.length ? `use -o ${shown.join('|')}` : 'this command prints one format only: leave out -o' })
  }
  if (format === 'jsonpath') {
    const template = stripQuotes(jp?.[1] ?? '')
    if (template === '') throw new UsageError('-o jsonpath needs a template', { hint: "e.g. -o jsonpath='{.name}'" })
    return { format, template, noHeaders }
  }
  if (noHeaders && format !== 'table' && format !== 'wide') {
    throw new UsageError(`--no-headers applies to tables, not to -o ${format}`, { hint: 'leave out --no-headers, or use -o table|wide' })
  }
  return { format, noHeaders }
}
