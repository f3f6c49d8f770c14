import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  DEFAULT_BUFFER_POLICY,
  planEviction,
  pressureOf,
  type BufferedMessage,
} from '../../src/memory/index.js';

/** Random conversations: user turns, assistant replies, and assistant tool calls followed by their results. */
const conversation = fc
  .array(
    fc.oneof(
      fc.record({ kind: fc.constant('user' as const), tokens: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ kind: fc.constant('assistant' as const), tokens: fc.integer({ min: 1, max: 400 }) }),
      fc.record({
        kind: fc.constant('tools' as const),
        tokens: fc.integer({ min: 1, max: 200 }),
        results: fc.integer({ min: 1, max: 3 }),
      }),
    ),
    { maxLength: 60 },
  )
  .map((turns) =>
    turns.flatMap((turn): BufferedMessage[] =>
      turn.kind === 'tools'
        ? [
            { role: 'assistant', tokens: turn.tokens },
            ...Array.from({ length: turn.results }, () => ({ role: 'tool' as const, tokens: turn.tokens })),
          ]
        : [{ role: turn.kind, tokens: turn.tokens }],
    ),
  );

describe('pressure', () => {
  it('warns at 75% and compacts at 90% by default', () => {
    expect(pressureOf(740, 1_000)).toBe('ok');
    expect(pressureOf(750, 1_000)).toBe('warn');
    expect(pressureOf(900, 1_000)).toBe('compact');
  });
});

describe('planEviction', () => {
  it('never splits a tool call from its results (property)', () => {
    fc.assert(
      fc.property(
        conversation,
        fc.integer({ min: 0, max: 2_000 }),
        fc.integer({ min: 500, max: 20_000 }),
        (messages, fixed, window) => {
          const cut = planEviction(messages, fixed, window);
          expect(cut).toBeGreaterThanOrEqual(0);
          expect(cut).toBeLessThanOrEqual(messages.length);
          if (cut < messages.length) expect(messages[cut]?.role).not.toBe('tool');
        },
      ),
    );
  });

  it('evicts exactly a prefix: every message is either evicted or kept, in order (property)', () => {
    fc.assert(
      fc.property(conversation, fc.integer({ min: 500, max: 20_000 }), (messages, window) => {
        const cut = planEviction(messages, 0, window);
        expect([...messages.slice(0, cut), ...messages.slice(cut)]).toEqual(messages);
      }),
    );
  });

  it('keeps what stays within compactTo of the window whenever a valid cut allows it (property)', () => {
    fc.assert(
      fc.property(
        conversation,
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 2_000, max: 20_000 }),
        (messages, fixed, window) => {
          const cut = planEviction(messages, fixed, window);
          const kept = messages.slice(cut).reduce((sum, message) => sum + message.tokens, 0);
          const budget = Math.floor(DEFAULT_BUFFER_POLICY.compactTo * window) - fixed;
          const achievable = messages.some(
            (message, index) =>
              index <= messages.length - DEFAULT_BUFFER_POLICY.keepLast &&
              message.role !== 'tool' &&
              messages.slice(index).reduce((sum, m) => sum + m.tokens, 0) <= budget,
          );
          if (achievable) expect(kept).toBeLessThanOrEqual(budget);
        },
      ),
    );
  });

  it('evicts nothing when everything already fits', () => {
    const messages: BufferedMessage[] = [
      { role: 'user', tokens: 10 },
      { role: 'assistant', tokens: 10 },
    ];
    expect(planEviction(messages, 100, 10_000)).toBe(0);
  });

  it('evicts the oldest messages first, keeping the latest', () => {
    const messages: BufferedMessage[] = Array.from({ length: 10 }, (_, index) => ({
      role: index % 2 ? 'assistant' : 'user',
      tokens: 100,
    }));
    // Budget = 0.7 * 1000 = 700 tokens: the last 7 messages fit.
    expect(planEviction(messages, 0, 1_000)).toBe(3);
  });
});
