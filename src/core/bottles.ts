import { setTimeout as sleep } from 'node:timers/promises';
import { type CoreContext, isOwnerAlive } from './context';
import { type BottleContainer, findBottleContainers, removeBottleContainer, removeOwnedContainer } from './docker/containers';
import { containerNameFor } from './plan/slug';
import { IMAGE_LABELS } from './docker/images';
import { BottleError, type ErrorInfo, toErrorInfo } from './errors';
import { dockerEndpoint } from './docker/client';
import { toBottleError } from './docker/dockerErrors';
import { LABELS } from './plan/plan';
import type { BottleRecord } from './state/bottleRecord';
import type { CorruptState } from './state/stateStore';
import { snapshotTranscript } from './state/transcripts';
import { EGRESS_ROLE_LABEL } from './network/bottleEgress';
import { removeBottleEgress } from './network/egressForBottle';

// Bottles as `ps` sees them: the state folders joined with the containers Docker lists by label,
// so that a bottle whose owner died, or a container whose state vanished, still shows up.

export interface LiveBottle {
  slug: string;
  agent: string;
  project: string;
  containerName: string;
  /** Docker's state: running, exited, created ... */
  containerState: string;
  record?: BottleRecord;
  /** A live process is attached to Claude's session. */
  attached: boolean;
}

/** An image the app built and keeps as a cache (copy-project, agent builds, the built-in base). */
export interface CachedImage {
  tag: string;
  kind: string;
  project?: string;
  sizeBytes: number;
  created: string;
}

export interface BottleListing {
  live: LiveBottle[];
  preserved: BottleRecord[];
  /** Session owner died and its container is gone: resumable, like a preserved bottle. */
  interrupted: BottleRecord[];
  corrupt: CorruptState[];
  images: CachedImage[];
  /** Docker could not be asked: `live` and `images` are empty, the rest comes from the state folders. */
  dockerProblem?: ErrorInfo;
}

/**
 * The bottles of this state root. `images: false` leaves the cached images out: the window asks
 * for its list at every change, often while a container starts, and never shows them.
 */
export async function listBottles(ctx: CoreContext, { images: withImages = true } = {}): Promise<BottleListing> {
  const states = await ctx.store.list();
  let containers: BottleContainer[] = [];
  let images: CachedImage[] = [];
  let dockerProblem: ErrorInfo | undefined;
  try {
    [containers, images] = await Promise.all([findBottleContainers(ctx.docker, { [LABELS.home]: ctx.store.root }), withImages ? listCachedImages(ctx) : []]);
  } catch (error) {
    // The engine is gone: what the state folders know is still worth showing, with the reason.
    dockerProblem = toErrorInfo(toBottleError(error, 'docker-unavailable', 'listing bottles', dockerEndpoint(ctx.docker)));
  }
  const bySlug = new Map(states.records.map((record) => [record.slug, record]));
  // A bottle's egress sidecar (and its network holder) carry its labels too, plus a role: they
  // belong to the bottle and are removed with it, not listed as bottles of their own. A container
  // that no longer runs, of a bottle settled as preserved or whose process died (the engine went
  // away under it), is listed with its record: resumable, and removed by that resume.
  const live: LiveBottle[] = containers.filter((container) => container.labels[EGRESS_ROLE_LABEL] === undefined && !isLeftover(container, bySlug)).map((container) => {
    const slug = container.labels[LABELS.slug] ?? '';
    const record = bySlug.get(slug);
    return {
      slug,
      agent: container.labels[LABELS.agent] ?? '',
      project: container.labels[LABELS.project] ?? '',
      containerName: container.name,
      containerState: container.state,
      ...(record ? { record } : {}),
      attached: isOwnerAlive(record?.owner),
    };
  });
  const liveSlugs = new Set(live.map((bottle) => bottle.slug));
  const notLive: BottleRecord[] = [];
  for (const record of states.records.filter((candidate) => !liveSlugs.has(candidate.slug))) {
    // A preflight whose process died started nothing and holds no conversation: tidy it away, with
    // the network made while it was open (its sidecar and holder exited when their owner died).
    if (record.status === 'prepared' && !isOwnerAlive(record.owner)) {
      if (!dockerProblem) await removeBottleEgress(ctx.docker, record.slug);
      await ctx.store.remove(record.slug);
    } else notLive.push(record);
  }
  return {
    live,
    preserved: notLive.filter((record) => record.status === 'preserved'),
    interrupted: notLive.filter((record) => record.status !== 'preserved' && record.status !== 'prepared' && !isOwnerAlive(record.owner)),
    corrupt: states.corrupt,
    images,
    ...(dockerProblem ? { dockerProblem } : {}),
  };
}

/** A stopped container whose bottle is preserved, or whose process died: not a live bottle. */
function isLeftover(container: BottleContainer, records: Map<string, BottleRecord>): boolean {
  const record = records.get(container.labels[LABELS.slug] ?? '');
  if (!record || !STOPPED_STATES.has(container.state)) return false;
  return record.status === 'preserved' || !isOwnerAlive(record.owner);
}

const STOPPED_STATES: ReadonlySet<string> = new Set(['exited', 'dead', 'created']);

async function listCachedImages(ctx: CoreContext): Promise<CachedImage[]> {
  const images = await ctx.docker.listImages({ filters: { label: [IMAGE_LABELS.kind] } });
  return images.map((image) => {
    const labels = image.Labels ?? {};
    const project = labels[IMAGE_LABELS.project];
    return {
      tag: image.RepoTags?.find((tag) => tag !== '<none>:<none>') ?? image.Id,
      kind: labels[IMAGE_LABELS.kind] ?? '',
      ...(project ? { project } : {}),
      sizeBytes: image.Size,
      created: new Date(image.Created * 1000).toISOString(),
    };
  });
}

export interface StopResult {
  slug: string;
  preserved: boolean;
}

/** How long `stop` waits for the owning process to settle a bottle before settling it itself. */
const OWNER_SETTLE_TIMEOUT_MS = 15_000;

/**
 * Stops a bottle from any process: snapshot, teardown, settle, as if Claude had exited. When another
 * live process owns the session, it is asked (a stop request in the state folder) and settles it.
 */
export async function stopBottle(ctx: CoreContext, slug: string, { keep = false } = {}): Promise<StopResult> {
  const exists = await ctx.store.exists(slug);
  if (!exists) {
    const containers = await findBottleContainers(ctx.docker, { [LABELS.slug]: slug });
    if (containers.length === 0) throw new BottleError('not-found', `no bottle "${slug}"`, 'list bottles with `claude-bottle ps`');
    for (const container of containers) await removeBottleContainer(ctx.docker, container.name);
    await removeBottleEgress(ctx.docker, slug);
    return { slug, preserved: false };
  }
  const record = await ctx.store.read(slug);
  if (record.status === 'preserved') throw new BottleError('usage', `bottle ${slug} is not running (it is preserved)`, `resume it with \`claude-bottle resume ${slug}\` or discard it`);

  // The container is the slug's, checked by its labels: never whatever name the record says.
  const containerName = containerNameFor(slug);
  const owner = { slug, home: ctx.store.root };
  if (isOwnerAlive(record.owner) && record.owner?.pid !== process.pid) {
    await ctx.store.requestStop(slug, { keep, at: new Date().toISOString() });
    await removeOwnedContainer(ctx.docker, containerName, owner);
    const deadline = Date.now() + OWNER_SETTLE_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!(await ctx.store.exists(slug))) return { slug, preserved: false };
      const now = await ctx.store.read(slug).catch(() => undefined);
      if (now?.status === 'preserved') return { slug, preserved: true };
      await sleep(100);
    }
    // The owner did not settle in time: settle here so the bottle never stays half-stopped.
  }
  // Fails (keeping the container, and with it the conversation) when the transcript cannot be saved.
  await snapshotTranscript(ctx.store, slug);
  await removeOwnedContainer(ctx.docker, containerName, owner);
  await removeBottleEgress(ctx.docker, slug);
  if (!keep) {
    await ctx.store.remove(slug);
    return { slug, preserved: false };
  }
  await ctx.store.update(slug, (current) => {
    const { owner: _owner, ...rest } = current;
    return {
      ...rest,
      status: 'preserved',
      sessions: current.sessions + 1,
      preserved: { reason: 'keep', detail: 'stopped and kept', at: new Date().toISOString() },
    };
  });
  return { slug, preserved: true };
}

/** Removes a bottle that is not running: its state (even a corrupt one) and any leftover container. */
export async function discardBottle(ctx: CoreContext, slug: string): Promise<void> {
  if (!(await ctx.store.exists(slug))) throw new BottleError('not-found', `no bottle "${slug}"`, 'list bottles with `claude-bottle ps`');
  const record = await ctx.store.read(slug).catch(() => undefined);
  if (record && record.status !== 'preserved' && isOwnerAlive(record.owner)) {
    throw new BottleError('usage', `bottle ${slug} is running`, `stop it first with \`claude-bottle stop ${slug}\``);
  }
  for (const container of await findBottleContainers(ctx.docker, { [LABELS.slug]: slug })) {
    await removeBottleContainer(ctx.docker, container.name);
  }
  await removeBottleEgress(ctx.docker, slug);
  await ctx.store.remove(slug);
}
