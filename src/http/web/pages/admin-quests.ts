/**
 * Quests on the dashboard, as `/sparks-admin quest create|step|publish|end|list|review`: the
 * same flows through the running bot (WebQuestControl: a reaction step's message and emoji,
 * a message step's channel and a reward role are checked in Discord before anything is
 * written; a reviewed member is told by DM), with the admin as actor. Fields carry the
 * slash command's option names. A draft's prerequisite can be changed here too.
 */
import { QUEST_RECURRENCES, QUEST_STEP_KINDS } from '../../../db/schema.ts';
import { MAX_AMOUNT, MIN_AMOUNT } from '../../../ledger/amount.ts';
import {
  MAX_COMPLETIONS,
  MAX_DESCRIPTION,
  MAX_QUEST_NAME,
  MAX_REASON,
  type QuestRow,
} from '../../../quests/quests.ts';
import { MAX_ATTEMPTS, MAX_COUNT, MAX_PROMPT, MAX_SUBMISSION } from '../../../quests/steps.ts';
import { html, type Html } from '../html.ts';
import type { PageContext } from '../layout.ts';
import { dataTable } from '../table.ts';
import { utcMinute } from './admin-data.ts';
import {
  field,
  form,
  FormReader,
  redirectDone,
  refusing,
  roleSelect,
  sendAdminPage,
  type AdminCall,
  type AdminRoute,
} from './admin-kit.ts';

const BASE = '/quests';

function questSelect(
  ctx: PageContext,
  id: string,
  quests: readonly QuestRow[],
  o: { none?: string; name?: string } = {},
): Html {
  return html`<select id="${id}" name="${o.name ?? id}" ${o.none === undefined ? html` required` : ''}>
    <option value="">${o.none ?? ctx.t('admin.quests.choose')}</option>
    ${quests.map((q) => html`<option value="${q.id}">${q.name} (#${q.id})</option>`)}
  </select>`;
}

async function questsPage(call: AdminCall): Promise<Html> {
  const { ctx, guildId } = call;
  const { t } = ctx;
  const { quests, directory } = call.site.deps;
  const list = quests.list(guildId, 50);
  const badges = call.site.deps.rewards.list(guildId).filter((r) => r.kind === 'badge');
  const [roles, channels] = await Promise.all([directory.roles(guildId), directory.channels(guildId)]);
  const roleName = (id: string) => roles.find((r) => r.id === id)?.name ?? id;
  const action = (path: string) => `/g/${guildId}/admin${BASE}${path}`;
  const reward = (q: QuestRow) =>
    q.rewardRoleId
      ? t('admin.quests.reward_role', { sparks: q.sparks, role: roleName(q.rewardRoleId) })
      : t('admin.quests.reward_sparks', { sparks: q.sparks });
  const state = (q: QuestRow) =>
    q.status === 'scheduled'
      ? t('admin.quests.state.scheduled', { when: utcMinute(q.startsAt ?? 0) })
      : t(`admin.quests.state.${q.status}`);
  const editable = list.map((s) => s.quest).filter((q) => q.status === 'draft' || q.status === 'scheduled');
  const drafts = list.map((s) => s.quest).filter((q) => q.status === 'draft');
  const { items } = quests.pendingSubmissions(guildId, 0, 25);
  const names = await directory.names(
    guildId,
    items.map((s) => s.userId),
  );
  const table =
    list.length === 0
      ? html`<p>${t('admin.quests.empty')}</p>`
      : dataTable({
          caption: t('admin.quests.caption'),
          scroll: true,
          columns: [
            { label: t('admin.quests.name') },
            { label: t('admin.quests.state') },
            { label: t('admin.quests.reward') },
            { label: t('admin.quests.steps') },
            { label: t('admin.quests.completions'), num: true },
            { label: t('admin.quests.actions') },
          ],
          rows: list.map(
            ({ quest: q, steps }) =>
              html`<tr>
                <th scope="row">${q.name} <span class="muted">#${q.id}</span></th>
                <td>${state(q)}</td>
                <td>${reward(q)}</td>
                <td>${steps.map((s) => `${s.position}. ${s.kind}`).join(' · ')}</td>
                <td class="num">${q.completions}</td>
                <td>
                  ${
                    q.status === 'draft'
                      ? form(
                          ctx,
                          action('/publish'),
                          html`<input type="hidden" name="quest" value="${q.id}" />
                            <button type="submit">${t('admin.quests.publish', { name: q.name })}</button>`,
                          { cls: 'inline' },
                        )
                      : ''
                  }
                  ${
                    q.status !== 'ended'
                      ? form(
                          ctx,
                          action('/end'),
                          html`<input type="hidden" name="quest" value="${q.id}" />
                            <button type="submit" class="danger">
                              ${t('admin.quests.end', { name: q.name })}
                            </button>`,
                          { cls: 'inline', confirm: t('admin.quests.end_confirm', { name: q.name }) },
                        )
                      : ''
                  }
                </td>
              </tr>`,
          ),
        });
  const review =
    items.length === 0
      ? html`<p>${t('admin.quests.review_empty')}</p>`
      : dataTable({
          caption: t('admin.quests.review'),
          scroll: true,
          columns: [
            { label: t('admin.quests.member') },
            { label: t('admin.quests.name') },
            { label: t('admin.quests.submission') },
            { label: t('admin.quests.actions') },
          ],
          rows: items.map((s) => {
            const q = quests.byId(s.questId);
            return html`<tr>
              <td>${names.get(s.userId)?.displayName ?? s.userId}</td>
              <td>${q?.name ?? `#${s.questId}`}</td>
              <td><code>${s.content.slice(0, MAX_SUBMISSION)}</code></td>
              <td>
                ${form(
                  ctx,
                  action('/review'),
                  html`<input type="hidden" name="submission" value="${s.id}" />
                    <input type="hidden" name="decision" value="approve" />
                    <button type="submit">${t('admin.quests.approve', { id: s.id })}</button>`,
                  { cls: 'inline' },
                )}
                ${form(
                  ctx,
                  action('/review'),
                  html`<input type="hidden" name="submission" value="${s.id}" />
                    <input type="hidden" name="decision" value="reject" />
                    ${field(`reason-${s.id}`, t('admin.quests.reason'), html`<input id="reason-${s.id}" name="reason" maxlength="${MAX_REASON}" />`, undefined, 'reason')}
                    <button type="submit" class="danger">${t('admin.quests.reject', { id: s.id })}</button>`,
                  { cls: 'inline' },
                )}
              </td>
            </tr>`;
          }),
        });
  const num = (id: string, min: number, max: number, o: { required?: boolean; step?: string } = {}) =>
    html`<input
      id="${id}"
      name="${id}"
      type="number"
      min="${min}"
      max="${max}"
      ${o.required ? html` required` : ''}
      ${o.step ? html` step="${o.step}"` : ''}
    />`;
  const createForm = form(
    ctx,
    action(''),
    html`<fieldset class="admin-form">
      <legend>${t('admin.quests.create')}</legend>
      ${field('name', t('admin.quests.name'), html`<input id="name" name="name" required maxlength="${MAX_QUEST_NAME}" />`)}
      ${field('sparks', t('admin.quests.reward'), num('sparks', MIN_AMOUNT, MAX_AMOUNT, { required: true }))}
      ${field('description', t('admin.shop.description'), html`<input id="description" name="description" maxlength="${MAX_DESCRIPTION}" />`)}
      ${field(
        'recurrence',
        t('admin.quests.state'),
        html`<select id="recurrence" name="recurrence">
          ${QUEST_RECURRENCES.map((r) => html`<option value="${r}">${r}</option>`)}
        </select>`,
      )}
      ${field('starts_in', 'starts_in', html`<input id="starts_in" name="starts_in" maxlength="20" aria-describedby="starts_in-hint" />`, t('admin.quests.duration_hint'))}
      ${field('ends_in', 'ends_in', html`<input id="ends_in" name="ends_in" maxlength="20" aria-describedby="ends_in-hint" />`, t('admin.quests.duration_hint'))}
      ${field('role', t('admin.shop.role'), roleSelect(ctx, 'role', roles, null, { none: t('admin.quests.none'), annotate: true }))}
      ${field('max_completions', 'max_completions', num('max_completions', 1, MAX_COMPLETIONS))}
      ${field('required_role', 'required_role', roleSelect(ctx, 'required_role', roles, null, { none: t('admin.quests.none') }))}
      ${field('min_account_days', 'min_account_days', num('min_account_days', 0, 3650))}
      ${field('min_member_days', 'min_member_days', num('min_member_days', 0, 3650))}
      ${field(
        'verified_wallet',
        t('admin.shop.verified_wallet'),
        html`<select id="verified_wallet" name="verified_wallet">
          <option value="false" selected>${t('admin.no')}</option>
          <option value="true">${t('admin.yes')}</option>
        </select>`,
      )}
      ${field(
        'badge',
        t('admin.quests.badge'),
        html`<select id="badge" name="badge">
          <option value="" selected>${t('admin.quests.none')}</option>
          ${badges.map((b) => html`<option value="${b.id}">${b.name}</option>`)}
        </select>`,
      )}
      ${field(
        'prerequisite',
        t('admin.quests.prerequisite'),
        questSelect(
          ctx,
          'prerequisite',
          list.map((s) => s.quest),
          { none: t('admin.quests.none') },
        ),
      )}
      <p><button type="submit">${t('admin.quests.create')}</button></p>
    </fieldset>`,
  );
  const stepForm =
    editable.length === 0
      ? ''
      : form(
          ctx,
          action('/step'),
          html`<fieldset class="admin-form">
            <legend>${t('admin.quests.add_step')}</legend>
            ${field('step-quest', t('admin.quests.name'), questSelect(ctx, 'step-quest', editable, { name: 'quest' }), t('admin.quests.step_quest_hint'), 'quest')}
            ${field(
              'kind',
              'kind',
              html`<select id="kind" name="kind" required aria-describedby="kind-hint">
                ${QUEST_STEP_KINDS.map((k) => html`<option value="${k}">${k}</option>`)}
              </select>`,
              t('admin.quests.kind_hint'),
            )}
            ${field('message', 'message', html`<input id="message" name="message" type="url" maxlength="200" aria-describedby="message-hint" />`, t('admin.quests.message_hint'))}
            ${field('emoji', 'emoji', html`<input id="emoji" name="emoji" maxlength="100" />`)}
            ${field(
              'channel',
              'channel',
              html`<select id="channel" name="channel">
                <option value="">${t('admin.quests.none')}</option>
                ${channels.map((c) => html`<option value="${c.id}">#${c.name}</option>`)}
              </select>`,
            )}
            ${field('step-role', 'role', roleSelect(ctx, 'role', roles, null, { none: t('admin.quests.none'), id: 'step-role' }), undefined, 'role')}
            ${field('count', 'count', num('count', 1, MAX_COUNT))}
            ${field('volume_usd', 'volume_usd', num('volume_usd', 1, 1_000_000_000, { step: '0.01' }))}
            ${field('prompt', 'prompt', html`<input id="prompt" name="prompt" maxlength="${MAX_PROMPT}" />`)}
            ${field('answers', 'answers', html`<input id="answers" name="answers" maxlength="1000" autocomplete="off" />`)}
            ${field('attempts', 'attempts', num('attempts', 1, MAX_ATTEMPTS))}
            <p><button type="submit">${t('admin.quests.add_step')}</button></p>
          </fieldset>`,
        );
  const prerequisiteForm =
    drafts.length === 0
      ? ''
      : form(
          ctx,
          action('/prerequisite'),
          html`<fieldset class="admin-form">
            <legend>${t('admin.quests.set_prerequisite')}</legend>
            ${field('pre-quest', t('admin.quests.name'), questSelect(ctx, 'pre-quest', drafts, { name: 'quest' }), undefined, 'quest')}
            ${field(
              'pre-prerequisite',
              t('admin.quests.prerequisite'),
              questSelect(
                ctx,
                'pre-prerequisite',
                list.map((s) => s.quest),
                { none: t('admin.quests.none'), name: 'prerequisite' },
              ),
              t('admin.quests.prerequisite_hint'),
              'prerequisite',
            )}
            <p><button type="submit">${t('admin.quests.set_prerequisite')}</button></p>
          </fieldset>`,
        );
  return html`${table}
    <h2>${t('admin.quests.review')}</h2>
    ${review} ${createForm} ${stepForm} ${prerequisiteForm}`;
}

export const QUEST_ROUTES: readonly AdminRoute[] = [
  {
    method: 'GET',
    path: BASE,
    async handle(call) {
      return sendAdminPage(call, {
        section: 'quests',
        title: call.ctx.t('admin.section.quests'),
        body: await questsPage(call),
      });
    },
  },
  {
    method: 'POST',
    path: BASE,
    async handle(call) {
      const quest = await refusing(call.ctx, () => {
        const r = new FormReader(call.request.body);
        return call.site.deps.questControl.create({
          guildId: call.guildId,
          moderatorId: call.actorId,
          name: r.required('name', MAX_QUEST_NAME * 2),
          sparks: r.int('sparks', MIN_AMOUNT, MAX_AMOUNT) ?? Number.NaN,
          description: r.text('description', MAX_DESCRIPTION * 2),
          recurrence: r.oneOf('recurrence', QUEST_RECURRENCES),
          startsIn: r.text('starts_in', 40),
          endsIn: r.text('ends_in', 40),
          rewardRoleId: r.snowflake('role'),
          maxCompletions: r.int('max_completions', 1, MAX_COMPLETIONS),
          requiredRoleId: r.snowflake('required_role'),
          minAccountDays: r.int('min_account_days', 0, 3650),
          minMemberDays: r.int('min_member_days', 0, 3650),
          verifiedWallet: r.bool('verified_wallet') ?? false,
          badge: r.text('badge', 20),
          prerequisite: r.text('prerequisite', 20),
        });
      });
      return redirectDone(call, BASE, 'quest_created', quest.name);
    },
  },
  {
    method: 'POST',
    path: `${BASE}/step`,
    async handle(call) {
      const { quest } = await refusing(call.ctx, () => {
        const r = new FormReader(call.request.body);
        const usd = r.text('volume_usd', 20);
        return call.site.deps.questControl.addStep({
          guildId: call.guildId,
          quest: r.required('quest', 20),
          kind: r.oneOf('kind', QUEST_STEP_KINDS, true),
          message: r.text('message', 200),
          emoji: r.text('emoji', 100),
          channelId: r.snowflake('channel'),
          roleId: r.snowflake('role'),
          count: r.int('count', 1, MAX_COUNT),
          volumeUsd: usd === null ? null : Number(usd),
          prompt: r.text('prompt', MAX_PROMPT * 2),
          answers: r.text('answers', 1000),
          attempts: r.int('attempts', 1, MAX_ATTEMPTS),
        });
      });
      return redirectDone(call, BASE, 'quest_step', quest.name);
    },
  },
  {
    method: 'POST',
    path: `${BASE}/publish`,
    async handle(call) {
      const quest = await refusing(call.ctx, () =>
        call.site.deps.questControl.publish({
          guildId: call.guildId,
          quest: new FormReader(call.request.body).required('quest', 20),
          moderatorId: call.actorId,
        }),
      );
      return redirectDone(
        call,
        BASE,
        quest.status === 'scheduled' ? 'quest_scheduled' : 'quest_published',
        quest.name,
      );
    },
  },
  {
    method: 'POST',
    path: `${BASE}/end`,
    async handle(call) {
      const { quest, ended } = await refusing(call.ctx, () =>
        call.site.deps.questControl.end({
          guildId: call.guildId,
          quest: new FormReader(call.request.body).required('quest', 20),
          moderatorId: call.actorId,
        }),
      );
      return redirectDone(call, BASE, ended ? 'quest_ended' : 'nothing', quest.name);
    },
  },
  {
    method: 'POST',
    path: `${BASE}/prerequisite`,
    async handle(call) {
      const quest = await refusing(call.ctx, () => {
        const r = new FormReader(call.request.body);
        return call.site.deps.quests.setPrerequisite(
          call.guildId,
          r.required('quest', 20),
          r.text('prerequisite', 20),
        );
      });
      return redirectDone(call, BASE, 'quest_saved', quest.name);
    },
  },
  {
    method: 'POST',
    path: `${BASE}/review`,
    async handle(call) {
      const result = await refusing(call.ctx, () => {
        const r = new FormReader(call.request.body);
        return call.site.deps.questControl.review({
          guildId: call.guildId,
          submissionId: r.int('submission', 1, Number.MAX_SAFE_INTEGER) ?? 0,
          moderatorId: call.actorId,
          decision: r.oneOf('decision', ['approve', 'reject'] as const, true),
          reason: r.text('reason', MAX_REASON * 2),
        });
      });
      const names = await call.site.deps.directory.names(call.guildId, [result.submission.userId]);
      const who = names.get(result.submission.userId)?.displayName ?? result.submission.userId;
      return redirectDone(
        call,
        BASE,
        result.submission.status === 'approved' ? 'quest_approved' : 'quest_rejected',
        who,
      );
    },
  },
];
