// The one definition of how the deploy writes to the cluster. The dry run and the diff must use
// exactly the apply's flags: `kubectl diff` shows removed fields only with the same
// `--server-side --field-manager` (kubectl diff --help / kubernetes.io/docs/reference/kubectl/generated/kubectl_diff:
// "--server-side: If true, apply runs in the server instead of the client", "--field-manager: Name
// of the manager used to track field ownership"), and a dry run with another
// field manager could pass where the apply conflicts.

/** Field manager of every object the deploy applies. */
export const FIELD_MANAGER = 'codeclashers-deploy';

/**
 * Server-side apply flags. Server-side, because client-side apply copies a Secret's data into
 * the last-applied annotation; `--force-conflicts`, because the code owns these fields.
 */
export function serverSideApply(mode: 'apply' | 'dry-run' = 'apply'): string[] {
  return ['--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts', ...(mode === 'dry-run' ? ['--dry-run=server'] : [])];
}
