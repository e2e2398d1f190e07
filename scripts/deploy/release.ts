// The record of good releases, kept in the cluster: what --rollback and a failed deploy return
// to. Bounded history, newest first, gzip'd in one ConfigMap the deploy owns (not in dist/,
// never pruned). Secret values are not recorded: a failed run restores them from memory.
import { gunzipSync, gzipSync } from 'zlib';
import { NAMESPACE } from '../../lib/labels';
import { Manifest } from '../../lib/manifest';

export const RELEASES_CONFIGMAP = 'codeclashers-deploy-releases';

export interface Release {
  readonly commit: string;
  /** Image per built service, e.g. { colyseus: 'ghcr.io/acme/codeclashers-colyseus:<tag>' }. */
  readonly images: Readonly<Record<string, string>>;
  /** The objects as applied (secret digests included). */
  readonly manifests: readonly Manifest[];
  /** Objects pruned by this release's deploy (restored by a rollback to the release before it). */
  readonly pruned: readonly string[];
  readonly deployedAt: string;
}

export function decodeReleases(configMap: any | undefined): Release[] {
  const data = configMap?.binaryData?.releases;
  return data ? JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')) : [];
}

export function releasesManifest(history: readonly Release[]): Manifest {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: RELEASES_CONFIGMAP, namespace: NAMESPACE },
    binaryData: { releases: gzipSync(JSON.stringify(history)).toString('base64') },
  };
}

/** `release` in front, history bounded to `keep`. */
export function recordRelease(history: readonly Release[], release: Release, keep: number): Release[] {
  return [release, ...history].slice(0, keep);
}
