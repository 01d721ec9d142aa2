// Shared plumbing of the command-line scripts: stdin/stdout JSON protocol, JSON-safe results.
//
// Protocol (every script):
//   * one JSON request on stdin  -> one JSON result on stdout;
//   * {"batch": [req, ...]}      -> {"batch": [res, ...]} (one Node start for many requests;
//     a request that crashes answers {"crash": "<message>"} in its slot);
//   * `--serve`: newline-delimited JSON, one request per line, one result line per request,
//     until stdin closes (used by the Python harness to keep one process per script).
// Exit status 0 whenever a result was written, even a failed verification; non-zero only
// when the script itself crashed on a single request or could not read its input.

import {realpathSync} from 'node:fs';
import {pathToFileURL} from 'node:url';

// Library code logs with console.log (verifier-core, registry client): keep stdout for results.
const toStderr = (...args) => process.stderr.write(args.map(a =>
  typeof a === 'string' ? a : safeStringify(a)).join(' ') + '\n');
console.log = toStderr;
console.info = toStderr;
console.warn = toStderr;
console.debug = toStderr;

function safeStringify(value) {
  try {
    return JSON.stringify(jsonSafe(value, {maxDepth: 6}));
  } catch {
    return String(value);
  }
}

/** A JSON-serialisable copy of `value`: Errors become {name, message, ...}, no stacks/cycles. */
export function jsonSafe(value, {maxDepth = 12, omit = []} = {}) {
  const seen = new WeakSet();
  const walk = (v, depth) => {
    if(v === null || typeof v === 'boolean' || typeof v === 'string') {
      return v;
    }
    if(typeof v === 'number') {
      return Number.isFinite(v) ? v : String(v);
    }
    if(typeof v === 'bigint') {
      return v.toString();
    }
    if(v === undefined || typeof v === 'function' || typeof v === 'symbol') {
      return undefined;
    }
    if(v instanceof Date) {
      return isNaN(v) ? null : v.toISOString();
    }
    if(ArrayBuffer.isView(v)) {
      return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
    }
    if(depth >= maxDepth) {
      return '[…]';
    }
    if(seen.has(v)) {
      return '[circular]';
    }
    seen.add(v);
    let out;
    if(v instanceof Error) {
      out = {name: v.name, message: v.message};
      for(const key of ['code', 'errors', 'cause', 'details', 'log', 'requestUrl', 'status']) {
        if(v[key] !== undefined) {
          out[key] = walk(v[key], depth + 1);
        }
      }
    } else if(Array.isArray(v)) {
      out = v.map(item => {
        const w = walk(item, depth + 1);
        return w === undefined ? null : w;
      });
    } else if(v instanceof Map) {
      out = Object.fromEntries([...v].map(([k, x]) => [String(k), walk(x, depth + 1)]));
    } else if(v instanceof Set) {
      out = [...v].map(x => walk(x, depth + 1));
    } else {
      out = {};
      for(const [key, x] of Object.entries(v)) {
        if(key === 'stack' || key === 'stackTrace' || omit.includes(key)) {
          continue;
        }
        const w = walk(x, depth + 1);
        if(w !== undefined) {
          out[key] = w;
        }
      }
    }
    seen.delete(v);
    return out;
  };
  return walk(value, 0);
}

/** Every distinct message in an error tree (VerificationError.errors, cause, nested). */
export function errorMessages(...roots) {
  const messages = [];
  const seen = new Set();
  const visit = (e, depth) => {
    if(!e || depth > 8 || seen.has(e)) {
      return;
    }
    if(typeof e === 'string') {
      if(!messages.includes(e)) {
        messages.push(e);
      }
      return;
    }
    if(typeof e !== 'object') {
      return;
    }
    seen.add(e);
    if(Array.isArray(e)) {
      e.forEach(x => visit(x, depth + 1));
      return;
    }
    const nested = Array.isArray(e.errors) && e.errors.length > 0;
    // a VerificationError only says "Verification error"; its children say why
    if(typeof e.message === 'string' && e.message && !(nested && e.name === 'VerificationError')) {
      const text = e.name && e.name !== 'Error' && !e.message.startsWith(e.name) ?
        `${e.name}: ${e.message}` : e.message;
      if(!messages.includes(text)) {
        messages.push(text);
      }
    }
    if(nested) {
      visit(e.errors, depth + 1);
    }
    if(e.cause) {
      visit(e.cause, depth + 1);
    }
    if(e.details && typeof e.details === 'object' && e.details.cause) {
      visit(e.details.cause, depth + 1);
    }
  };
  roots.forEach(r => visit(r, 0));
  return messages;
}

function write(obj) {
  return new Promise((resolve, reject) => {
    process.stdout.write(JSON.stringify(obj) + '\n', err => (err ? reject(err) : resolve()));
  });
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function answer(handler, request) {
  if(request && Array.isArray(request.batch)) {
    const results = [];
    for(const item of request.batch) {
      try {
        results.push(await handler(item));
      } catch(error) {
        results.push({crash: String(error?.stack || error)});
      }
    }
    return {batch: results};
  }
  return handler(request);
}

/** Run `handler(request) -> result` under the stdin/stdout protocol described above. */
export async function runCli(handler) {
  if(process.argv.includes('--serve')) {
    const {createInterface} = await import('node:readline');
    const lines = createInterface({input: process.stdin, crlfDelay: Infinity});
    for await (const line of lines) {
      if(!line.trim()) {
        continue;
      }
      let result;
      try {
        result = await answer(handler, JSON.parse(line));
      } catch(error) {
        result = {crash: String(error?.stack || error)};
      }
      await write(result);
    }
    return;
  }
  let request;
  try {
    request = JSON.parse(await readStdin());
  } catch(error) {
    process.stderr.write(`could not read a JSON request on stdin: ${error.message}\n`);
    process.exit(2);
  }
  try {
    await write(await answer(handler, request));
  } catch(error) {
    process.stderr.write(String(error?.stack || error) + '\n');
    process.exit(1);
  }
}

/** True when the module at `moduleUrl` is the script Node was started with. */
export function isMain(moduleUrl) {
  if(!process.argv[1]) {
    return false;
  }
  return moduleUrl === pathToFileURL(realpathSync(process.argv[1])).href;
}
