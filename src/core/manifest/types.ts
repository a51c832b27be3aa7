import type { ClaudeInheritItem, Manifest, ProjectMode } from './schema';

// What `loadManifest` hands to the rest of the core: the validated manifest with every relative
// path made absolute, `~` expanded, defaults applied and dangerous sources checked.

export interface ResolvedMount {
  /** Absolute host path; it existed when the manifest was loaded. */
  source: string;
  /** Absolute container path. */
  target: string;
  readonly: boolean;
  /** Set when the source is one docs/security.md refuses without `"dangerous": true`. */
  dangerousReason?: string;
  /** The source is, holds or may lead to a socket (the plan's hardening.dockerSocket). */
  reachesSocket?: boolean;
}

export type NetworkPolicy = { mode: 'none' } | { mode: 'open' } | { mode: 'allow'; hosts: string[] };

export interface ResolvedResources {
  /** Bytes. */
  memory: number;
  cpus: number;
  pids: number;
}

export type ImageSource =
  | { kind: 'image'; ref: string }
  | {
      kind: 'build';
      context: string;
      dockerfile: string;
      args: Record<string, string>;
      /** Set when the context reaches what docs/security.md refuses (allowed by "dangerous": true). */
      dangerousReason?: string;
      /** The context is not inside the project folder: shown in the preflight. */
      outsideProject?: boolean;
    };

export interface ResolvedCapability {
  name: string;
  description: string;
  mounts: ResolvedMount[];
  secrets: string[];
  network?: NetworkPolicy;
}

export interface ResolvedAgent {
  name: string;
  description: string;
  image: ImageSource;
  /**
   * Set when the project folder itself reaches what docs/security.md refuses: allowed by
   * "dangerous": true, or kept with "project": "none" (so a copy-project launch can refuse it).
   */
  projectDangerousReason?: string;
  /** The project folder is, holds or may lead to a socket. */
  projectReachesSocket?: boolean;
  workdir: string;
  /** As written in the manifest; undefined means "decide from the image" (docs/security.md). */
  user?: string;
  project: ProjectMode;
  mounts: ResolvedMount[];
  env: Record<string, string>;
  secrets: string[];
  network: NetworkPolicy;
  resources: ResolvedResources;
  capabilities: Record<string, ResolvedCapability>;
  claudeArgs: string[];
  remoteControl: boolean;
  /** Parts of the user's own Claude folder copied in at launch; absent when none (docs/manifest.md). */
  claudeInherit?: ClaudeInheritItem[];
  dangerous: boolean;
}

export interface LoadedManifest {
  /** Absolute path of claude-bottle.json. */
  file: string;
  /** The folder holding it. */
  projectRoot: string;
  manifest: Manifest;
  /** In the order the file lists them. */
  agents: ResolvedAgent[];
}

export const MANIFEST_FILE_NAME = 'claude-bottle.json';
export const DEFAULT_WORKDIR = '/workspace';
export const DEFAULT_RESOURCES = { memory: '4g', cpus: 2, pids: 512 } as const;
