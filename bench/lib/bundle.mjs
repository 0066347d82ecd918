// Compiles the engine's TypeScript sources into a bench-only CommonJS bundle with rolldown, the bundler that
// electron-vite itself uses for out/main (so the code under test is the same transform of the same sources).
// out/main/cli.js does not export the engine, and no TypeScript runner (vite-node, tsx) is installed; Node's
// --experimental-strip-types cannot run the engine because it uses parameter properties.
import fs from 'node:fs';
import path from 'node:path';

/** Entry points the benchmark needs; runtime dependencies stay external and load from node_modules. */
const ENTRIES = {
  engine: 'src/main/engine/index.ts',
  ytdlp: 'src/main/engine/providers/ytdlp.ts',
  probe: 'src/main/engine/media/probe.ts',
  files: 'src/main/engine/library/files.ts',
  download: 'src/main/engine/net/download.ts',
};

export async function buildEngineBundle(root, outDir) {
  const { build } = await import('rolldown');
  fs.mkdirSync(outDir, { recursive: true });
  const started = performance.now();
  await build({
    input: Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, path.join(root, v)])),
    platform: 'node',
    external: [/^node:/, /^better-sqlite3(\/|$)/, /^pino(\/|$)/, /^zod(\/|$)/, /^electron(\/|$)/],
    logLevel: 'warn',
    output: { dir: outDir, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunk-[hash].cjs' },
    write: true,
  });
  return { dir: outDir, ms: performance.now() - started };
}
