import { describe, expect, it } from 'vitest';
import { Provisions } from '../../src/discord/plugins/plugin.ts';

const members = { idle: () => Promise.resolve() };

describe('Provisions', () => {
  it('hands out what a plugin provided, under its name', () => {
    const provided = new Provisions();
    provided.provide('members', members);
    expect(provided.get('members')).toBe(members);
    expect(provided.find('members')).toBe(members);
  });

  it('names what is missing when no started plugin provides it', () => {
    const provided = new Provisions();
    expect(() => provided.get('campaigns')).toThrow('no started plugin provides "campaigns"');
    expect(provided.find('campaigns')).toBeUndefined();
  });

  it('refuses a second provider for one name', () => {
    const provided = new Provisions();
    provided.provide('members', members);
    expect(() => provided.provide('members', { idle: () => Promise.resolve() })).toThrow(
      'two plugins provide "members"',
    );
    expect(provided.get('members')).toBe(members);
  });

  it('finds nothing once the plugin withdrew, and each app keeps its own', () => {
    const one = new Provisions();
    const other = new Provisions();
    one.provide('members', members);
    one.withdraw('members');
    expect(one.find('members')).toBeUndefined();
    expect(other.find('members')).toBeUndefined();
    other.provide('members', members);
    expect(one.find('members')).toBeUndefined();
  });
});
