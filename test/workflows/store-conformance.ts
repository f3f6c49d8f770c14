import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { describeCoordination } from './store-conformance-coordination.js';
import {
  expectCode,
  initial,
  runWithSteps,
  stepRecord,
  uniqueSuffix,
  write,
  type OpenedWorkflowStore,
  type SuiteContext,
  type WorkflowStoreFactory,
} from './store-support.js';

export type { OpenedWorkflowStore, WorkflowStoreFactory } from './store-support.js';

/**
 * The WorkflowStore contract (src/workflows/types.ts), run against every implementation:
 * store-memory.test.ts, store-pglite.test.ts and store-postgres.test.ts. Tests share one store and isolate
 * themselves by unique run ids.
 */
export function runWorkflowStoreConformance(name: string, factory: WorkflowStoreFactory): void {
  describe(`WorkflowStore conformance: ${name}`, () => {
    let opened: OpenedWorkflowStore | undefined;
    const suffix = uniqueSuffix();
    const context: SuiteContext = {
      store: () => context.opened().store,
      opened: () => {
        if (!opened) throw new Error('the suite store is not open');
        return opened;
      },
      id: (label) => `wf-${label}-${suffix}`,
    };
    beforeAll(async () => {
      opened = await factory.open();
    });
    afterAll(async () => {
      await opened?.close();
    });

    describeRuns(context);
    describeSteps(context);
    describeCoordination(context);
  });
}

function describeRuns({ store, id }: SuiteContext): void {
  it('createRun / getRun: the record as stored, head at the initial step', async () => {
    const runId = id('create');
    const created = await store().createRun({
      id: runId,
      graph: 'g',
      input: { topic: 'x', n: [1, 2] },
      initial: initial(),
    });
    expect(created).toMatchObject({
      id: runId,
      graph: 'g',
      status: 'running',
      input: { topic: 'x', n: [1, 2] },
      head: 0,
    });
    expect(created.error).toBeNull();
    expect(created.forkedFrom).toBeNull();
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.updatedAt).toBeInstanceOf(Date);
    expect(await store().getRun(runId)).toEqual(created);
    expect(await store().getRun(id('missing'))).toBeUndefined();
    const steps = await store().loadSteps(runId, 0);
    expect(steps).toEqual([{ ...initial(), writes: [] }]);
  });

  it('createRun: a taken id is a conflict; a fork records where it came from', async () => {
    const runId = id('dup');
    await store().createRun({ id: runId, graph: 'g', input: {}, initial: initial() });
    await expectCode(store().createRun({ id: runId, graph: 'g', input: {}, initial: initial() }), 'conflict');
    const fork = await store().createRun({
      id: id('fork'),
      graph: 'g',
      input: { edited: true },
      initial: initial({ edited: true }),
      forkedFrom: { runId, step: 0 },
    });
    expect(fork.forkedFrom).toEqual({ runId, step: 0 });
    expect((await store().getRun(fork.id))?.forkedFrom).toEqual({ runId, step: 0 });
  });

  it('listRuns: filters by graph and status, newest first, limited', async () => {
    const graph = `list-${id('g')}`;
    for (const label of ['l1', 'l2', 'l3']) {
      await store().createRun({ id: id(label), graph, input: {}, initial: initial() });
    }
    await store().setStatus(id('l2'), 'done', null);
    expect((await store().listRuns({ graph })).map((run) => run.id)).toEqual([id('l3'), id('l2'), id('l1')]);
    expect((await store().listRuns({ graph, status: 'running' })).map((run) => run.id)).toEqual([
      id('l3'),
      id('l1'),
    ]);
    expect((await store().listRuns({ graph, status: 'done' })).map((run) => run.id)).toEqual([id('l2')]);
    expect((await store().listRuns({ graph, limit: 1 })).map((run) => run.id)).toEqual([id('l3')]);
    expect(await store().listRuns({ graph: `${graph}-none` })).toEqual([]);
    const recent = await store().listRuns({ status: 'done' });
    expect(recent.every((run) => run.status === 'done')).toBe(true);
  });

  it('setStatus: sets the error, keeps it when omitted, clears it with null; unknown run is not_found', async () => {
    const runId = id('status');
    const created = await store().createRun({ id: runId, graph: 'g', input: {}, initial: initial() });
    await store().setStatus(runId, 'failed', { code: 'internal', message: 'boom' });
    const failed = await store().getRun(runId);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'internal', message: 'boom' } });
    expect(failed?.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
    await store().setStatus(runId, 'waiting');
    expect(await store().getRun(runId)).toMatchObject({
      status: 'waiting',
      error: { code: 'internal', message: 'boom' },
    });
    await store().setStatus(runId, 'running', null);
    expect(await store().getRun(runId)).toMatchObject({ status: 'running', error: null });
    await expectCode(store().setStatus(id('missing'), 'done'), 'not_found');
  });
}

function describeSteps({ store, opened, id }: SuiteContext): void {
  it('commitStep: the step, its writes and the head together; durable once acknowledged', async () => {
    const runId = id('commit');
    await runWithSteps(store(), runId, 2);
    await store().commitStep(runId, stepRecord(3, { snapshot: { count: 6 } }), [
      write(3, 'b'),
      write(3, 'a', { big: 'x'.repeat(3000) }),
    ]);
    const reopen = opened().reopen;
    const reader = reopen ? await reopen() : store();
    expect((await reader.getRun(runId))?.head).toBe(3);
    const steps = await reader.loadSteps(runId, 0);
    expect(steps.map((step) => step.step)).toEqual([0, 1, 2, 3]);
    expect(steps[1]).toEqual({ ...stepRecord(1), writes: [write(1, 'a'), write(1, 'b', { trail: ['b1'] })] });
    expect(steps[1]).not.toHaveProperty('snapshot');
    // Writes come back in task-id order, whatever order they were given in.
    expect(steps[3]?.writes).toEqual([write(3, 'a', { big: 'x'.repeat(3000) }), write(3, 'b')]);
    expect(steps[3]?.snapshot).toEqual({ count: 6 });
    expect(steps[3]?.committedAt).toEqual(stepRecord(3).committedAt);
  });

  it('commitStep: a step at or below the head is a conflict and changes nothing; bad input is refused', async () => {
    const runId = id('commit-conflict');
    await runWithSteps(store(), runId, 2);
    await expectCode(store().commitStep(runId, stepRecord(2), [write(2, 'c')]), 'conflict');
    await expectCode(store().commitStep(runId, stepRecord(1), []), 'conflict');
    expect((await store().getRun(runId))?.head).toBe(2);
    expect((await store().loadSteps(runId, 2))[0]?.writes.map((w) => w.taskId)).toEqual(['2:a:0', '2:b:0']);
    await expectCode(store().commitStep(runId, stepRecord(3), [write(4, 'a')]), 'invalid_input');
    expect((await store().getRun(runId))?.head).toBe(2);
    await expectCode(store().commitStep(id('missing'), stepRecord(1), []), 'not_found');
  });

  it('commitStep: of two concurrent commits of one step, exactly one wins', async () => {
    const runId = id('commit-race');
    await runWithSteps(store(), runId, 0);
    const outcomes = await Promise.allSettled([
      store().commitStep(runId, stepRecord(1), [write(1, 'a', { by: 'one' })]),
      store().commitStep(runId, stepRecord(1), [write(1, 'a', { by: 'two' })]),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const steps = await store().loadSteps(runId, 1);
    expect(steps).toHaveLength(1);
    expect(steps[0]?.writes).toHaveLength(1);
  });

  it('loadSteps ranges and latestSnapshot', async () => {
    const runId = id('load');
    await store().createRun({ id: runId, graph: 'g', input: {}, initial: initial({ count: 0 }) });
    for (let step = 1; step <= 5; step++) {
      const snapshot = step % 2 === 0 ? { count: step } : undefined;
      await store().commitStep(runId, stepRecord(step, snapshot ? { snapshot } : {}), [write(step, 'a')]);
    }
    expect((await store().loadSteps(runId, 2)).map((step) => step.step)).toEqual([2, 3, 4, 5]);
    expect((await store().loadSteps(runId, 2, 3)).map((step) => step.step)).toEqual([2, 3]);
    expect((await store().loadSteps(runId, 3, 3))[0]?.writes).toEqual([write(3, 'a')]);
    expect(await store().loadSteps(runId, 6)).toEqual([]);
    expect(await store().loadSteps(id('missing'), 0)).toEqual([]);
    expect((await store().latestSnapshot(runId, 5))?.step).toBe(4);
    expect(await store().latestSnapshot(runId, 4)).toEqual(stepRecord(4, { snapshot: { count: 4 } }));
    expect((await store().latestSnapshot(runId, 3))?.snapshot).toEqual({ count: 2 });
    expect((await store().latestSnapshot(runId, 1))?.step).toBe(0);
    expect(await store().latestSnapshot(id('missing'), 3)).toBeUndefined();
  });

  it('saveWrites: finished tasks of an uncommitted step are kept, then join the step when it commits', async () => {
    const runId = id('writes');
    await runWithSteps(store(), runId, 1);
    expect(await store().pendingWrites(runId, 2)).toEqual([]);
    await store().saveWrites(runId, [write(2, 'b', { trail: ['b2'] })]);
    await store().saveWrites(runId, [write(2, 'b', { trail: ['replayed'] })]); // first write wins
    await store().saveWrites(runId, [write(1, 'z')]); // step 1 is committed: ignored
    await store().saveWrites(runId, []);
    const reopen = opened().reopen;
    const reader = reopen ? await reopen() : store();
    expect(await reader.pendingWrites(runId, 2)).toEqual([write(2, 'b', { trail: ['b2'] })]);
    expect(await reader.pendingWrites(runId, 1)).toEqual([]);
    expect((await reader.getRun(runId))?.head).toBe(1);
    await reader.commitStep(runId, stepRecord(2), [write(2, 'a')]);
    expect(await reader.pendingWrites(runId, 2)).toEqual([]);
    const [step2] = await reader.loadSteps(runId, 2);
    expect(step2?.writes).toEqual([write(2, 'a'), write(2, 'b', { trail: ['b2'] })]);
    expect((await reader.loadSteps(runId, 1, 1))[0]?.writes.map((w) => w.taskId)).toEqual(['1:a:0', '1:b:0']);
    await expectCode(reader.saveWrites(id('missing'), [write(1, 'a')]), 'not_found');
  });

  it('truncate: drops later steps and writes (pending ones too), moves the head back; commits continue', async () => {
    const runId = id('truncate');
    await runWithSteps(store(), runId, 3);
    await store().saveWrites(runId, [write(4, 'a')]);
    await store().truncate(runId, 1);
    expect((await store().getRun(runId))?.head).toBe(1);
    expect((await store().loadSteps(runId, 0)).map((step) => step.step)).toEqual([0, 1]);
    expect(await store().pendingWrites(runId, 4)).toEqual([]);
    expect(await store().pendingWrites(runId, 2)).toEqual([]);
    await store().commitStep(runId, stepRecord(2), [write(2, 'c')]);
    expect((await store().loadSteps(runId, 2))[0]?.writes).toEqual([write(2, 'c')]);
    await store().truncate(runId, 2); // at the head: nothing to drop
    expect((await store().loadSteps(runId, 0)).map((step) => step.step)).toEqual([0, 1, 2]);
    await store().truncate(runId, 0);
    expect((await store().loadSteps(runId, 0)).map((step) => step.step)).toEqual([0]);
    await expectCode(store().truncate(runId, 3), 'invalid_input');
    await expectCode(store().truncate(runId, -1), 'invalid_input');
    await expectCode(store().truncate(id('missing'), 0), 'not_found');
  });
}
