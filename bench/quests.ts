/**
 * A quest burst: 10,000 qualifying reactions for a one-step quest (members with no account
 * yet, each completing it), queued on QuestService's grant source and applied by the
 * shared group commit — against the campaign burst on the same machine in the same run,
 * the two alternating on fresh databases. SPEC §10's budget: within 20 % of the campaign's
 * throughput (ratio ≥ 0.8). `npm run bench -- --only=quests` runs just this row.
 */
import { AuditQueue } from '../src/audit.ts';
import type { Db } from '../src/db/open.ts';
import { GrantQueue } from '../src/grants/queue.ts';
import { Ledger } from '../src/ledger/ledger.ts';
import { silentLogger } from '../src/log.ts';
import { QuestService } from '../src/quests/quests.ts';
import { campaignBurst, newMemberId, tempCopy } from './burst.ts';
import { G } from './ledger.ts';
import { ratioRow, type Row } from './lib.ts';

const CHANNEL = '300000000000000001';
const MODERATOR = '100000000000000001';

/** Completions/s of QuestService applying `n` queued reactions, each completing the quest once. */
export function questBurst(db: Db, run: number, n: number): number {
  const ledger = new Ledger({ db });
  const grants = new GrantQueue({ db, logger: silentLogger });
  const quests = new QuestService({ db, ledger, audit: new AuditQueue(), clock: Date.now, grants });
  const quest = quests.create({ guildId: G, name: `bench ${run}`, sparks: 10, moderatorId: MODERATOR });
  const { step } = quests.addStep(G, String(quest.id), {
    kind: 'reaction',
    channelId: CHANNEL,
    messageId: String(600000000000000000n + BigInt(run)),
    emoji: '🔥',
  });
  quests.publish(G, String(quest.id), MODERATOR);
  const [target] = quests.matchReaction(step.messageId!, step.emojiKey!);
  if (!target) throw new Error('the published quest is not in the index');
  const t0 = performance.now();
  for (let i = 0; i < n; i++)
    quests.enqueue(target, newMemberId(500 + run, i), Date.now(), { kind: 'reaction' }, null);
  quests.flush();
  const ms = performance.now() - t0;
  const done = quests.byId(quest.id)!.completions;
  if (done !== n) throw new Error(`completed ${done} of ${n}`);
  return (n * 1000) / ms;
}

/** Both bursts, alternating, `runs` times each on a fresh database; the quest row judged against the campaign's. */
export function questRows(runs: number, n: number): Row[] {
  const ours: number[] = [];
  const campaign: number[] = [];
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? (['campaign', 'quest'] as const) : (['quest', 'campaign'] as const);
    for (const which of order) {
      const { db, dispose } = tempCopy();
      try {
        if (which === 'quest') ours.push(questBurst(db, r, n));
        else campaign.push(campaignBurst(db, 200 + r, n));
      } finally {
        dispose();
      }
    }
  }
  const row = ratioRow(
    `quest completions, group commit in-process (${n.toLocaleString('en-US')} reactions, new members)`,
    ours,
    campaign,
    'completions/s',
    0.8,
    true,
  );
  return [{ ...row, target: '≥ 0.8× the campaign burst' }];
}
