import { safeStorage } from 'electron';
import type { SecretCipher } from '../core/secrets/appSecretStore';

// The desktop app's cipher for stored secrets: Electron's safeStorage (Keychain on macOS, DPAPI on
// Windows, the Secret Service / kwallet on Linux). Linux without a keyring gets "basic_text",
// which protects nothing: that counts as unavailable, so nothing is stored in a readable form.

export const safeStorageCipher: SecretCipher = {
  isAvailable: () => {
    if (!safeStorage.isEncryptionAvailable()) return false;
    if (process.platform === 'linux' && typeof safeStorage.getSelectedStorageBackend === 'function') {
      const backend = safeStorage.getSelectedStorageBackend();
      return backend !== 'basic_text' && backend !== 'unknown';
    }
    return true;
  },
  encrypt: (plain) => safeStorage.encryptString(plain),
  decrypt: (data) => safeStorage.decryptString(data),
};
