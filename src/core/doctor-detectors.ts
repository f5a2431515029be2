// The optional areas' own detectors (volume snapshots for backups, CloudNativePG for ha), as doctor checks.
import type { Detector } from './doctor.ts'

export async function doctorDetectors(): Promise<Detector[]> {
  return []
}
