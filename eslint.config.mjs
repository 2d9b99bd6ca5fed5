// Lint: typescript-eslint's type-aware recommended rules over all TypeScript sources.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'test-artifacts/', 'scripts/*.cjs', 'bin/', 'eslint.config.mjs'] },
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
            { regex: '^(?!@temporalio/(workflow|common)$|\\./)', allowTypeImports: true, message: 'workflows/ imports only the workflow SDK, its own files, and types' },
          ],
        },
      ],
    },
  },
);
