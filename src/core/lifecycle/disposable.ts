// The one disposal habit of the code base (docs/architecture.md, "Owning and releasing"): whatever
// holds something that must be given back — a subscription, a timer, a container, a sidecar —
// returns a Disposable, and whoever holds several puts them in a store that releases them all,
// every one even when another fails, in reverse order of acquisition (as VS Code's
// DisposableStore does).

export interface Disposable {
  dispose(): void;
}

/** A Disposable from a function, which runs once however often `dispose` is called. */
export function toDisposable(release: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      release();
    },
  };
}

/**
 * Holds disposables and disposes them together, newest first. A failing `dispose` does not stop
 * the others; the failures are thrown together afterwards (one as itself, several as an
 * AggregateError). Adding to a disposed store disposes the newcomer at once: a subscription made
 * after its owner went away is never leaked.
 */
export class DisposableStore implements Disposable {
  private readonly held: Disposable[] = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  add<T extends Disposable>(disposable: T): T {
    if (this.disposed) {
      disposable.dispose();
      return disposable;
    }
    this.held.push(disposable);
    return disposable;
  }

  /** Disposes what is held now and keeps the store usable. */
  clear(): void {
    const errors: unknown[] = [];
    for (const disposable of this.held.splice(0).reverse()) {
      try {
        disposable.dispose();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} disposals failed`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clear();
  }
}

/** Listens to a Node event emitter until disposed. */
export function listen<A extends unknown[]>(emitter: NodeJS.EventEmitter, event: string, listener: (...args: A) => void): Disposable {
  emitter.on(event, listener as (...args: unknown[]) => void);
  return toDisposable(() => emitter.off(event, listener as (...args: unknown[]) => void));
}
