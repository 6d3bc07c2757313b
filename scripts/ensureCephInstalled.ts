import { ensureDebianPackages } from './ensureDebianPackages.js';

/** The Debian packages that make a single-node Ceph with its S3 gateway (about 61 MB). */
export const CEPH_PACKAGES = ['radosgw', 'ceph-mon', 'ceph-osd', 'ceph-common'] as const;

/** Installs Ceph's daemons from Debian when missing (as root); otherwise says what to install. */
export function ensureCephInstalled(log?: (line: string) => void): Promise<void> {
  return ensureDebianPackages('Ceph radosgw (the local S3)', CEPH_PACKAGES, ['radosgw', 'radosgw-admin', 'ceph-mon', 'ceph-osd', 'ceph', 'monmaptool'], log);
}
