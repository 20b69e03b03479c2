import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports a folder may not use: the layering in README.md ("Layout"), enforced. */
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const ELECTRON = { group: ['electron', 'electron/*'], message: 'Only src-main/app/ may import Electron.' };
const TFJS = { group: ['@tensorflow/*'], message: 'store/ knows nothing of tfjs.' };
const SQLITE = { group: ['better-sqlite3', '**/store/*', '**/store/**'], message: 'ml/ knows nothing of SQLite.' };
// The renderer may import the contract (its schemas, limits and presets: pure, bundled) and types.
const RENDERER_OUT =
  'The renderer talks to the core only through the API client and the contract (src-main/api/core-api.ts).';
const NODE = { group: ['node:*', 'fs', 'path', 'child_process', 'better-sqlite3'], message: RENDERER_OUT };
// The renderer's only run-time imports from src-main: the API's contract, and the editor's rule
// for a suggestion's trailing space (shared with the simulated writer, pure, importing nothing).
const MAIN = {
  regex: 'src-main/(?!api/core-api\\.ts$|ml/soft-space\\.ts$)',
  message: RENDERER_OUT,
  allowTypeImports: true,
};

/**
 * The layers of src-main, top to bottom, with no back-edges:
 *   app/, cli/, server/ (entry points and transports) → core/ (the composition root) →
 *   workers/ (the ML host) → services/ → store/, ml/, text/; api/ (the contracts and errors) is
 *   imported by all and imports none of them at run time (types only).
 */
const above = (...layers) => ({
  group: layers.flatMap((l) => [`**/${l}/*`, `**/${l}/**`, `../${l}/*`]),
  message: `A lower layer may not import ${layers.join(', ')} (see eslint.config.js).`,
});
const layer = (files, ...forbidden) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [ELECTRON, above(...forbidden)] }] },
});
const apiLayer = {
  files: ['src-main/api/**'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          ELECTRON,
          { ...above('services', 'core', 'workers', 'store', 'cli', 'server', 'app', 'text'), allowTypeImports: true },
          // Of ml/, only its two pure leaves (presets and parameter counts; the shared vocabulary).
          {
            regex: '^\\.\\./ml/(?!(spec|vocab)\\.ts$)',
            message: 'api/ may import only ml/spec.ts and ml/vocab.ts at run time (pure, no imports).',
            allowTypeImports: true,
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'test-artifacts/', '.bench-out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        performance: 'readonly',
        setImmediate: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['**/*.ts', '**/*.js'], ignores: ['src-main/app/**'], rules: restrict([ELECTRON]) },
  { files: ['src-main/store/**'], rules: restrict([ELECTRON, TFJS]) },
  { files: ['src-main/ml/**'], rules: restrict([ELECTRON, SQLITE]) },
  apiLayer,
  layer(
    ['src-main/store/**', 'src-main/ml/**', 'src-main/text/**'],
    'services',
    'core',
    'workers',
    'cli',
    'server',
    'app',
  ),
  layer(['src-main/services/**'], 'core', 'workers', 'cli', 'server', 'app'),
  // Web mode's transport: the Core and the contract, nothing below them.
  layer(['src-main/server/**'], 'services', 'workers', 'store', 'ml', 'cli', 'app'),
  layer(['src-main/workers/**'], 'core', 'cli', 'server', 'app'),
  layer(['src-main/core/**'], 'cli', 'server', 'app'),
  // The CLI is a flag → parameters adapter over the Core and its contract (api/core-api.ts): it
  // reaches no service, worker or model code itself (where the data folder lives is the one fact of
  // store/ it needs before a Core exists).
  {
    files: ['src-main/cli/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ELECTRON,
            {
              regex: '^\\.\\./(services|workers|ml|app)/|^\\.\\./store/(?!data-dir\\.ts$)',
              message: 'The CLI calls the Core through the contract (api/core-api.ts), never services or workers.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [ELECTRON, NODE, MAIN] }] },
  },
);
