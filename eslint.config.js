// ESLint (flat config) with typescript-eslint, run by `npm run lint` after the type check.
// Why ESLint + typescript-eslint rather than Biome: its type-aware rules ask TypeScript's own
// checker (the same program as `tsc`), so no-floating-promises, no-misused-promises and
// await-thenable see through this codebase's async helpers, generics and strict settings;
// Biome's type-aware rules infer types with their own engine and see only part of what tsc knows.
// Lints only; formatting is left as it is.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'dist-test/', 'node_modules/', '.kch/', 'bench-results/', 'kafka/', 'docs/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    rules: {
      eqeqeq: ['error', 'smart'],
      // A leading underscore marks a binding that is kept on purpose (a parameter a signature
      // needs, a value destructured away).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        // tsconfig.test.json covers src/ and test/ (tsconfig.json only src/).
        project: './tsconfig.test.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A promise returned inside try/catch without await escapes the catch and the finally.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // A switch over a union names every member, unless a default clause takes the rest.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // node:test registers test()/describe()/it() and runs them itself; the promise they
      // return is not meant to be awaited at the top of a test file.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
    },
  },
  {
    // Test fakes implement async interfaces (close(), send(), …) without awaiting anything.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/require-await': 'off',
      // Tests match rendered SQL with its indentation; ` {4}` would hide the layout they check.
      'no-regex-spaces': 'off',
    },
  },
  {
    // The dashboard page's browser modules: their own program, with the DOM's types and no Node's.
    files: ['src/dashboard/page/browser/**/*.ts'],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { project: './tsconfig.page.json', tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // Plain JavaScript (scripts/*.mjs, this file): no TypeScript program, so no type-aware rules.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
);
