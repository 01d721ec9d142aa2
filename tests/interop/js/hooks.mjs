// Node module-resolution hook (registered by verify-core.mjs): when verifier-core imports
// @digitalcredentials/security-document-loader, give it ./core-security-loader.mjs instead, so
// that the document loader it builds once at module load runs offline (see that file).

// Likewise @digitalcredentials/vc -> ./core-vc-spy.mjs (the real module, results recorded).

const SHIMS = {
  '@digitalcredentials/security-document-loader':
    new URL('./core-security-loader.mjs', import.meta.url).href,
  '@digitalcredentials/vc': new URL('./core-vc-spy.mjs', import.meta.url).href
};

export async function resolve(specifier, context, nextResolve) {
  if(Object.hasOwn(SHIMS, specifier) && context.parentURL &&
    context.parentURL.includes('/@digitalcredentials/verifier-core/')) {
    return {url: SHIMS[specifier], shortCircuit: true};
  }
  return nextResolve(specifier, context);
}
