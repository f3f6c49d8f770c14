import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { ConflictDetector, ConflictResolver, SqlEscalationQueue } from '../../src/coordination/index.js';
import { openStore } from '../../src/store/index.js';
import { cleanEnv, runCli } from './run-cli.js';

let cwd: string;
let escalationId: string;
const env = cleanEnv({});
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'hydra-conflicts-cli-'));
  // Two agents bid almost the same for one GPU: too close to call, so the resolver asks a person.
  const store = await openStore({ dataDir: join(cwd, '.hydra', 'data') });
  try {
    const [conflict] = new ConflictDetector().resources([
      { agentId: 'trainer', resource: 'gpu:0' },
      { agentId: 'indexer', resource: 'gpu:0' },
    ]);
    if (!conflict) throw new Error('no conflict detected');
    const resolver = new ConflictResolver({ queue: await SqlEscalationQueue.open(store) });
    const outcome = await resolver.resolve(
      conflict,
      [
        { agentId: 'trainer', bid: { value: 10, quality: 1, urgency: 1 } },
        { agentId: 'indexer', bid: { value: 9.8, quality: 1, urgency: 1 } },
      ],
      { urgency: 2 },
    );
    if (outcome.status !== 'escalated') throw new Error('expected an escalation');
    escalationId = outcome.escalation.id;
  } finally {
    await store.close();
  }
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

it('hydra conflicts pending shows the escalation with its proposal; decide records the decision once', async () => {
  const pending = await runCli(['conflicts', 'pending'], { cwd, env });
  expect(pending.code).toBe(0);
  expect(pending.stdout).toContain(`${escalationId}  resource conflict between indexer, trainer  urgency 2`);
  expect(pending.stdout).toMatch(/proposed: trainer first \(negotiation, confidence 0\.\d+\), then indexer/);

  const refused = await runCli(['conflicts', 'decide', escalationId], { cwd, env });
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toMatch(/--winner <agent>, or --accept/);

  const decided = await runCli(
    ['conflicts', 'decide', escalationId, '--winner', 'indexer', '--by', 'ops', '--json'],
    { cwd, env },
  );
  expect(decided.code).toBe(0);
  expect(JSON.parse(decided.stdout)).toMatchObject({
    id: escalationId,
    status: 'decided',
    decision: { winner: 'indexer', decidedBy: 'ops' },
  });
  const empty = await runCli(['conflicts', 'pending', '--json'], { cwd, env });
  expect(JSON.parse(empty.stdout)).toEqual([]);
  const again = await runCli(['conflicts', 'decide', escalationId, '--accept'], { cwd, env });
  expect(again.code).not.toBe(0);
  expect(again.stderr).toMatch(/already/i);
});
