// `npm start`: build, then run the desktop app, or the headless UI where the Electron binary is missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const extraArgs = process.argv.slice(2);

function run(command, args) {
  const child = spawn(command, args, { cwd: projectDir, stdio: 'inherit' });
  // Ctrl-C already reaches the child through the terminal's process group; stay alive to report its exit code.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('error', (error) => {
    console.error(`Could not start ${command}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

// `require('electron')` downloads the binary on first use; doing that in a child keeps its progress
// messages and stack traces out of the way when it fails (offline), and lets a later run retry.
function electronBinary() {
  const probe = spawnSync(
    process.execPath,
    ['-e', "const p = require('electron'); if (typeof p === 'string') process.stdout.write('\\n' + p)"],
    { cwd: projectDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60_000 },
  );
  const path = probe.status === 0 ? probe.stdout.split('\n').pop() : '';
  return path && existsSync(path) ? path : undefined;
}

const build = spawnSync(process.execPath, [join(projectDir, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
  cwd: projectDir,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

const electron = electronBinary();
if (electron) {
  run(electron, [projectDir, ...extraArgs]);
} else {
  console.log(
    'Electron binary not available on this machine (it is downloaded on first use and this machine is offline); ' +
      'starting the headless UI instead: clipharbor serve',
  );
  const cli = join(projectDir, 'out/main/cli.js');
  if (!existsSync(cli)) {
    console.error(`${cli} is missing: the build did not produce the CLI.`);
    process.exit(1);
  }
  run(process.execPath, [cli, 'serve', ...extraArgs]);
}
