import { Events } from 'discord.js';
import type { Plugin } from './plugin.ts';

/** Every interaction goes to the one router. */
export function interactionsPlugin(): Plugin {
  return {
    name: 'interactions',
    start({ client, router }) {
      client.on(Events.InteractionCreate, (interaction) => {
        void router.handle(interaction);
      });
    },
  };
}
