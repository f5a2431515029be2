// dbaas metrics dashboards install: Grafana dashboards for each engine, as ConfigMaps Grafana's sidecar loads.
import { Command } from 'commander'
import type { Deps } from '../../../../deps.ts'
import { installDashboards } from '../../../../core/metrics/dashboards.ts'
import { dashboardsWriter } from '../../../../output/writers/metrics.ts'
import { clusterOptions } from '../../../flags.ts'
import { command } from '../../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'install',
      description: "Install Grafana dashboards for each engine as ConfigMaps with the label Grafana's dashboard sidecar watches",
      options: (cmd) => {
        cmd
          .option('--label <key=value>', "the label Grafana's dashboard sidecar selects ConfigMaps by", 'grafana_dashboard=1')
          .option('--folder <name>', 'a Grafana folder for the dashboards (needs the sidecar\'s folderAnnotation)')
          .option('--folder-annotation <key>', 'the annotation the sidecar reads the folder from', 'grafana_folder')
          .option('--dry-run', 'validate the ConfigMaps on the server, write nothing')
        clusterOptions(cmd, 'namespace (default: the one Grafana runs in, else the context\'s)')
      },
      examples: [
        ["Beside kube-prometheus-stack's Grafana (found by its label)", 'dbaas metrics dashboards install'],
        ['Another sidecar label, in a folder', 'dbaas metrics dashboards install -n grafana --label grafana_dashboard=true --folder Databases'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: dashboardsWriter, progress: true },
      complete,
      validate,
      run: installDashboards,
    },
    deps,
  )
