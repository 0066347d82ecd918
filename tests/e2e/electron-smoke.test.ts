/**
 * The real desktop app end to end: Electron, preload, IPC, engine, renderer. Runs wherever the Electron binary
 * exists; elsewhere it is skipped, and the same path is covered piecewise by tests/unit/electron under Node.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { _electron as electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, it } from 'vitest';
import { startMediaServer, type MediaServer } from '../support/media-server';
import { tempDir } from '../support/engine';

const projectDir = path.resolve(__dirname, '../..');

/**
 * As scripts/start.mjs does it: `require('electron')` in a child, because on a machine without the binary it
 * starts a download (which fails offline) and must neither print into nor hang this run.
 */
function electronBinary(): string | undefined {
  const probe = spawnSync(
    process.execPath,
    ['-e', "const p = require('electron'); if (typeof p === 'string') process.stdout.write('\\n' + p)"],
    { cwd: projectDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
  );
  const found = probe.status === 0 ? probe.stdout.split('\n').pop() : '';
  return found && fs.existsSync(found) ? found : undefined;
}

const binary = electronBinary();
const skipReason = !binary
  ? 'Electron binary not available: it is downloaded on first use and this machine is offline'
  : process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']
    ? 'no display: run the tests under xvfb-run'
    : null;

let server: MediaServer | undefined;
let app: ElectronApplication | undefined;

afterAll(async () => {
  await app?.close();
  await server?.close();
});

describe('desktop app', () => {
  it.skipIf(skipReason !== null)(
    `downloads a link added in the window${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    async () => {
      if (!fs.existsSync(path.join(projectDir, 'out/main/index.js'))) throw new Error('out/ is missing: run `npm run build` first.');
      server = await startMediaServer();
      app = await electron.launch({
        executablePath: binary!,
        // Chromium refuses to run as root with its sandbox (CI runs as root); the app's own sandbox:true stays.
        args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), projectDir],
        env: { ...process.env, CLIPHARBOR_DATA: tempDir('e2e-data'), CLIPHARBOR_LIBRARY: tempDir('e2e-lib') } as Record<string, string>,
        timeout: 60_000,
      });
      const page = await app.firstWindow();
      await page.getByRole('textbox', { name: 'Add URLs' }).fill(server.url('/v/clip-1.mp4'));
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByRole('listitem').filter({ hasText: 'completed' }).first().waitFor({ timeout: 60_000 });
      await app.close();
      app = undefined;
    },
    120_000,
  );
});
