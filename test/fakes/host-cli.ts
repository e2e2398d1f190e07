// test/fakes/k3s-host.ts as commands on PATH (kubectl, docker, sudo, uname, id, and node for the
// smoke test), for running `npm run deploy` as a real process. State lives in $FAKE_STATE; every
// command lets 5 s of modelled time pass first (the deploy's real clock does not drive it).
import * as fs from 'fs';
import { FakeHost, HostState } from './k3s-host';

const [command, ...args] = process.argv.slice(2);
const stateFile = process.env.FAKE_STATE!;
const host = new FakeHost(JSON.parse(fs.readFileSync(stateFile, 'utf8')) as HostState, process.env.FAKE_HOST_ROOT!);
host.advance(5_000);
const input = fs.readFileSync(0, 'utf8');
const r = host.handle({ command, args, input, env: process.env, cwd: process.cwd() });
fs.writeFileSync(stateFile, JSON.stringify(host.state));
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
process.exitCode = r.status;
