/**
 * The member's wallets (SPEC §11): the ones they linked, unlinking, and linking a new one by
 * signature. Linking needs the wallet in the visitor's browser, so it is the one flow on the
 * site that runs script (the site's one script file, never inline): the page's script asks
 * the wallet for its address, posts it to `challenge` for the message to sign (EIP-4361 for
 * EVM, its Solana twin), has the wallet sign it (`personal_sign` / `signMessage`) and posts
 * the signature to `link`. Both answer JSON; a refusal carries its words, in the visitor's
 * language, for the page to show. The server decides everything (WalletService): the
 * browser only relays what the wallet said.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isSparksError } from '../../../core/errors.ts';
import { isWalletChain } from '../../../wallets/addresses.ts';
import type { WalletRow } from '../../../wallets/wallets.ts';
import { botTextFor, formatDate, sparksErrorText, sparksStatus } from '../bot-text.ts';
import { WebError } from '../errors.ts';
import type { MemberAccess } from '../guards.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page, type PageContext } from '../layout.ts';
import { sendPage, type Site } from '../site.ts';
import { dataTable } from '../table.ts';

/** The longest message or signature a wallet sends back (a SIWE message is ~400 characters). */
const MAX_FIELD = 2000;

function walletsBody(
  ctx: PageContext,
  access: MemberAccess,
  o: { wallets: WalletRow[]; domain: string; notice: Html | '' },
): Html {
  const { t } = ctx;
  const guildId = access.guild.id;
  const base = `/g/${guildId}/wallets`;
  const rows = o.wallets.map(
    (w) =>
      html`<tr>
        <td>${t(`wallets.chain.${w.chain}`)}</td>
        <td><code class="member-wallet">${w.address}</code></td>
        <td>
          <time datetime="${new Date(w.linkedAt).toISOString()}">${formatDate(ctx.locale, w.linkedAt)}</time>
        </td>
        <td>
          <form
            method="post"
            action="${base}/${w.id}/unlink"
            class="inline"
            data-confirm="${t('wallets.unlink_confirm', { address: w.address })}"
          >
            ${csrfField(ctx)}
            <button
              type="submit"
              class="secondary"
              aria-label="${t('wallets.unlink', { address: w.address })}"
            >
              ${t('wallets.unlink_short')}
            </button>
          </form>
        </td>
      </tr>`,
  );
  const words = JSON.stringify({
    noEvm: t('wallets.no_evm'),
    noSolana: t('wallets.no_solana'),
    signing: t('wallets.signing'),
    failed: t('wallets.failed'),
    reload: t('wallets.reload'),
  });
  return html`<h1>${t('wallets.title', { guild: access.guild.name })}</h1>
    <p class="muted">${t('wallets.lead')}</p>
    ${o.notice}
    ${
      o.wallets.length === 0
        ? html`<p>${t('wallets.none')}</p>`
        : dataTable({
            caption: t('wallets.caption'),
            columns: [
              { label: t('wallets.col_chain') },
              { label: t('wallets.col_address') },
              { label: t('wallets.col_linked') },
              { label: t('wallets.col_actions') },
            ],
            rows,
            scroll: true,
          })
    }
    <section
      class="card"
      aria-labelledby="link-h"
      data-wallets
      data-base="${base}"
      data-csrf="${ctx.csrf()}"
      data-words="${words}"
    >
      <h2 id="link-h">${t('wallets.link_title')}</h2>
      <p class="hint">${t('wallets.link_hint', { domain: o.domain })}</p>
      <noscript><p class="notice bad">${t('wallets.noscript')}</p></noscript>
      <p class="actions">
        <button type="button" data-chain="evm">${t('wallets.link_evm')}</button>
        <button type="button" data-chain="solana">${t('wallets.link_solana')}</button>
      </p>
      <p id="wallet-status" role="status" aria-live="polite"></p>
    </section>`;
}

/** The outcome of the last change, read back from the database (never from the URL's text). */
function notice(
  ctx: PageContext,
  site: Site,
  access: MemberAccess,
  query: Record<string, unknown>,
): Html | '' {
  for (const key of ['linked', 'unlinked'] as const) {
    const v = query[key];
    if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) continue;
    const w = site.deps.wallets.store.byId(Number(v));
    if (w && w.guildId === access.guild.id && w.userId === access.member.userId)
      return html`<p class="notice good" role="status">
        ${ctx.t(`wallets.${key}`, { address: w.address })}
      </p>`;
  }
  return '';
}

export function registerWallets(site: Site): void {
  const { app, deps, guards, csrfCheck, formLimit } = site;
  const domain = new URL(deps.web.publicUrl).host;

  app.get('/g/:guildId/wallets', async (request, reply) => {
    const ctx = request.page;
    const access = await guards.member(request, 'wallets');
    const body = walletsBody(ctx, access, {
      wallets: deps.wallets.list(access.guild.id, access.member.userId),
      domain,
      notice: notice(ctx, site, access, request.query as Record<string, unknown>),
    });
    return sendPage(
      reply,
      200,
      page(ctx, { title: ctx.t('wallets.title', { guild: access.guild.name }), guild: access.nav, body }),
    );
  });

  /** Runs a wallet step and answers JSON: its result, or the refusal in the visitor's words. */
  const json = async (
    request: FastifyRequest,
    reply: FastifyReply,
    step: (access: MemberAccess, body: Record<string, unknown>) => Promise<object> | object,
  ) => {
    const access = await guards.member(request, 'wallets');
    const body = request.body as Record<string, unknown>;
    try {
      return reply.header('cache-control', 'no-store').send(await step(access, body));
    } catch (e) {
      if (!isSparksError(e)) throw e;
      const o = await botTextFor(request.page, deps.directory, access.guild.id);
      return reply
        .code(sparksStatus(e.code))
        .header('cache-control', 'no-store')
        .send({ code: e.code, error: sparksErrorText(e, o).value });
    }
  };
  const field = (body: Record<string, unknown>, name: string): string => {
    const v = body[name];
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_FIELD)
      throw new WebError(400, 'error.400', { detail: name });
    return v;
  };
  const chainOf = (body: Record<string, unknown>) => {
    if (!isWalletChain(body.chain)) throw new WebError(400, 'error.400', { detail: 'chain' });
    return body.chain;
  };

  app.post('/g/:guildId/wallets/challenge', { ...formLimit, preHandler: csrfCheck }, async (request, reply) =>
    json(request, reply, (access, body) => {
      const c = deps.wallets.challenge({
        guildId: access.guild.id,
        userId: access.member.userId,
        chain: chainOf(body),
        address: field(body, 'address'),
      });
      return { nonce: c.nonce, message: c.message, address: c.address, expiresAt: c.expiresAt };
    }),
  );

  app.post('/g/:guildId/wallets/link', { ...formLimit, preHandler: csrfCheck }, async (request, reply) =>
    json(request, reply, async (access, body) => {
      const wallet = await deps.wallets.link({
        guildId: access.guild.id,
        userId: access.member.userId,
        chain: chainOf(body),
        message: field(body, 'message'),
        signature: field(body, 'signature'),
      });
      return {
        id: wallet.id,
        address: wallet.address,
        next: `/g/${access.guild.id}/wallets?linked=${wallet.id}`,
      };
    }),
  );

  app.post(
    '/g/:guildId/wallets/:walletId/unlink',
    { ...formLimit, preHandler: csrfCheck },
    async (request, reply) => {
      const access = await guards.member(request, 'wallets');
      const id = (request.params as { walletId?: string }).walletId ?? '';
      if (!/^\d{1,15}$/.test(id)) throw new WebError(404, 'error.404');
      const wallet = deps.wallets.unlink({
        guildId: access.guild.id,
        userId: access.member.userId,
        walletId: Number(id),
      });
      return reply.redirect(`/g/${access.guild.id}/wallets?unlinked=${wallet.id}`, 303);
    },
  );
}
