// Offline JSON-LD document loader for the reference (DCC) verifier.
//
// Serves exactly:
//   * the pinned contexts of <repo>/schemas/contexts/manifest.json (sha256-checked);
//     entries with production:false only when `testContexts` is set, plus the test-only
//     https://w3id.org/citizenship/v4rc1 from <repo>/tests/vectors/contexts/;
//   * did:key DIDs and their key ids, through the DCC did:key driver (Multikey verification
//     methods, which both eddsa-rdfc-2022 and Ed25519Signature2020 import);
//   * only when the caller lists them in `allowHttp` (http://127.0.0.1:<port>/ prefixes): real
//     HTTP GETs below those prefixes (status list credentials, did:web documents of our test
//     server; a did:web on 127.0.0.1 is fetched over http instead of https);
//   * `documents`: static documents the caller hands in (url -> JSON);
//   * with `fragmentKeys` (test vectors only): `<url>#z6Mk...` resolves to a Multikey whose
//     public key is the fragment and whose controller is `<url>`; `<url>` then resolves to a
//     controller document listing those keys as assertionMethod.
// Every other URL throws; nothing else ever touches the network. `guardNetwork()` also
// replaces globalThis.fetch so that library code calling fetch itself (verifier-core's schema
// and registry look-ups) gets the same treatment.

import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';
import * as didKey from '@digitalcredentials/did-method-key';
import * as Ed25519Multikey from '@digitalcredentials/ed25519-multikey';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..', '..');
export const CONTEXTS_DIR = path.join(REPO_ROOT, 'schemas', 'contexts');
export const SCHEMAS_DIR = path.join(REPO_ROOT, 'schemas');
export const TEST_CONTEXTS_DIR = path.join(REPO_ROOT, 'tests', 'vectors', 'contexts');

export const DID_CONTEXT_URL = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_CONTEXT_URL = 'https://w3id.org/security/multikey/v1';
export const ED25519_2020_CONTEXT_URL = 'https://w3id.org/security/suites/ed25519-2020/v1';
const TEST_ONLY_EXTRA = {
  'https://w3id.org/citizenship/v4rc1': 'w3id.org_citizenship_v4rc1.jsonld'
};
const VM_CONTEXTS = {
  Multikey: MULTIKEY_CONTEXT_URL,
  Ed25519VerificationKey2020: ED25519_2020_CONTEXT_URL
};
const ALLOWED_PREFIX = /^http:\/\/127\.0\.0\.1:\d{1,5}\/$/;

const _fetch = globalThis.fetch.bind(globalThis);

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

function readPinned(dir, manifest, key) {
  const out = new Map();
  for(const [url, entry] of Object.entries(manifest[key])) {
    const bytes = readFileSync(path.join(dir, entry.file));
    if(sha256(bytes) !== entry.sha256) {
      throw new Error(`pinned file for ${url} does not match its sha256 in manifest.json`);
    }
    out.set(url, {document: JSON.parse(bytes.toString('utf8')),
      production: entry.production !== false});
  }
  return out;
}

// parsed once per process; documents handed out are deep copies
const CONTEXTS = readPinned(CONTEXTS_DIR, JSON.parse(
  readFileSync(path.join(CONTEXTS_DIR, 'manifest.json'), 'utf8')), 'contexts');
for(const [url, file] of Object.entries(TEST_ONLY_EXTRA)) {
  CONTEXTS.set(url, {document: JSON.parse(
    readFileSync(path.join(TEST_CONTEXTS_DIR, file), 'utf8')), production: false});
}
let SCHEMAS = null; // JSON Schemas, loaded on first use (only verifier-core asks)
function schemas() {
  if(!SCHEMAS) {
    SCHEMAS = readPinned(SCHEMAS_DIR, JSON.parse(
      readFileSync(path.join(SCHEMAS_DIR, 'manifest.json'), 'utf8')), 'schemas');
  }
  return SCHEMAS;
}

const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

export function contextUrls({testContexts = false} = {}) {
  return [...CONTEXTS].filter(([, e]) => e.production || testContexts).map(([u]) => u);
}

export function checkAllowHttp(allowHttp = []) {
  if(!Array.isArray(allowHttp)) {
    throw new TypeError('"allowHttp" must be a list of http://127.0.0.1:<port>/ prefixes');
  }
  for(const prefix of allowHttp) {
    if(typeof prefix !== 'string' || !ALLOWED_PREFIX.test(prefix)) {
      throw new TypeError(
        `allowHttp entry ${JSON.stringify(prefix)} is not an http://127.0.0.1:<port>/ prefix`);
    }
  }
  return allowHttp;
}

function allowed(url, allowHttp) {
  return allowHttp.some(prefix => url.startsWith(prefix));
}

async function httpGetJson(url) {
  const response = await _fetch(url, {headers: {accept: 'application/ld+json, application/json'},
    redirect: 'error'});
  if(!response.ok) {
    const error = new Error(`NotFoundError: GET ${url} answered HTTP ${response.status}`);
    error.name = 'NotFoundError';
    error.status = response.status;
    throw error;
  }
  return response.json();
}

// did:web:<host>[:path...] -> https://<host>/<path>/did.json (or /.well-known/did.json)
export function didWebUrl(did) {
  const parts = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const [host, ...rest] = parts;
  const suffix = rest.length ? rest.join('/') + '/did.json' : '.well-known/did.json';
  return `https://${host}/${suffix}`;
}

function findVerificationMethod(doc, id) {
  const base = doc.id;
  const absolute = ref => (typeof ref === 'string' && ref.startsWith('#') ? base + ref : ref);
  for(const rel of ['verificationMethod', 'assertionMethod', 'authentication',
    'capabilityInvocation', 'capabilityDelegation']) {
    for(const vm of [].concat(doc[rel] || [])) {
      if(vm && typeof vm === 'object' && absolute(vm.id) === id) {
        return {...vm, id};
      }
    }
  }
  return null;
}

function withVmContext(vm, fallbackContext) {
  return {'@context': VM_CONTEXTS[vm.type] || fallbackContext, ...vm};
}

/**
 * Build a documentLoader.
 * @param {object} options
 * @param {string[]} [options.allowHttp] - http://127.0.0.1:<port>/ prefixes that may be fetched.
 * @param {boolean} [options.testContexts] - also serve the test-only contexts.
 * @param {boolean} [options.fragmentKeys] - resolve `<url>#z6Mk...` from the fragment (vectors).
 * @param {object} [options.documents] - url -> document, served as is.
 * @param {string[]} [options.notes] - receives a line for each test-only resolution made.
 */
export function createLoader({allowHttp = [], testContexts = false, fragmentKeys = false,
  documents = {}, notes = []} = {}) {
  checkAllowHttp(allowHttp);
  const fragmentControllers = new Map(); // controller url -> Set(vm ids)

  async function resolveDidWeb(url) {
    const [did, fragment] = url.split('#');
    const httpsUrl = didWebUrl(did);
    const plain = 'http://' + httpsUrl.slice('https://'.length);
    if(!allowed(plain, allowHttp)) {
      throw new Error(`offline loader: ${url} would need ${httpsUrl}, which is not allowlisted`);
    }
    const doc = await httpGetJson(plain);
    if(doc.id !== did) {
      throw new Error(`DID document at ${plain} has id ${JSON.stringify(doc.id)}, not ${did}`);
    }
    if(fragment === undefined) {
      return doc;
    }
    const vm = findVerificationMethod(doc, url);
    if(!vm) {
      throw new Error(`verification method ${url} not found in the DID document`);
    }
    return withVmContext(vm, doc['@context']);
  }

  function resolveFragmentKey(url) {
    const hash = url.indexOf('#');
    if(hash > 0) {
      const controller = url.slice(0, hash);
      const key = url.slice(hash + 1);
      if(!/^z6Mk[1-9A-HJ-NP-Za-km-z]+$/.test(key)) {
        return null;
      }
      if(!fragmentControllers.has(controller)) {
        fragmentControllers.set(controller, new Set());
      }
      fragmentControllers.get(controller).add(url);
      notes.push(`verification method ${url} was built from the key in its fragment ` +
        '(fragmentKeys, test vectors only)');
      return {'@context': MULTIKEY_CONTEXT_URL, id: url, type: 'Multikey', controller,
        publicKeyMultibase: key};
    }
    const ids = fragmentControllers.get(url);
    if(ids) {
      return {'@context': [DID_CONTEXT_URL, MULTIKEY_CONTEXT_URL], id: url,
        assertionMethod: [...ids]};
    }
    return null;
  }

  return async function documentLoader(url) {
    if(typeof url !== 'string') {
      throw new TypeError('The "url" parameter must be a string.');
    }
    const pinned = CONTEXTS.get(url);
    if(pinned && (pinned.production || testContexts)) {
      // production contexts may be cached across operations by jsonld ('static');
      // test-only ones are not, so a later request without testContexts never sees them
      const result = {contextUrl: null, documentUrl: url,
        document: structuredClone(pinned.document)};
      if(pinned.production) {
        result.tag = 'static';
      }
      return result;
    }
    let document;
    if(Object.prototype.hasOwnProperty.call(documents, url)) {
      document = structuredClone(documents[url]);
    } else if(url.startsWith('did:key:')) {
      document = await didKeyDriver.get({url});
    } else if(url.startsWith('did:web:')) {
      document = await resolveDidWeb(url);
    } else if(fragmentKeys && (document = resolveFragmentKey(url))) {
      // built above
    } else if(allowed(url, allowHttp)) {
      document = await httpGetJson(url);
    } else {
      const error = new Error(`NotFoundError: offline document loader refuses ${url}` +
        (pinned ? ' (a test-only context; pass testContexts)' : ''));
      error.name = 'NotFoundError';
      throw error;
    }
    return {contextUrl: null, documentUrl: url, document};
  };
}

// --- network guard -------------------------------------------------------------------------

let guardState = {allowHttp: [], responses: new Map()};

function jsonResponse(url, body) {
  const response = new Response(JSON.stringify(body), {
    status: 200, headers: {'content-type': 'application/json'}
  });
  Object.defineProperty(response, 'url', {value: url});
  return response;
}

/**
 * Replace globalThis.fetch: allowlisted prefixes go to the network (loopback only), pinned
 * JSON Schemas and pinned contexts are answered from disk, `responses` (url -> JSON) from
 * memory; anything else rejects with a TypeError, as an unreachable network would.
 */
export function guardNetwork({allowHttp = [], responses = {}} = {}) {
  guardState = {allowHttp: checkAllowHttp(allowHttp), responses: new Map(Object.entries(responses))};
  if(!globalThis.fetch._offlineGuard) {
    const guarded = async function fetch(input, init) {
      const url = typeof input === 'string' ? input : (input?.url ?? String(input));
      if(guardState.responses.has(url)) {
        return jsonResponse(url, guardState.responses.get(url));
      }
      const schema = schemas().get(url);
      if(schema) {
        return jsonResponse(url, schema.document);
      }
      const context = CONTEXTS.get(url);
      if(context && context.production) {
        return jsonResponse(url, context.document);
      }
      if(allowed(url, guardState.allowHttp)) {
        return _fetch(input, init);
      }
      throw new TypeError(`fetch failed: offline guard blocked ${url}`);
    };
    guarded._offlineGuard = true;
    globalThis.fetch = guarded;
  }
}

export {_fetch as realFetch};
