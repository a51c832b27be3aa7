// First-run checks: `runDoctor` for the window and `claude-bottle doctor`, and the terminal report.
export {
  CLAUDE_CREDENTIAL_NAMES,
  DOCTOR_LIMITS,
  dockerFix,
  formatBytes,
  formatDoctorReport,
  runDoctor,
  type DoctorCheck,
  type DoctorCheckId,
  type DoctorOptions,
  type DoctorStatus,
} from './doctor';
