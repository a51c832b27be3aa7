import type { CoreContext } from '../core/context';

/** Runs a command's action and turns its result, or its error, into the process's exit code. */
export type Runner = (action: () => Promise<number>) => Promise<void>;

/** Creates the core's services when a command needs them (not for --help). */
export type ContextFactory = () => CoreContext;
