/**
 * Child process of the crash case: runs the benchmark's tree on a PGlite data directory against the bench's
 * simulated model until the bench SIGKILLs it.
 *
 *   node --import tsx bench/teams/crash-child.ts '<{"dataDir","url","treeId","seed","slots"} JSON>'
 *
 * stdout, one line per event (synchronous writes: stdout is a pipe):
 *   `exec-start <node>` / `exec-end <node>`  the executor (the subtask's side effect) began / returned
 *   `call <node>#<phase>`                      an llm syscall was dispatched
 *   `finished <node>`                         the node's completion was committed
 *   `ready` once the store is open, `done <status>` at the end.
 */
import { Kernel } from '../../src/kernel/index.js';
import { openStore } from '../../src/store/index.js';
import { RecursiveTeam, SqlTaskTreeStore } from '../../src/teams/recursive/index.js';
import { CRASH_LEASE_MS, LIMITS, simProvider } from './harness.js';
import { loggingExecutor, nodeOfAgent } from './crash-log.js';
import { buildTree } from './tree.js';

const job = JSON.parse(process.argv[2] ?? '{}') as {
  dataDir: string;
  url: string;
  treeId: string;
  seed: number;
  slots: number;
};
const line = (text: string): void => void process.stdout.write(`${text}\n`);

const tree = buildTree(job.seed);
const store = await openStore({ dataDir: job.dataDir });
const kernel = new Kernel({ backends: [{ provider: await simProvider(job.url), slots: job.slots }] });
kernel.on('syscall-started', ({ syscall }) => {
  if (syscall.type === 'llm') line(`call ${nodeOfAgent(syscall.agentId)}`);
});
const team = new RecursiveTeam({
  kernel,
  store: await SqlTaskTreeStore.open(store),
  limits: LIMITS,
  executor: loggingExecutor(line),
  leaseMs: CRASH_LEASE_MS,
});
line('ready');
const result = await team.run(tree.goal, {
  treeId: job.treeId,
  onEvent: (event) => {
    if (event.type === 'node-finished') line(`finished ${event.node.id}`);
  },
});
await kernel.close();
await store.close();
line(`done ${result.status}`);
