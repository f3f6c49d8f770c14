#!/usr/bin/env node
// @ts-check
/**
 * Throwaway PostgreSQL and Redis servers for development, tests and CI (see docs/services.md).
 *
 *   node scripts/services.mjs start [--require]  start both (idempotent); print DATABASE_URL / REDIS_URL
 *   node scripts/services.mjs stop               stop both and delete their data (safe when nothing runs)
 *   node scripts/services.mjs status             human-readable state
 *   node scripts/services.mjs env                print the env lines of the running services
 *
 * stdout carries only KEY=value lines, so `eval "$(npm run -s services:start)"` works; progress goes to stderr.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STATE_FILE = join(ROOT, '.hydra', 'services.json');
const ENV_FILE = join(ROOT, '.hydra', 'services.env');
const TMP_PREFIX = 'hydra-services-';
const TIMEOUT_MS = Number(process.env.HYDRA_SERVICES_TIMEOUT_MS) || 30_000;
const IS_ROOT = process.getuid?.() === 0;
const FALLBACK_PATH = ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'];

/**
 * @typedef {{ status: 'running', envVar: string, url: string, port: number, pid: number, dir: string,
 *   logFile: string, bin: string, dataDir?: string }} Running
 * @typedef {{ status: 'unavailable', envVar: string, reason: string, install: string }} Unavailable
 * @typedef {Running | Unavailable} Service
 * @typedef {{ tmpDir?: string, startedAt?: string, services: Record<string, Service>,
 *   unavailable: Record<string, string> }} State
 */

/** The server's binaries are not installed: reported and skipped, not fatal (unless --require). */
class MissingBinary extends Error {
  /** @param {string} message @param {string} install */
  constructor(message, install) {
    super(message);
    this.install = install;
  }
}

/** @param {string} msg */
const log = (msg) => process.stderr.write(`[services] ${msg}\n`);
/** @param {unknown} err */
const message = (err) => (err instanceof Error ? err.message : String(err));
/** @param {string} text */
const tail = (text) => text.trimEnd().split('\n').slice(-20).join('\n');

/** @param {string} file */
function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** @param {string} file */
const logTail = (file) =>
  readText(file) ? `--- last lines of ${file} ---\n${tail(readText(file))}` : `(no log at ${file})`;

/**
 * Run a command without a shell. Never throws; `out` is stdout+stderr (or the spawn error).
 * @param {string} cmd @param {string[]} args @param {{ cwd?: string }} [opts]
 * @returns {Promise<{ ok: boolean, out: string }>}
 */
const run = (cmd, args, opts = {}) =>
  new Promise((done) => {
    execFile(cmd, args, { timeout: 120_000, encoding: 'utf8', ...opts }, (err, stdout, stderr) => {
      done({ ok: !err, out: `${stdout}${stderr}`.trim() || (err ? err.message : '') });
    });
  });

/** Look `name` up on PATH (plus the usual system directories). @param {string} name */
function which(name) {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...FALLBACK_PATH].filter(Boolean)) {
    try {
      fs.accessSync(join(dir, name), fs.constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** Bind port 0 on loopback and return the port the kernel picked. @returns {Promise<number>} */
const freePort = () =>
  new Promise((done, fail) => {
    const server = createServer().on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      server.close(() => done(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });

/** Is `pid` alive and (on Linux) really a `name` process rather than a recycled pid? */
function isAlive(/** @type {number} */ pid, /** @type {string} */ name) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EPERM') return false;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(name); // empty for zombies
  } catch {
    return process.platform !== 'linux';
  }
}

/** @param {number} pid @param {string} name @param {NodeJS.Signals} [signal] */
async function killAndWait(pid, name, signal = 'SIGTERM') {
  if (!isAlive(pid, name)) return;
  process.kill(pid, signal);
  for (const deadline = Date.now() + 10_000; isAlive(pid, name); await sleep(100)) {
    if (Date.now() > deadline) return void process.kill(pid, 'SIGKILL');
  }
}

/**
 * Retry `probe` until it resolves; on timeout fail with the server's log tail.
 * @param {string} what @param {string} logFile @param {() => Promise<void>} probe
 */
async function waitFor(what, logFile, probe) {
  for (const deadline = Date.now() + TIMEOUT_MS; ; await sleep(200)) {
    try {
      return await probe();
    } catch (err) {
      if (Date.now() < deadline) continue;
      const why = `${what} not accepting connections after ${TIMEOUT_MS} ms: ${message(err)}`;
      throw new Error(`${why}\n${logTail(logFile)}`);
    }
  }
}

// ---------------------------------------------------------------- PostgreSQL

/** Highest /usr/lib/postgresql/<v>/bin, else `pg_config --bindir`, else the directory of initdb on PATH. */
async function postgresBinDir() {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => /^\d+$/.test(v)) : [];
  const dirs = versions.sort((a, b) => Number(b) - Number(a)).map((v) => join(base, v, 'bin'));
  const pgConfig = which('pg_config');
  if (pgConfig) dirs.push((await run(pgConfig, ['--bindir'])).out);
  const initdb = which('initdb');
  if (initdb) dirs.push(dirname(initdb));
  return dirs.find((d) => fs.existsSync(join(d, 'initdb')) && fs.existsSync(join(d, 'pg_ctl')));
}

/** PostgreSQL refuses to run as root, so as root its tools run as the `postgres` user. */
function runPg(/** @type {string} */ cmd, /** @type {string[]} */ args) {
  const opts = { cwd: tmpdir() };
  if (!IS_ROOT) return run(cmd, args, opts);
  const runuser = which('runuser');
  if (runuser) return run(runuser, ['-u', 'postgres', '--', cmd, ...args], opts);
  const setpriv = which('setpriv');
  if (!setpriv) throw new Error('as root, runuser or setpriv (util-linux) is needed to run as postgres');
  return run(setpriv, ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args], opts);
}

/** @param {string} tmpDir @returns {Promise<Running>} */
async function startPostgres(tmpDir) {
  const bin = await postgresBinDir();
  if (!bin) throw new MissingBinary('PostgreSQL (initdb, pg_ctl) not found', 'apt-get install postgresql');
  const dir = join(tmpDir, 'postgres');
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  fs.mkdirSync(dir, { mode: 0o700 });
  if (IS_ROOT) {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    if (!uid.ok || !gid.ok)
      throw new Error('as root, a "postgres" user is needed (apt-get install postgresql)');
    fs.chownSync(dir, Number(uid.out), Number(gid.out));
    fs.chmodSync(tmpDir, 0o711); // let the postgres user traverse into its directory
  }
  const initArgs = ['-D', dataDir, '-U', 'hydra', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'];
  const init = await runPg(join(bin, 'initdb'), initArgs);
  if (!init.ok) throw new Error(`initdb failed:\n${tail(init.out)}`);
  const port = await freePort();
  const socketDir = join(dir, `.s.PGSQL.${port}`).length < 100 ? dir : ''; // sun_path limit; else TCP only
  const conf = `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${socketDir}'\n`;
  const fast = 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n';
  fs.appendFileSync(join(dataDir, 'postgresql.conf'), `\n# added by scripts/services.mjs\n${conf}${fast}`);
  const startArgs = ['start', '-w', '-t', String(Math.ceil(TIMEOUT_MS / 1000)), '-D', dataDir, '-l', logFile];
  const started = await runPg(join(bin, 'pg_ctl'), startArgs);
  if (!started.ok) throw new Error(`pg_ctl start failed:\n${tail(started.out)}\n${logTail(logFile)}`);
  const pid = Number(fs.readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const url = `postgres://hydra@127.0.0.1:${port}/hydra`;
  /** @type {Running} */
  const svc = { status: 'running', envVar: 'DATABASE_URL', url, port, pid, dir, logFile, bin, dataDir };
  try {
    await waitFor('PostgreSQL', logFile, () => createDatabase(port));
  } catch (err) {
    await stopPostgres(svc);
    throw err;
  }
  return svc;
}

/** Connect over TCP as `hydra` and create the `hydra` database if it does not exist yet. */
async function createDatabase(/** @type {number} */ port) {
  const { default: pg } = await import('pg');
  const opts = { host: '127.0.0.1', port, user: 'hydra', database: 'postgres' };
  const client = new pg.Client({ ...opts, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const exists = await client.query("select 1 from pg_database where datname = 'hydra'");
    if (!exists.rowCount) await client.query('create database hydra');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** @param {Running} svc */
async function stopPostgres(svc) {
  if (svc.dataDir && fs.existsSync(join(svc.dataDir, 'postmaster.pid'))) {
    await runPg(join(svc.bin, 'pg_ctl'), ['stop', '-m', 'fast', '-w', '-D', svc.dataDir]);
  }
  await killAndWait(svc.pid, 'postgres', 'SIGINT'); // fast shutdown, if pg_ctl could not do it
}

// ---------------------------------------------------------------- Redis

/** @param {string} tmpDir @returns {Promise<Running>} */
async function startRedis(tmpDir) {
  const bin = which('redis-server');
  if (!bin) throw new MissingBinary('redis-server not found', 'apt-get install redis-server');
  const dir = join(tmpDir, 'redis');
  const [pidFile, logFile] = [join(dir, 'redis.pid'), join(dir, 'redis.log')];
  fs.mkdirSync(dir, { mode: 0o700 });
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  args.push('--daemonize', 'yes', '--dir', dir, '--pidfile', pidFile, '--logfile', logFile);
  const res = await run(bin, args, { cwd: dir });
  if (!res.ok) throw new Error(`redis-server failed to start:\n${tail(res.out)}\n${logTail(logFile)}`);
  const url = `redis://127.0.0.1:${port}`;
  /** @type {Running} */
  const svc = { status: 'running', envVar: 'REDIS_URL', url, port, pid: 0, dir, logFile, bin };
  try {
    await waitFor('Redis', logFile, async () => {
      svc.pid ||= Number(fs.readFileSync(pidFile, 'utf8'));
      await pingRedis(url);
    });
  } catch (err) {
    await stopRedis(svc);
    throw err;
  }
  return svc;
}

async function pingRedis(/** @type {string} */ url) {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined); // surfaced by the rejected promises below
  try {
    await client.connect();
    const reply = await client.ping();
    if (reply !== 'PONG') throw new Error(`unexpected PING reply ${reply}`);
  } finally {
    client.disconnect();
  }
}

/** @param {Running} svc */
async function stopRedis(svc) {
  if (svc.pid) await killAndWait(svc.pid, 'redis-server'); // SIGTERM = shutdown; --save '' so nothing is written
}

// ---------------------------------------------------------------- state and commands

const SERVICES = {
  postgres: { start: startPostgres, stop: stopPostgres, process: 'postgres', envVar: 'DATABASE_URL' },
  redis: { start: startRedis, stop: stopRedis, process: 'redis-server', envVar: 'REDIS_URL' },
};
const NAMES = /** @type {(keyof typeof SERVICES)[]} */ (Object.keys(SERVICES));

/** @returns {State | undefined} undefined without a state file; an empty state if it is unreadable */
function readState() {
  if (!fs.existsSync(STATE_FILE)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
  } catch (err) {
    log(`ignoring unreadable ${STATE_FILE}: ${message(err)}`);
    return { services: {}, unavailable: {} };
  }
}

/** @param {State} state */
const envLines = (state) =>
  Object.values(state.services)
    .map((s) => (s.status === 'running' ? `${s.envVar}=${s.url}\n` : ''))
    .join('');

/** @param {State} state */
function writeState(state) {
  fs.mkdirSync(dirname(STATE_FILE), { recursive: true });
  fs.writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
  const notes = Object.entries(state.unavailable).map(([name, why]) => `# ${name} unavailable: ${why}\n`);
  fs.writeFileSync(ENV_FILE, notes.join('') + envLines(state));
}

/** Unavailable (by record) or started and still running. @param {keyof typeof SERVICES} name @param {State} state */
function alive(name, state) {
  const s = state.services[name];
  return s?.status === 'unavailable' || (s?.status === 'running' && isAlive(s.pid, SERVICES[name].process));
}

/** @param {State} state @param {boolean} requireAll */
function emit(state, requireAll) {
  process.stdout.write(envLines(state));
  const missing = Object.keys(state.unavailable);
  if (!requireAll || !missing.length) return 0;
  log(`--require given, but not available: ${missing.join(', ')}`);
  return 1;
}

/** @param {boolean} requireAll */
async function start(requireAll) {
  const previous = readState();
  const missing = Object.keys(previous?.unavailable ?? {}).length > 0;
  if (previous && NAMES.every((name) => alive(name, previous)) && !(requireAll && missing)) {
    log('services already running (stop them with: npm run services:stop)');
    return emit(previous, requireAll);
  }
  if (previous) {
    log(
      `cleaning up an earlier run (${missing && requireAll ? 'retrying what was unavailable' : 'servers gone'})`,
    );
    await stop();
  }
  const tmpDir = fs.mkdtempSync(join(tmpdir(), TMP_PREFIX));
  fs.writeFileSync(join(tmpDir, 'owner'), ROOT); // lets `stop` find these servers even if the state file is lost
  /** @type {State} */
  const state = { tmpDir, startedAt: new Date().toISOString(), services: {}, unavailable: {} };
  writeState(state); // after every step, so that `stop` can clean up after a killed run
  for (const name of NAMES) {
    try {
      log(`starting ${name}...`);
      const svc = await SERVICES[name].start(tmpDir);
      state.services[name] = svc;
      log(`${name} ready: ${svc.envVar}=${svc.url} (pid ${svc.pid})`);
    } catch (err) {
      if (!(err instanceof MissingBinary)) {
        await stop();
        throw err;
      }
      const { envVar } = SERVICES[name];
      state.services[name] = { status: 'unavailable', envVar, reason: err.message, install: err.install };
      state.unavailable[name] = `${err.message}; install it with: ${err.install}`;
      log(`${name} NOT started: ${state.unavailable[name]}. ${envVar} will not be set.`);
    }
    writeState(state);
  }
  return emit(state, requireAll);
}

/** Servers of this checkout whose state file was lost (e.g. `git clean -X`), found by the owner marker. */
async function stopOrphans() {
  let found = 0;
  for (const dir of fs.readdirSync(tmpdir()).filter((d) => d.startsWith(TMP_PREFIX))) {
    const path = join(tmpdir(), dir);
    if (readText(join(path, 'owner')) !== ROOT) continue;
    const pgPid = Number(readText(join(path, 'postgres', 'data', 'postmaster.pid')).split('\n')[0]);
    if (pgPid) await killAndWait(pgPid, 'postgres', 'SIGINT');
    const redisPid = Number(readText(join(path, 'redis', 'redis.pid')));
    if (redisPid) await killAndWait(redisPid, 'redis-server');
    fs.rmSync(path, { recursive: true, force: true });
    log(`stopped servers left behind in ${path}`);
    found++;
  }
  return found;
}

async function stop() {
  const state = readState();
  for (const name of NAMES) {
    const svc = state?.services[name];
    if (svc?.status !== 'running') continue;
    await SERVICES[name].stop(svc).catch((err) => log(`stopping ${name} failed: ${message(err)}`));
  }
  if (state?.tmpDir && basename(state.tmpDir).startsWith(TMP_PREFIX)) {
    fs.rmSync(state.tmpDir, { recursive: true, force: true });
  }
  fs.rmSync(STATE_FILE, { force: true });
  fs.rmSync(ENV_FILE, { force: true });
  const orphans = await stopOrphans();
  if (state || !orphans) log(state ? 'services stopped, data removed' : 'nothing to stop');
  return 0;
}

function status() {
  const state = readState();
  if (!state) return void console.log('services: not running (start them with: npm run services:start)');
  console.log(`services: state in ${STATE_FILE}, data in ${state.tmpDir ?? '(unknown)'}`);
  for (const name of NAMES) {
    const s = state.services[name];
    const how = alive(name, state) ? 'running' : 'NOT RUNNING (clean up with: npm run services:stop)';
    if (!s) console.log(`${name}: not started`);
    else if (s.status === 'unavailable') console.log(`${name}: unavailable (${s.reason}; ${s.install})`);
    else console.log(`${name}: ${how}, pid ${s.pid}, ${s.envVar}=${s.url}, log ${s.logFile}`);
  }
  return 0;
}

function env() {
  const state = readState();
  if (state && NAMES.every((name) => alive(name, state))) return emit(state, false);
  log('services are not running (start them with: npm run services:start)');
  return 1;
}

const [command = '', ...flags] = process.argv.slice(2);
/** @type {Record<string, () => number | void | Promise<number>>} */
const commands = { start: () => start(flags.includes('--require')), stop, status, env };
const action = commands[command];
if (!action) {
  log('usage: node scripts/services.mjs start [--require] | stop | status | env');
  process.exitCode = 2;
} else {
  try {
    process.exitCode = (await action()) ?? 0;
  } catch (err) {
    log(`error: ${message(err)}`);
    process.exitCode = 1;
  }
}
