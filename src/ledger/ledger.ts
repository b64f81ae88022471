import type { AppDb } from '../db/engine.ts';
import {
  LedgerStore,
  type AccountSpec,
  type AccountRow,
  type LedgerWriteStore,
  type TransferRow,
} from '../db/ledger-store.ts';
import { PgLedgerStore } from '../db/pg/ledger-store.ts';
import type { ActorType, TransferKind } from '../db/schema.ts';
import { crashPoint } from '../core/crash.ts';
import { assertAmount } from './amount.ts';
import { SparksError } from '../core/errors.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import {
  type AccountKey,
  type IssuanceSource,
  HOLDS,
  ISSUANCE,
  MEMBER,
  REDEEMED,
  movesLifetime,
} from './accounts.ts';
import { LedgerReads } from './reads.ts';

export type { AccountRow, AccountSpec, EntryFilter, EntryView, TransferRow } from '../db/ledger-store.ts';
// The ledger's public face: its account keys and read model come with it.
export * from './accounts.ts';
export * from './reads.ts';

/**
 * The database a Ledger posts to: SQLite (`openDatabase`) or PostgreSQL through the
 * synchronous facade (`openPgSync`). The Ledger takes the store of that engine; its rules
 * are written once.
 */
export type LedgerDb = AppDb;

export interface Actor {
  type: ActorType;
  id: string;
}

export interface PostInput {
  guildId: string;
  kind: TransferKind;
  from: AccountKey;
  to: AccountKey;
  amount: number;
  /** Exactly-once key, unique per guild. */
  key: string;
  actor: Actor;
  reason?: string;
  ref?: string | null;
  closesId?: number | null;
}

export interface PostResult {
  transfer: TransferRow;
  /** True when the key had been posted before: nothing new was written. */
  duplicate: boolean;
}

/** One entry between a member and a system account, as the member-facing methods take it. */
export interface MemberEntryInput {
  guildId: string;
  userId: string;
  amount: number;
  key: string;
  actor: Actor;
  reason?: string;
  ref?: string | null;
}

/** Who closes a hold and why, as `closeHold` takes it. */
export interface CloseHoldInput {
  key: string;
  actor: Actor;
  reason?: string;
}

/**
 * Runs after each new entry, inside its transaction, with both accounts as they were just
 * before it and the input that posted it (e.g. to tell whether a new member account was
 * opened with a known ranked flag).
 */
export type PostHook = (
  transfer: TransferRow,
  debit: AccountRow,
  credit: AccountRow,
  input: PostInput,
) => void;

/** One new entry as the post hooks saw it: what `replayPosted` takes. */
export interface PostedEntry {
  transfer: TransferRow;
  debit: AccountRow;
  credit: AccountRow;
  input: PostInput;
}

export interface PostHookOptions {
  /**
   * The hook writes inside the posting transaction (the outbox's event), so it belongs to
   * the connection that posts: `replayPosted` never calls it for an entry another
   * connection wrote (that connection's ledger runs its own). Default false: the hook only
   * notes the entry (a member to re-check), and is replayed.
   */
  transactional?: boolean;
}

const MAX_KEY = 200;
const MAX_REASON = 1000;
const MAX_REF = 200;

/**
 * The double-entry ledger of every guild, its write model: every movement is a balanced
 * transfer between two accounts inside one BEGIN IMMEDIATE transaction; the database
 * triggers keep the cached balances and period rollups in the same statement. What is
 * read back (standings, history, leaderboards, look-ups) is `reads`. All methods are
 * synchronous (better-sqlite3 cannot hold a transaction across an await) and may be
 * called inside an outer `db.write`, where they become savepoints of it.
 *
 * Invariants kept (and re-checked by `verifyLedger`): Σ balances = 0 per guild; no
 * member or system account other than issuance goes below zero; an idempotency key is
 * applied at most once per guild; an entry is closed (reversed, posted, voided) at most
 * once; amounts are integers in [1, 1e9].
 */
export class Ledger {
  readonly db: LedgerDb;
  readonly clock: Clock;
  /** The read model over the same accounts and entries. */
  readonly reads: LedgerReads;
  private readonly store: LedgerWriteStore;
  private readonly hooks: PostHook[] = [];
  private readonly transactionalHooks = new Set<PostHook>();

  constructor(deps: { db: LedgerDb; clock?: Clock }) {
    this.db = deps.db;
    this.clock = deps.clock ?? systemClock;
    this.store = deps.db.engine === 'postgres' ? new PgLedgerStore(deps.db) : new LedgerStore(deps.db);
    this.reads = new LedgerReads({ store: this.store, clock: this.clock });
  }

  /**
   * Posts one transfer, exactly once per (guild, key).
   * Same key and same payload again → the first transfer, `duplicate: true`.
   * Errors: SPARKS.INVALID_AMOUNT, SPARKS.INVALID_INPUT, SPARKS.IDEMPOTENCY_CONFLICT (same
   * key, different payload), SPARKS.INSUFFICIENT (the debit account would go below zero;
   * params.available says how much it holds), SPARKS.ALREADY_CLOSED, SPARKS.BALANCE_OVERFLOW.
   */
  post(input: PostInput): PostResult {
    const checked = this.check(input);
    const result = this.db.write(() => {
      crashPoint('ledger.before-insert');
      return this.postInTx(checked);
    });
    crashPoint('ledger.after-commit');
    return result;
  }

  /**
   * `post` for a caller that already holds a write transaction and makes this call atomic
   * itself (e.g. one savepoint per item of a batch): the same checks, results and errors,
   * without a savepoint of its own. Throws if no transaction is open.
   */
  postInTransaction(input: PostInput): PostResult {
    if (!this.store.inTransaction()) throw new Error('postInTransaction needs an open db.write transaction');
    return this.postInTx(this.check(input));
  }

  /**
   * Many new transfers in one statement, for a caller that already holds a write
   * transaction and makes the batch atomic itself (a savepoint): one INSERT for all the
   * entries, and their balances, rollups and rank counts applied once per account and
   * bucket instead of per entry (the batch gate, src/db/ledger-triggers.ts), with the same
   * result as posting them one by one. Each input gets the same checks
   * as `post`, and the hooks run for each entry in order, with the accounts as they were
   * just before it. For the batch to apply, every key must be new and distinct, no input
   * may close an entry, and every credited account must appear in no other input —
   * otherwise it throws BatchNotApplicable (post the inputs one by one instead: that also
   * gives each its own result or error). Any other error is the first input's that fails;
   * nothing of the batch is then applied once the caller rolls back.
   */
  postManyInTransaction(inputs: readonly PostInput[]): PostResult[] {
    if (!this.store.inTransaction())
      throw new Error('postManyInTransaction needs an open db.write transaction');
    if (inputs.length === 0) return [];
    const checked = inputs.map((i) => this.check(i));
    const keys = new Set<string>();
    const credited = new Set<string>();
    const debited = new Set<string>();
    for (const i of checked) {
      const key = `${i.guildId}\n${i.key}`;
      const to = `${i.guildId}\n${i.to.type}\n${i.to.ref}`;
      if (i.closesId != null || keys.has(key) || credited.has(to) || debited.has(to))
        throw new BatchNotApplicable('a closing entry, a repeated key or a repeated credit account');
      keys.add(key);
      credited.add(to);
      debited.add(`${i.guildId}\n${i.from.type}\n${i.from.ref}`);
    }
    for (const i of checked)
      if (credited.has(`${i.guildId}\n${i.from.type}\n${i.from.ref}`))
        throw new BatchNotApplicable('an account both credited and debited');
    const { store } = this;
    if (store.existingKeys(checked.map((i) => ({ guildId: i.guildId, key: i.key }))).length > 0)
      throw new BatchNotApplicable('a key was posted before');
    const now = this.clock();
    // Each account once, in order of first appearance (new ones are opened in that order).
    const position = new Map<string, number>();
    const wanted: AccountSpec[] = [];
    const slot = (guildId: string, a: AccountKey) => {
      const id = `${guildId}\n${a.type}\n${a.ref}`;
      let at = position.get(id);
      if (at === undefined) {
        at = wanted.push({ guildId, type: a.type, ref: a.ref, ranked: a.ranked }) - 1;
        position.set(id, at);
      }
      return at;
    };
    const slots = checked.map((i) => [slot(i.guildId, i.from), slot(i.guildId, i.to)] as const);
    const rows = store.ensureAccounts(wanted, now);
    // Accounts as each entry finds them: a debited account may serve several entries.
    const current = new Map<number, AccountRow>();
    const before: [AccountRow, AccountRow][] = [];
    for (let k = 0; k < checked.length; k++) {
      const input = checked[k]!;
      const from = current.get(rows[slots[k]![0]]!.id) ?? rows[slots[k]![0]]!;
      const to = rows[slots[k]![1]]!;
      assertCanMove(from, to, input.amount);
      before.push([from, to]);
      // What the triggers will make of `from`, for the next entry that debits it.
      current.set(from.id, {
        ...from,
        balance: from.balance - input.amount,
        lifetimeEarned: from.lifetimeEarned - (movesLifetime(from.type, to.type) ? input.amount : 0),
      });
    }
    const transfers = store.insertTransfers(
      checked.map((input, k) => ({
        guildId: input.guildId,
        kind: input.kind,
        debitAccountId: before[k]![0].id,
        creditAccountId: before[k]![1].id,
        amount: input.amount,
        idempotencyKey: input.key,
        closesId: null,
        actorType: input.actor.type,
        actorId: input.actor.id,
        reason: input.reason,
        ref: input.ref ?? null,
        createdAt: now,
      })),
    );
    return transfers.map((transfer, k) => {
      crashPoint('ledger.after-insert');
      const [from, to] = before[k]!;
      this.notify(transfer, from, to, checked[k]!);
      return { transfer, duplicate: false };
    });
  }

  private check(input: PostInput): PostInput & { reason: string } {
    const amount = assertAmount(input.amount);
    checkText('key', input.key, 1, MAX_KEY);
    checkText('guildId', input.guildId, 1, 32);
    checkText('actor', input.actor.id, 1, 64);
    const reason = input.reason ?? '';
    checkText('reason', reason, 0, MAX_REASON);
    if (input.ref != null) checkText('ref', input.ref, 1, MAX_REF);
    checkText('account', input.from.ref, 1, 64);
    checkText('account', input.to.ref, 1, 64);
    if (input.from.type === input.to.type && input.from.ref === input.to.ref) {
      throw new SparksError(
        'SPARKS.INVALID_INPUT',
        { field: 'to' },
        'a transfer needs two different accounts',
      );
    }
    return { ...input, amount, reason };
  }

  private postInTx(input: PostInput & { reason: string }): PostResult {
    const { store } = this;
    const now = this.clock();
    const fromSpec = { guildId: input.guildId, ...input.from };
    const toSpec = { guildId: input.guildId, ...input.to };
    const { existing, from, to } = store.lookupPost
      ? store.lookupPost(input.guildId, input.key, fromSpec, toSpec, now)
      : {
          existing: store.transferByKey(input.guildId, input.key),
          from: store.ensureAccount(fromSpec, now),
          to: store.ensureAccount(toSpec, now),
        };
    if (existing) {
      const same =
        existing.kind === input.kind &&
        existing.debitAccountId === from.id &&
        existing.creditAccountId === to.id &&
        existing.amount === input.amount &&
        existing.closesId === (input.closesId ?? null);
      if (!same) {
        throw new SparksError(
          'SPARKS.IDEMPOTENCY_CONFLICT',
          { key: input.key },
          `key ${input.key} was already used for a different transfer (#${existing.id})`,
        );
      }
      return { transfer: existing, duplicate: true };
    }
    if (input.closesId != null) {
      const closer = store.closerOf(input.closesId);
      if (closer) throw new SparksError('SPARKS.ALREADY_CLOSED', { id: input.closesId, by: closer.id });
    }
    assertCanMove(from, to, input.amount);
    const transfer = store.insertTransfer({
      guildId: input.guildId,
      kind: input.kind,
      debitAccountId: from.id,
      creditAccountId: to.id,
      amount: input.amount,
      idempotencyKey: input.key,
      closesId: input.closesId ?? null,
      actorType: input.actor.type,
      actorId: input.actor.id,
      reason: input.reason,
      ref: input.ref ?? null,
      createdAt: now,
    });
    crashPoint('ledger.after-insert');
    this.notify(transfer, from, to, input);
    return { transfer, duplicate: false };
  }

  /**
   * Runs the hooks for a new entry. On SQLite: now, inside the transaction. On PostgreSQL a
   * transaction may be run again (a serialization failure, a deadlock), so a hook must not
   * see an entry twice or one that never committed: the transactional hooks (their writes
   * belong to the entry's transaction, the outbox's event) run now, inside it, and their
   * writes are rolled back and made again with it; the others run once after the outermost
   * COMMIT.
   */
  private notify(transfer: TransferRow, from: AccountRow, to: AccountRow, input: PostInput): void {
    if (this.hooks.length === 0) return;
    const { db } = this;
    if (db.engine === 'postgres') {
      const later: PostHook[] = [];
      for (const hook of this.hooks) {
        if (this.transactionalHooks.has(hook)) hook(transfer, from, to, input);
        else later.push(hook);
      }
      if (later.length > 0)
        db.afterCommit(() => {
          for (const hook of later) hook(transfer, from, to, input);
        });
    } else for (const hook of this.hooks) hook(transfer, from, to, input);
  }

  /**
   * Sets whether a member's account may appear on leaderboards; the members service decides
   * (a member left, or holds the excluded role). One statement: atomic alone, or part of
   * the caller's `db.write`. The rank triggers move the member on or off every board.
   */
  setRanked(guildId: string, userId: string, ranked: boolean): void {
    this.store.setRanked(guildId, userId, ranked);
  }

  /**
   * Registers a function run synchronously after each new (non-duplicate) transfer. On
   * SQLite it runs inside the posting transaction, e.g. to enqueue an outbox event
   * atomically with the entry, and a hook that throws rolls the transfer back. On PostgreSQL
   * it runs once after COMMIT (see `notify`). Returns a function that unregisters it.
   */
  onPosted(hook: PostHook, options: PostHookOptions = {}): () => void {
    this.hooks.push(hook);
    if (options.transactional) this.transactionalHooks.add(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
      this.transactionalHooks.delete(hook);
    };
  }

  /**
   * Runs the non-transactional post hooks for entries another connection wrote and
   * committed (the grant writer's thread), with the arguments its hooks were given, in
   * order. A hook that throws is reported to `onError` and the others still run: the
   * entries are committed, there is nothing to roll back.
   */
  replayPosted(entries: readonly PostedEntry[], onError: (err: unknown) => void): void {
    const hooks = this.hooks.filter((h) => !this.transactionalHooks.has(h));
    if (hooks.length === 0) return;
    for (const e of entries) {
      for (const hook of hooks) {
        try {
          hook(e.transfer, e.debit, e.credit, e.input);
        } catch (err) {
          onError(err);
        }
      }
    }
  }

  /** Mints `amount` from the source's issuance account to a member (created on first credit). */
  credit(input: MemberEntryInput & { source: IssuanceSource; kind: TransferKind }): PostResult {
    return this.post({ ...input, from: ISSUANCE(input.source), to: MEMBER(input.userId) });
  }

  /**
   * Takes Sparks back from a member into an issuance account (a moderator's revoke). An
   * issuance account never goes above zero, so the Sparks go back to one that has minted
   * at least that many — award first, then campaign, then platform, then quest — whatever the member
   * earned them from. Errors: as `post`; SPARKS.INSUFFICIENT also when no single issuance
   * account minted that many (a member holding a little from each source in a new guild:
   * revoke in parts).
   */
  revoke(input: MemberEntryInput): PostResult {
    return this.db.write(() => {
      const existing = this.store.transferByKey(input.guildId, input.key);
      const sink = existing?.kind === 'revoke' ? this.store.accountById(existing.creditAccountId) : undefined;
      const to = sink ? { type: sink.type, ref: sink.ref } : this.revokeSink(input);
      return this.post({ ...input, kind: 'revoke', from: MEMBER(input.userId), to });
    });
  }

  private revokeSink(input: { guildId: string; userId: string; amount: number }): AccountKey {
    const sources: IssuanceSource[] = ['award', 'campaign', 'platform', 'quest'];
    let largest = 0;
    for (const source of sources) {
      const minted = -(this.store.findAccount(input.guildId, 'issuance', source)?.balance ?? 0);
      if (minted >= input.amount) return ISSUANCE(source);
      largest = Math.max(largest, minted);
    }
    const held = this.store.findAccount(input.guildId, 'member', input.userId)?.balance ?? 0;
    // Not enough held (or a malformed amount): let post() refuse it with its usual error.
    if (!(held >= input.amount)) return ISSUANCE('award');
    throw new SparksError(
      'SPARKS.INSUFFICIENT',
      { available: largest, requested: input.amount },
      'no single issuance account minted that many Sparks; revoke in parts',
    );
  }

  /** Reserves a member's Sparks for a redemption: they leave the spendable balance now. */
  hold(input: MemberEntryInput): PostResult {
    return this.post({ ...input, kind: 'hold', from: MEMBER(input.userId), to: HOLDS });
  }

  /**
   * Closes a hold, exactly once: 'post' completes it (the reserved Sparks are spent, into
   * the redeemed account), 'void' releases it back to the member (a refund). Errors: as
   * `post`; SPARKS.NOT_FOUND when `holdId` is not a hold; SPARKS.ALREADY_CLOSED when it was
   * closed before under another key.
   */
  closeHold(holdId: number, outcome: 'post' | 'void', input: CloseHoldInput): PostResult {
    const hold = this.requireHold(holdId);
    const to = outcome === 'post' ? REDEEMED : MEMBER(this.store.accountById(hold.debitAccountId)!.ref);
    return this.post({
      guildId: hold.guildId,
      kind: outcome === 'post' ? 'hold.post' : 'hold.void',
      from: HOLDS,
      to,
      amount: hold.amount,
      key: input.key,
      actor: input.actor,
      reason: input.reason ?? '',
      ref: hold.ref,
      closesId: hold.id,
    });
  }

  /**
   * Reverses an entry (all of it, or `amount` of it), sending Sparks back the way they
   * came. At most once per entry. Holds are voided, not reversed (SPARKS.NOT_REVERSIBLE).
   */
  reverse(
    transferId: number,
    input: { key: string; actor: Actor; reason?: string; amount?: number },
  ): PostResult {
    const original = this.store.transferById(transferId);
    if (!original) throw new SparksError('SPARKS.NOT_FOUND', { id: transferId });
    if (
      original.kind === 'hold' ||
      original.kind === 'hold.post' ||
      original.kind === 'hold.void' ||
      original.kind === 'reversal'
    ) {
      throw new SparksError('SPARKS.NOT_REVERSIBLE', { id: transferId, kind: original.kind });
    }
    const amount = input.amount ?? original.amount;
    if (typeof amount === 'number' && amount > original.amount) {
      throw new SparksError('SPARKS.INVALID_AMOUNT', { field: 'amount', min: 1, max: original.amount });
    }
    const debit = this.store.accountById(original.creditAccountId)!;
    const credit = this.store.accountById(original.debitAccountId)!;
    return this.post({
      guildId: original.guildId,
      kind: 'reversal',
      from: { type: debit.type, ref: debit.ref },
      to: { type: credit.type, ref: credit.ref },
      amount,
      key: input.key,
      actor: input.actor,
      reason: input.reason ?? '',
      ref: original.ref,
      closesId: original.id,
    });
  }

  private requireHold(holdId: number): TransferRow {
    const hold = this.store.transferById(holdId);
    if (!hold || hold.kind !== 'hold') throw new SparksError('SPARKS.NOT_FOUND', { id: holdId });
    return hold;
  }

  /**
   * Finds or opens these accounts (in one transaction, new ones in the order given), e.g.
   * to set up the accounts a batch of entries will use. Returns them in the order given.
   */
  openAccounts(specs: readonly AccountSpec[]): AccountRow[] {
    return this.db.write(() => this.store.ensureAccounts(specs, this.clock()));
  }
}

/** `postManyInTransaction` cannot take this batch as one statement; post its inputs one by one. */
export class BatchNotApplicable extends Error {
  override readonly name = 'BatchNotApplicable';
}

/** The debit account can pay (issuance accounts always can) and both balances stay safe integers. */
function assertCanMove(from: AccountRow, to: AccountRow, amount: number): void {
  if (from.type !== 'issuance' && from.balance < amount) {
    throw new SparksError(
      'SPARKS.INSUFFICIENT',
      { available: from.balance, requested: amount },
      `account ${from.type}:${from.ref} holds ${from.balance}, needs ${amount}`,
    );
  }
  if (to.balance + amount > Number.MAX_SAFE_INTEGER || from.balance - amount < -Number.MAX_SAFE_INTEGER) {
    throw new SparksError('SPARKS.BALANCE_OVERFLOW', {}, 'the balance would leave the safe integer range');
  }
}

function checkText(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw new SparksError(
      'SPARKS.INVALID_INPUT',
      { field, min, max },
      `${field} must be text of ${min}..${max} characters`,
    );
  }
}
