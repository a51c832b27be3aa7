// The Docker layer of the launch core: one module per job, re-exported here.

export {
  CLIENT_DEFAULTS,
  connectDocker,
  dockerCliEnv,
  dockerEndpoint,
  dockerHint,
  dockerSocketPath,
  engineRefusesConnections,
  pingDocker,
  type ConnectOptions,
} from './client';
export {
  contextFilterFrom,
  hashContext,
  packContext,
  readContextFilter,
  type ContextFilter,
  type ExtraFiles,
  type HashOptions,
  type PackOptionsForContext,
} from './context';
export {
  CONTAINER_DEFAULTS,
  LABELS,
  containerState,
  createBottleContainer,
  findBottleContainers,
  removeBottleContainer,
  type BottleContainer,
  type ContainerMount,
  type ContainerSpec,
  type ContainerState,
} from './containers';
export {
  COPY_RECIPE_VERSION,
  IMAGE_DEFAULTS,
  IMAGE_LABELS,
  buildCopyProjectImage,
  buildImage,
  ensureImage,
  imageExists,
  imageId,
  inspectImageUser,
  type BuildSpec,
  type CopyProjectResult,
  type CopyProjectSpec,
  type EnsureImageOptions,
} from './images';
export {
  PROGRESS_LIMITS,
  followBuildStream,
  followPullStream,
  type BuildPhase,
  type BuildProgress,
  type ProgressListener,
} from './progress';
