import { randomBytes } from 'node:crypto';

import { expect } from 'vitest';

import { HydraError } from '../../src/errors/index.js';
import type { StepRecord, TaskWrite, WorkflowStore } from '../../src/workflows/types.js';

/** A workflow store under test, opened once per suite. */
export interface OpenedWorkflowStore {
  /** The current store; `reopen` replaces it. */
  store: WorkflowStore;
  /** Lets `ms` of lease time pass: advances a fake clock, or sleeps when the store uses the database's. */
  elapse(ms: number): Promise<void>;
  /** Closes and opens the store again on the same data, sets `store` and returns it (durable stores only). */
  reopen?(): Promise<WorkflowStore>;
  close(): Promise<void>;
}

export interface WorkflowStoreFactory {
  open(): Promise<OpenedWorkflowStore>;
}

/** The suite's view of the store: `store()` follows reopens. */
export interface SuiteContext {
  store(): WorkflowStore;
  opened(): OpenedWorkflowStore;
  /** A run id unique to this suite run. */
  id(label: string): string;
}

export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export function initial(snapshot: Record<string, unknown> = { count: 0 }): StepRecord {
  return {
    step: 0,
    tasks: [],
    next: [{ id: '1:a:0', node: 'a' }],
    barriers: {},
    snapshot,
    committedAt: new Date('2024-01-02T03:04:05.678Z'),
  };
}

export function stepRecord(step: number, options: { snapshot?: Record<string, unknown> } = {}): StepRecord {
  return {
    step,
    tasks: [
      { id: `${step}:a:0`, node: 'a' },
      { id: `${step}:b:0`, node: 'b', input: { n: step } },
    ],
    next: [{ id: `${step + 1}:a:0`, node: 'a' }],
    barriers: { join: ['a'] },
    ...(options.snapshot ? { snapshot: options.snapshot } : {}),
    committedAt: new Date(Date.UTC(2024, 0, 2, 3, 4, step)),
  };
}

export function write(step: number, node: string, update: Record<string, unknown> = { count: 1 }): TaskWrite {
  return { step, taskId: `${step}:${node}:0`, node, update };
}

/** Creates a run with the standard initial step and commits steps 1..`steps` (writes from a and b). */
export async function runWithSteps(
  store: WorkflowStore,
  id: string,
  steps: number,
  graph = 'g',
): Promise<void> {
  await store.createRun({ id, graph, input: { count: 0 }, initial: initial() });
  for (let step = 1; step <= steps; step++) {
    await store.commitStep(id, stepRecord(step), [
      write(step, 'a'),
      write(step, 'b', { trail: [`b${step}`] }),
    ]);
  }
}

/** Expects a Hydra error with this code (typed errors only: never a bare Error or a driver error). */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(HydraError.isInstance(error), `expected a Hydra error with code ${code}, got ${String(error)}`).toBe(
    true,
  );
  expect((error as HydraError).code).toBe(code);
}
