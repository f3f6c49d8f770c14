import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import {
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  validateHostHeader,
  validateOriginHeader,
} from '@modelcontextprotocol/server';

import { UserError } from '../../errors/index.js';

/** Why a request was refused: the HTTP status and the JSON body sent back. */
export interface Refusal {
  status: 401 | 403;
  body: { error: string; message: string };
  headers?: Record<string, string>;
}

/** A random bearer token (192 bits, base64url). */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Checks `Authorization: Bearer <token>` in constant time; undefined when it matches. */
export function checkBearer(header: string | undefined, token: string): Refusal | undefined {
  const challenge = { 'WWW-Authenticate': 'Bearer realm="hydra"' };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) {
    return {
      status: 401,
      headers: challenge,
      body: {
        error: 'unauthorized',
        message:
          'This Hydra MCP endpoint needs "Authorization: Bearer <token>" (the token from --token or HYDRA_MCP_TOKEN, or the one printed when the server started).',
      },
    };
  }
  if (!timingSafeEqual(digest(match[1]), digest(token))) {
    return {
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer realm="hydra", error="invalid_token"' },
      body: {
        error: 'invalid_token',
        message: 'The bearer token is not the one this Hydra MCP server accepts.',
      },
    };
  }
  return undefined;
}

/**
 * Normalizes `--allow-origin` entries to origins (`https://app.example.com`, port included when not default).
 * Local origins (localhost, 127.0.0.1, [::1], any port) are always allowed and need not be listed.
 */
export function parseAllowedOrigins(entries: readonly string[]): string[] {
  return entries.map((entry) => {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (!url || url.origin === 'null' || !/^https?:$/.test(url.protocol)) {
      throw new UserError(
        'invalid_input',
        `--allow-origin expects origins like https://app.example.com, got "${entry}".`,
        { data: { field: 'allowOrigin', value: entry } },
      );
    }
    return url.origin;
  });
}

/**
 * The `Origin` check of the MCP Streamable HTTP transport: requests without one (non-browser clients) pass;
 * local origins pass; others only when listed exactly. Undefined when the request may proceed.
 */
export function checkOrigin(header: string | undefined, allowed: readonly string[]): Refusal | undefined {
  if (header === undefined || header === '') return undefined;
  if (validateOriginHeader(header, localhostAllowedOrigins()).ok) return undefined;
  let origin: string | undefined;
  try {
    origin = new URL(header).origin;
  } catch {
    origin = undefined;
  }
  if (origin !== undefined && origin !== 'null' && allowed.includes(origin)) return undefined;
  return {
    status: 403,
    body: {
      error: 'forbidden_origin',
      message: `Requests from origin "${header}" are not allowed. Start the server with --allow-origin ${header} to allow it.`,
    },
  };
}

/** Hostnames the `Host` header may name: the local ones, the address the server is bound to, and extras. */
export function allowedHostnames(boundHost: string, extra: readonly string[] = []): string[] {
  const names = new Set([...localhostAllowedHostnames(), ...extra.map(normalizeHostname)]);
  if (!['0.0.0.0', '::', ''].includes(boundHost)) names.add(normalizeHostname(boundHost));
  return [...names];
}

function normalizeHostname(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host.toLowerCase();
}

/** DNS-rebinding protection: the `Host` header must name this server. Undefined when it does. */
export function checkHost(header: string | undefined, allowed: readonly string[]): Refusal | undefined {
  const result = validateHostHeader(header, [...allowed]);
  if (result.ok) return undefined;
  return {
    status: 403,
    body: {
      error: 'forbidden_host',
      message: `Host "${header ?? ''}" is not allowed (DNS-rebinding protection). Allowed: ${allowed.join(', ')}; add names with --allow-host.`,
    },
  };
}
