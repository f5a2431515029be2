// Shell completion: the scripts for bash, zsh and fish, and the live values they ask dbaas for (instances,
// backups, namespaces, storage classes, contexts). The shells call `dbaas __complete <words…> <current>` and
// read cobra's protocol back: one candidate a line (`value<TAB>description`), then `:<directive>`. kubectl's
// plugin completion (`kubectl_complete-dbaas`) speaks the same protocol, so `kubectl dbaas <TAB>` works too.
import type { ClusterFlags, Deps } from '../deps.ts'
import { R } from '../k8s/kube.ts'
import { KIND, Kinds, MANAGED } from '../k8s/labels.ts'
import { listInstances } from './list.ts'

export interface Candidate {
  value: string
  description?: string | undefined
}

/** cobra's ShellCompDirective bits that dbaas uses. */
export const Directive = { default: 0, noSpace: 2, noFileComp: 4 } as const

export function formatCompletion(items: Candidate[], directive: number, descriptions = true): string {
  const lines = items.map((c) => (descriptions && c.description ? `${c.value}\t${c.description.split('\n')[0]}` : c.value))
  return `${[...lines, `:${directive}`].join('\n')}\n`
}

/** Completion must never hang a shell: each lookup is bounded and every failure is silence. */
async function quietly(fn: () => Promise<Candidate[]>): Promise<Candidate[]> {
  try {
    return await fn()
  } catch {
    return []
  }
}

export function completionCluster(flags: ClusterFlags): ClusterFlags {
  return { ...flags, requestTimeout: flags.requestTimeout ?? '5s' }
}

/** Instance names; `kind` narrows to single instances or HA clusters (the `ha` verbs). */
export function liveInstances(flags: ClusterFlags, deps: Deps, kind?: 'instance' | 'ha-cluster'): Promise<Candidate[]> {
  return quietly(async () => {
    const res = await listInstances({ cluster: completionCluster(flags), namespace: flags.namespace }, deps)
    return res.items.filter((i) => !kind || (i as { kind?: string }).kind === kind).map((i) => ({ value: i.name, description: `${i.engine} ${i.version}, ${i.status}, ${i.namespace}` }))
  })
}

export function liveBackups(flags: ClusterFlags, deps: Deps): Promise<Candidate[]> {
  return quietly(async () => {
    const kube = await deps.kube(completionCluster(flags))
    const list = await kube.list(R.volumeSnapshots, flags.namespace, { labelSelector: `${MANAGED},${KIND}=${Kinds.backup}`, metadataOnly: true })
    return list.items.map((s) => ({ value: s.metadata.name, description: `backup in ${s.metadata.namespace}` }))
  })
}

/** HA clusters' backups (CloudNativePG Backup objects), for `ha restore`. */
export function liveHaBackups(flags: ClusterFlags, deps: Deps): Promise<Candidate[]> {
  return quietly(async () => {
    const { CNPG } = await import('./ha/engines/cnpg.ts')
    const kube = await deps.kube(completionCluster(flags))
    const list = await kube.list(CNPG.backups, flags.namespace)
    return list.items.map((b) => ({ value: b.metadata.name, description: `backup of HA cluster ${b.spec?.cluster?.name ?? '?'} in ${b.metadata.namespace}` }))
  })
}

export function liveNamespaces(flags: ClusterFlags, deps: Deps): Promise<Candidate[]> {
  return quietly(async () => {
    const kube = await deps.kube(completionCluster(flags))
    return (await kube.list(R.namespaces, undefined, { metadataOnly: true })).items.map((n) => ({ value: n.metadata.name }))
  })
}

export function liveStorageClasses(flags: ClusterFlags, deps: Deps): Promise<Candidate[]> {
  return quietly(async () => {
    const kube = await deps.kube(completionCluster(flags))
    return (await kube.list(R.storageClasses, undefined, { metadataOnly: true })).items.map((n) => ({ value: n.metadata.name }))
  })
}

export function contexts(flags: ClusterFlags, deps: Deps): Promise<Candidate[]> {
  return quietly(async () => {
    const raw = (await deps.kubeconfig(flags)).raw as { contexts?: Array<{ name: string }> }
    return (raw.contexts ?? []).map((c) => ({ value: c.name }))
  })
}

export const shells = ['bash', 'zsh', 'fish'] as const
export type Shell = (typeof shells)[number]

/** The script a shell sources. `prog` is the command the user types (dbaas). */
export function completionScript(shell: Shell, prog = 'dbaas'): string {
  const fn = `_${prog.replace(/[^A-Za-z0-9_]/g, '_')}`
  if (shell === 'bash') {
    return `# bash completion for ${prog}; load with: source <(${prog} completion bash)
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" out line directive=0
  local -a words=("\${COMP_WORDS[@]:1:COMP_CWORD}")
  [[ \${#words[@]} -lt COMP_CWORD ]] && words+=("")
  out=$(${prog} __complete "\${words[@]}" 2>/dev/null) || return 0
  COMPREPLY=()
  while IFS= read -r line; do
    if [[ $line == :* ]]; then directive=\${line#:}; continue; fi
    line=\${line%%$'\\t'*}
    [[ -z $line || $line != "$cur"* ]] && continue
    COMPREPLY+=("$line")
  done <<< "$out"
  if (( ${'$'}{#COMPREPLY[@]} == 0 && (directive & 4) == 0 )); then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -F ${fn} ${prog}
`
  }
  if (shell === 'zsh') {
    return `#compdef ${prog}
# zsh completion for ${prog}; load with: source <(${prog} completion zsh)
${fn}() {
  local -a words_ lines completions
  local out line directive=0
  words_=("\${(@)words[2,CURRENT]}")
  out=$(${prog} __complete "\${words_[@]}" 2>/dev/null) || return 0
  lines=("\${(@f)out}")
  for line in "\${lines[@]}"; do
    if [[ $line == :* ]]; then directive=\${line#:}; continue; fi
    [[ -z $line ]] && continue
    if [[ $line == *$'\\t'* ]]; then completions+=("\${\${line%%$'\\t'*}//:/\\\\:}:\${line#*$'\\t'}"); else completions+=("\${line//:/\\\\:}"); fi
  done
  if (( \${#completions} )); then
    _describe -t values '${prog}' completions
  elif (( (directive & 4) == 0 )); then
    _files
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then ${fn} "$@"; else compdef ${fn} ${prog}; fi
`
  }
  return `# fish completion for ${prog}; load with: ${prog} completion fish | source
function __${fn}_complete
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l current (commandline -ct)
    ${prog} __complete $tokens $current 2>/dev/null | string match -v -r '^:'
end
complete -c ${prog} -f -a '(__${fn}_complete)'
`
}
