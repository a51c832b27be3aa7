import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import { builtinModules } from 'node:module';

const ELECTRON = [{ name: 'electron', message: 'only src/main and src/preload may load Electron' }];

/** Relative imports that climb into one of these folders of src/ (the code imports nothing else by path). */
function upwards(folders, message) {
  return { regex: `^(\\.\\./)+(${folders.join('|')})(/|$)`, message };
}
const MOVE_DOWN = 'move what both need down into src/core or src/shared';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Plain CommonJS scripts that run inside test containers (no build step), and the CLI's bin/.
    files: ['**/*.cjs', 'bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The layers import downwards only (see docs/architecture.md): the core knows nothing of the
    // front doors, the app layer nothing of the CLI, the server or Electron's main process.
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ELECTRON, patterns: [upwards(['app', 'cli', 'server', 'main'], `the core imports no front door: ${MOVE_DOWN}`)] }] },
  },
  {
    files: ['src/app/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ELECTRON, patterns: [upwards(['cli', 'server', 'main'], `the app layer imports no front door: ${MOVE_DOWN}`)] }] },
  },
  {
    // The CLI and browser mode run without Electron.
    files: ['src/cli/**/*.ts', 'src/shared/**/*.ts', 'src/server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ELECTRON }] },
  },
  {
    // The renderer is a sandboxed web page: no Node, no Electron.
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          paths: [...ELECTRON, ...builtinModules.map((name) => ({ name, message: 'the window is a web page: no Node modules' }))],
          patterns: [
            { group: ['node:*'], message: 'the window is a web page: no Node modules' },
            upwards(['core', 'app', 'cli', 'server', 'main', 'proxy'], 'the window reaches the core only through the contract (src/shared)'),
          ],
        },
      ],
    },
  },
);
