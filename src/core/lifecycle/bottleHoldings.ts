// Everything one bottle holds outside its state folder, and the one order it is given back in
// (docs/architecture.md, "Owning and releasing"). The launcher takes each holding as it acquires
// it; a failed launch, a session that ended and a stop all release through here, so the order
// and the "every step runs" rule are written once.

/**
 * The release order: first what talks to the bottle (Claude's terminal session), then the bottle
 * itself (its container), then what it needed while it lived (its egress sidecar and network, its
 * control channel), and last this process's claim on it.
 */
export const RELEASE_ORDER = ['session', 'container', 'egress', 'channel', 'attachment'] as const;

export type Holding = (typeof RELEASE_ORDER)[number];

export interface ReleaseFailure {
  holding: Holding;
  error: Error;
}

type Release = () => void | Promise<void>;

export class BottleHoldings {
  private readonly held = new Map<Holding, Release>();
  private releasing: Promise<ReleaseFailure[]> | undefined;

  constructor(readonly slug: string) {}

  /** Takes a holding; `release` gives it back. A holding taken after the release is given back at once. */
  hold(holding: Holding, release: Release): void {
    if (this.held.has(holding)) throw new Error(`bottle ${this.slug} already holds its ${holding}`);
    if (this.releasing) {
      void this.releasing.then(() => release()).catch(() => undefined);
      return;
    }
    this.held.set(holding, release);
  }

  holds(holding: Holding): boolean {
    return this.held.has(holding);
  }

  /**
   * Lets a holding outlive this process on purpose (a container whose transcript could not be
   * saved is kept): it is not released, by this or any later call.
   */
  keep(holding: Holding): void {
    this.held.delete(holding);
  }

  /**
   * Gives back everything held, in RELEASE_ORDER, each step awaited and run even when an earlier
   * one failed. Never throws: the failures come back, named. A second call gets the first's result.
   */
  release(): Promise<ReleaseFailure[]> {
    this.releasing ??= this.releaseAll();
    return this.releasing;
  }

  private async releaseAll(): Promise<ReleaseFailure[]> {
    const failures: ReleaseFailure[] = [];
    for (const holding of RELEASE_ORDER) {
      const release = this.held.get(holding);
      if (!release) continue;
      this.held.delete(holding);
      try {
        await release();
      } catch (error) {
        failures.push({ holding, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    return failures;
  }
}
