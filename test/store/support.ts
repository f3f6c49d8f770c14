import { expect } from 'vitest';

import { StoreError, type Store, type StoreCapabilities, type StoreKind } from '../../src/store/index.js';

/** How a test file hands its database to runStoreConformance. */
export interface StoreFactory {
  kind: StoreKind;
  /** From a probe open, so test titles can say what vector support the database has. */
  capabilities: StoreCapabilities;
  /** Opens a store on the suite's database (PGlite: only while no other store has the directory open). */
  open(): Promise<Store>;
}

export interface SuiteContext {
  factory: StoreFactory;
  /** The suite's open store (a new object after `reopen`). */
  store(): Store;
  /** Closes the suite's store and opens it again. */
  reopen(): Promise<Store>;
  /** A table name unique to this suite run. */
  table(name: string): string;
}

export function expectStoreError(error: unknown, reason: StoreError['reason']): StoreError {
  expect(StoreError.is(error), `expected a StoreError, got ${String(error)}`).toBe(true);
  const storeError = error as StoreError;
  expect(storeError.reason).toBe(reason);
  return storeError;
}

export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}
