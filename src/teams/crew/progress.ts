import type { CrewEvent } from './crew.js';

export type CrewTaskState =
  | 'waiting'
  | 'delegating'
  | 'running'
  | 'reviewing'
  | 'rework'
  | 'done'
  | 'accepted'
  | 'rework-limit'
  | 'failed';

interface TaskLine {
  task: string;
  agent: string | undefined;
  state: CrewTaskState;
  round: number;
  startedAt: number | undefined;
  elapsedMs: number | undefined;
  note: string | undefined;
}

const MARK: Record<CrewTaskState, string> = {
  waiting: '·',
  delegating: '…',
  running: '▶',
  reviewing: '?',
  rework: '↻',
  done: '✓',
  accepted: '✓',
  'rework-limit': '!',
  failed: '✗',
};

/**
 * The state of a crew run's tasks, for display: feed it every `CrewEvent`, then `lines()` gives one line
 * per task (mark, name, state, agent, elapsed) — redraw them on a terminal, or print `line(task)` whenever
 * `update` says a task changed (`crewProgressPrinter`).
 */
export class CrewProgress {
  readonly #tasks = new Map<string, TaskLine>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Applies an event; returns the task whose line changed, if any. */
  update(event: CrewEvent): string | undefined {
    if (event.type === 'crew-start') {
      this.#tasks.clear();
      for (const task of event.tasks)
        this.#tasks.set(task.task, {
          task: task.task,
          agent: task.agent,
          state: 'waiting',
          round: 0,
          startedAt: undefined,
          elapsedMs: undefined,
          note: undefined,
        });
      return undefined;
    }
    if (!('task' in event)) return undefined;
    const line = this.#tasks.get(event.task);
    if (!line) return undefined;
    switch (event.type) {
      case 'task-start':
        line.startedAt = this.#now();
        line.agent = event.agent;
        line.state = event.agent === undefined ? 'delegating' : 'running';
        break;
      case 'task-delegated':
        line.agent = event.agent;
        line.state = 'running';
        break;
      case 'task-run':
        line.round = event.round;
        line.state = event.round > 0 ? 'rework' : 'running';
        break;
      case 'task-review':
        line.state = event.verdict === 'rework' ? 'reviewing' : 'accepted';
        line.note = event.verdict === 'rework' ? `feedback: ${event.feedback ?? ''}` : undefined;
        if (event.verdict === 'accept') return undefined; // task-done follows at once
        break;
      case 'task-done':
        line.state = event.status;
        line.elapsedMs = event.elapsedMs;
        line.note = event.status === 'rework-limit' ? 'not accepted after the last rework round' : undefined;
        break;
      case 'task-failed':
        line.state = 'failed';
        line.elapsedMs = event.elapsedMs;
        line.note = event.error;
        break;
      default:
        return undefined;
    }
    return event.task;
  }

  /** One task's line, e.g. `✓ summarise   accepted   summariser   2.4s`. */
  line(task: string): string {
    const line = this.#tasks.get(task);
    if (!line) return '';
    const elapsed =
      line.elapsedMs ?? (line.startedAt === undefined ? undefined : this.#now() - line.startedAt);
    const state = line.round > 0 && line.state === 'rework' ? `rework ${line.round}` : line.state;
    const width = Math.max(...[...this.#tasks.keys()].map((name) => name.length));
    return [
      MARK[line.state],
      line.task.padEnd(width),
      state.padEnd(12),
      (line.agent ?? '(manager picks)').padEnd(14),
      elapsed === undefined ? '' : formatElapsed(elapsed),
      line.note ? ` ${shorten(line.note, 80)}` : '',
    ]
      .join(' ')
      .trimEnd();
  }

  /** Every task's line, in the crew's order. */
  lines(): string[] {
    return [...this.#tasks.keys()].map((task) => this.line(task));
  }
}

/** An `onEvent` that writes a task's line each time its state changes (for logs and non-TTY output). */
export function crewProgressPrinter(
  write: (line: string) => void,
  progress = new CrewProgress(),
): (event: CrewEvent) => void {
  return (event) => {
    const changed = progress.update(event);
    if (changed !== undefined) write(progress.line(changed));
    if (event.type === 'crew-end')
      write(`crew ${event.crew} ${event.ok ? 'finished' : 'stopped'} in ${formatElapsed(event.elapsedMs)}`);
  };
}

export function formatElapsed(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1_000)).padStart(2, '0')}s`;
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
