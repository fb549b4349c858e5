import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';

type RandomGenerator = ReturnType<typeof xoroshiro128plus>;

/** FNV-1a over the key: a stable 32-bit seed per (run seed, purpose). */
function hashKey(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/**
 * A seeded stream of uniforms in [0, 1), keyed by (run seed, key): the sim providers' latency
 * draws and the network's decisions each take their own stream, so one drawing more values
 * cannot shift another's.
 */
export class SeededRandom {
  readonly #rng: RandomGenerator;

  constructor(seed: number, key: string) {
    this.#rng = xoroshiro128plus(hashKey(`${seed}|${key}`));
  }

  next(): number {
    return uniformFloat64(this.#rng);
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u1 = 1 - this.next(); // (0, 1]: log is finite
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
