import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const electronPatterns = [
  {
    group: ['electron', 'electron/*'],
    message:
      'Only the Electron shell (files directly in src/main/, and src/preload/) may import electron: the engine, ' +
      'server, CLI and shared code must stay plain Node so they run headless and in tests, and the renderer ' +
      'reaches the app only through its client.',
  },
];

const NODE_BUILTINS = ['fs', 'path', 'child_process', 'os', 'crypto', 'http', 'https', 'url', 'events', 'stream', 'util', 'net', 'worker_threads', 'buffer'];
const NO_NODE = 'Code that runs in the sandboxed renderer (src/renderer, and src/shared which it bundles) cannot use Node modules; inject what you need instead.';

const browserSafePatterns = [
  ...electronPatterns,
  // A regex, not a group: gitignore-style groups would also match relative paths such as './url'.
  { regex: `^(node:.*|(${NODE_BUILTINS.join('|')})(/.*)?)$`, message: NO_NODE },
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
    message: 'Only the Electron shell may load electron (see no-restricted-imports): no dynamic import of it here.',
  },
  {
    selector: "CallExpression[callee.name='require'][arguments.0.value=/^electron($|\\u002F)/]",
    message: 'Only the Electron shell may load electron (see no-restricted-imports): no require of it here.',
  },
];

// Scripts run on the same Node as ESLint, so its own globals are the right list (no `globals` package needed).
const nodeGlobals = Object.fromEntries(Object.getOwnPropertyNames(globalThis).map((name) => [name, 'readonly']));

export default defineConfig([
  {
    ignores: ['out/', 'dist/', 'node_modules/', 'bench/.work/', '.tmp/', 'coverage/', 'test-results/', 'playwright-report/'],
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
      // File-name and URL sanitizing match control characters on purpose.
      'no-control-regex': 'off',
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
