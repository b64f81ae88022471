import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from './open.ts';
import { walletNonces, wallets } from './schema.ts';

export type WalletRow = typeof wallets.$inferSelect;
export type WalletNonceRow = typeof walletNonces.$inferSelect;
export type WalletChainColumn = WalletRow['chain'];

/** The surface a second engine implements (see LedgerReadStore for the pattern). */
export interface WalletStoreApi {
  /** The member's linked wallets, oldest first. */
  linked(guildId: string, userId: string): WalletRow[];
  /** Whether the member holds at least one linked wallet (one indexed look-up). */
  hasAny(guildId: string, userId: string): boolean;
  /** Who holds this wallet in the guild now (the canonical address), if anyone. */
  holder(guildId: string, chain: WalletChainColumn, address: string): WalletRow | undefined;
  /** Links it (inside the caller's write); undefined when someone holds it already. */
  insert(input: {
    guildId: string;
    userId: string;
    chain: WalletChainColumn;
    address: string;
    nonce: string;
    now: number;
  }): WalletRow | undefined;
  byId(id: number): WalletRow | undefined;
  /** Stamps `unlinked_at`; false when it was not linked. */
  unlink(id: number, now: number): boolean;
  insertNonce(row: Omit<WalletNonceRow, 'usedAt'>): void;
  nonce(nonce: string): WalletNonceRow | undefined;
  /** Spends a nonce (a guarded update); false when it was spent already. */
  useNonce(nonce: string, now: number): boolean;
  /** Deletes the nonces that expired before `before` (spent or not); returns how many. */
  pruneNonces(before: number): number;
}

const p = sql.placeholder;

/**
 * Owner of `wallets` and `wallet_nonces`. The partial unique index
 * `wallets_linked_address` is what makes a wallet one member's: a second link of the same
 * address is refused by the database, and `insert` reports it as undefined. Prepared once
 * per connection; methods that write run inside the caller's `db.write`.
 */
export class WalletStore implements WalletStoreApi {
  private readonly s;

  constructor(db: Db) {
    const { orm } = db;
    const member = and(
      eq(wallets.guildId, p('guildId')),
      eq(wallets.userId, p('userId')),
      isNull(wallets.unlinkedAt),
    );
    this.s = {
      linked: orm
        .select()
        .from(wallets)
        .where(member)
        .orderBy(asc(wallets.linkedAt), asc(wallets.id))
        .prepare(),
      hasAny: orm.select({ id: wallets.id }).from(wallets).where(member).limit(1).prepare(),
      holder: orm
        .select()
        .from(wallets)
        .where(
          and(
            eq(wallets.guildId, p('guildId')),
            eq(wallets.chain, p('chain')),
            eq(wallets.address, p('address')),
            isNull(wallets.unlinkedAt),
          ),
        )
        .prepare(),
      insert: orm
        .insert(wallets)
        .values({
          guildId: p('guildId'),
          userId: p('userId'),
          chain: p('chain'),
          address: p('address'),
          nonce: p('nonce'),
          linkedAt: p('now'),
        })
        .onConflictDoNothing()
        .returning()
        .prepare(),
      byId: orm
        .select()
        .from(wallets)
        .where(eq(wallets.id, p('id')))
        .prepare(),
      unlink: orm
        .update(wallets)
        .set({ unlinkedAt: sql`${p('now')}` })
        .where(and(eq(wallets.id, p('id')), isNull(wallets.unlinkedAt)))
        .prepare(),
      insertNonce: orm
        .insert(walletNonces)
        .values({
          nonce: p('nonce'),
          guildId: p('guildId'),
          userId: p('userId'),
          chain: p('chain'),
          address: p('address'),
          issuedAt: p('issuedAt'),
          expiresAt: p('expiresAt'),
        })
        .prepare(),
      nonce: orm
        .select()
        .from(walletNonces)
        .where(eq(walletNonces.nonce, p('nonce')))
        .prepare(),
      useNonce: orm
        .update(walletNonces)
        .set({ usedAt: sql`${p('now')}` })
        .where(and(eq(walletNonces.nonce, p('nonce')), isNull(walletNonces.usedAt)))
        .prepare(),
      prune: orm
        .delete(walletNonces)
        .where(lt(walletNonces.expiresAt, p('before')))
        .prepare(),
    };
  }

  linked(guildId: string, userId: string): WalletRow[] {
    return this.s.linked.all({ guildId, userId });
  }

  hasAny(guildId: string, userId: string): boolean {
    return this.s.hasAny.get({ guildId, userId }) !== undefined;
  }

  holder(guildId: string, chain: WalletChainColumn, address: string): WalletRow | undefined {
    return this.s.holder.get({ guildId, chain, address });
  }

  insert(input: {
    guildId: string;
    userId: string;
    chain: WalletChainColumn;
    address: string;
    nonce: string;
    now: number;
  }): WalletRow | undefined {
    return this.s.insert.get(input);
  }

  byId(id: number): WalletRow | undefined {
    return this.s.byId.get({ id });
  }

  unlink(id: number, now: number): boolean {
    return this.s.unlink.run({ id, now }).changes === 1;
  }

  insertNonce(row: Omit<WalletNonceRow, 'usedAt'>): void {
    this.s.insertNonce.run(row);
  }

  nonce(nonce: string): WalletNonceRow | undefined {
    return this.s.nonce.get({ nonce });
  }

  useNonce(nonce: string, now: number): boolean {
    return this.s.useNonce.run({ nonce, now }).changes === 1;
  }

  pruneNonces(before: number): number {
    return this.s.prune.run({ before }).changes;
  }
}
