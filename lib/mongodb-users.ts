// Who logs in to MongoDB, with which rights, and where each login's password lives. Shared by
// the manifests (lib/) and the deploy's user management (scripts/mongodb/users.ts).
import * as k8s from '../imports/k8s';
import { APP_SECRETS } from './app-secrets';

/** The game's database: the only one the application users may touch. */
export const APP_DATABASE = 'codeclashers';
/** The only role an application user (Colyseus, the frontend) has. */
export const APP_ROLES = [{ role: 'readWrite', db: APP_DATABASE }] as const;

/**
 * Colyseus' two users, created in APP_DATABASE. A SCRAM user has one password, so a rotation
 * sets the new password on the idle one, switches Colyseus to it, and drops the other only
 * once no pod that started with it is left (scripts/mongodb/users.ts).
 */
export const COLYSEUS_USERS = ['colyseus-a', 'colyseus-b'] as const;
export type ColyseusUser = typeof COLYSEUS_USERS[number];
/**
 * Secret with the user Colyseus logs in as now (`username`, `password`), written by the deploy
 * only after that user has that password in MongoDB. The password's source is the GitHub secret
 * MONGODB_COLYSEUS_PASSWORD (app-secrets), which no pod reads directly.
 */
export const COLYSEUS_CREDENTIALS_SECRET = 'mongodb-colyseus';

/** Root's credentials as files, from app-secrets, for the deploy's scripts inside the mongod container. */
export const ROOT_CREDENTIALS_DIR = '/etc/mongodb-root';
export const ROOT_USERNAME_FILE = `${ROOT_CREDENTIALS_DIR}/username`;
export const ROOT_PASSWORD_FILE = `${ROOT_CREDENTIALS_DIR}/password`;

/**
 * Root's credentials in the mongod pod as a Secret volume: the image's entrypoint reads them
 * (MONGO_INITDB_ROOT_*_FILE) and so do the deploy's scripts. A pod's environment is fixed when it
 * starts, the volume follows the Secret, so after a root password rotation the scripts find the
 * current password without restarting mongod. 0440: readable by the pod's fsGroup (mongod's uid 999).
 */
export function rootCredentialFiles(): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
  return {
    volumes: [{
      name: 'root-credentials',
      secret: { secretName: APP_SECRETS, defaultMode: 0o440, items: [{ key: 'MONGODB_USERNAME', path: 'username' }, { key: 'MONGODB_PASSWORD', path: 'password' }] },
    }],
    mounts: [{ name: 'root-credentials', mountPath: ROOT_CREDENTIALS_DIR, readOnly: true }],
  };
}

/** Colyseus' MONGODB_USERNAME / MONGODB_PASSWORD: its current user, never root. */
export function colyseusCredentialEnv(): k8s.EnvVar[] {
  return [
    { name: 'MONGODB_USERNAME', valueFrom: { secretKeyRef: { name: COLYSEUS_CREDENTIALS_SECRET, key: 'username' } } },
    { name: 'MONGODB_PASSWORD', valueFrom: { secretKeyRef: { name: COLYSEUS_CREDENTIALS_SECRET, key: 'password' } } },
  ];
}
