// The manifest module's public API: load a claude-bottle.json into resolved agents.
export { findManifest } from './discover';
export { loadManifest, loadManifestText, type LoadOptions } from './load';
export { parseMemorySize, MIN_MEMORY_BYTES } from './memory';
export { DANGER_REASONS } from '../host-safety';
export { formatKeyPath } from './locate';
export * from './schema';
export * from './types';
export { ManifestError, formatManifestIssue, type ManifestIssue } from '../errors';
