/**
 * Wallets linked by signature (SPEC §11). Linking is two requests from the member's web page:
 *
 * 1. `challenge` — the member's wallet gives its address; the service issues a single-use
 *    nonce for (guild, member, chain, address) that expires in `NONCE_TTL_MS`, and returns
 *    the message to sign (EIP-4361 for EVM, its Solana twin), naming the site's domain
 *    (from PUBLIC_URL), the nonce and the expiry.
 * 2. `link` — the wallet's signature over that message. The message is read back and
 *    checked field by field against what was issued (domain, nonce known to this member,
 *    unspent, unexpired, same address, same text), then the signature against the address;
 *    one write then spends the nonce and links the wallet.
 *
 * A wallet belongs to at most one member per guild (the store's unique index; an EVM
 * address in any letter case is one wallet). When a member proves a wallet another member
 * holds, nothing is linked, and both are flagged for review (`auto:wallet_shared`): one
 * wallet behind two accounts is what alt farms look like. The flag is raised only after
 * the signature checks out, so typing someone else's address cannot get them flagged.
 *
 * Every refusal writes nothing (but that flag).
 */
import type { AuditSink } from '../audit.ts';
import type { Clock } from '../core/clock.ts';
import { DAY_MS, MINUTE_MS } from '../core/clock.ts';
import { SparksError } from '../core/errors.ts';
import type { AppDb } from '../db/engine.ts';
import { walletStore } from '../db/pg/wallet-store.ts';
import type { WalletRow, WalletStoreApi } from '../db/wallet-store.ts';
import type { FlagRaiser } from '../members/flags.ts';
import { canonicalAddress, type WalletChain } from './addresses.ts';
import './errors.ts';
import { parseProof, proofMessage, verifyProof, type ProofFields } from './proofs.ts';

export type { WalletRow } from '../db/wallet-store.ts';

export const NONCE_TTL_MS = 10 * MINUTE_MS;
export const MAX_WALLETS_PER_MEMBER = 10;
/** Which linked wallet a manual reward fills in. */
export const REQUIRED_WALLET_KINDS = ['any', 'evm', 'solana'] as const;
export type RequiredWallet = (typeof REQUIRED_WALLET_KINDS)[number];

export function isRequiredWallet(value: unknown): value is RequiredWallet {
  return typeof value === 'string' && (REQUIRED_WALLET_KINDS as readonly string[]).includes(value);
}

export interface Challenge {
  nonce: string;
  message: string;
  expiresAt: number;
  address: string;
}

/** What the shop, raffles and campaigns ask about a member's wallets. */
export interface WalletLookup {
  hasWallet(guildId: string, userId: string): boolean;
  /** The address a manual reward fills in: the newest linked wallet of that kind; null when none. */
  addressFor(guildId: string, userId: string, kind: RequiredWallet): string | null;
  /** Where the member links one (their wallets page); null when the site is off. */
  pageUrl(guildId: string): string | null;
}

export const NO_WALLETS: WalletLookup = {
  hasWallet: () => false,
  addressFor: () => null,
  pageUrl: () => null,
};

export class WalletService implements WalletLookup {
  readonly store: WalletStoreApi;
  private readonly db: AppDb;
  private readonly clock: Clock;
  private readonly audit: AuditSink;
  private readonly flags: FlagRaiser;
  private readonly site: { origin: string; domain: string } | null;
  private readonly random: () => string;

  /**
   * `siteUrl`: the site's own base URL (PUBLIC_URL); null when the web is off (nothing can
   * be linked then). `random`: a fresh nonce (letters and digits, ≥ 8), for tests.
   */
  constructor(deps: {
    db: AppDb;
    clock: Clock;
    audit: AuditSink;
    flags: FlagRaiser;
    siteUrl: string | null;
    random?: () => string;
  }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.audit = deps.audit;
    this.flags = deps.flags;
    this.store = walletStore(deps.db);
    if (deps.siteUrl) {
      const url = new URL(deps.siteUrl);
      this.site = { origin: url.origin, domain: url.host };
    } else this.site = null;
    this.random = deps.random ?? (() => crypto.randomUUID().replaceAll('-', ''));
  }

  list(guildId: string, userId: string): WalletRow[] {
    return this.store.linked(guildId, userId);
  }

  hasWallet(guildId: string, userId: string): boolean {
    return this.store.hasAny(guildId, userId);
  }

  addressFor(guildId: string, userId: string, kind: RequiredWallet): string | null {
    const linked = this.store.linked(guildId, userId).filter((w) => kind === 'any' || w.chain === kind);
    return linked.at(-1)?.address ?? null;
  }

  pageUrl(guildId: string): string | null {
    return this.site ? `${this.site.origin}/g/${guildId}/wallets` : null;
  }

  /**
   * Step one: the message for the member's wallet to sign. Errors:
   * SPARKS.WALLET_ADDRESS_INVALID { chain }, SPARKS.WALLET_ALREADY_LINKED { address },
   * SPARKS.WALLET_LIMIT { max }.
   */
  challenge(input: { guildId: string; userId: string; chain: WalletChain; address: string }): Challenge {
    const site = this.requireSite();
    const address = canonicalAddress(input.chain, input.address);
    if (!address) throw new SparksError('SPARKS.WALLET_ADDRESS_INVALID', { chain: input.chain });
    const mine = this.store.linked(input.guildId, input.userId);
    if (mine.some((w) => w.chain === input.chain && w.address === address))
      throw new SparksError('SPARKS.WALLET_ALREADY_LINKED', { address });
    if (mine.length >= MAX_WALLETS_PER_MEMBER)
      throw new SparksError('SPARKS.WALLET_LIMIT', { max: MAX_WALLETS_PER_MEMBER });
    const now = this.clock();
    const fields: ProofFields = {
      chain: input.chain,
      address,
      domain: site.domain,
      uri: site.origin,
      statement: statementFor(input.guildId),
      nonce: this.random(),
      issuedAt: now,
      expiresAt: now + NONCE_TTL_MS,
    };
    this.db.write(() => {
      // Challenges nobody answered pile up otherwise; a day's grace keeps "expired" precise.
      this.store.pruneNonces(now - DAY_MS);
      this.store.insertNonce({
        nonce: fields.nonce,
        guildId: input.guildId,
        userId: input.userId,
        chain: input.chain,
        address,
        issuedAt: fields.issuedAt,
        expiresAt: fields.expiresAt,
      });
    });
    return { nonce: fields.nonce, message: proofMessage(fields), expiresAt: fields.expiresAt, address };
  }

  /**
   * Step two: links the wallet whose signature over the issued message this is. Errors:
   * SPARKS.WALLET_MESSAGE_INVALID, SPARKS.WALLET_WRONG_DOMAIN { expected, got },
   * SPARKS.WALLET_NONCE_UNKNOWN, SPARKS.WALLET_NONCE_USED, SPARKS.WALLET_NONCE_EXPIRED,
   * SPARKS.WALLET_SIGNATURE_INVALID { address }, SPARKS.WALLET_ALREADY_LINKED { address },
   * SPARKS.WALLET_TAKEN { address } (both members flagged), SPARKS.WALLET_LIMIT { max }.
   */
  async link(input: {
    guildId: string;
    userId: string;
    chain: WalletChain;
    message: string;
    signature: string;
  }): Promise<WalletRow> {
    const site = this.requireSite();
    const parsed = parseProof(input.chain, input.message);
    if (!parsed) throw new SparksError('SPARKS.WALLET_MESSAGE_INVALID');
    if (parsed.domain !== site.domain)
      throw new SparksError('SPARKS.WALLET_WRONG_DOMAIN', {
        expected: site.domain,
        got: parsed.domain.slice(0, 100),
      });
    const issued = this.store.nonce(parsed.nonce);
    if (
      !issued ||
      issued.guildId !== input.guildId ||
      issued.userId !== input.userId ||
      issued.chain !== input.chain
    )
      throw new SparksError('SPARKS.WALLET_NONCE_UNKNOWN');
    if (issued.usedAt !== null) throw new SparksError('SPARKS.WALLET_NONCE_USED');
    if (this.clock() >= issued.expiresAt) throw new SparksError('SPARKS.WALLET_NONCE_EXPIRED');
    const expected = proofMessage({
      chain: issued.chain,
      address: issued.address,
      domain: site.domain,
      uri: site.origin,
      statement: statementFor(input.guildId),
      nonce: issued.nonce,
      issuedAt: issued.issuedAt,
      expiresAt: issued.expiresAt,
    });
    if (canonicalAddress(issued.chain, parsed.address) !== issued.address || input.message !== expected)
      throw new SparksError('SPARKS.WALLET_MESSAGE_INVALID');
    if (!(await verifyProof(issued.chain, issued.address, input.message, input.signature)))
      throw new SparksError('SPARKS.WALLET_SIGNATURE_INVALID', { address: issued.address });

    const now = this.clock();
    const outcome = this.db.write((): { linked: WalletRow } | { takenBy: string } => {
      const current = this.store.nonce(issued.nonce)!;
      if (current.usedAt !== null) throw new SparksError('SPARKS.WALLET_NONCE_USED');
      if (now >= current.expiresAt) throw new SparksError('SPARKS.WALLET_NONCE_EXPIRED');
      const holder = this.store.holder(input.guildId, issued.chain, issued.address);
      if (holder?.userId === input.userId)
        throw new SparksError('SPARKS.WALLET_ALREADY_LINKED', { address: issued.address });
      if (holder) {
        this.flagShared(input.guildId, [input.userId, holder.userId], issued.chain, issued.address);
        return { takenBy: holder.userId };
      }
      if (this.store.linked(input.guildId, input.userId).length >= MAX_WALLETS_PER_MEMBER)
        throw new SparksError('SPARKS.WALLET_LIMIT', { max: MAX_WALLETS_PER_MEMBER });
      // A concurrent link of this nonce (PostgreSQL, READ COMMITTED) spent it after the read above.
      if (!this.store.useNonce(issued.nonce, now)) throw new SparksError('SPARKS.WALLET_NONCE_USED');
      const linked = this.store.insert({
        guildId: input.guildId,
        userId: input.userId,
        chain: issued.chain,
        address: issued.address,
        nonce: issued.nonce,
        now,
      });
      // The unique index refused it: held already (checked above under this write lock).
      if (!linked) throw new SparksError('SPARKS.WALLET_TAKEN', { address: issued.address });
      return { linked };
    });
    if ('takenBy' in outcome) throw new SparksError('SPARKS.WALLET_TAKEN', { address: issued.address });
    this.record('wallet.linked', outcome.linked);
    return outcome.linked;
  }

  /** Unlinks one of the member's wallets. Errors: SPARKS.WALLET_NOT_FOUND. */
  unlink(input: { guildId: string; userId: string; walletId: number }): WalletRow {
    const row = this.db.write(() => {
      const wallet = this.store.byId(input.walletId);
      if (
        !wallet ||
        wallet.guildId !== input.guildId ||
        wallet.userId !== input.userId ||
        !this.store.unlink(wallet.id, this.clock())
      )
        throw new SparksError('SPARKS.WALLET_NOT_FOUND');
      return this.store.byId(wallet.id)!;
    });
    this.record('wallet.unlinked', row);
    return row;
  }

  private flagShared(guildId: string, userIds: string[], chain: WalletChain, address: string): void {
    const [giver, holder] = userIds as [string, string];
    for (const [userId, other] of [
      [giver, holder],
      [holder, giver],
    ] as const) {
      this.flags.raise({
        guildId,
        userId,
        source: 'auto:wallet_shared',
        reason: `${chain} wallet ${address} was proven by two members: ${userId} and ${other}`,
        raisedBy: null,
      });
    }
  }

  private requireSite(): { origin: string; domain: string } {
    // The pages that call this are only served with the web on (PUBLIC_URL set).
    if (!this.site) throw new Error('wallet linking needs PUBLIC_URL (the web is off)');
    return this.site;
  }

  private record(kind: 'wallet.linked' | 'wallet.unlinked', w: WalletRow): void {
    this.audit.record({
      guildId: w.guildId,
      kind,
      actorId: w.userId,
      userId: w.userId,
      fields: { chain: w.chain, address: w.address },
      at: this.clock(),
    });
  }
}

/** One ASCII line (EIP-4361): which account the wallet is linked to. */
function statementFor(guildId: string): string {
  return `Link this wallet to your Sparks account in Discord server ${guildId}.`;
}
