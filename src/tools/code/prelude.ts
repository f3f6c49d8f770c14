/**
 * The guest side of the sandbox: JavaScript that runs inside QuickJS before the program. It receives three
 * host functions that take and return strings only (`call`, `log`, `done`), keeps them in a closure (they are
 * never globals), builds `console`, `servers` and `input`, and returns the `start` function the host calls
 * with the program. Only JSON text crosses the boundary in either direction.
 */

/**
 * Evaluates to `function (call, log, done, catalogJson, inputJson) { ...; return start }`.
 * - `call(payloadJson)` returns a promise of `{"ok":true,"value":…}` or `{"ok":false,"message":…}` text.
 * - `log(level, text)` records one console line.
 * - `done(kind, text)` reports the outcome: `ok` (result JSON text, '' for undefined), `invalid` (the
 *   result is not JSON), `syntax` (the program closed its wrapper function early) or `error` (an
 *   `{name, message, stack}` JSON text).
 */
export const PRELUDE_SOURCE = String.raw`(function (call, log, done, catalogJson, inputJson) {
  'use strict';
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const toText = String;
  const freeze = Object.freeze;
  const keys = Object.keys;
  const define = (target, key, value) => Object.defineProperty(target, key, { value, enumerable: true });
  const hasOwn = Object.prototype.hasOwnProperty;
  const ProxyCtor = Proxy;
  const apply = Reflect.apply;
  const PromiseCtor = Promise;
  const then = Promise.prototype.then;
  const rejectWith = Promise.reject;
  const reject = (reason) => apply(rejectWith, PromiseCtor, [reason]);

  const format = (value) => {
    if (typeof value === 'string') return value;
    try {
      const text = stringify(value);
      if (text !== undefined) return text;
    } catch (error) {}
    try {
      return toText(value);
    } catch (error) {
      return '[unprintable]';
    }
  };
  const logger = (level) => (...values) => {
    let line = '';
    for (let i = 0; i < values.length; i += 1) line += (i === 0 ? '' : ' ') + format(values[i]);
    log(level, line);
  };
  globalThis.console = freeze({
    log: logger('log'),
    info: logger('info'),
    debug: logger('debug'),
    warn: logger('warn'),
    error: logger('error'),
  });

  class ToolError extends Error {
    constructor(message, server, tool) {
      super(message);
      this.name = 'ToolError';
      this.server = server;
      this.tool = tool;
    }
  }
  globalThis.ToolError = ToolError;

  const catalog = parse(catalogJson);
  const serverNames = keys(catalog);
  const callTool = async (server, tool, args) => {
    let payload;
    try {
      payload = stringify([server, tool, args === undefined ? {} : args]);
    } catch (error) {
      throw new TypeError('The arguments of servers.' + server + '.' + tool + ' must be JSON: ' + format(error));
    }
    const reply = parse(await call(payload));
    if (reply.ok) return reply.value;
    throw new ToolError(reply.message, server, tool);
  };
  const fails = (message, server, tool) => () => reject(new ToolError(message, server, tool));
  const passThrough = (key) => typeof key !== 'string' || key === 'then' || key === 'toJSON';

  const api = {};
  for (const server of serverNames) {
    const tools = {};
    for (const tool of catalog[server]) define(tools, tool, (args) => callTool(server, tool, args));
    define(api, server, new ProxyCtor(freeze(tools), {
      get(target, key) {
        if (passThrough(key) || key in target) return target[key];
        const known = catalog[server].join(', ');
        return fails('servers.' + server + '.' + key + ' is not a tool. Tools of "' + server + '": ' + known +
          '. Use search_tools to find tools.', server, key);
      },
    }));
  }
  globalThis.servers = new ProxyCtor(freeze(api), {
    get(target, key) {
      if (passThrough(key) || key in target) return target[key];
      return new ProxyCtor({}, {
        get(_, tool) {
          if (passThrough(tool)) return undefined;
          return fails('There is no server "' + key + '". Servers: ' + (serverNames.join(', ') || '(none)') +
            '. Use search_tools to find tools.', key, tool);
        },
      });
    },
  });
  globalThis.input = inputJson === '' ? undefined : parse(inputJson);

  const describe = (error) => {
    try {
      if (error !== null && typeof error === 'object' && typeof error.message === 'string') {
        const name = hasOwn.call(error, 'name') || typeof error.name === 'string' ? toText(error.name) : 'Error';
        return stringify({ name, message: error.message, stack: typeof error.stack === 'string' ? error.stack : '' });
      }
      return stringify({ name: 'thrown value', message: 'a non-Error value was thrown: ' + format(error), stack: '' });
    } catch (failure) {
      return '{"name":"Error","message":"[an unprintable value was thrown]","stack":""}';
    }
  };
  const onValue = (value) => {
    if (value === undefined) return done('ok', '');
    let text;
    try {
      text = stringify(value);
    } catch (error) {
      return done('invalid', format(error && error.message));
    }
    if (text === undefined) return done('invalid', 'a ' + typeof value + ' is not JSON');
    return done('ok', text);
  };
  const EARLY_CLOSE = 'the program must be the body of one async function; it closed that function early';
  return function start(main) {
    if (typeof main !== 'function') return done('syntax', EARLY_CLOSE);
    let promise;
    try {
      promise = main();
    } catch (error) {
      return done('error', describe(error));
    }
    if (!(promise instanceof PromiseCtor)) return done('syntax', EARLY_CLOSE);
    apply(then, promise, [onValue, (error) => done('error', describe(error))]);
  };
})`;
