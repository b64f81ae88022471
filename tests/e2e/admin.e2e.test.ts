import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/db/verify.ts';
import { EXPORT_COLUMNS } from '../../src/moderation/export.ts';
import { Permissions, text, type OptionValue } from '../../testkit/fake-discord/index.ts';
import { startWorld, type BotWorld } from '../../testkit/bot.ts';
import { campaignKit, fastPlugins, FIRE } from '../helpers/campaigns.ts';
import { sqliteOf } from '../helpers/engines.ts';

let w: BotWorld;
let k: ReturnType<typeof campaignKit>;
beforeAll(async () => {
  w = await startWorld({ plugins: fastPlugins() });
  k = campaignKit(w);
});
afterAll(async () => {
  await w?.stop();
});

const count = (table: string) =>
  (sqliteOf(w.app.services.db).prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
const adminSubcommands = () => {
  const admin = w.fake.registeredCommands(w.guildId).find((c) => c.name === 'sparks-admin')!;
  const out: { path: string; options: Record<string, OptionValue> }[] = [];
  const required = (opts: { name: string; type: number; required?: boolean }[] = []) =>
    Object.fromEntries(
      opts
        .filter((o) => o.required)
        .map((o) => [
          o.name,
          o.type === 4
            ? 5
            : o.type === 6
              ? w.users.bob
              : o.type === 5
                ? true
                : o.type === 8
                  ? w.guildId
                  : o.type === 7
                    ? w.channelId
                    : '🔥',
        ]),
    );
  for (const o of admin.options as { name: string; type: number; options?: never[] }[]) {
    if (o.type === 1) out.push({ path: `sparks-admin ${o.name}`, options: required(o.options) });
    else
      for (const sub of (o.options ?? []) as { name: string; options?: never[] }[])
        out.push({ path: `sparks-admin ${o.name} ${sub.name}`, options: required(sub.options) });
  }
  return out;
};

describe('who may use /sparks-admin', () => {
  it('a member without Manage Server or the moderator role is refused every admin command, even if an admin made them visible', async () => {
    const message = k.oldMessage();
    const before = {
      transfers: count('transfers'),
      campaigns: count('campaigns'),
      settings: count('guild_settings'),
      tiers: count('tier_roles'),
    };
    const subs = adminSubcommands();
    expect(subs.map((s) => s.path)).toEqual(
      expect.arrayContaining([
        'sparks-admin award',
        'sparks-admin revoke',
        'sparks-admin campaign start',
        'sparks-admin campaign end',
        'sparks-admin campaign list',
        'sparks-admin config',
        'sparks-admin export',
        'sparks-admin verify',
        'sparks-admin tier set',
        'sparks-admin tier remove',
        'sparks-admin tier list',
      ]),
    );
    for (const sub of subs) {
      const options = sub.path.endsWith('campaign start')
        ? { ...sub.options, message: k.link(message) }
        : sub.options;
      const reply = await w.slash(w.users.alice, sub.path, options).reply();
      expect(reply.ephemeral, sub.path).toBe(true);
      expect(text(reply), sub.path).toMatch(/Only moderators can do that/);
    }
    const menu = await w.fake
      .contextMenu({
        channelId: w.channelId,
        userId: w.users.alice,
        command: 'Start Sparks campaign',
        targetMessageId: message,
      })
      .reply();
    expect(text(menu)).toMatch(/Only moderators/);
    const modal = await w.fake
      .submitModal({
        channelId: w.channelId,
        userId: w.users.alice,
        customId: `campaign-start:${w.channelId}:${message}`,
        fields: { emoji: FIRE, sparks: '5', ends_in: '', max_claims: '', budget: '' },
        force: true,
      })
      .reply();
    expect(text(modal)).toMatch(/Only moderators/);
    const choices = await w.fake
      .autocomplete({
        channelId: w.channelId,
        userId: w.users.alice,
        command: 'sparks-admin',
        subcommandGroup: 'campaign',
        subcommand: 'end',
        focused: 'campaign',
      })
      .choices();
    expect(choices).toEqual([]);
    expect({
      transfers: count('transfers'),
      campaigns: count('campaigns'),
      settings: count('guild_settings'),
      tiers: count('tier_roles'),
    }).toEqual(before);
    expect(w.fake.reactionUsers(message, FIRE)).toEqual([]);
  });
});

describe('/sparks-admin config', () => {
  const config = (options: Record<string, OptionValue> = {}) =>
    w.slash(w.users.mod, 'sparks-admin config', options).final();

  it('shows the current settings when given no options', async () => {
    const reply = await config();
    expect(reply.ephemeral).toBe(true);
    expect(text(reply)).toMatch(/Sparks settings/);
    expect(text(reply)).toMatch(/Log channel\s*not set/);
    expect(text(reply)).toMatch(/Daily award limit \(per moderator\)\s*no limit/);
    expect(text(reply)).toMatch(/Trade: Sparks per 100 USD\s*10/);
  });

  it('saves valid settings, refuses bad ones without writing anything, and resets one to its default', async () => {
    const saved = await config({
      log_channel: w.logChannelId,
      daily_award_limit: 500,
      referral_trade_pct: 20,
      images: false,
    });
    expect(text(saved)).toMatch(/Settings saved/);
    expect(w.app.services.settings.get(w.guildId)).toMatchObject({
      logChannelId: w.logChannelId,
      dailyAwardLimit: 500,
      imagesEnabled: false,
      earn: { referralTradeSharePct: 20 },
    });
    const bad = await config({ referral_trade_pct: 150, daily_award_limit: 9 });
    expect(bad.ephemeral).toBe(true);
    expect(text(bad)).toMatch(/`referral_trade_pct` must be a whole number from 0 to 100/);
    expect(w.app.services.settings.get(w.guildId)).toMatchObject({
      dailyAwardLimit: 500,
      earn: { referralTradeSharePct: 20 },
    });
    const everyone = await config({ moderator_role: w.guildId });
    expect(text(everyone)).toMatch(/moderator_role is not valid/);
    const both = await config({ daily_award_limit: 5, reset: 'daily_award_limit' });
    expect(text(both)).toMatch(/cannot set and reset `daily_award_limit` at once/);
    const reset = await config({ reset: 'daily_award_limit' });
    expect(text(reset)).toMatch(/daily_award_limit is back to its default/);
    expect(w.app.services.settings.get(w.guildId).dailyAwardLimit).toBeNull();
    await config({ daily_award_limit: 0, platform_daily_cap: 0, images: true });
    expect(w.app.services.settings.get(w.guildId)).toMatchObject({
      dailyAwardLimit: null,
      earn: { platformDailyCap: null },
    });
  });

  it('refuses an option that arrives without a value, and writes none of the others', async () => {
    // A client that ignores the definition: "abc" for an integer reaches the bot as null.
    const before = w.app.services.settings.get(w.guildId);
    const reply = await w.fake
      .slash({
        guildId: w.guildId,
        channelId: w.channelId,
        userId: w.users.mod,
        command: 'sparks-admin',
        subcommand: 'config',
        options: { images: !before.imagesEnabled, trade_sparks_per_100_usd: 'abc' },
        force: true,
      })
      .final();
    expect(text(reply)).toBe('The value for trade_sparks_per_100_usd is not valid.');
    expect(w.app.services.settings.get(w.guildId)).toEqual(before);
  });

  it('refuses a log channel the bot cannot post to, naming the missing permission', async () => {
    const mute = w.fake.createChannel(w.guildId, {
      name: 'mute',
      permissionOverwrites: [{ id: w.fake.botRole(w.guildId).id, type: 0, deny: Permissions.SendMessages }],
    });
    const noEmbeds = w.fake.createChannel(w.guildId, {
      name: 'no-embeds',
      permissionOverwrites: [{ id: w.fake.botRole(w.guildId).id, type: 0, deny: Permissions.EmbedLinks }],
    });
    await expect.poll(() => w.app.client.channels.cache.has(noEmbeds.id)).toBe(true);
    expect(text(await config({ log_channel: mute.id }))).toMatch(
      /missing the \*\*Send Messages\*\* permission in <#\d+>/,
    );
    expect(text(await config({ log_channel: noEmbeds.id }))).toMatch(
      /missing the \*\*Embed Links\*\* permission/,
    );
    expect(w.app.services.settings.get(w.guildId).logChannelId).toBe(w.logChannelId);
  });

  it('accepts the configured moderator role in place of Manage Server', async () => {
    const role = w.fake.createRole(w.guildId, { name: 'Sparks Crew', position: 3 });
    await config({ moderator_role: role.id });
    w.fake.setMemberRoles(w.guildId, w.users.carol, [role.id]);
    const reply = await w.slash(w.users.carol, 'sparks-admin campaign list').reply();
    expect(text(reply)).toMatch(/Campaigns/);
    await config({ reset: 'moderator_role' });
    const after = await w.slash(w.users.carol, 'sparks-admin campaign list').reply();
    expect(text(after)).toMatch(/Only moderators/);
  });
});

describe('awards, revokes and the audit-log channel', () => {
  it('twenty concurrent awards never take a moderator over the daily limit', async () => {
    w.app.services.settings.update(w.guildId, { dailyAwardLimit: 100 });
    const [target] = k.members(1);
    const handles = Array.from({ length: 20 }, (_, i) =>
      w.slash(w.users.mod, 'sparks-admin award', { member: target!, amount: 10, reason: `burst ${i}` }),
    );
    const replies = await Promise.all(handles.map((h) => h.reply()));
    const refused = replies.filter((r) => /Daily award limit reached/.test(text(r)));
    expect(refused).toHaveLength(10);
    for (const r of refused) expect(r.ephemeral).toBe(true);
    expect(k.balance(target!)).toBe(100);
    const self = await w
      .slash(w.users.mod, 'sparks-admin award', { member: w.users.mod, amount: 1, reason: 'me' })
      .reply();
    expect(text(self)).toMatch(/cannot award or revoke Sparks for yourself/);
    expect(k.balance(w.users.mod)).toBe(0);
    w.app.services.settings.update(w.guildId, { dailyAwardLimit: null });
  });

  it('posts every award and revoke to the log channel, batched (≤ 10 embeds a message) and without pings', async () => {
    const before = k.logMessages().length;
    const [target] = k.members(1);
    await Promise.all(
      Array.from({ length: 23 }, (_, i) =>
        w
          .slash(w.users.mod, 'sparks-admin award', {
            member: target!,
            amount: 1 + i,
            reason: `thanks #${i}`,
          })
          .reply(),
      ),
    );
    await w.slash(w.users.mod, 'sparks-admin revoke', { member: target!, amount: 5, reason: 'typo' }).reply();
    const embedsOf = () =>
      k
        .logMessages()
        .slice(before)
        .flatMap((m) => m.embeds)
        .filter((e) => String(e.description).includes(`<@${target}>`));
    await expect.poll(() => embedsOf().length, { timeout: 10_000 }).toBe(24);
    const posted = k.logMessages().slice(before);
    expect(posted.length).toBeLessThan(24);
    for (const m of posted) {
      expect(m.embeds.length).toBeLessThanOrEqual(10);
      expect(m.allowedMentions).toEqual({ parse: [] });
    }
    const all = posted.map((m) => text(m)).join('\n');
    expect(all).toContain(`<@${w.users.mod}> awarded **23 Sparks** to <@${target}>`);
    expect(all).toContain('thanks #22');
    expect(all).toMatch(
      new RegExp(`<@${w.users.mod}> revoked \\*\\*5 Sparks\\*\\* from <@${target}>\\nReason\\ntypo`),
    );
  });
});

describe('/sparks-admin export and verify', () => {
  it('exports the ledger as CSV that parses back to exactly the ledger, tricky reasons included', async () => {
    const [target] = k.members(1);
    const tricky = 'Great work, "really"\nsecond line';
    await w.slash(w.users.mod, 'sparks-admin award', { member: target!, amount: 42, reason: tricky }).reply();
    const handle = w.slash(w.users.mod, 'sparks-admin export');
    const reply = await handle.final();
    expect(reply.ephemeral).toBe(true);
    expect((await handle.reply()).type).toBe(5);
    const file = reply.attachments[0] ?? handle.followUps[0]?.attachments[0];
    expect(file?.filename).toMatch(/^sparks-ledger-\d+-\d{4}-\d{2}-\d{2}\.csv$/);
    const rows = parse<Record<string, string>>(file!.data, { columns: true });
    expect(Object.keys(rows[0]!)).toEqual([...EXPORT_COLUMNS]);
    const ledger = sqliteOf(w.app.services.db)
      .prepare(
        `SELECT t.id, t.created_at, t.kind, d.type || ':' || d.ref AS f, c.type || ':' || c.ref AS t2, t.amount, t.reason,
                t.actor_type || ':' || t.actor_id AS actor, COALESCE(t.ref, '') AS ref, COALESCE(t.closes_id, '') AS closes,
                CASE WHEN c.type = 'member' THEN c.ref WHEN d.type = 'member' THEN d.ref ELSE '' END AS member
         FROM transfers t JOIN accounts d ON d.id = t.debit_account_id JOIN accounts c ON c.id = t.credit_account_id
         WHERE t.guild_id = ? ORDER BY t.id`,
      )
      .all(w.guildId) as Record<string, string | number>[];
    expect(rows).toEqual(
      ledger.map((r) => ({
        id: String(r.id),
        created_at: new Date(Number(r.created_at)).toISOString(),
        kind: r.kind,
        from_account: r.f,
        to_account: r.t2,
        member_id: r.member,
        amount: String(r.amount),
        reason: r.reason,
        actor: r.actor,
        ref: r.ref,
        closes_id: String(r.closes),
      })),
    );
    expect(rows.find((r) => r.member_id === target)?.reason).toBe(tricky);
  });

  it('verify replies privately with a clean summary, and names a violation', async () => {
    const clean = await w.slash(w.users.mod, 'sparks-admin verify').final();
    expect(clean.ephemeral).toBe(true);
    expect(text(clean)).toMatch(/Clean: every balance matches/);
    expect(verifyLedger(w.app.services.db).ok).toBe(true);
    sqliteOf(w.app.services.db).exec('DROP TRIGGER transfers_no_update');
    const broken = await w.slash(w.users.mod, 'sparks-admin verify').final();
    expect(text(broken)).toMatch(/1 check\(s\) failed/);
    expect(text(broken)).toMatch(/trigger transfers_no_update is missing/);
  });
});
