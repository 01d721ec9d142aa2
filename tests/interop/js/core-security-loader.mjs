// Stand-in for @digitalcredentials/security-document-loader as imported by verifier-core.
//
// verifier-core builds its loader once, at module load, as
// `securityLoader({fetchRemoteContexts: true}).build()`. Here the real DCC securityLoader is
// built (its bundled contexts and its did:key resolver, exactly what wallets use), but what it
// would fetch from the web, "http:" and "https:" URLs, goes to our offline loader
// (loader.mjs: pinned contexts, allowlisted 127.0.0.1 prefixes, nothing else). did:web DIDs go
// to the offline loader too: DCC's did:web driver only speaks https, our test server http.
// verify-core.mjs sets the offline loader per request with setOfflineLoader().

import * as real from '@digitalcredentials/security-document-loader';

let offline = null;

export function setOfflineLoader(loader) {
  offline = loader;
}

async function viaOffline(url) {
  if(!offline) {
    throw new Error(`NotFoundError: no offline loader set (loading ${url})`);
  }
  return offline(url);
}

const offlineHandler = {
  async get({url}) {
    try {
      return (await viaOffline(url)).document;
    } catch(e) {
      // same wording as the real httpClientHandler, which verifier-core's messages key on
      throw new Error(`NotFoundError loading "${url}": ${e.message}`);
    }
  }
};

export const httpClientHandler = offlineHandler;

export function securityLoader(options = {}) {
  const loader = real.securityLoader({...options, fetchRemoteContexts: false});
  loader.setProtocolHandler({protocol: 'http', handler: offlineHandler});
  loader.setProtocolHandler({protocol: 'https', handler: offlineHandler});
  const build = loader.build.bind(loader);
  loader.build = () => {
    const dcc = build();
    return async url => (typeof url === 'string' && url.startsWith('did:web:') ?
      viaOffline(url) : dcc(url));
  };
  return loader;
}
