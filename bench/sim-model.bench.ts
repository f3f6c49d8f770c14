/**
 * The simulated model server is the yardstick for every later benchmark (the kernel's scheduling gains are
 * measured against it), so two things must hold: it keeps the timing it is configured with (slots and
 * per-token latency), and Hydra's provider layer adds little on top of a raw HTTP client.
 *
 *  1. Fidelity: N concurrent requests on S slots with D ms per token take ceil(N/S) x tokens x D; we compare
 *     the measured makespan and slot occupancy with that.
 *  2. Overhead: the same sequential requests through raw `fetch` and through Hydra's OpenAIProvider
 *     (the official SDK), non-streaming and streaming, side by side.
 */
import { createModelProvider } from '../src/models/index.js';
import { SimModelServer } from '../src/testing/index.js';
import { printSummary, printTable } from './lib/report.js';

const REPLY = 'token '.repeat(32).trim();

async function fidelity(): Promise<Record<string, number>> {
  const slots = 4;
  const requests = 16;
  const decodeMs = 2;
  const server = new SimModelServer({
    slots,
    latency: { decodeMsPerToken: decodeMs },
    rules: [{ reply: { text: REPLY } }],
  });
  const { url } = await server.start(0);
  const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
    settings: { maxRetries: 0 },
  });
  const tokens = provider.tokenizer.count(REPLY);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: requests }, (_, index) =>
      provider.chat({ messages: [{ role: 'user', content: `q${index}` }] }),
    ),
  );
  const makespan = performance.now() - started;
  const stats = server.stats();
  await server.stop();
  const expected = Math.ceil(requests / slots) * tokens * decodeMs;
  const busyExpected = requests * tokens * decodeMs;
  return {
    slots,
    requests,
    tokens,
    expectedMs: expected,
    measuredMs: makespan,
    ratio: makespan / expected,
    maxConcurrent: stats.maxConcurrent,
    busyRatio: stats.busySlotMs / busyExpected,
  };
}

async function rawChat(url: string, stream: boolean): Promise<void> {
  const response = await fetch(`${url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: 'hi' }], stream }),
  });
  await response.text();
}

async function overhead(rounds: number): Promise<Array<Record<string, string | number>>> {
  const server = new SimModelServer({ rules: [{ reply: { text: REPLY } }] });
  const { url } = await server.start(0);
  const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
    settings: { maxRetries: 0 },
  });
  const time = async (run: () => Promise<unknown>): Promise<number> => {
    for (let warm = 0; warm < 20; warm++) await run();
    const started = performance.now();
    for (let round = 0; round < rounds; round++) await run();
    return (performance.now() - started) / rounds;
  };
  const drain = async (): Promise<void> => {
    for await (const event of provider.stream({ messages: [{ role: 'user', content: 'hi' }] })) void event;
  };
  const rawPlain = await time(() => rawChat(url, false));
  const hydraPlain = await time(() => provider.chat({ messages: [{ role: 'user', content: 'hi' }] }));
  const rawStream = await time(() => rawChat(url, true));
  const hydraStream = await time(drain);
  await server.stop();
  return [
    {
      mode: 'non-streaming',
      'raw fetch ms/req': rawPlain,
      'Hydra provider ms/req': hydraPlain,
      ratio: hydraPlain / rawPlain,
    },
    {
      mode: 'streaming',
      'raw fetch ms/req': rawStream,
      'Hydra provider ms/req': hydraStream,
      ratio: hydraStream / rawStream,
    },
  ];
}

const fid = await fidelity();
printTable('Simulator timing fidelity (16 concurrent requests, 4 slots, 2 ms/token)', [fid]);
const rounds = 300;
const rows = await overhead(rounds);
printTable(`Provider overhead over raw HTTP (${rounds} sequential requests, zero simulated latency)`, rows);

const plain = rows[0];
const streaming = rows[1];
printSummary('sim-model', {
  fidelityMakespanRatio: Number(Number(fid['ratio']).toFixed(3)),
  fidelityBusySlotRatio: Number(Number(fid['busyRatio']).toFixed(3)),
  fidelityMaxConcurrent: fid['maxConcurrent'],
  providerOverheadRatioChat: Number(Number(plain?.['ratio']).toFixed(3)),
  providerOverheadRatioStream: Number(Number(streaming?.['ratio']).toFixed(3)),
  providerMsPerChat: Number(Number(plain?.['Hydra provider ms/req']).toFixed(3)),
  rawMsPerChat: Number(Number(plain?.['raw fetch ms/req']).toFixed(3)),
});
