// dbaas doctor: is this cluster (and this machine) ready for dbaas? ✔/✘/! with a fix for each; exit 1 when a
// required check fails.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { runDoctor, type DoctorReport } from '../../core/doctor.ts'
import { doctorDetectors } from '../../core/doctor-detectors.ts'
import { DbaasError, ExitCode } from '../../errors.ts'
import { doctorWriter } from '../../output/writers/setup.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

/** Exit 1, printing nothing more: the report already says what failed. */
class DoctorFailed extends DbaasError {
  constructor() {
    super('doctor', ExitCode.failed, 'a required check failed', { hint: 'see the checks marked ✘ above' })
  }
}

export default (deps: Deps): Command =>
  command(
    {
      name: 'doctor',
      description: 'Check that the cluster and this machine are ready for dbaas, and say how to fix what is not',
      options: (cmd) => {
        clusterOptions(cmd)
      },
      examples: [
        ['Check the current kubeconfig context', 'dbaas doctor'],
        ['Another context, as JSON, RBAC checked in namespace team-a', 'dbaas doctor --context prod -n team-a -o json'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'jsonpath'], writer: doctorWriter },
      complete,
      validate,
      run: async (o, d) => runDoctor({ ...o, detectors: await doctorDetectors() }, d),
      check: (r: DoctorReport) => {
        if (!r.ok) throw new DoctorFailed()
      },
    },
    deps,
  )
