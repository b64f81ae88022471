import { describe, expect, it } from 'vitest';
import { Listeners } from '../../src/core/listeners.ts';

describe('Listeners', () => {
  it('tells every listener in order, reports one that throws, and stops telling a removed one', () => {
    const failures: unknown[] = [];
    const seen: string[] = [];
    const listeners = new Listeners<number>((err) => failures.push(err));
    listeners.add((n) => seen.push(`a${n}`));
    const boom = new Error('boom');
    listeners.add(() => {
      throw boom;
    });
    const remove = listeners.add((n) => seen.push(`c${n}`));
    listeners.emit(1);
    remove();
    listeners.emit(2);
    expect(seen).toEqual(['a1', 'c1', 'a2']);
    expect(failures).toEqual([boom, boom]);
  });
});
