import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { PART_OF } from './labels';

export interface RetainedStorageClassProps {
  /** Name of the class. */
  readonly name: string;
  /** Provisioner that creates its volumes (k3s: `rancher.io/local-path`). */
  readonly provisioner: string;
}

/**
 * A StorageClass whose volumes outlive their claims. k3s's own `local-path` class deletes
 * (`rm -rf`) a volume with its PVC or namespace, and k3s rewrites that class at every start,
 * so the stores use this one instead.
 */
export class RetainedStorageClass extends Construct {
  constructor(scope: Construct, id: string, props: RetainedStorageClassProps) {
    super(scope, id);
    new k8s.KubeStorageClass(this, 'StorageClass', {
      metadata: { name: props.name, labels: { 'app.kubernetes.io/part-of': PART_OF } },
      provisioner: props.provisioner,
      reclaimPolicy: 'Retain',
      // Bind where the pod lands (local volumes are tied to one node).
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: false,
    });
  }
}
