/**
 * Linking wallets in real Chromium, with a test wallet injected into the page: an EIP-1193
 * `window.ethereum` and a Phantom-style `window.solana`, whose keys stay in Node (the page
 * reaches them through `page.exposeFunction`), as a real wallet keeps its keys out of the page.
 */
import { ed25519 } from '@noble/curves/ed25519';
import { base58 } from '@scure/base';
import type { Browser, Page } from 'playwright-core';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../../testkit/browser.ts';
import { accessibility, startWebWorld, type WebWorld } from '../../testkit/web.ts';

const EVM_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const OTHER_EVM_KEY = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a';
const SOLANA_SECRET = new Uint8Array(32).fill(7);

let browser: Browser;
let w: WebWorld | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

/**
 * An Ethereum wallet in the page that answers `eth_requestAccounts` with `shown`'s address and
 * signs `personal_sign` with `signer` (another key than the address: a wallet that lies).
 */
async function injectEvm(page: Page, shown: PrivateKeyAccount, signer: PrivateKeyAccount = shown) {
  await page.exposeFunction('__testEvmSign', (hexMessage: `0x${string}`) =>
    signer.signMessage({ message: { raw: hexMessage } }),
  );
  await page.addInitScript((address: string) => {
    const win = globalThis as unknown as Record<string, unknown>;
    win.ethereum = {
      request: async ({ method, params }: { method: string; params?: unknown[] }) => {
        if (method === 'eth_requestAccounts') return [address];
        if (method === 'personal_sign') {
          if (params?.[1] !== address) throw new Error('asked to sign for another account');
          return (win.__testEvmSign as (m: unknown) => Promise<string>)(params[0]);
        }
        throw new Error(`unsupported ${method}`);
      },
    };
  }, shown.address);
}

/** A Solana wallet in the page: connect() gives its public key, signMessage() signs with ed25519. */
async function injectSolana(page: Page, secret: Uint8Array) {
  const address = base58.encode(ed25519.getPublicKey(secret));
  await page.exposeFunction('__testSolanaSign', (bytes: number[]) => [
    ...ed25519.sign(Uint8Array.from(bytes), secret),
  ]);
  await page.addInitScript((key: string) => {
    const win = globalThis as unknown as Record<string, unknown>;
    const publicKey = { toString: () => key, toBase58: () => key };
    win.solana = {
      publicKey,
      connect: () => Promise.resolve({ publicKey }),
      signMessage: async (message: Uint8Array) => ({
        signature: Uint8Array.from(
          await (win.__testSolanaSign as (b: number[]) => Promise<number[]>)([...message]),
        ),
      }),
    };
  }, address);
  return address;
}

async function openWallets(world: WebWorld, inject: (page: Page) => Promise<unknown>): Promise<Page> {
  const page = await openPage(browser, { locale: 'en-US' });
  await inject(page);
  const url = `${world.url}/g/${world.guildId}/wallets`;
  await page.goto(url);
  await page.getByRole('button', { name: 'Log in as Alice' }).click();
  await page.waitForURL(url);
  return page;
}

const linkedRows = (page: Page) => page.getByRole('table', { name: 'Linked wallets' }).locator('tbody tr');

describe('linking wallets on the member’s page, in a real browser', () => {
  it('links an EVM wallet by Sign-In with Ethereum and a Solana wallet by signMessage, then unlinks one', async () => {
    w = await startWebWorld();
    const evm = privateKeyToAccount(EVM_KEY);
    let solAddress = '';
    const page = await openWallets(w, async (p) => {
      await injectEvm(p, evm);
      solAddress = await injectSolana(p, SOLANA_SECRET);
    });
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Your wallets in Sparks Lab');
    expect(await page.getByText('You have not linked a wallet yet.').count()).toBe(1);
    expect(await accessibility(page)).toEqual([]);

    await page.getByRole('button', { name: 'Link an Ethereum wallet' }).click();
    await page.waitForURL(/linked=/);
    expect(await page.getByRole('status').first().innerText()).toBe(`Linked ${evm.address}.`);
    await page.getByRole('button', { name: 'Link a Solana wallet' }).click();
    await page.waitForURL((u) => u.search.includes('linked=') && !u.search.includes(`linked=1`));
    expect(await linkedRows(page).allInnerTexts()).toEqual([
      expect.stringMatching(new RegExp(`Ethereum \\(EVM\\)\\s+${evm.address}`)),
      expect.stringMatching(new RegExp(`Solana\\s+${solAddress}`)),
    ]);
    expect(await accessibility(page)).toEqual([]);
    const services = w.app.services;
    expect(services.wallets.list(w.guildId, w.users.alice).map((x) => [x.chain, x.address])).toEqual([
      ['evm', evm.address],
      ['solana', solAddress],
    ]);

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: `Unlink ${evm.address}` }).click();
    await page.waitForURL(/unlinked=/);
    expect(await page.getByRole('status').first().innerText()).toBe(`Unlinked ${evm.address}.`);
    expect(await linkedRows(page).count()).toBe(1);
    expect(services.wallets.hasWallet(w.guildId, w.users.alice)).toBe(true);
  });

  it('shows the refusal when the wallet signs with another key, and links nothing', async () => {
    w = await startWebWorld();
    const shown = privateKeyToAccount(EVM_KEY);
    const page = await openWallets(w, (p) => injectEvm(p, shown, privateKeyToAccount(OTHER_EVM_KEY)));
    await page.getByRole('button', { name: 'Link an Ethereum wallet' }).click();
    const status = page.locator('#wallet-status');
    await expect
      .poll(() => status.innerText())
      .toBe(
        `That signature was not made by the wallet ${shown.address}. Sign with that wallet; nothing was linked.`,
      );
    expect(await status.getAttribute('class')).toBe('notice bad');
    expect(w.app.services.wallets.list(w.guildId, w.users.alice)).toEqual([]);
    // The buttons work again: the member may retry.
    expect(await page.getByRole('button', { name: 'Link an Ethereum wallet' }).isEnabled()).toBe(true);
  });

  it('says so when the browser has no wallet', async () => {
    w = await startWebWorld();
    const page = await openWallets(w, () => Promise.resolve());
    await page.getByRole('button', { name: 'Link a Solana wallet' }).click();
    await expect
      .poll(() => page.locator('#wallet-status').innerText())
      .toMatch(/^No Solana wallet was found in this browser/);
  });
});

describe('a reward that requires a wallet, set on the dashboard', () => {
  it('the moderator adds it with its gates; a member without a wallet is sent to link one; the queue shows the address', async () => {
    w = await startWebWorld();
    const world = w;
    const mod = await openPage(browser, { locale: 'en-US' });
    await mod.goto(`${w.url}/g/${w.guildId}/admin/shop`);
    await mod.getByRole('button', { name: 'Log in as Mod' }).click();
    await mod.waitForURL(/\/admin\/shop$/);
    await mod.getByLabel(/^Name/).fill('Mint spot');
    await mod.getByLabel(/^Cost/).fill('40');
    await mod.getByLabel(/^Kind/).selectOption('manual');
    await mod.getByLabel(/^Only Discord accounts at least/).fill('0');
    await mod.getByLabel(/^Only members who linked a wallet/).selectOption('true');
    await mod.getByLabel(/^Manual rewards: fill in/).selectOption('evm');
    expect(await accessibility(mod)).toEqual([]);
    await mod.getByRole('button', { name: 'Add a reward', exact: true }).click();
    await mod.waitForURL(/done=added/);
    const reward = w.app.services.rewards.find(w.guildId, 'Mint spot');
    expect(reward).toMatchObject({
      kind: 'manual',
      verifiedWallet: 1,
      requiresWallet: 'evm',
      minAccountDays: null,
    });
    w.app.services.ledger.credit({
      guildId: w.guildId,
      userId: w.users.alice,
      source: 'award',
      kind: 'award',
      amount: 100,
      key: 'fund-alice',
      actor: { type: 'moderator', id: w.users.mod },
    });

    // Without a wallet, the confirmation refuses and names the wallets page.
    const evm = privateKeyToAccount(EVM_KEY);
    const alice = await openWallets(w, (p) => injectEvm(p, evm));
    await alice.goto(`${w.url}/g/${w.guildId}/shop`);
    expect(await alice.getByRole('link', { name: 'Members with a linked wallet' }).getAttribute('href')).toBe(
      `/g/${w.guildId}/wallets`,
    );
    await alice.goto(`${w.url}/g/${w.guildId}/shop/${reward.id}/redeem`);
    expect(await alice.getByRole('main').innerText()).toContain(
      `That needs a wallet linked to your Sparks account. Link one on your wallets page: ${w.url}/g/${w.guildId}/wallets`,
    );
    // Linked: the redemption carries its address, and the dashboard's queue shows it.
    await alice.goto(`${w.url}/g/${w.guildId}/wallets`);
    await alice.getByRole('button', { name: 'Link an Ethereum wallet' }).click();
    await alice.waitForURL(/linked=/);
    await alice.goto(`${w.url}/g/${w.guildId}/shop/${reward.id}/redeem`);
    await alice.getByRole('button', { name: 'Confirm: spend 40 Sparks' }).click();
    await alice.waitForURL(/\/shop\/redemptions\/\d+$/);
    const queued = w.app.services.redemptions
      .pendingManual(w.guildId, { offset: 0, limit: 10 })
      .items.find((r) => r.rewardId === reward.id);
    expect(queued).toMatchObject({ userId: world.users.alice, walletAddress: evm.address });
    await mod.goto(`${w.url}/g/${w.guildId}/admin/redemptions`);
    expect(await mod.getByRole('row', { name: /Mint spot/ }).innerText()).toContain(`Wallet: ${evm.address}`);
    expect(await accessibility(mod)).toEqual([]);
  });
});
