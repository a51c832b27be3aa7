// Host safety: what a host path handed to a bottle (a mount, the project folder, a build context)
// reaches. Manifest checks and the container layer's last check share it; see docs/security.md.
export { assessHostPath, describeReasons, reachesSocket, type AssessOptions, type DangerReason, type HostAssessment } from './assessHostPath';
export { DANGER_REASONS, DEFAULT_DOCKER_DATA_ROOT, DOCKER_SOCKET_PATHS, sensitivePlaces, type DangerKind, type HostSafetyEnv, type SensitiveSet } from './sensitivePlaces';
