/**
 * `wallets` and `wallet_nonces` on PostgreSQL (schema-identity.ts): the same methods and
 * results as the SQLite `WalletStore` (src/db/wallet-store.ts). The partial unique index
 * `wallets_linked_address` makes a wallet one member's here too: `insert` is
 * `ON CONFLICT DO NOTHING`, which waits for a concurrent link of the same address and then
 * inserts nothing, so `insert` answers undefined as on SQLite. `walletStore(db)` is the one
 * place that picks the engine's store.
 *
 * What `WalletService.link` reads and then decides on inside its write holds as under
 * SQLite's single writer, through transaction-scoped advisory locks (locks.ts), always taken
 * in this order:
 * - `holder` inside a write first locks the wallet (guild, chain, address): a member proving
 *   a wallet another member is linking at that moment waits, then finds it held and both are
 *   flagged (the unique index alone would refuse the second link and flag no one);
 * - `linked` inside a write first locks the member (guild, member): two links by one member
 *   count their wallets one after the other, so MAX_WALLETS_PER_MEMBER holds.
 */
import type { AppDb } from '../engine.ts';
import {
  WalletStore,
  type WalletChainColumn,
  type WalletNonceRow,
  type WalletRow,
  type WalletStoreApi,
} from '../wallet-store.ts';
import { lockInWrite } from './locks.ts';
import type { PgSyncDb } from './sync.ts';

const WALLET = `id, guild_id AS "guildId", user_id AS "userId", chain, address, nonce,
  linked_at AS "linkedAt", unlinked_at AS "unlinkedAt"`;
const NONCE = `nonce, guild_id AS "guildId", user_id AS "userId", chain, address,
  issued_at AS "issuedAt", expires_at AS "expiresAt", used_at AS "usedAt"`;
const MEMBER = `guild_id = $1 AND user_id = $2 AND unlinked_at IS NULL`;

const SQL = {
  linked: `SELECT ${WALLET} FROM wallets WHERE ${MEMBER} ORDER BY linked_at ASC, id ASC`,
  hasAny: `SELECT id FROM wallets WHERE ${MEMBER} LIMIT 1`,
  holder: `SELECT ${WALLET} FROM wallets WHERE guild_id = $1 AND chain = $2 AND address = $3 AND unlinked_at IS NULL`,
  insert: `INSERT INTO wallets (guild_id, user_id, chain, address, nonce, linked_at) VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT DO NOTHING RETURNING ${WALLET}`,
  byId: `SELECT ${WALLET} FROM wallets WHERE id = $1`,
  unlink: `UPDATE wallets SET unlinked_at = $2 WHERE id = $1 AND unlinked_at IS NULL`,
  insertNonce: `INSERT INTO wallet_nonces (nonce, guild_id, user_id, chain, address, issued_at, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)`,
  nonce: `SELECT ${NONCE} FROM wallet_nonces WHERE nonce = $1`,
  useNonce: `UPDATE wallet_nonces SET used_at = $2 WHERE nonce = $1 AND used_at IS NULL`,
  prune: `DELETE FROM wallet_nonces WHERE expires_at < $1`,
} as const;

/** `WalletStore`'s methods on PostgreSQL; see the module comment. Writes run inside the caller's `db.write`. */
export class PgWalletStore implements WalletStoreApi {
  constructor(private readonly db: PgSyncDb) {}

  private one<R>(text: string, params: readonly unknown[]): R | undefined {
    return this.db.query<R>(text, params)[0];
  }

  linked(guildId: string, userId: string): WalletRow[] {
    lockInWrite(this.db, 'wallets', 'member', guildId, userId);
    return this.db.query(SQL.linked, [guildId, userId]);
  }

  hasAny(guildId: string, userId: string): boolean {
    return this.one(SQL.hasAny, [guildId, userId]) !== undefined;
  }

  holder(guildId: string, chain: WalletChainColumn, address: string): WalletRow | undefined {
    lockInWrite(this.db, 'wallets', 'address', guildId, chain, address);
    return this.one(SQL.holder, [guildId, chain, address]);
  }

  insert(input: Parameters<WalletStoreApi['insert']>[0]): WalletRow | undefined {
    const { guildId, userId, chain, address, nonce, now } = input;
    return this.one(SQL.insert, [guildId, userId, chain, address, nonce, now]);
  }

  byId(id: number): WalletRow | undefined {
    return this.one(SQL.byId, [id]);
  }

  unlink(id: number, now: number): boolean {
    return this.db.run(SQL.unlink, [id, now]).rowCount === 1;
  }

  insertNonce(row: Omit<WalletNonceRow, 'usedAt'>): void {
    this.db.run(SQL.insertNonce, [
      row.nonce,
      row.guildId,
      row.userId,
      row.chain,
      row.address,
      row.issuedAt,
      row.expiresAt,
    ]);
  }

  nonce(nonce: string): WalletNonceRow | undefined {
    return this.one(SQL.nonce, [nonce]);
  }

  useNonce(nonce: string, now: number): boolean {
    return this.db.run(SQL.useNonce, [nonce, now]).rowCount === 1;
  }

  pruneNonces(before: number): number {
    return this.db.run(SQL.prune, [before]).rowCount;
  }
}

/** The wallet store of `db`'s engine. */
export function walletStore(db: AppDb): WalletStoreApi {
  return db.engine === 'postgres' ? new PgWalletStore(db) : new WalletStore(db);
}
