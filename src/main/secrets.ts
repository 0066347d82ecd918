/** Secrets sealed with the OS keychain (Electron safeStorage) where there is one. */
import type { SafeStorage } from 'electron';
import { plainBox, type SecretBox } from './engine/store/secrets';

type Keychain = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>;

/**
 * Call after `ready` (before it, safeStorage reports no encryption). On Linux without a keyring, safeStorage falls
 * back to a key hard-coded in Chromium ('basic_text'): that protects nothing, so the app says 'file' rather than
 * claim OS protection.
 */
export function secretBoxFor(keychain: Keychain, platform: NodeJS.Platform = process.platform): SecretBox {
  if (!keychain.isEncryptionAvailable()) return plainBox;
  if (platform === 'linux' && keychain.getSelectedStorageBackend() === 'basic_text') return plainBox;
  return {
    protection: 'os',
    seal: (plain) => keychain.encryptString(plain),
    open: (sealed) => keychain.decryptString(sealed),
  };
}
