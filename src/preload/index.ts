import { contextBridge } from 'electron';

// Only plain data crosses the bridge for now; the typed, allowlisted client arrives with the IPC binding.
contextBridge.exposeInMainWorld('clipharbor', {
  version: process.versions['electron'] ?? 'unknown',
});
