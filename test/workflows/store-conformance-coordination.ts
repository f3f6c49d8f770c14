import { expect, it } from 'vitest';

import type { WorkflowStore } from '../../src/workflows/types.js';
import { expectCode, initial, runWithSteps, stepRecord, write, type SuiteContext } from './store-support.js';

/** Leases, orphaned runs, approvals, isolation of stored values, and storage growth. */
export function describeCoordination(context: SuiteContext): void {
  describeLeases(context);
  describeApprovals(context);
  describeIsolation(context);
}

const create = (store: WorkflowStore, runId: string): Promise<unknown> =>
  store.createRun({ id: runId, graph: 'g', input: {}, initial: initial() });

function describeLeases({ store, opened, id }: SuiteContext): void {
  it('acquireLease: renewable by its owner, refused to another while valid, free again once released', async () => {
    const runId = id('lease');
    await create(store(), runId);
    expect(await store().acquireLease(runId, 'alpha', 60_000)).toBe(true);
    expect(await store().acquireLease(runId, 'beta', 60_000)).toBe(false);
    expect(await store().acquireLease(runId, 'alpha', 60_000)).toBe(true);
    await store().releaseLease(runId, 'beta'); // not beta's to release
    expect(await store().acquireLease(runId, 'beta', 60_000)).toBe(false);
    await store().releaseLease(runId, 'alpha');
    expect(await store().acquireLease(runId, 'beta', 60_000)).toBe(true);
    await expectCode(store().acquireLease(id('missing'), 'alpha', 1_000), 'not_found');
    await expectCode(store().acquireLease(runId, 'alpha', 0), 'invalid_input');
  });

  it('acquireLease: another owner takes over once the lease expired', async () => {
    const runId = id('lease-expiry');
    await create(store(), runId);
    expect(await store().acquireLease(runId, 'alpha', 150)).toBe(true);
    expect(await store().acquireLease(runId, 'beta', 150)).toBe(false);
    await opened().elapse(250);
    expect(await store().acquireLease(runId, 'beta', 60_000)).toBe(true);
    expect(await store().acquireLease(runId, 'alpha', 60_000)).toBe(false);
  });

  it('createRun with a lease: the run starts leased to its creator', async () => {
    const runId = id('lease-at-create');
    await store().createRun({
      id: runId,
      graph: 'g',
      input: {},
      initial: initial(),
      lease: { owner: 'alpha', ttlMs: 60_000 },
    });
    expect(await store().acquireLease(runId, 'beta', 60_000)).toBe(false);
    expect(await store().acquireLease(runId, 'alpha', 60_000)).toBe(true);
    expect((await store().orphanedRuns()).map((run) => run.id)).not.toContain(runId);
    const bad = { id: id('lease-at-create-bad'), graph: 'g', input: {}, initial: initial() };
    await expectCode(store().createRun({ ...bad, lease: { owner: 'alpha', ttlMs: -1 } }), 'invalid_input');
    expect(await store().getRun(bad.id)).toBeUndefined();
  });

  it('commitStep fenced on the owner: refused with lease_held once another owner took the run over', async () => {
    const runId = id('fenced');
    await create(store(), runId);
    expect(await store().acquireLease(runId, 'alpha', 150)).toBe(true);
    await store().commitStep(runId, stepRecord(1), [write(1, 'a')], { owner: 'alpha' });
    await opened().elapse(250);
    expect(await store().acquireLease(runId, 'beta', 60_000)).toBe(true);
    await expectCode(
      store().commitStep(runId, stepRecord(2), [write(2, 'a')], { owner: 'alpha' }),
      'lease_held',
    );
    expect((await store().getRun(runId))?.head).toBe(1);
    expect(await store().pendingWrites(runId, 2)).toEqual([]);
    await store().commitStep(runId, stepRecord(2), [write(2, 'a')], { owner: 'beta' });
    expect((await store().getRun(runId))?.head).toBe(2);
  });

  it('commitStep with finish: the run is done and its lease released in the same commit', async () => {
    const runId = id('finish');
    await create(store(), runId);
    await store().setStatus(runId, 'running', { stale: true });
    expect(await store().acquireLease(runId, 'alpha', 60_000)).toBe(true);
    await store().commitStep(runId, stepRecord(1), [write(1, 'a')], { owner: 'alpha', finish: true });
    expect(await store().getRun(runId)).toMatchObject({ status: 'done', head: 1, error: null });
    expect(await store().acquireLease(runId, 'beta', 60_000)).toBe(true); // released
  });

  it('acquireLease: of concurrent claims by different owners, exactly one wins', async () => {
    const runId = id('lease-race');
    await create(store(), runId);
    const owners = ['o1', 'o2', 'o3', 'o4'];
    const won = await Promise.all(owners.map((owner) => store().acquireLease(runId, owner, 60_000)));
    expect(won.filter(Boolean)).toHaveLength(1);
  });

  it('orphanedRuns: running runs whose lease is free or expired, not leased or finished ones', async () => {
    const [free, leased, expired, done] = [
      'orphan-free',
      'orphan-leased',
      'orphan-expired',
      'orphan-done',
    ].map(id) as [string, string, string, string];
    for (const runId of [free, leased, expired, done]) {
      await create(store(), runId);
      await opened().elapse(2); // distinct creation times: "oldest first" is then unambiguous
    }
    expect(await store().acquireLease(leased, 'alive', 60_000)).toBe(true);
    expect(await store().acquireLease(expired, 'dead', 100)).toBe(true);
    await store().setStatus(done, 'done', null);
    await opened().elapse(200);
    const orphans = (await store().orphanedRuns()).map((run) => run.id);
    expect(orphans).toEqual(expect.arrayContaining([free, expired]));
    expect(orphans).not.toContain(leased);
    expect(orphans).not.toContain(done);
    expect(orphans.indexOf(free)).toBeLessThan(orphans.indexOf(expired)); // oldest first
  });
}

function describeApprovals({ store, id }: SuiteContext): void {
  const request = (runId: string, index = 0, taskId = '1:gate:0') => ({
    id: `${runId}-approval-${taskId}-${index}`,
    runId,
    step: 1,
    taskId,
    index,
    action: 'send_email',
    payload: { to: ['a@example.com'], body: 'hi' },
    hash: `hash-${index}`,
  });

  it('approvals: create, find, get, list', async () => {
    const runId = id('approvals');
    await create(store(), runId);
    const created = await store().createApproval(request(runId));
    expect(created).toMatchObject({
      ...request(runId),
      status: 'pending',
      decidedBy: null,
      note: null,
      decidedAt: null,
    });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(await store().findApproval(runId, '1:gate:0', 0)).toEqual(created);
    expect(await store().findApproval(runId, '1:gate:0', 1)).toBeUndefined();
    expect(await store().getApproval(created.id)).toEqual(created);
    expect(await store().getApproval(`${created.id}-missing`)).toBeUndefined();
    const second = await store().createApproval(request(runId, 1));
    expect((await store().listApprovals({ runId })).map((a) => a.id)).toEqual([created.id, second.id]);
    const pending = await store().listApprovals({ status: 'pending' });
    expect(pending.map((a) => a.id)).toEqual(expect.arrayContaining([created.id, second.id]));
    expect(pending.every((a) => a.status === 'pending')).toBe(true);
    expect(await store().listApprovals({ runId, status: 'approved' })).toEqual([]);
  });

  it('approvals: decided once; a replayed decision returns false and changes nothing', async () => {
    const runId = id('decide');
    await create(store(), runId);
    const { id: approvalId } = await store().createApproval(request(runId));
    expect(await store().decideApproval(approvalId, { status: 'approved', by: 'ada', note: 'ok' })).toBe(
      true,
    );
    const decided = await store().getApproval(approvalId);
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'ada', note: 'ok' });
    expect(decided?.decidedAt).toBeInstanceOf(Date);
    expect(await store().decideApproval(approvalId, { status: 'rejected', by: 'eve', note: null })).toBe(
      false,
    );
    expect(await store().getApproval(approvalId)).toEqual(decided);
    expect((await store().listApprovals({ runId, status: 'approved' })).map((a) => a.id)).toEqual([
      approvalId,
    ]);
    await expectCode(
      store().decideApproval(`${approvalId}-missing`, { status: 'approved', by: 'ada', note: null }),
      'not_found',
    );
  });

  it('approvals: unique per (run, task, index); the run must exist', async () => {
    const runId = id('approval-unique');
    await create(store(), runId);
    await store().createApproval(request(runId));
    await expectCode(store().createApproval({ ...request(runId), id: `${runId}-other-id` }), 'conflict');
    await expectCode(store().createApproval({ ...request(runId), taskId: '1:other:0' }), 'conflict'); // id taken
    await store().createApproval(request(runId, 0, '1:other:0'));
    await store().createApproval(request(runId, 1));
    expect(await store().listApprovals({ runId })).toHaveLength(3);
    await expectCode(store().createApproval(request(id('missing'))), 'not_found');
  });
}

function describeIsolation({ store, id }: SuiteContext): void {
  it('stored values are copies: changing what was passed in or handed out changes nothing stored', async () => {
    const runId = id('copies');
    const input = { nested: { list: [1, 2] } };
    const first = initial({ state: { list: [1] } });
    await store().createRun({ id: runId, graph: 'g', input, initial: first });
    input.nested.list.push(3);
    (first.snapshot as { state: { list: number[] } }).state.list.push(9);
    first.next.push({ id: 'x', node: 'x' });
    const update = { items: ['a'] };
    const record = stepRecord(1, { snapshot: { deep: { v: 1 } } });
    await store().commitStep(runId, record, [{ step: 1, taskId: '1:a:0', node: 'a', update }]);
    update.items.push('b');
    record.tasks.push({ id: 'y', node: 'y' });
    const run = await store().getRun(runId);
    (run?.input as typeof input).nested.list.push(4);
    const steps = await store().loadSteps(runId, 0);
    (steps[1]?.writes[0]?.update['items'] as string[]).push('c');
    steps[0]?.next.push({ id: 'z', node: 'z' });
    expect((await store().getRun(runId))?.input).toEqual({ nested: { list: [1, 2] } });
    const again = await store().loadSteps(runId, 0);
    expect(again[0]?.snapshot).toEqual({ state: { list: [1] } });
    expect(again[0]?.next).toEqual(initial().next);
    expect(again[1]?.tasks).toEqual(stepRecord(1).tasks);
    expect(again[1]?.writes[0]?.update).toEqual({ items: ['a'] });
  });

  it('storedBytes: storage grows linearly with steps (writes, no repeated state)', async () => {
    const runId = id('bytes');
    await runWithSteps(store(), runId, 0);
    const measure = async (): Promise<number> => {
      const bytes = await store().storedBytes?.(runId);
      return bytes ?? Number.NaN;
    };
    const sizes: number[] = [await measure()];
    for (let step = 1; step <= 40; step++) {
      await store().commitStep(runId, stepRecord(step), [write(step, 'a', { text: 'x'.repeat(200) })]);
      if (step % 20 === 0) sizes.push(await measure());
    }
    if (store().storedBytes === undefined) return;
    const [start, half, full] = sizes as [number, number, number];
    expect(start).toBeGreaterThan(0);
    const firstHalf = half - start;
    const secondHalf = full - half;
    expect(firstHalf).toBeGreaterThan(20 * 200); // every step's write is in there
    expect(Math.abs(secondHalf - firstHalf) / firstHalf).toBeLessThan(0.1);
  });
}
