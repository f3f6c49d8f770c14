import { AbortedError } from '../../errors/index.js';
import { invalid, mapLimit, positiveInteger, seededRandom } from './support.js';

/** One parameter's range; `integer` parameters are rounded before the objective sees them. */
export interface ParameterRange {
  min: number;
  max: number;
  integer?: boolean;
}

export type SearchSpace = Record<string, ParameterRange>;
export type Position<S extends SearchSpace> = { [K in keyof S]: number };

export interface PsoOptions<S extends SearchSpace> {
  space: S;
  /** The value to minimise at a position (async: a benchmark run, a model call). NaN counts as +Infinity. */
  objective: (
    position: Position<S>,
    context: { iteration: number; particle: number },
  ) => Promise<number> | number;
  /** Particles in the swarm (default 20). */
  particles?: number;
  /** Iterations after the initial evaluation (default 50). */
  iterations?: number;
  /** Velocity kept from the last step (default 0.7298, Clerc's constriction value). */
  inertia?: number;
  /** Pull towards the particle's own best (default 1.49618). */
  cognitive?: number;
  /** Pull towards the swarm's best (default 1.49618). */
  social?: number;
  /** Largest step per iteration as a fraction of each parameter's range (default 0.5). */
  maxVelocity?: number;
  /** Objective calls in flight at once (default 4); use 1 when evaluations compete for the same machine. */
  concurrency?: number;
  /** Stop as soon as the best value is at or below this. */
  targetValue?: number;
  /** Stop after this many iterations without improving the best value (default: never). */
  patience?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Called after every iteration (0 = the initial evaluation), e.g. for progress or plots. */
  onIteration?: (progress: { iteration: number; bestValue: number; evaluations: number }) => void;
}

export interface PsoResult<S extends SearchSpace> {
  best: Position<S>;
  value: number;
  /** Iterations run after the initial evaluation. */
  iterations: number;
  evaluations: number;
  /** The best value after each iteration, starting with the initial evaluation. */
  history: number[];
}

interface Particle {
  position: number[];
  velocity: number[];
  best: number[];
  bestValue: number;
}

/**
 * Particle swarm optimisation (Kennedy & Eberhart, with inertia): each particle moves by its inertia plus
 * random pulls towards its own best position and the swarm's, clamped to the space. Iterations are
 * synchronous: the whole swarm is evaluated (in parallel, up to `concurrency`), then every particle moves,
 * so results depend only on the seed and the objective's values, never on which evaluation finished first.
 */
export async function optimizeSwarm<S extends SearchSpace>(options: PsoOptions<S>): Promise<PsoResult<S>> {
  const names = Object.keys(options.space) as Array<keyof S & string>;
  if (names.length === 0) invalid('space', 'The search space needs at least one parameter.');
  const ranges = names.map((name) => checkRange(name, options.space[name] as ParameterRange));
  const count = positiveInteger('particles', options.particles, 20);
  const iterations = options.iterations ?? 50;
  if (!Number.isInteger(iterations) || iterations < 0)
    invalid('iterations', 'iterations must be a whole number ≥ 0.');
  const inertia = finite('inertia', options.inertia ?? 0.7298);
  const cognitive = finite('cognitive', options.cognitive ?? 1.49618);
  const social = finite('social', options.social ?? 1.49618);
  const maxVelocity = finite('maxVelocity', options.maxVelocity ?? 0.5);
  if (maxVelocity <= 0) invalid('maxVelocity', 'maxVelocity must be positive.');
  const concurrency = positiveInteger('concurrency', options.concurrency, 4);
  const patience = options.patience ?? Infinity;
  const random = seededRandom(options.seed ?? 1);
  const vmax = ranges.map((range) => (range.max - range.min) * maxVelocity);

  const toPosition = (x: number[]): Position<S> =>
    Object.fromEntries(
      names.map((name, d) => {
        const range = ranges[d] as ParameterRange;
        const value = x[d] as number;
        // Rounding cannot leave the range: checkRange made integer bounds whole numbers.
        return [name, range.integer ? Math.round(value) : value];
      }),
    ) as Position<S>;

  let evaluations = 0;
  const evaluate = async (swarm: Particle[], iteration: number): Promise<number[]> => {
    if (options.signal?.aborted)
      throw new AbortedError('The swarm optimisation was aborted.', { cause: options.signal.reason });
    const values = await mapLimit(swarm, concurrency, async (particle, index) => {
      const value = await options.objective(toPosition(particle.position), { iteration, particle: index });
      return Number.isNaN(value) ? Infinity : value;
    });
    evaluations += swarm.length;
    return values;
  };

  const swarm: Particle[] = Array.from({ length: count }, () => {
    const position = ranges.map((range) => range.min + random() * (range.max - range.min));
    const velocity = ranges.map((_, d) => (random() * 2 - 1) * (vmax[d] as number) * 0.5);
    return { position, velocity, best: [...position], bestValue: Infinity };
  });
  let best: number[] = swarm[0]?.position ?? [];
  let bestValue = Infinity;
  const history: number[] = [];

  const record = (values: number[], iteration: number): boolean => {
    let improved = false;
    swarm.forEach((particle, index) => {
      const value = values[index] as number;
      if (value < particle.bestValue) {
        particle.bestValue = value;
        particle.best = [...particle.position];
      }
      if (value < bestValue) {
        bestValue = value;
        best = [...particle.position];
        improved = true;
      }
    });
    history.push(bestValue);
    options.onIteration?.({ iteration, bestValue, evaluations });
    return improved;
  };

  record(await evaluate(swarm, 0), 0);
  let done = 0;
  let stale = 0;
  while (
    done < iterations &&
    !(options.targetValue !== undefined && bestValue <= options.targetValue) &&
    stale < patience
  ) {
    for (const particle of swarm) {
      ranges.forEach((range, d) => {
        const x = particle.position[d] as number;
        const pull =
          cognitive * random() * ((particle.best[d] as number) - x) +
          social * random() * ((best[d] as number) - x);
        const limit = vmax[d] as number;
        let v = clamp(inertia * (particle.velocity[d] as number) + pull, -limit, limit);
        let next = x + v;
        // Absorbing walls: a particle that hits a bound stops there instead of flying out of the space.
        if (next < range.min || next > range.max) {
          next = clamp(next, range.min, range.max);
          v = 0;
        }
        // Non-finite weights could give NaN; keep the particle where it was rather than leave the space.
        particle.position[d] = Number.isFinite(next) ? next : x;
        particle.velocity[d] = Number.isFinite(v) ? v : 0;
      });
    }
    done += 1;
    stale = record(await evaluate(swarm, done), done) ? 0 : stale + 1;
  }

  return { best: toPosition(best), value: bestValue, iterations: done, evaluations, history };
}

const clamp = (x: number, min: number, max: number): number => Math.min(max, Math.max(min, x));

function finite(field: string, value: number): number {
  if (!Number.isFinite(value)) invalid(field, `${field} must be a finite number, not ${value}.`);
  return value;
}

function checkRange(name: string, range: ParameterRange): ParameterRange {
  const { min, max, integer = false } = range ?? {};
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    invalid(name, `Parameter ${name} needs finite bounds with min ≤ max, not [${min}, ${max}].`);
  }
  if (!integer) return { min, max };
  const low = Math.ceil(min);
  const high = Math.floor(max);
  if (low > high) invalid(name, `Integer parameter ${name} has no whole number in [${min}, ${max}].`);
  return { min: low, max: high, integer: true };
}
