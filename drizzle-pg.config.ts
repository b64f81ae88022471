import { defineConfig } from 'drizzle-kit';

/**
 * The PostgreSQL schema's migrations (`npx drizzle-kit generate --config drizzle-pg.config.ts`),
 * beside SQLite's in drizzle.config.ts. Triggers are hand-written custom migrations
 * (`--custom --name=<what>`); src/db/pg/open.ts applies the folder at start.
 */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg/schema.ts',
  out: './drizzle-pg',
});
