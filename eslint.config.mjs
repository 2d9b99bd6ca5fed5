// Lint: typescript-eslint's type-aware recommended rules over all TypeScript sources.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A change to the order workflow is decided when a run starts (workflows/order/patches.ts says why). */
const PATCH_AT_START = {
  selector: 'CallExpression[callee.name="patched"]',
  message:
    'add the patch id to PATCHES_AT_START in workflows/order/patches.ts and read run.patches[id]: a patched() call after an await can replay before its marker is known',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.tools/',
      '.data/',
      'test-artifacts/',
      'scripts/*.cjs',
      'bin/',
      'eslint.config.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    // workflows/ is replayed: it imports only the workflow SDK, its own files and types, so nothing
    // outside it (src/, activities/, a runtime package) can change a replay unnoticed.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/(workflow|common)$|\\./)',
              allowTypeImports: true,
              message: 'workflows/ imports only the workflow SDK, its own files, and types',
            },
          ],
        },
      ],
    },
  },
  {
    // Callers of the order workflow (src/, activities/) use its contract (workflows/order-contract.ts and its parts:
    // messages, status types, search attributes), never a workflow's implementation at run time: no import circle
    // runs through workflow code, and the worker loads workflows only from their bundle.
    files: ['src/**/*.ts', 'activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)workflows(/index)?$|(^|/)workflows/(order/|order-workflow$|[a-z-]+-workflow$)',
              allowTypeImports: true,
              message:
                "import the order workflow's contract (workflows/order-contract.ts), not workflow code: start workflows by type name",
            },
          ],
        },
      ],
    },
  },
  {
    // The current order workflow (workflows/order/) may use the shared workflow helpers one folder up.
    files: ['workflows/order/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/(workflow|common)$|\\./|\\.\\./[^.])',
              allowTypeImports: true,
              message: 'workflows/ imports only the workflow SDK, its own files, and types',
            },
          ],
        },
      ],
    },
  },
  {
    // The current order workflow stays readable: short functions, and an entry without mutable function state.
    files: ['workflows/order/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipComments: true }] },
  },
  {
    files: ['workflows/order/*.ts'],
    ignores: ['workflows/order/patches.ts'],
    rules: { 'no-restricted-syntax': ['error', PATCH_AT_START] },
  },
  {
    files: ['workflows/order/workflow.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        PATCH_AT_START,
        {
          selector: ':function VariableDeclaration[kind="let"]',
          message: "the entry keeps no function-scope `let`: the run's state lives in OrderRun",
        },
      ],
    },
  },
  {
    // The frozen v1 is sealed: at run time it imports its own copies of the helpers and only the shared contracts.
    files: ['workflows/order/v1/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^(?!@temporalio/(workflow|common)$|\\./|\\.\\./\\.\\./(order-messages|order-status|search-attributes)$)',
              allowTypeImports: true,
              message:
                'the frozen v1 imports only the workflow SDK, its own copies of the helpers, the shared contracts, and types',
            },
          ],
        },
      ],
    },
  },
);
