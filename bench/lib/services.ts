/**
 * The PostgreSQL server a benchmark runs on: DATABASE_URL, or the throwaway servers of
 * scripts/services.mjs (reused when running, else started for the run and stopped after).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SERVICES = fileURLToPath(new URL('../../scripts/services.mjs', import.meta.url));

function services(
  command: 'start' | 'stop' | 'env',
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [SERVICES, command],
      { encoding: 'utf8', timeout: 120_000 },
      (error, stdout, stderr) => done({ ok: !error, stdout, stderr }),
    );
  });
}

export interface ServerChoice {
  url?: string;
  /** Where the URL came from, or why there is none. */
  note: string;
  /** Stops the throwaway server if this run started it. */
  release(): Promise<void>;
}

/**
 * DATABASE_URL when set; else the throwaway servers of scripts/services.mjs (reused when already running,
 * started otherwise — and then stopped again by `release`).
 */
export async function postgresServer(): Promise<ServerChoice> {
  const noop = async (): Promise<void> => undefined;
  const fromEnv = process.env['DATABASE_URL'];
  if (fromEnv) return { url: fromEnv, note: 'DATABASE_URL', release: noop };
  const running = await services('env');
  const parse = (stdout: string): string | undefined =>
    /^DATABASE_URL=(.+)$/m.exec(stdout)?.[1]?.trim() || undefined;
  const existing = running.ok ? parse(running.stdout) : undefined;
  if (existing) return { url: existing, note: 'scripts/services.mjs (already running)', release: noop };
  const started = await services('start');
  const url = parse(started.stdout);
  if (!url) {
    const reason = started.stderr.trim().split('\n').slice(-3).join(' ') || 'no DATABASE_URL printed';
    return { note: `could not start PostgreSQL with scripts/services.mjs: ${reason}`, release: noop };
  }
  return {
    url,
    note: 'scripts/services.mjs (started for this run, stopped after)',
    async release() {
      await services('stop');
    },
  };
}

/** Whether the planner has column statistics for a table (ANALYZE, or autovacuum's, ever ran on it). */
