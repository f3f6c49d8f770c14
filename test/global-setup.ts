import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** CLI tests run the real built binary, so the build must be current before any test starts. */
export default function setup(): void {
  // Escape hatch for quick local runs of tests that do not spawn the CLI.
  if (process.env['HYDRA_SKIP_BUILD'] === '1') return;
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync(
    process.execPath,
    [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
