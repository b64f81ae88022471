import { afterEach, describe, expect, it, vi } from 'vitest';
import { BulkWorkCollector, collectAfterBulkWork } from '../../src/core/memory.ts';
import { Metrics } from '../../src/ops/metrics.ts';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('collectAfterBulkWork', () => {
  it('does nothing without --expose-gc', () => {
    vi.stubGlobal('gc', undefined);
    expect(collectAfterBulkWork()).toBe(0);
  });

  it('collects once when a collection does not shrink the heap', () => {
    const gc = vi.fn();
    vi.stubGlobal('gc', gc);
    expect(collectAfterBulkWork()).toBe(1);
    expect(gc).toHaveBeenCalledTimes(1);
  });
});

describe('BulkWorkCollector', () => {
  function setup(threshold = 100, quietMs = 1000) {
    vi.useFakeTimers();
    const collect = vi.fn(() => 1);
    const collector = new BulkWorkCollector({ threshold, quietMs, collect, now: () => Date.now() });
    return { collect, collector };
  }

  it('collects once after a burst of work, when no more work came for the quiet period', () => {
    const { collect, collector } = setup();
    collector.note(60);
    collector.note(60);
    vi.advanceTimersByTime(999);
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(collect).toHaveBeenCalledTimes(1);
    expect(collector.collections).toBe(1);
  });

  it('counts its collections in /metrics', async () => {
    const { collector } = setup();
    const metrics = new Metrics();
    metrics.observeMemory(collector);
    const count = async () => /^sparks_memory_collections_total (\d+)$/m.exec(await metrics.text())?.[1];
    expect(await count()).toBe('0');
    collector.note(100);
    vi.advanceTimersByTime(1000);
    collector.note(100);
    vi.advanceTimersByTime(1000);
    expect(await count()).toBe('2');
    expect(await count()).toBe('2');
  });

  it('never collects for work below the threshold', () => {
    const { collect, collector } = setup();
    collector.note(99);
    vi.advanceTimersByTime(60_000);
    expect(collect).not.toHaveBeenCalled();
  });

  it('waits while the burst goes on, then collects a quiet period after its last work', () => {
    const { collect, collector } = setup();
    collector.note(100);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(500);
      collector.note(10);
    }
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(999);
    expect(collect).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('counts afresh after each collection, and stop() cancels a pending one', () => {
    const { collect, collector } = setup();
    collector.note(100);
    vi.advanceTimersByTime(1000);
    collector.note(50);
    vi.advanceTimersByTime(5000);
    expect(collect).toHaveBeenCalledTimes(1);
    collector.note(50);
    collector.stop();
    vi.advanceTimersByTime(5000);
    expect(collect).toHaveBeenCalledTimes(1);
  });
});
