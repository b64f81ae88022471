import tseslint from 'typescript-eslint';

/** Folders of the domain: use cases and their stores, below every edge (Discord, HTTP, ops). */
const DOMAIN = [
  'ledger',
  'seasons',
  'raffles',
  'quests',
  'streaks',
  'campaigns',
  'shop',
  'members',
  'tiers',
  'settings',
  'platform',
  'moderation',
  'db',
  'grants',
  'linked-roles',
  'wallets',
];
const EDGE =
  'A domain folder must not depend on an edge (discord.js, fastify, src/discord, src/http, src/ops) or the composition root: raise a SparksError with raw facts, take a port, or move the code up (ARCHITECTURE.md).';

export default tseslint.config(
  { ignores: ['node_modules/**', 'drizzle/**', 'data/**', 'dist/**', 'eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Layering (ARCHITECTURE.md): the domain folders know nothing of Discord or HTTP, so the
  // same services back the bot, the web, the webhook, the scripts and the tests; the
  // ground floor (src/core) imports nothing of the app. Arrows only point down.
  {
    files: DOMAIN.map((folder) => `src/${folder}/**/*.ts`),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['discord.js', '@discordjs/*', 'discord-api-types', 'discord-api-types/*'],
              message: EDGE,
            },
            { group: ['fastify', '@fastify/*'], message: EDGE },
            { group: ['**/discord/*', '**/http/*', '**/ops/*', '**/scripts/*'], message: EDGE },
            { group: ['**/app.ts', '**/services.ts', '**/index.ts'], message: EDGE },
          ],
        },
      ],
    },
  },
  // The web reads the bot's words (src/discord/i18n, shop-text.ts), never code that loads
  // discord.js at run time: loading it changes global fetch's errors for the whole process.
  {
    files: ['src/http/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['discord.js', '**/discord/*', '!**/discord/i18n', '!**/discord/shop-text.ts'],
              allowTypeImports: true,
              message:
                'src/http may import only types from discord.js and src/discord (and the words in src/discord/i18n and shop-text.ts): reach the bot through a port in WebDeps, built in src/app.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../*'], message: 'src/core is the ground floor: it imports nothing of the app.' },
          ],
        },
      ],
    },
  },
  // The test kit and what runs on it (tests, the bench, the reliability scenarios) read
  // untyped JSON payloads all day; the production code keeps these rules.
  {
    files: ['tests/**/*.ts', 'testkit/**/*.ts', 'bench/**/*.ts', 'reliability/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
