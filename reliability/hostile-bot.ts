/**
 * Scenario 4 — hostile input through the real bot (fast-check, seeded). Three properties:
 *
 * - **Slash options**: every registered subcommand, as a moderator and as a member, with
 *   option values drawn from huge and zero-width strings, `@everyone`, negative, float,
 *   huge and non-numeric numbers, non-choices, missing required options — sent with
 *   `force: true`, as a Discord client never would. The oracle is the command's own
 *   registered definition: when any value breaks it (out of min/max, over max_length, not
 *   a choice, a required option missing), nothing may be written.
 * - **Custom ids**: buttons naming another member's confirmation, redemption or page,
 *   forged with the clicker as owner, malformed, overlong: nothing is written and the
 *   clicker learns nothing about the other member's redemption.
 * - **Modal input**: wallet addresses for a manual reward: anything that is not a
 *   0x + 40-hex address (EIP-55 when mixed-case) writes nothing.
 *
 * Always: no uncaught exception (no 'interaction handler failed' log, whose causes are
 * never SparksErrors), no error log, and the ledger verifies clean at the end.
 */
import fc from 'fast-check';
import { OptionType, text, type OptionValue, type RegisteredCommand } from '../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../testkit/bot.ts';
import { addReward, click, fund, openConfirmation } from '../testkit/world.ts';
import { rowCounts, verifyProblems } from './bot-kit.ts';
import type { ScenarioResult } from './support.ts';

export interface HostileScale {
  runs: number;
  seed: number;
}

interface OptionDef {
  type: number;
  name: string;
  required?: boolean;
  min_value?: number;
  max_value?: number;
  min_length?: number;
  max_length?: number;
  choices?: { value: string | number }[];
  options?: OptionDef[];
}

interface Sub {
  command: string;
  group?: string;
  sub?: string;
  options: OptionDef[];
}

export const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u200b',
    '\u200b\u200b\u200b',
    '\u202e',
    '@everyone',
    '@here',
    '<@&1>',
    '<@100000000000000000>',
    '0',
    '-1',
    '1.5',
    '1e309',
    'NaN',
    '9007199254740993',
    '<:x:1>',
    '🔥',
    '1d',
    '0x',
    'r:1',
    'r:99999999',
    '../../etc/passwd',
    "'; DROP TABLE transfers; --",
    '=HYPERLINK("http://x")',
    'https://discord.com/channels/1/2/3',
  ),
  fc.constant('x'.repeat(5000)),
  fc.constant('\u200b'.repeat(300)),
);

const hostileNumber = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(-1, 0, 1.5, -0.5, 1e9, 1e9 + 1, -1e12, 2 ** 53 + 2, 1e300, 'abc', '12x'),
  fc.integer(),
  fc.double({ noNaN: true }),
);

/** Whether a Discord client would have sent `value` for this option. */
function validFor(def: OptionDef, value: OptionValue | undefined): boolean {
  if (value === undefined) return !def.required;
  if (def.choices && !def.choices.some((c) => c.value === value)) return false;
  switch (def.type) {
    case OptionType.String: {
      const s = String(value);
      const points = [...s].length;
      return (
        points >= (def.min_length ?? 0) &&
        s.length <= (def.max_length ?? 6000) &&
        points <= (def.max_length ?? 6000)
      );
    }
    case OptionType.Integer:
    case OptionType.Number: {
      const n = typeof value === 'number' ? value : Number(value);
      if (def.type === OptionType.Integer ? !Number.isSafeInteger(n) : !Number.isFinite(n)) return false;
      return n >= (def.min_value ?? -(2 ** 53)) && n <= (def.max_value ?? 2 ** 53);
    }
    default:
      return true;
  }
}

function subcommands(commands: RegisteredCommand[]): Sub[] {
  const out: Sub[] = [];
  for (const c of commands) {
    if (c.type !== undefined && c.type !== 1) continue; // context menus take no options
    const options = (c.options ?? []) as OptionDef[];
    const subs = options.filter(
      (o) => o.type === OptionType.Subcommand || o.type === OptionType.SubcommandGroup,
    );
    if (subs.length === 0) out.push({ command: c.name, options });
    for (const s of subs) {
      if (s.type === OptionType.Subcommand)
        out.push({ command: c.name, sub: s.name, options: s.options ?? [] });
      else
        for (const g of s.options ?? [])
          out.push({ command: c.name, group: s.name, sub: g.name, options: g.options ?? [] });
    }
  }
  return out;
}

interface Harness {
  w: BotWorld;
  violations: string[];
  /** Runs one interaction to its end and returns the row counts before and after. */
  settle: <T>(
    fn: () => Promise<T>,
  ) => Promise<{ result: T; before: Record<string, number>; after: Record<string, number> }>;
}

const changed = (a: Record<string, number>, b: Record<string, number>) =>
  Object.keys({ ...a, ...b })
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k} ${a[k] ?? 0}→${b[k] ?? 0}`);

async function idle(w: BotWorld): Promise<void> {
  for (let i = 0; i < 500 && w.app.router.inFlightCount > 0; i++) await new Promise((r) => setTimeout(r, 5));
  await w.app.services.campaigns.idle();
}

function harness(w: BotWorld): Harness {
  return {
    w,
    violations: [],
    async settle(fn) {
      await idle(w);
      const before = rowCounts(w);
      const result = await fn();
      await idle(w);
      return { result, before, after: rowCounts(w) };
    },
  };
}

/** Why a property failed: its error's message, else the counterexample. */
const failureOf = (r: { errorInstance?: unknown; counterexample: unknown }) =>
  r.errorInstance instanceof Error ? r.errorInstance.message : JSON.stringify(r.counterexample);

/** A short, readable description of a generated value for failure messages. */
const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…(${s.length})` : s;
};

/** Uncaught exceptions are logged once each as 'interaction handler failed'; errors at level ≥ 50. */
function newErrors(w: BotWorld, from: number): string[] {
  return w.logs
    .slice(from)
    .filter((l) => l.level >= 50 || l.msg === 'interaction handler failed' || l.outcome === 'error')
    .map((l) => `${l.msg}: ${show((l.err as { message?: string } | undefined)?.message ?? '')}`);
}

async function slashProperty(h: Harness, scale: HostileScale): Promise<string | null> {
  const { w } = h;
  const subs = subcommands(w.fake.registeredCommands(w.guildId));
  const users = [w.users.alice, w.users.bob, w.users.mod, w.users.otherBot, w.fake.botUserId];
  const roles = [
    w.guildId,
    w.fake.botRole(w.guildId).id,
    ...(w.fake.memberRoles(w.guildId, w.users.mod) ?? []),
  ];
  const channels = [w.channelId, w.logChannelId];
  const valueFor = (def: OptionDef): fc.Arbitrary<OptionValue | undefined> => {
    const base: fc.Arbitrary<OptionValue> = (() => {
      switch (def.type) {
        case OptionType.User:
          return fc.constantFrom(...users);
        case OptionType.Role:
          return fc.constantFrom(...roles);
        case OptionType.Channel:
          return fc.constantFrom(...channels);
        case OptionType.Boolean:
          return fc.boolean();
        case OptionType.Integer:
        case OptionType.Number:
          return def.choices
            ? fc.oneof(fc.constantFrom(...def.choices.map((c) => c.value)), hostileNumber)
            : fc.oneof(
                fc.integer({
                  min: def.min_value ?? -100,
                  max: Math.min(def.max_value ?? 100, (def.min_value ?? 0) + 100),
                }),
                hostileNumber,
              );
        default:
          return def.choices
            ? fc.oneof(fc.constantFrom(...def.choices.map((c) => String(c.value))), hostileString)
            : hostileString;
      }
    })() as fc.Arbitrary<OptionValue>;
    return def.required
      ? fc.oneof({ weight: 12, arbitrary: base }, { weight: 1, arbitrary: fc.constant(undefined) })
      : fc.option(base, { nil: undefined, freq: 2 });
  };
  const invocation = fc.constantFrom(...subs).chain((sub) =>
    fc.record({
      sub: fc.constant(sub),
      as: fc.constantFrom('mod', 'alice'),
      locale: fc.constantFrom('en-US', 'ko'),
      values: fc.tuple(...sub.options.map(valueFor)),
    }),
  );
  let valid = 0;
  let refused = 0;
  const result = await fc.check(
    fc.asyncProperty(invocation, async ({ sub, as, locale, values }) => {
      const options: Record<string, OptionValue> = {};
      sub.options.forEach((def, i) => {
        if (values[i] !== undefined) options[def.name] = values[i];
      });
      const invalid = sub.options.filter((def, i) => !validFor(def, values[i])).map((d) => d.name);
      const name = [sub.command, sub.group, sub.sub].filter(Boolean).join(' ');
      const logFrom = w.logs.length;
      const { before, after } = await h.settle(async () => {
        const handle = w.fake.slash({
          guildId: w.guildId,
          channelId: w.channelId,
          userId: w.users[as],
          command: sub.command,
          ...(sub.group ? { subcommandGroup: sub.group } : {}),
          ...(sub.sub ? { subcommand: sub.sub } : {}),
          options,
          locale,
          force: true,
        });
        const reply = await handle.reply({ timeoutMs: 10_000 });
        if (reply.type === 5) await handle.final({ timeoutMs: 10_000 });
        return reply;
      });
      const wrote = changed(before, after);
      if (invalid.length) refused++;
      else valid++;
      const errors = newErrors(w, logFrom);
      if (errors.length) throw new Error(`/${name} ${show(options)}: ${errors[0]}`);
      if (invalid.length && wrote.length)
        throw new Error(
          `/${name} as ${as} with invalid ${invalid.join(', ')} ${show(options)} wrote ${wrote.join(', ')}`,
        );
    }),
    { seed: scale.seed, numRuns: scale.runs },
  );
  h.violations.push(`slash: ${valid} valid, ${refused} invalid`);
  return result.failed ? `slash options: ${failureOf(result)}` : null;
}

async function customIdProperty(h: Harness, scale: HostileScale): Promise<string | null> {
  const { w } = h;
  const victim = w.users.bob;
  const attacker = w.users.alice;
  // The slash property's random `/sparks-admin flag` calls may have flagged them, and a
  // flagged member cannot redeem: clear those first.
  for (const userId of [victim, attacker, w.users.carol])
    if (w.app.services.flags.isFlagged(w.guildId, userId))
      w.app.services.flags.clear({
        guildId: w.guildId,
        userId,
        moderatorId: w.users.mod,
        reason: 'cleared after the slash property',
      });
  // The victim's own things the attacker will aim at.
  const victimRole = w.fake.createRole(w.guildId, { name: 'Victim Secret Perk', position: 2 });
  const secret = await addReward(w, {
    name: 'Victim Secret Perk',
    cost: 10,
    kind: 'role',
    role: victimRole.id,
  });
  const other = await addReward(w, { name: 'Open Perk', cost: 10, kind: 'badge' });
  fund(w, victim, 100, 'fund:victim');
  fund(w, attacker, 100, 'fund:attacker');
  fund(w, w.users.carol, 100, 'fund:carol-clicks');
  const pending = await openConfirmation(w, victim, 'Open Perk');
  // The message clicked on is one the clicker can see (their own confirmation); the ids
  // are what they forge.
  const own = await openConfirmation(w, attacker, 'Open Perk');
  const carols = await openConfirmation(w, w.users.carol, 'Open Perk');
  const done = await openConfirmation(w, victim, 'Victim Secret Perk');
  const final = text(await click(w, victim, done.messageId, done.confirmId).final({ timeoutMs: 10_000 }));
  if (!final.includes('Redeemed')) return `setup: the victim could not redeem (${final})`;
  const doneNonce = done.confirmId.split(':').at(-1)!;
  const pendingNonce = pending.confirmId.split(':').at(-1)!;
  const redemption = w.app.services.redemptions.byKey(w.guildId, `confirm:${doneNonce}`)!;
  const stamp = Date.now().toString(36);
  const ids = fc.oneof(
    // The victim's real buttons.
    fc.constantFrom(pending.confirmId, pending.cancelId, done.confirmId, done.cancelId),
    // Forged with the attacker as owner, naming the victim's things.
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        `shop-cancel:${attacker}:${doneNonce}`,
        `shop-confirm:${attacker}:${secret.id}:10:${doneNonce}`,
        `shop-input:${attacker}:${secret.id}:10:${doneNonce}`,
        `shop-resolve:${attacker}:f:${redemption.id}:0`,
        `shop-resolve:${attacker}:r:${redemption.id}:0`,
        `shop-resolve:${w.users.mod}:r:${redemption.id}:0`,
        `shop-queue:${w.users.mod}:0`,
        `shop-page:${victim}:0`,
        `hist:${attacker}:${victim}:${stamp}:2:o:1`,
        `hist:${victim}:${victim}:${stamp}:2:o:1`,
        `lb:${victim}:all:all:${stamp}:2`,
        `shop-confirm:${victim}:${other.id}:10:${pendingNonce}`,
        `shop-confirm:${attacker}:${other.id}:-10:x`,
        `shop-confirm:${attacker}:${other.id}:10:`,
        `shop-confirm:${attacker}:99999:10:${doneNonce}`,
        `campaign-modal:${attacker}`,
      ),
    },
    // Malformed and overlong.
    fc
      .tuple(
        fc.constantFrom(
          'shop-confirm',
          'shop-cancel',
          'shop-resolve',
          'shop-queue',
          'shop-page',
          'hist',
          'lb',
          'zzz',
          '',
        ),
        fc.array(hostileString, { maxLength: 6 }),
      )
      .map(([p, parts]) => [p, ...parts].join(':')),
    fc.constant(`shop-confirm:${attacker}:${'9'.repeat(400)}`),
    fc.constant('x'.repeat(1000)),
  );
  const result = await fc.check(
    fc.asyncProperty(ids, fc.constantFrom(attacker, w.users.carol), async (customId, clicker) => {
      const logFrom = w.logs.length;
      const {
        result: reply,
        before,
        after,
      } = await h.settle(async () => {
        const handle = click(
          w,
          clicker,
          clicker === attacker ? own.messageId : carols.messageId,
          customId,
          true,
        );
        const first = await handle.reply({ timeoutMs: 10_000 });
        return first.type === 6 ? await handle.final({ timeoutMs: 10_000 }) : first;
      });
      const errors = newErrors(w, logFrom);
      if (errors.length) throw new Error(`${show(customId)}: ${errors[0]}`);
      const wrote = changed(before, after);
      if (wrote.length) throw new Error(`${show(customId)} by ${clicker} wrote ${wrote.join(', ')}`);
      if (text(reply).includes('Victim Secret Perk'))
        throw new Error(
          `${show(customId)} by ${clicker} was told about the victim's redemption: ${text(reply)}`,
        );
    }),
    { seed: scale.seed, numRuns: scale.runs },
  );
  return result.failed ? `custom ids: ${failureOf(result)}` : null;
}

/** An EVM address a careful client would accept: 0x + 40 hex, one case, or EIP-55 (checked by the example below). */
const EIP55 = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const plainAddress = (s: string) => /^0x[0-9a-f]{40}$/.test(s) || /^0x[0-9A-F]{40}$/.test(s) || s === EIP55;

async function modalProperty(h: Harness, scale: HostileScale): Promise<string | null> {
  const { w } = h;
  await addReward(w, {
    name: 'Whitelist spot',
    cost: 5,
    kind: 'manual',
    input_label: 'Wallet',
    input_kind: 'evm_address',
  });
  const member = w.users.carol;
  fund(w, member, 10_000, 'fund:carol');
  const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 38, maxLength: 42 });
  const flipped = fc.integer({ min: 2, max: EIP55.length - 1 }).map((i) => {
    const c = EIP55[i]!;
    const swapped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
    return EIP55.slice(0, i) + swapped + EIP55.slice(i + 1);
  });
  const wallets = fc.oneof(
    hostileString,
    hex.map((s) => `0x${s}`),
    hex.map((s) => `0X${s}`),
    hex.map((s) => ` 0x${s} `),
    hex.map((s) => `0x${s.slice(0, 20)}\u200b${s.slice(20)}`),
    flipped,
    fc.constant(EIP55),
    fc.constant(`0x${'0'.repeat(40)}`),
    fc.constant(`0x${'g'.repeat(40)}`),
    fc.constant(`０x${'1'.repeat(40)}`),
  );
  let accepted = 0;
  const result = await fc.check(
    fc.asyncProperty(wallets, fc.boolean(), async (wallet, someoneElse) => {
      const c = await openConfirmation(w, member, 'Whitelist spot');
      const [, ...args] = c.confirmId.split(':');
      const clicker = someoneElse ? w.users.alice : member;
      const logFrom = w.logs.length;
      const { before, after } = await h.settle(async () => {
        const handle = w.fake.submitModal({
          guildId: w.guildId,
          channelId: w.channelId,
          userId: clicker,
          customId: `shop-input:${args.join(':')}`,
          fields: { value: wallet },
          force: true,
        });
        return handle.final({ timeoutMs: 10_000 });
      });
      const errors = newErrors(w, logFrom);
      if (errors.length) throw new Error(`${show(wallet)}: ${errors[0]}`);
      const wrote = changed(before, after);
      const ok = plainAddress(wallet.trim()) && !someoneElse;
      if (!ok && wrote.length)
        throw new Error(
          `wallet ${show(wallet)}${someoneElse ? ' (another member’s modal)' : ''} wrote ${wrote.join(', ')}`,
        );
      if (ok && wrote.length === 0) throw new Error(`a valid wallet ${show(wallet)} was refused`);
      if (ok) accepted++;
    }),
    { seed: scale.seed, numRuns: scale.runs },
  );
  h.violations.push(`modal: ${accepted} valid wallets accepted`);
  return result.failed ? `modal input: ${failureOf(result)}` : null;
}

export async function hostileBotInput(scale: HostileScale): Promise<ScenarioResult> {
  const w = await startWorld({ shutdownGraceMs: 200 });
  const h = harness(w);
  const failures: string[] = [];
  try {
    for (const property of [slashProperty, customIdProperty, modalProperty]) {
      const failure = await property(h, scale);
      if (failure) failures.push(failure);
    }
    const problems = verifyProblems(w);
    if (problems) failures.push(problems);
  } finally {
    await w.stop();
  }
  return {
    scenario: 'hostile slash options, custom ids, modals (e2e)',
    runs: scale.runs * 3,
    figure: failures.length
      ? failures.join('; ')
      : `${h.violations.join('; ')}; 0 uncaught, 0 invalid accepted, nothing written; verify clean`,
    pass: failures.length === 0,
  };
}
