/** Small helpers shared by the swarm algorithms: seeded randomness, bounded parallelism, option checks. */
import { UserError } from '../../errors/index.js';
import { mulberry32 } from '../../testing/sim-model/random.js';

// The simulator's seeded PRNG (mulberry32), reused so one seed means the same stream everywhere in Hydra.
// Imported from its module rather than src/testing's index, which would load the whole model server.
export { mulberry32 as seededRandom };

/** A seeded Fisher-Yates shuffle (a new array). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** Maps with at most `limit` calls in flight; results keep the input order whatever order calls finish in. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** A positive whole number option, or the default. */
export function positiveInteger(field: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (Number.isInteger(resolved) && resolved > 0) return resolved;
  return invalid(field, `${field} must be a positive whole number, not ${resolved}.`);
}

export function invalid(field: string, message: string): never {
  throw new UserError('invalid_input', message, { data: { field } });
}
