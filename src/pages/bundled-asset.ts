/**
 * The pages' scripts and stylesheets live in the Worker bundle
 * (scripts/build-assets.ts writes them as generated modules), so the Worker
 * answers `/gate/assets/*` from memory, with an `ETag` of their content for
 * revalidation — no Workers Static Assets hop in front of every request.
 */
export interface BundledAsset {
  type: string;
  body: string;
  /** `base64` for binary files (the development demo stream). */
  encoding: 'utf8' | 'base64';
  etag: string;
}

const decoded = new WeakMap<BundledAsset, Uint8Array>();

function bytesOf(asset: BundledAsset): Uint8Array {
  let bytes = decoded.get(asset);
  if (!bytes) {
    bytes = Uint8Array.from(atob(asset.body), (char) => char.charCodeAt(0));
    decoded.set(asset, bytes);
  }
  return bytes;
}

/** The asset of `name` in `assets`, by own property only (`__proto__` and `toString` are not assets). */
export function bundledAsset(assets: Record<string, BundledAsset>, name: string): BundledAsset | undefined {
  return Object.hasOwn(assets, name) ? assets[name] : undefined;
}

/** A GET or HEAD of `asset`: 304 when the client holds this version, else the file. Clients revalidate each time (`no-cache`). */
export function assetResponse(asset: BundledAsset, request: Request): Response {
  const headers = { ETag: asset.etag, 'Cache-Control': 'public, no-cache', 'X-Content-Type-Options': 'nosniff' };
  if (request.headers.get('If-None-Match') === asset.etag) return new Response(null, { status: 304, headers });
  const body = request.method === 'HEAD' ? null : asset.encoding === 'utf8' ? asset.body : bytesOf(asset);
  return new Response(body, { headers: { ...headers, 'Content-Type': asset.type } });
}
