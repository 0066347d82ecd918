import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const electronPatterns = [
  {
    group: ['electron', 'electron/*'],
    message:
      'The engine, server, CLI and shared code must stay plain Node so they run headless and in tests; ' +
      'only the Electron shell files directly under src/main/ (and src/preload/) may import electron.',
  },
];

const NODE_BUILTINS = ['fs', 'path', 'child_process', 'os', 'crypto', 'http', 'https', 'url', 'events', 'stream', 'util', 'net', 'worker_threads', 'buffer'];

// The renderer is sandboxed and src/shared is bundled into it, so neither may reach for Node.
const browserSafePatterns = [
  ...electronPatterns,
  {
    regex: '^node:',
    message: 'Shared code runs in the renderer too: no Node modules here (inject what you need instead).',
  },
  {
    group: NODE_BUILTINS.flatMap((name) => [name, `${name}/*`]),
    message: 'Shared code runs in the renderer too: no Node builtins here (inject what you need instead).',
  },
];

const sharedPatterns = [
  ...browserSafePatterns,
  {
    group: ['react', 'react/*', 'react-dom', 'react-dom/*', 'zustand', 'zustand/*'],
    message: 'Shared code is imported by the engine as well: keep UI libraries in src/renderer.',
  },
];

// `import()` and `require()` bypass no-restricted-imports, so the electron boundary covers them too.
const electronSyntax = [
  {
    selector: 'ImportExpression[source.value=/^electron($|\\u002F)/]',
    message: 'The engine must stay plain Node: no dynamic import of electron here.',
  },
  {
    selector: "CallExpression[callee.name='require'][arguments.0.value=/^electron($|\\u002F)/]",
    message: 'The engine must stay plain Node: no require of electron here.',
  },
];

const nodeGlobals = {
  process: 'readonly',
  console: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  setImmediate: 'readonly',
  structuredClone: 'readonly',
  fetch: 'readonly',
  AbortController: 'readonly',
  AbortSignal: 'readonly',
};

export default defineConfig([
  {
    ignores: ['out/', 'dist/', 'node_modules/', 'bench/.work/', 'coverage/', 'test-results/', 'playwright-report/'],
  },
  {
    files: ['**/*.{ts,tsx,mts,mjs,js,cjs}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: nodeGlobals },
  },
  {
    files: ['**/*.{js,cjs}'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { ...nodeGlobals, require: 'readonly', module: 'writable', exports: 'writable', __dirname: 'readonly', __filename: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/main/engine/**', 'src/main/cli/**', 'src/main/server/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: electronPatterns }],
      'no-restricted-syntax': ['error', ...electronSyntax],
    },
  },
  {
    files: ['src/renderer/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: browserSafePatterns }],
      'no-restricted-syntax': ['error', ...electronSyntax],
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: sharedPatterns }],
      'no-restricted-syntax': ['error', ...electronSyntax],
    },
  },
]);
