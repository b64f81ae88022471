/**
 * `npm run deploy-commands [-- --guild <id>]`: guild-scoped with --guild or
 * DISCORD_DEV_GUILD_ID, global otherwise. Honours DISCORD_API_URL. Also registers the
 * Linked Roles metadata records (application-wide).
 */
import { ConfigError, loadConfig } from '../config.ts';
import { deploy } from '../discord/deploy.ts';

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(process.env, ['DISCORD_TOKEN', 'DISCORD_CLIENT_ID']);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
  const args = process.argv.slice(2);
  const flag = args.indexOf('--guild');
  const guildId = flag >= 0 ? args[flag + 1] : config.devGuildId;
  if (flag >= 0 && !/^\d{17,20}$/.test(guildId ?? '')) {
    console.error('deploy-commands: --guild needs a Discord guild id (17–20 digits)');
    return 1;
  }
  try {
    const { commands: result, roleConnectionMetadata } = await deploy({
      token: config.discordToken!,
      clientId: config.discordClientId!,
      guildId,
      apiUrl: config.discordApiUrl,
    });
    console.log(
      `Registered ${result.length} command(s) ${guildId ? `in guild ${guildId} (available now)` : 'globally (may take up to an hour to appear)'}: ${result.map((c) => `/${c.name}`).join(', ')}`,
    );
    console.log(
      `Registered ${roleConnectionMetadata.length} Linked Roles metadata record(s): ${roleConnectionMetadata.map((r) => r.key).join(', ')}`,
    );
    return 0;
  } catch (e) {
    console.error(`deploy-commands failed: ${(e as Error).message}`);
    return 1;
  }
}

process.exitCode = await main();
