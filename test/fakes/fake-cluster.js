#!/usr/bin/env node
// A scripted stand-in for kubectl, docker, sudo, uname and id (chosen by the name it is called
// under), keeping a small cluster and registry in $FAKE_STATE. It implements only what
// scripts/deploy.ts uses, and logs every call's argv (never stdin) to $FAKE_STATE.calls.
//
// Knobs: FAKE_MACHINE (uname -m), FAKE_NODE_CPU / FAKE_NODE_MEMORY (allocatable),
// FAKE_FAIL_ROLLOUT (names whose new revision never becomes ready), FAKE_FAIL_HEALTH (service
// names whose health check fails), FAKE_POD_LOG (what `kubectl logs` prints).
const fs = require('fs');
const path = require('path');
const { parseAllDocuments } = require('yaml');

const tool = path.basename(process.argv[1]);
const args = process.argv.slice(2);
const stateFile = process.env.FAKE_STATE;
const state = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : { objects: {}, images: [] };
fs.appendFileSync(`${stateFile}.calls`, JSON.stringify([tool, ...args]) + '\n');

const save = () => fs.writeFileSync(stateFile, JSON.stringify(state, null, 1));
const out = text => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const fail = (code, text) => { process.stderr.write(`${text}\n`); process.exit(code); };
const flag = name => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const fileArgs = () => args.flatMap((a, i) => (a === '-f' ? [args[i + 1]] : []));
const readDocs = file => parseAllDocuments(file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8'))
  .map(d => d.toJS()).filter(Boolean);
const keyOf = o => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const WORKLOADS = { deployment: 'Deployment', statefulset: 'StatefulSet' };
const bodyOf = o => JSON.stringify({ spec: o.spec, data: o.data });
const workload = ref => {
  const [kind, name] = ref.split('/');
  return Object.values(state.objects).find(e => e.object.kind === WORKLOADS[kind] && e.object.metadata.name === name);
};
const listed = (variable, name) => (process.env[variable] ?? '').split(',').includes(name);

function kubectl() {
  const [verb, what] = args;
  if (verb === 'wait') return out('node/vm condition met');
  if (verb === 'get' && what === 'nodes') {
    return out(JSON.stringify({ items: [{ metadata: { name: 'vm' }, status: { allocatable: {
      cpu: process.env.FAKE_NODE_CPU ?? '4', memory: process.env.FAKE_NODE_MEMORY ?? '24Gi' } } }] }));
  }
  if (verb === 'apply') {
    for (const file of fileArgs()) {
      for (const o of readDocs(file)) {
        const key = keyOf(o);
        const live = state.objects[key];
        if (!live) {
          state.objects[key] = { object: o, generation: 1, history: [] };
          out(`${o.kind.toLowerCase()}/${o.metadata.name} serverside-applied`);
        } else if (bodyOf(live.object) !== bodyOf(o)) {
          live.history.push(live.object);
          live.object = o;
          live.generation += 1;
          live.undone = false;
          out(`${o.kind.toLowerCase()}/${o.metadata.name} serverside-applied`);
        } else {
          out(`${o.kind.toLowerCase()}/${o.metadata.name} serverside-applied (unchanged)`);
        }
      }
    }
    return save();
  }
  if (verb === 'diff') {
    const changed = fileArgs().flatMap(readDocs).filter(o => !state.objects[keyOf(o)] || bodyOf(state.objects[keyOf(o)].object) !== bodyOf(o));
    for (const o of changed) out(`diff -u -N /tmp/LIVE/${o.kind}.${o.metadata.name} /tmp/MERGED/${o.kind}.${o.metadata.name}\n+  changed: true`);
    process.exit(changed.length ? 1 : 0);
  }
  if (verb === 'get' && what === 'secret') {
    const live = state.objects[`Secret/${flag('-n')}/${args[2]}`];
    if (!live) fail(1, `Error from server (NotFound): secrets "${args[2]}" not found`);
    return out(JSON.stringify(live.object));
  }
  if (verb === 'get' && what === 'deployments,statefulsets') {
    const items = Object.values(state.objects).filter(e => Object.values(WORKLOADS).includes(e.object.kind))
      .map(e => ({ kind: e.object.kind, metadata: { name: e.object.metadata.name, generation: e.generation } }));
    return out(JSON.stringify({ items }));
  }
  if (verb === 'rollout') {
    const entry = workload(args[2]);
    if (!entry) fail(1, `Error from server (NotFound): ${args[2]} not found`);
    if (what === 'status') {
      if (listed('FAKE_FAIL_ROLLOUT', entry.object.metadata.name) && !entry.undone) {
        fail(1, `error: timed out waiting for the condition (${args[2]})`);
      }
      return out(`${args[2]} successfully rolled out`);
    }
    if (what === 'undo') {
      if (!entry.history.length) fail(1, `error: no rollout history found for ${args[2]}`);
      entry.object = entry.history.pop();
      entry.generation += 1;
      entry.undone = true;
      save();
      return out(`${args[2]} rolled back`);
    }
    if (what === 'restart') {
      entry.generation += 1;
      entry.restarts = (entry.restarts ?? 0) + 1;
      save();
      return out(`${args[2]} restarted`);
    }
  }
  if (verb === 'delete') {
    const entry = workload(args[1]);
    if (entry) delete state.objects[keyOf(entry.object)];
    save();
    return out(`${args[1]} deleted`);
  }
  if (verb === 'get' && what === 'pods') return out(`pod/${flag('-l').split('=')[1]}-5d9c7b-abcde`);
  if (verb === 'get' && what === 'events') return out('LAST SEEN   TYPE      REASON    MESSAGE\n10s   Warning   BackOff   Back-off restarting failed container');
  if (verb === 'logs') return out(process.env.FAKE_POD_LOG ?? 'starting');
  if (verb === 'get' && what === '--raw') {
    const service = /services\/([^:]+):/.exec(args[2])[1];
    if (listed('FAKE_FAIL_HEALTH', service)) fail(1, 'Error from server (ServiceUnavailable): the server is currently unable to handle the request');
    return out('ok');
  }
  if (verb === 'exec') return out(args.includes('statefulset/redis') ? 'PONG' : '1');
  fail(2, `fake kubectl: unsupported: ${args.join(' ')}`);
}

function docker() {
  if (args[0] === 'buildx' && args[1] === 'imagetools') {
    if (!state.images.includes(args[3])) fail(1, `ERROR: ${args[3]}: not found`);
    return out(`Name: ${args[3]}`);
  }
  if (args[0] === 'buildx' && args[1] === 'build') {
    state.images.push(flag('--tag'));
    save();
    return out(`pushed ${flag('--tag')}`);
  }
  fail(2, `fake docker: unsupported: ${args.join(' ')}`);
}

function sudo() {
  const hostRoot = process.env.DEPLOY_HOST_ROOT;
  if (args.some(a => a.endsWith('install-k3s.sh'))) {
    fs.mkdirSync(path.join(hostRoot, 'etc/rancher/k3s'), { recursive: true });
    fs.writeFileSync(path.join(hostRoot, 'etc/rancher/k3s/k3s.yaml'), 'apiVersion: v1\nkind: Config\n');
    return out('[INFO] k3s installed (fake)');
  }
  if (args[0] === 'install') {
    const dest = args[args.length - 1];
    fs.writeFileSync(dest, 'fake kubeconfig\n', { mode: 0o600 });
    return undefined;
  }
  fail(2, `fake sudo: unsupported: ${args.join(' ')}`);
}

const tools = {
  kubectl, docker, sudo,
  uname: () => out(process.env.FAKE_MACHINE ?? 'x86_64'),
  id: () => out('runner'),
};
tools[tool]();
