/**
 * The database the app runs on, whichever engine: SQLite (`openDatabase`, src/db/open.ts) or
 * PostgreSQL through the synchronous facade (`openPgSync`, src/db/pg/sync.ts). Services take
 * an `AppDb` and never look inside it; each store picks its engine's statements with
 * `db.engine` (a SQLite store and its PostgreSQL twin implement one interface, so no
 * business rule is written twice). Both engines' `write(fn)` is one synchronous transaction
 * with savepoints when nested; on PostgreSQL `fn` may run again after a serialization
 * failure, so what must happen once waits for `db.afterCommit` there.
 */
import type { Db } from './open.ts';
import type { PgSyncDb } from './pg/sync.ts';

export type AppDb = Db | PgSyncDb;
export type Engine = AppDb['engine'];
