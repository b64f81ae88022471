/**
 * Discord refuses a command whose names, descriptions and choices add up to more than
 * 8,000 characters (counted per language: the default strings, then each localization in
 * place of its default), and more than 25 subcommands and groups, or 25 options, in one
 * place. The registry must fit, with the margins printed when it does not.
 */
import { describe, expect, it } from 'vitest';
import { buildCommands } from '../../src/discord/commands/build.ts';
import { commands } from '../../src/discord/commands/index.ts';

interface Node {
  name: string;
  name_localizations?: Record<string, string> | null;
  description?: string;
  description_localizations?: Record<string, string> | null;
  value?: string | number;
  options?: Node[];
  choices?: Node[];
}

/** Characters of names, descriptions and choice values under `node`, in `locale` (or the defaults). */
function size(node: Node, locale: string | null): number {
  const name = (locale && node.name_localizations?.[locale]) || node.name;
  const description = (locale && node.description_localizations?.[locale]) || node.description || '';
  const value = node.value === undefined ? '' : String(node.value);
  const nested = [...(node.options ?? []), ...(node.choices ?? [])].reduce((n, c) => n + size(c, locale), 0);
  return [...name].length + [...description].length + [...value].length + nested;
}

function widest(node: Node): number {
  const here = (node.options ?? []).length;
  return Math.max(here, ...(node.options ?? []).map(widest));
}

describe('the slash commands fit Discord’s limits', () => {
  for (const command of buildCommands(commands) as unknown as Node[]) {
    it(`/${command.name}: at most 8,000 characters in each language and 25 options per level`, () => {
      const sizes = { en: size(command, null), ko: size(command, 'ko') };
      expect(sizes.en, JSON.stringify(sizes)).toBeLessThanOrEqual(8000);
      expect(sizes.ko, JSON.stringify(sizes)).toBeLessThanOrEqual(8000);
      expect(widest(command)).toBeLessThanOrEqual(25);
    });
  }
});
