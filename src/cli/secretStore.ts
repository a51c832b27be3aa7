import { type CoreContext, createCoreContext } from '../core/context';
import { keychainCipher } from '../core/secrets/keychainCipher';
import { AppSecretStore, layeredSecrets } from '../core/secrets/appSecretStore';
import { defaultStateRoot } from '../core/state/stateRoot';

// The CLI and browser mode open the app's secret store too: what `claude-bottle login` (or the
// window's Sign in) stores serves every bottle, whichever door starts it. Their cipher keeps its key
// in the OS keychain; without one, the environment alone answers, as before.

export function openCliSecretStore(stateRoot: string = defaultStateRoot()): AppSecretStore {
  return new AppSecretStore(stateRoot, keychainCipher());
}

/** The CLI's services: the stored secrets first, then the environment. */
export function createCliContext(): CoreContext {
  return createCoreContext({ secrets: layeredSecrets(openCliSecretStore(), process.env) });
}
