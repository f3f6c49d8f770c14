import { afterEach } from 'vitest';

import { Kernel, type KernelOptions } from '../../src/kernel/index.js';
import { createModelProvider, type ModelProvider } from '../../src/models/index.js';
import { SimModelServer, type SimModelOptions } from '../../src/testing/index.js';

export interface KernelRig {
  sim: SimModelServer;
  provider: ModelProvider;
  kernel: Kernel;
}

/** Starts a simulated model and a kernel over it; both are shut down after each test. */
export function useKernelRig(): (
  sim?: SimModelOptions,
  kernel?: Omit<KernelOptions, 'backends'> & { slots?: number },
) => Promise<KernelRig> {
  const rigs: KernelRig[] = [];
  afterEach(async () => {
    for (const rig of rigs.splice(0)) {
      await rig.kernel.close();
      await rig.sim.stop();
    }
  });
  return async (simOptions = {}, kernelOptions = {}) => {
    const sim = new SimModelServer(simOptions);
    const { url } = await sim.start(0);
    const provider = await createModelProvider(`openai-compatible:${url}#sim-model`, {
      settings: { maxRetries: 0 },
    });
    const { slots = simOptions.slots ?? 4, ...rest } = kernelOptions;
    const kernel = new Kernel({ ...rest, backends: [{ provider, slots }] });
    const rig = { sim, provider, kernel };
    rigs.push(rig);
    return rig;
  };
}
