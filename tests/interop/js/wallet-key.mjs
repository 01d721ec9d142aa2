// A wallet's holder key: a fresh Ed25519 key pair and its did:key (Multikey, base58btc).
import {generateKeyPairSync, sign} from 'node:crypto';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58(bytes) {
  let value = 0n;
  for(const byte of bytes) {
    value = value * 256n + BigInt(byte);
  }
  let out = '';
  while(value > 0n) {
    out = ALPHABET[Number(value % 58n)] + out;
    value /= 58n;
  }
  for(const byte of bytes) {
    if(byte !== 0) {
      break;
    }
    out = '1' + out;
  }
  return out;
}

export function holderKey() {
  const {publicKey, privateKey} = generateKeyPairSync('ed25519');
  const raw = publicKey.export({format: 'der', type: 'spki'}).subarray(-32);
  const multibase = 'z' + base58(Buffer.concat([Buffer.from([0xed, 0x01]), raw]));
  const did = `did:key:${multibase}`;
  return {did, kid: `${did}#${multibase}`, sign: data => new Uint8Array(sign(null, data, privateKey))};
}

export async function readRequest() {
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk;
  }
  return JSON.parse(text);
}

export function describe(error) {
  return `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}` +
    (error?.response?.status ? ` (HTTP ${error.response.status})` : '') +
    (error?.errorResponse ? ` ${JSON.stringify(error.errorResponse)}` : '');
}
