// scripts/install-k3s.sh's firewall section, run by bash against Oracle's stock rules file and
// an iptables that records its calls (the rest of the script installs k3s: not run here).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const script = fs.readFileSync(path.join(__dirname, '../scripts/install-k3s.sh'), 'utf8');
const firewall = script.slice(script.indexOf('# --- firewall'), script.indexOf('# --- end firewall'));

// The shape of /etc/iptables/rules.v4 on Oracle's Ubuntu images: INPUT and FORWARD end in REJECT.
const ORACLE_RULES = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
-A INPUT -p icmp -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m state --state NEW -m tcp --dport 22 -j ACCEPT
-A INPUT -j REJECT --reject-with icmp-host-prohibited
-A FORWARD -j REJECT --reject-with icmp-host-prohibited
COMMIT
`;

function run(dir: string, existing: string[] = []) {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  // -C succeeds for rules listed in $dir/live (already inserted); every call is recorded.
  fs.writeFileSync(path.join(bin, 'iptables'), `#!/bin/sh\necho "$*" >> "${dir}/calls"\nif [ "$1" = -C ]; then shift; grep -qxF -- "$*" "${dir}/live"; exit $?; fi\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'live'), existing.map(l => `${l}\n`).join(''));
  fs.writeFileSync(path.join(dir, 'firewall.sh'), `set -euo pipefail\nPOD_RANGE=10.42.0.0/16\nSERVICE_RANGE=10.43.0.0/16\n${firewall}`);
  const r = spawnSync('bash', ['--norc', '--noprofile', path.join(dir, 'firewall.sh')], {
    env: { PATH: `${bin}:${process.env.PATH}`, RULES_FILE: path.join(dir, 'rules.v4') }, encoding: 'utf8',
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') : [];
}

test('rules for the pod and service ranges go ahead of the REJECTs in rules.v4, once, and live with iptables -I', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'firewall-'));
  fs.writeFileSync(path.join(dir, 'rules.v4'), ORACLE_RULES);
  const calls = run(dir);
  const lines = fs.readFileSync(path.join(dir, 'rules.v4'), 'utf8').split('\n');
  const at = (line: string) => lines.indexOf(line);
  expect(at('-A INPUT -s 10.42.0.0/16 -j ACCEPT')).toBeGreaterThan(-1);
  expect(at('-A INPUT -s 10.42.0.0/16 -j ACCEPT')).toBeLessThan(at('-A INPUT -j REJECT --reject-with icmp-host-prohibited'));
  for (const range of ['10.42.0.0/16', '10.43.0.0/16']) {
    for (const rule of [`-A FORWARD -s ${range} -j ACCEPT`, `-A FORWARD -d ${range} -j ACCEPT`]) {
      expect(at(rule)).toBeGreaterThan(-1);
      expect(at(rule)).toBeLessThan(at('-A FORWARD -j REJECT --reject-with icmp-host-prohibited'));
    }
  }
  expect(lines[lines.length - 2]).toBe('COMMIT');
  expect(calls.filter(c => c.startsWith('-I'))).toEqual([
    '-I FORWARD -s 10.42.0.0/16 -j ACCEPT', '-I FORWARD -d 10.42.0.0/16 -j ACCEPT',
    '-I FORWARD -s 10.43.0.0/16 -j ACCEPT', '-I FORWARD -d 10.43.0.0/16 -j ACCEPT', '-I INPUT -s 10.42.0.0/16 -j ACCEPT',
  ]);
  expect(calls.some(c => /restore|save|-F/.test(c))).toBe(false);

  // A re-run changes neither the file nor the live rules.
  const once = fs.readFileSync(path.join(dir, 'rules.v4'), 'utf8');
  fs.rmSync(path.join(dir, 'calls'));
  const again = run(dir, calls.filter(c => c.startsWith('-I')).map(c => c.slice(3)));
  expect(fs.readFileSync(path.join(dir, 'rules.v4'), 'utf8')).toBe(once);
  expect(again.filter(c => c.startsWith('-I'))).toEqual([]);
  fs.rmSync(dir, { recursive: true });
});

test('no port rules for 2567/32017 in INPUT: NodePort and LoadBalancer traffic is DNATed through FORWARD', () => {
  expect(firewall).not.toMatch(/--dport/);
});
