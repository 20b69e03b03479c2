import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports a folder may not use: DESIGN.md's boundaries, enforced. */
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const ELECTRON = { group: ['electron', 'electron/*'], message: 'Only src-main/app/ may import Electron.' };
const TFJS = { group: ['@tensorflow/*'], message: 'store/ knows nothing of tfjs.' };
const SQLITE = { group: ['better-sqlite3', '**/store/*', '**/store/**'], message: 'ml/ knows nothing of SQLite.' };
const NODE = { group: ['node:*', 'fs', 'path', 'child_process', 'better-sqlite3', '**/src-main/**'], message: 'The renderer talks to the core only through the API client.' };

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'test-artifacts/', '.bench-out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', performance: 'readonly', setImmediate: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.ts', '**/*.js'], ignores: ['src-main/app/**'], rules: restrict([ELECTRON]) },
  { files: ['src-main/store/**'], rules: restrict([ELECTRON, TFJS]) },
  { files: ['src-main/ml/**'], rules: restrict([ELECTRON, SQLITE]) },
  { files: ['src-renderer/**'], rules: restrict([ELECTRON, NODE]) },
);
