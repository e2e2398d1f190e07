// `npm run mongodb -- <command>`: the MongoDB operations an operator runs by hand on the VM.
//   drop-user --db <database> <user>   remove a frontend's old user once it moved to a new MONGODB_URI
//   retire-colyseus                    drop Colyseus' previous user now, if no pod that may hold it is left
//   ca                                 print the CA certificate (public) frontends verify MongoDB with
// Values never reach argv or the output: scripts go to mongosh on stdin (scripts/mongodb/mongosh.ts).
import { spawn } from 'child_process';
import { loadConfig } from '../../lib/config';
import { MONGODB_TLS_SECRET, CA_CERT_KEY } from '../../lib/mongodb-tls';
import { APP_SECRETS } from '../../lib/app-secrets';
import { COLYSEUS_CREDENTIALS_SECRET } from '../../lib/mongodb-users';
import { kubeconfigOf } from '../deploy/options';
import { Kubectl, MongoStepError, readSecret } from './kubectl';
import { dropUser, dropUserProblem, reconcileColyseusUser } from './users';

/** kubectl on this machine with the deploy's kubeconfig, stdin piped, output collected (never printed here). */
export const systemKubectl: Kubectl = (args, opts = {}) => new Promise(resolve => {
  const child = spawn('kubectl', [`--kubeconfig=${kubeconfigOf(process.env)}`, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', d => { stdout += d; });
  child.stderr.on('data', d => { stderr += d; });
  child.on('error', e => resolve({ code: 127, stdout, stderr: e.message }));
  child.on('close', code => resolve({ code: code ?? 1, stdout, stderr }));
  child.stdin.end(opts.stdin ?? '');
});

const USAGE = 'usage: npm run mongodb -- drop-user --db <database> <user> | retire-colyseus | ca';

export async function main(argv: string[], kubectl: Kubectl, env: NodeJS.ProcessEnv): Promise<number> {
  const mode = loadConfig(env).mongodb.tls;
  const [command, ...rest] = argv;
  if (command === 'ca') {
    const secret = await readSecret(kubectl, MONGODB_TLS_SECRET);
    if (!secret?.data[CA_CERT_KEY]) throw new MongoStepError(`no Secret ${MONGODB_TLS_SECRET} yet: deploy first`);
    process.stdout.write(secret.data[CA_CERT_KEY]);
    return 0;
  }
  if (command === 'drop-user') {
    const dbAt = rest.indexOf('--db');
    const db = dbAt >= 0 ? rest[dbAt + 1] : undefined;
    const user = rest.filter((_, i) => i !== dbAt && i !== dbAt + 1)[0];
    if (!db || !user) throw new MongoStepError(USAGE);
    const live = (await readSecret(kubectl, APP_SECRETS))?.data ?? {};
    const problem = dropUserProblem({ db, user }, live);
    if (problem) throw new MongoStepError(`${user} in ${db}: ${problem}`);
    console.log(`${user} in ${db}: ${await dropUser(kubectl, { mode, db, user })}`);
    return 0;
  }
  if (command === 'retire-colyseus') {
    const active = (await readSecret(kubectl, COLYSEUS_CREDENTIALS_SECRET))?.data.password;
    if (!active) throw new MongoStepError(`no Secret ${COLYSEUS_CREDENTIALS_SECRET} yet: deploy first`);
    // With the password Colyseus has now nothing rotates: only the pending drop is looked at.
    const outcome = await reconcileColyseusUser(kubectl, { mode, password: active });
    for (const line of [...outcome.notes, ...outcome.warnings]) console.log(line);
    return outcome.warnings.length ? 1 : 0;
  }
  throw new MongoStepError(USAGE);
}

if (require.main === module) {
  main(process.argv.slice(2), systemKubectl, process.env).then(code => { process.exitCode = code; }, (error: Error) => {
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  });
}
