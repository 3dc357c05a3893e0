import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/** A P-256 key pair standing in for GitHub's secret-scanning signing key. */
export function githubKeyPair(id = 'test-key-1'): { id: string; privateKey: KeyObject; config: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { id, privateKey, config: JSON.stringify([{ key_identifier: id, key: pem }]) };
}

/** Headers GitHub sends: the key id and a base64 DER ECDSA signature over the raw body. */
export function githubHeaders(pair: { id: string; privateKey: KeyObject }, body: string): Record<string, string> {
  const signature = sign('sha256', Buffer.from(body), { key: pair.privateKey, dsaEncoding: 'der' }).toString('base64');
  return { 'content-type': 'application/json', 'github-public-key-identifier': pair.id, 'github-public-key-signature': signature };
}

export async function postGithub(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/v1/secret-scanning/github`, { method: 'POST', headers, body });
  return { status: res.status, body: await res.json() };
}

export async function reportLeak(url: string, body: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${url}/v1/keys/report-leak`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}
