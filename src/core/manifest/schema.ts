import { z } from 'zod';
import { AllowListError, parseAllowEntry } from '../network/allowList';
import { MIN_MEMORY_BYTES, parseMemorySize } from './memory';

// The schema of claude-bottle.json (docs/manifest.md). Every object is strict: an unknown key is an
// error, because a typo in a security tool's config ("readOnly") must never be silently ignored.
// Messages given here are shown as they are, so each says what was expected in plain words; the
// generic ones (wrong type, empty string, number out of range) are worded in messages.ts.

// One pattern for the manifest, the window and the CLI (src/shared/contract/names.ts).
export { AGENT_NAME_PATTERN } from '#contract/names';
import { AGENT_NAME_PATTERN, SECRET_NAME_PATTERN } from '#contract/names';
/** Environment variable names, as POSIX shells accept them. */
const ENV_NAME_PATTERN = SECRET_NAME_PATTERN;
/** Docker memory sizes: a number with an optional b/k/m/g unit. */
export const MEMORY_PATTERN = /^[0-9]+(\.[0-9]+)?[bkmgBKMG]?$/;
/** A user or group name (as useradd accepts them, at most 32 characters), or a numeric id. */
const USER_PART_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;
/** Ids above this are negative in Docker's and the kernel's signed 32-bit fields. */
export const MAX_USER_ID = 2_147_483_647;

/**
 * How many entries a list of an agent may have. They bound what the preflight shows a person
 * before confirming (every mount, variable and secret is one line of it), so nothing is cut from it.
 */
export const MANIFEST_LIMITS = {
  mounts: 100,
  env: 200,
  secrets: 100,
  capabilities: 16,
  /** Each capability's own mounts and secrets (a granted capability adds them to the agent's). */
  capabilityEntries: 16,
  claudeArgs: 64,
  buildArgs: 200,
  allow: 1000,
} as const;
/** An allow-list entry, checked by the same parser the egress proxy uses (docs/network.md). */
const allowEntry = z.string().superRefine((entry, ctx) => {
  try {
    parseAllowEntry(entry);
  } catch (error) {
    if (!(error instanceof AllowListError)) throw error;
    ctx.addIssue({ code: 'custom', message: `${error.message}: expected a host name ("github.com", "*.npmjs.org", "example.com:8443"), an IP address or a range ("10.0.0.0/8")` });
  }
});

const ABSOLUTE_PATH_EXPECTED = 'expected an absolute container path (starting with "/")';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const fewKeys = (max: number) => (record: Record<string, unknown>) => Object.keys(record).length <= max;
const tooManyKeys = (max: number, what: string) => `expected at most ${max} ${what}`;

const envName = z.string().regex(ENV_NAME_PATTERN, 'expected an environment variable name (letters, digits and _, not starting with a digit)');

export const NETWORK_EXPECTED = 'expected one of "none", "open" or { "allow": [...] }';

export const networkSchema = z.union(
  [
    z.literal('none'),
    z.literal('open'),
    z.strictObject({
      // An empty list is the safe default: Claude's API through the proxy, and nothing else.
      allow: z.array(allowEntry).max(MANIFEST_LIMITS.allow),
    }),
  ],
  { error: NETWORK_EXPECTED },
);

export const resourcesSchema = z.strictObject({
  memory: z
    .string()
    .regex(MEMORY_PATTERN, 'expected a memory size such as "512m" or "4g"')
    // Checked here rather than when resolving, so an unused default is still checked; past a
    // pebibyte a size is a typo, or a number too large to hold exactly.
    .refine((size) => !MEMORY_PATTERN.test(size) || (parseMemorySize(size) ?? 0) >= MIN_MEMORY_BYTES, {
      error: (issue) => `expected a memory size from "6m" (Docker's minimum) to "1048576g", got ${JSON.stringify(issue.input)}`,
    })
    .optional(),
  // Docker refuses less than a hundredth of a CPU.
  cpus: z.number().min(0.01, "expected at least 0.01 CPUs (Docker's minimum)").max(1024).optional(),
  pids: z.number().int().min(16).max(1_000_000).optional(),
});

export const mountSchema = z.strictObject({
  source: z.string().min(1),
  target: z.string().startsWith('/', ABSOLUTE_PATH_EXPECTED),
  /** Required to be explicit false for a read-write mount; absent means read-only. */
  readonly: z.boolean().optional(),
});

export const buildSchema = z.strictObject({
  context: z.string().min(1),
  dockerfile: z.string().min(1).optional(),
  args: z.record(z.string(), z.string()).refine(fewKeys(MANIFEST_LIMITS.buildArgs), tooManyKeys(MANIFEST_LIMITS.buildArgs, 'build arguments')).optional(),
});

export const capabilitySchema = z.strictObject({
  description: z.string().min(1),
  mounts: z.array(mountSchema).max(MANIFEST_LIMITS.capabilityEntries).optional(),
  secrets: z.array(envName).max(MANIFEST_LIMITS.capabilityEntries).optional(),
  network: networkSchema.optional(),
});

/** The parts of the user's own Claude folder a bottle may take a copy of (docs/manifest.md). */
export const CLAUDE_INHERIT_ITEMS = ['CLAUDE.md', 'settings.json', 'agents', 'commands', 'skills'] as const;

const claudeInheritSchema = z
  .array(z.enum(CLAUDE_INHERIT_ITEMS, { error: (issue) => `expected one of ${CLAUDE_INHERIT_ITEMS.map((item) => JSON.stringify(item)).join(', ')}, got ${typeof issue.input === 'string' ? JSON.stringify(issue.input.slice(0, 100)) : 'something else'}` }))
  .superRefine((items, ctx) => {
    // Checked here, not with .max(): zod would also apply that to a string given instead of a list.
    if (!Array.isArray(items)) return;
    if (items.length > CLAUDE_INHERIT_ITEMS.length) {
      ctx.addIssue({ code: 'custom', message: `expected a list of at most ${CLAUDE_INHERIT_ITEMS.length} entries, each part once` });
      return;
    }
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (seen.has(item)) ctx.addIssue({ code: 'custom', path: [index], message: `expected each part once; "${item}" is listed twice` });
      seen.add(item);
    });
  });

export const claudeSchema = z.strictObject({
  args: z.array(z.string()).max(MANIFEST_LIMITS.claudeArgs).optional(),
  remoteControl: z.boolean().optional(),
  inherit: claudeInheritSchema.optional(),
});

export const projectModeSchema = z.enum(['mount-rw', 'mount-ro', 'copy', 'none']);

export const agentSchema = z
  .strictObject({
    description: z.string().optional(),
    image: z.string().min(1).optional(),
    build: buildSchema.optional(),
    workdir: z.string().startsWith('/', ABSOLUTE_PATH_EXPECTED).optional(),
    user: z
      .string()
      .refine((user) => user.split(':').length <= 2 && user.split(':').every((part) => USER_PART_PATTERN.test(part)), {
        error: (issue) => `expected a user name or uid[:gid] such as "agent" or "1000:1000" (names: letters, digits, _ . -, at most 32 characters), got ${JSON.stringify(String(issue.input).slice(0, 100))}`,
      })
      .refine((user) => user.split(':').every((part) => !/^\d+$/.test(part) || Number(part) <= MAX_USER_ID), `expected uids and gids from 0 to ${MAX_USER_ID}`)
      .optional(),
    project: projectModeSchema.optional(),
    mounts: z.array(mountSchema).max(MANIFEST_LIMITS.mounts).optional(),
    env: z.record(envName, z.string()).refine(fewKeys(MANIFEST_LIMITS.env), tooManyKeys(MANIFEST_LIMITS.env, 'variables')).optional(),
    secrets: z.array(envName).max(MANIFEST_LIMITS.secrets).optional(),
    network: networkSchema.optional(),
    resources: resourcesSchema.optional(),
    capabilities: z
      .record(z.string().regex(AGENT_NAME_PATTERN, 'expected a capability name (lowercase letters, digits, _ . -)'), capabilitySchema)
      .refine(fewKeys(MANIFEST_LIMITS.capabilities), tooManyKeys(MANIFEST_LIMITS.capabilities, 'capabilities'))
      .optional(),
    claude: claudeSchema.optional(),
    dangerous: z.boolean().optional(),
  })
  .superRefine(
    (agent, ctx) => {
      if (agent.image === undefined && agent.build === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected an "image" or a "build" (exactly one of them)' });
      } else if (agent.image !== undefined && agent.build !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['build'], message: 'expected either "image" or "build", not both' });
      }
      const secrets = Array.isArray(agent.secrets) ? agent.secrets : [];
      // Sets, not indexOf/includes: a long list must not make validation quadratic.
      const seen = new Set<string>();
      secrets.forEach((name, index) => {
        if (seen.has(name)) {
          ctx.addIssue({ code: 'custom', path: ['secrets', index], message: `expected each secret once; "${name}" is listed twice` });
        }
        seen.add(name);
      });
      const env = isPlainObject(agent.env) ? agent.env : {};
      for (const name of Object.keys(env)) {
        if (seen.has(name)) {
          // A value written in the manifest would defeat the point of naming it a secret.
          ctx.addIssue({ code: 'custom', path: ['env', name], message: `expected "${name}" in "env" or in "secrets", not both` });
        }
      }
    },
    // Run even when another key of the agent is wrong, so every issue is reported at once.
    { when: (payload) => isPlainObject(payload.value) },
  );

export const manifestSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1),
  defaults: z
    .strictObject({
      network: networkSchema.optional(),
      resources: resourcesSchema.optional(),
      claude: z.strictObject({ inherit: claudeInheritSchema.optional() }).optional(),
    })
    .optional(),
  agents: z.record(z.string().regex(AGENT_NAME_PATTERN, 'expected an agent name of lowercase letters, digits, _ . - (matching ^[a-z0-9][a-z0-9_.-]{0,62}$)'), agentSchema),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type AgentConfig = z.infer<typeof agentSchema>;
export type MountConfig = z.infer<typeof mountSchema>;
export type NetworkConfig = z.infer<typeof networkSchema>;
export type ResourcesConfig = z.infer<typeof resourcesSchema>;
export type CapabilityConfig = z.infer<typeof capabilitySchema>;
export type ProjectMode = z.infer<typeof projectModeSchema>;
export type ClaudeInheritItem = (typeof CLAUDE_INHERIT_ITEMS)[number];
