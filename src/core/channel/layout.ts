import { join } from 'node:path';

// Where a bottle's control channel lives, on the host and in the bottle (docs/control-channel.md).
// Three folders of the bottle's state folder, each bind-mounted into the bottle:
//
//   channel/  read-write  the bottle drops request and hook-event files here; the host reads them
//                         as hostile (regular files only, no links, size-capped) and removes them
//   answers/  read-only   the host's answers to requests, one file per request id
//   bin/      read-only   the helpers (bottle-request, bottle-notify) and the list of capabilities
//
// The channel folder is the mount's root inside the bottle, which the bottle cannot replace: every
// host path into it has no component the bottle controls but the last, which is opened without
// following links. Its parent, the state folder, is not visible to the bottle at all.

export const IN_BOTTLE = {
  root: '/claude-bottle',
  channel: '/claude-bottle/channel',
  answers: '/claude-bottle/answers',
  bin: '/claude-bottle/bin',
} as const;

export interface ChannelFolders {
  channel: string;
  answers: string;
  bin: string;
  /** Host-only: requests taken from the channel and waiting for a decision. */
  pending: string;
  /** Host-only: decisions made elsewhere (`claude-bottle grant` in another terminal) for the owner to apply. */
  decisions: string;
}

export function channelFolders(bottleDir: string): ChannelFolders {
  return {
    channel: join(bottleDir, 'channel'),
    answers: join(bottleDir, 'answers'),
    bin: join(bottleDir, 'bin'),
    pending: join(bottleDir, 'pending'),
    decisions: join(bottleDir, 'decisions'),
  };
}

/** Names the bottle may give its files; anything else in the folder is removed unread. */
export const CHANNEL_FILE = /^(request|event)-([A-Za-z0-9_-]{1,80})\.json$/;
/** Request ids, as the helper makes them and the host accepts them. */
export const REQUEST_ID = /^[A-Za-z0-9_-]{1,80}$/;

export const CHANNEL_LIMITS = {
  /** A request or hook event larger than this is not one: removed unread. */
  maxFileBytes: 64 * 1024,
  /** Files handled per look at the folder; a flood is worked through in slices. */
  maxFilesPerScan: 64,
  /** How often the host looks when nothing told it to. */
  pollMs: 250,
  /** Requests waiting for a decision at once; more are refused. */
  maxPending: 16,
  /** The longest a request may wait (the helper's --timeout is capped to this). */
  maxTimeoutSeconds: 24 * 60 * 60,
} as const;
