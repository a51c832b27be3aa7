import type { CoreContext } from './context';
import { isOwnerAlive } from './context';
import { findBottleContainers, removeBottleContainer } from './docker/containers';
import { IMAGE_LABELS } from './docker/images';
import { LABELS } from './labels';
import { EGRESS_ROLE_LABEL } from './network/bottleEgress';

// `claude-bottle prune` and the window's "Free space": what the app made and no bottle owns any
// more — containers and sidecars whose bottle has no state folder, networks with no container,
// cached images no bottle uses (project copies, agent builds, older built-in base and proxy
// images), volumes with this state root's label, and state folders that cannot be read. Listed
// first; removed only when asked. Preserved bottles, and whatever a live one uses, are never
// touched. See docs/operations.md.

export type PruneKind = 'container' | 'sidecar' | 'network' | 'image' | 'volume' | 'state';

export interface PruneItem {
  kind: PruneKind;
  /** What Docker or the state root calls it. */
  name: string;
  why: string;
  sizeBytes?: number;
}

export interface PruneResult {
  item: PruneItem;
  error?: string;
}

/** The image kinds kept one at a time: the newest of each is the one in use. */
const VERSIONED_KINDS = new Set(['builtin-base', 'egress-proxy']);

export interface PruneOptions {
  /** Also cached images (default); false keeps them. */
  images?: boolean;
}

export async function findPrunable(ctx: CoreContext, options: PruneOptions = {}): Promise<PruneItem[]> {
  const items: PruneItem[] = [];
  const states = await ctx.store.list();
  const records = new Map(states.records.map((record) => [record.slug, record]));
  const containers = await findBottleContainers(ctx.docker, { [LABELS.home]: ctx.store.root });
  // A bottle owns things while it has a state folder and a container (or a live process holding it).
  const owned = (slug: string): boolean => {
    const record = records.get(slug);
    if (!record) return false;
    return isOwnerAlive(record.owner) || containers.some((container) => container.labels[LABELS.slug] === slug && container.labels[EGRESS_ROLE_LABEL] === undefined);
  };
  const slugsWithBottle = new Set(containers.filter((container) => container.labels[EGRESS_ROLE_LABEL] === undefined).map((container) => container.labels[LABELS.slug] ?? ''));

  for (const container of containers) {
    const slug = container.labels[LABELS.slug] ?? '';
    const record = records.get(slug);
    const role = container.labels[EGRESS_ROLE_LABEL];
    if (role !== undefined) {
      // A sidecar or network holder outlives its bottle only by accident.
      if (!owned(slug)) items.push({ kind: 'sidecar', name: container.name, why: `the ${role} of ${slug}, whose bottle is gone` });
    } else if (!record) {
      items.push({ kind: 'container', name: container.name, why: `${container.state}; no state folder owns it (bottle ${slug || 'unknown'})` });
    }
  }

  const networks = await ctx.docker.listNetworks({ filters: { label: [`${LABELS.home}=${ctx.store.root}`] } });
  for (const network of networks) {
    const slug = network.Labels?.[LABELS.slug] ?? '';
    if (!owned(slug)) items.push({ kind: 'network', name: network.Name, why: `the network of ${slug || 'an unknown bottle'}, with no container` });
  }

  // Images any container of the engine uses (other state roots' too) or a bottle's record names.
  const allContainers = options.images === false ? [] : await ctx.docker.listContainers({ all: true });
  const used = new Set<string>([...allContainers.flatMap((container) => [container.Image, container.ImageID]), ...states.records.flatMap((record) => (record.image ? [record.image] : []))]);
  const images = options.images === false ? [] : await ctx.docker.listImages({ filters: { label: [IMAGE_LABELS.kind] } });
  const newestOfKind = new Map<string, number>();
  for (const image of images) {
    const kind = image.Labels?.[IMAGE_LABELS.kind] ?? '';
    if (VERSIONED_KINDS.has(kind)) newestOfKind.set(kind, Math.max(newestOfKind.get(kind) ?? 0, image.Created));
  }
  for (const image of images) {
    const kind = image.Labels?.[IMAGE_LABELS.kind] ?? '';
    const tags = (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>');
    if (tags.some((tag) => used.has(tag)) || used.has(image.Id)) continue;
    const name = tags[0] ?? image.Id;
    if (kind === 'copy-project' || kind === 'agent-build') {
      items.push({ kind: 'image', name, why: `a ${kind === 'copy-project' ? 'project copy' : 'agent build'} of ${image.Labels?.[IMAGE_LABELS.project] ?? 'a project'} no bottle uses (rebuilt when needed)`, sizeBytes: image.Size });
    } else if (VERSIONED_KINDS.has(kind) && image.Created < (newestOfKind.get(kind) ?? 0)) {
      items.push({ kind: 'image', name, why: `an older ${kind === 'builtin-base' ? 'built-in base' : 'egress proxy'} image`, sizeBytes: image.Size });
    }
  }

  const volumes = (await ctx.docker.listVolumes({ filters: { label: [`${LABELS.home}=${ctx.store.root}`] } })).Volumes ?? [];
  for (const volume of volumes) {
    const slug = volume.Labels?.[LABELS.slug] ?? '';
    if (!records.has(slug)) items.push({ kind: 'volume', name: volume.Name, why: `no state folder owns it (bottle ${slug || 'unknown'})` });
  }

  for (const corrupt of states.corrupt) {
    if (!slugsWithBottle.has(corrupt.slug)) items.push({ kind: 'state', name: corrupt.slug, why: `its bottle.json cannot be read (${corrupt.problem})` });
  }
  return items;
}

/** Removes what `findPrunable` listed, each on its own: one that fails is reported, the rest go on. */
export async function prune(ctx: CoreContext, items: readonly PruneItem[]): Promise<PruneResult[]> {
  const results: PruneResult[] = [];
  // Containers before the networks they sit on.
  const order: PruneKind[] = ['container', 'sidecar', 'network', 'volume', 'image', 'state'];
  for (const kind of order) {
    for (const item of items.filter((candidate) => candidate.kind === kind)) {
      try {
        if (kind === 'container' || kind === 'sidecar') await removeBottleContainer(ctx.docker, item.name);
        else if (kind === 'network') await ctx.docker.getNetwork(item.name).remove();
        else if (kind === 'volume') await ctx.docker.getVolume(item.name).remove();
        else if (kind === 'image') await ctx.docker.getImage(item.name).remove();
        else await ctx.store.remove(item.name);
        results.push({ item });
      } catch (error) {
        results.push({ item, error: (error as Error).message });
      }
    }
  }
  return results;
}
