/** Discord's epoch (2015-01-01T00:00:00Z): snowflake timestamps count from here. */
export const DISCORD_EPOCH = 1_420_070_400_000n;

/**
 * Generates Discord-shaped snowflakes: 42 bits of milliseconds since the Discord epoch,
 * 5 bits worker, 5 bits process, 12 bits increment. Ids from `next()` are strictly
 * increasing (so "newer" really sorts after "older", as real ids do); `at(date)` makes an
 * id for a moment in the past (an "old" message or member) that is still unique.
 */
export class SnowflakeGenerator {
  #last = 0n;
  #increment = 0n;
  readonly #worker: bigint;

  constructor(worker = 1) {
    this.#worker = BigInt(worker & 0x1f);
  }

  next(): string {
    const now = BigInt(Date.now()) - DISCORD_EPOCH;
    let id = (now << 22n) | (this.#worker << 17n) | this.#bumpIncrement();
    if (id <= this.#last) id = this.#last + 1n;
    this.#last = id;
    return id.toString();
  }

  /** A unique id whose timestamp is `date` (not ordered against `next()` ids). */
  at(date: Date | number): string {
    const ms = BigInt(typeof date === 'number' ? date : date.getTime()) - DISCORD_EPOCH;
    if (ms < 0n) throw new RangeError('a snowflake cannot predate the Discord epoch (2015)');
    return ((ms << 22n) | (this.#worker << 17n) | (2n << 12n) | this.#bumpIncrement()).toString();
  }

  /** An id that a gateway with `shardCount` shards routes to `shardId`. */
  forShard(shardId: number, shardCount: number): string {
    for (;;) {
      const id = this.next();
      if (shardOf(id, shardCount) === shardId) return id;
      // Ids minted in the same millisecond share a shard; step the clock part forward.
      this.#last += 1n << 22n;
    }
  }

  #bumpIncrement(): bigint {
    this.#increment = (this.#increment + 1n) & 0xfffn;
    return this.#increment;
  }
}

/** The shard a guild belongs to: `(guild_id >> 22) % shard_count`, as Discord routes it. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

export function timestampOf(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** Compares two snowflakes numerically (they exceed 2^53, so not as numbers). */
export function compareSnowflakes(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
