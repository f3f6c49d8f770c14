import { describe, expect, it } from 'vitest';

import { useOpenAISims } from './harness.js';

const startSim = useOpenAISims();

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}

function norm(vector: number[]): number {
  return Math.sqrt(cosine(vector, vector));
}

describe('SimModelServer embeddings', () => {
  it('returns deterministic unit vectors where texts sharing words are closer', async () => {
    const { client } = await startSim();
    const texts = [
      'the agent restarts the failed worker',
      'the agent restarts the failed worker',
      'agent restarts a failed worker process',
      'bananas grow in tropical climates',
    ];
    // The SDK asks for base64 by default and decodes it into float32 numbers.
    const response = await client.embeddings.create({ model: 'anything', input: texts });
    const vectors = response.data.map((item) => item.embedding);
    expect(response.data.map((item) => item.index)).toEqual([0, 1, 2, 3]);
    expect(vectors.every((vector) => vector.length === 64)).toBe(true);
    for (const vector of vectors) expect(norm(vector)).toBeCloseTo(1, 5);
    expect(vectors[1]).toEqual(vectors[0]);
    expect(cosine(vectors[0]!, vectors[2]!)).toBeGreaterThan(cosine(vectors[0]!, vectors[3]!) + 0.3);
    expect(response.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('serves float and base64 encodings of the same vector, seeded by the server seed', async () => {
    const { client } = await startSim({ seed: 5, embeddingDimensions: 16 });
    const asFloat = await client.embeddings.create({
      model: 'e',
      input: 'hello world',
      encoding_format: 'float',
    });
    const asBase64 = await client.embeddings.create({ model: 'e', input: 'hello world' });
    const floats = asFloat.data[0]?.embedding ?? [];
    const decoded = asBase64.data[0]?.embedding ?? [];
    expect(floats).toHaveLength(16);
    decoded.forEach((value, i) => expect(value).toBeCloseTo(floats[i] ?? NaN, 6));

    const { client: again } = await startSim({ seed: 5, embeddingDimensions: 16 });
    const { client: reseeded } = await startSim({ seed: 6, embeddingDimensions: 16 });
    const request = { model: 'e', input: 'hello world', encoding_format: 'float' } as const;
    expect((await again.embeddings.create(request)).data[0]?.embedding).toEqual(floats);
    expect((await reseeded.embeddings.create(request)).data[0]?.embedding).not.toEqual(floats);
  });

  it('honours the dimensions request field and does not take generation slots', async () => {
    const { server, client } = await startSim({ slots: 1, overflow: 'reject' });
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        client.embeddings.create({ model: 'e', input: `text ${i}`, dimensions: 8, encoding_format: 'float' }),
      ),
    );
    expect(responses.every((response) => response.data[0]?.embedding.length === 8)).toBe(true);
    expect(server.stats()).toMatchObject({ embeddings: 5, rejected: 0, maxConcurrent: 0 });
  });
});
