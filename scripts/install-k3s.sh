#!/usr/bin/env bash
# Installs k3s with the official installer, pinned, on the VM the runner lives on, and opens
# Oracle's iptables for the cluster's own traffic. Run as root (scripts/deploy calls it through
# sudo on the first deploy only; a re-run is harmless).
#
# Flags live in /etc/rancher/k3s/config.yaml rather than on the installer's command line: a
# later re-run of the installer with fewer flags would silently drop them.
set -euo pipefail

: "${INSTALL_K3S_VERSION:?INSTALL_K3S_VERSION must name a k3s release, e.g. v1.33.13+k3s1}"

# k3s defaults (docs.k3s.io, "Networking"): cluster-cidr and service-cidr.
POD_RANGE=10.42.0.0/16
SERVICE_RANGE=10.43.0.0/16

install -d -m 755 /etc/rancher/k3s
cat > /etc/rancher/k3s/config.yaml <<CONFIG
# Written by codeclashers scripts/install-k3s.sh.
# Only root may read the admin kubeconfig; the deploy copies it for the runner user (mode 600).
write-kubeconfig-mode: "0600"
# Traefik would hold ports 80/443; nothing here uses an Ingress.
disable:
  - traefik
# Encrypt Secrets (app-secrets) at rest in the datastore.
secrets-encryption: true
cluster-cidr: "$POD_RANGE"
service-cidr: "$SERVICE_RANGE"
CONFIG
chmod 600 /etc/rancher/k3s/config.yaml

# --- firewall (test/deploy-firewall.test.ts runs this section alone)
# Oracle's Ubuntu images end INPUT and FORWARD in a REJECT (/etc/iptables/rules.v4). Pods reaching
# the API server (10.43.0.1:443 -> node:6443) or CoreDNS hit the INPUT REJECT ("no route to
# host", k3s-io/k3s#2046, #977); LoadBalancer and NodePort traffic (2567, 32017) is DNATed and
# passes FORWARD, so INPUT rules for those ports would do nothing. Accept the pod and service
# ranges ahead of the REJECTs, in the file (for reboots) and live. Never iptables-restore,
# `netfilter-persistent reload` or save the live rule set: that flushes or freezes k3s's own
# KUBE-/CNI-/FLANNEL chains (k3s-io/k3s#7261).
RULES=(
  "FORWARD -s $POD_RANGE -j ACCEPT"
  "FORWARD -d $POD_RANGE -j ACCEPT"
  "FORWARD -s $SERVICE_RANGE -j ACCEPT"
  "FORWARD -d $SERVICE_RANGE -j ACCEPT"
  "INPUT -s $POD_RANGE -j ACCEPT"
)
RULES_FILE=${RULES_FILE:-/etc/iptables/rules.v4}
if [ -f "$RULES_FILE" ]; then
  for rule in "${RULES[@]}"; do
    chain=${rule%% *}
    line="-A $rule"
    if ! grep -qxF -- "$line" "$RULES_FILE"; then
      # Insert before the chain's first REJECT, or else at the end of the filter table.
      awk -v chain="$chain" -v line="$line" '
        /^\*filter/ { filter = 1 }
        !done && ($0 ~ "^-A " chain " .*-j REJECT" || (filter && $0 == "COMMIT")) { print line; done = 1 }
        { print }' "$RULES_FILE" > "$RULES_FILE.new"
      cat "$RULES_FILE.new" > "$RULES_FILE"
      rm -f "$RULES_FILE.new"
    fi
  done
fi
if command -v iptables > /dev/null; then
  for rule in "${RULES[@]}"; do
    read -r -a spec <<< "$rule"
    # -C: already there (a re-run); -I: ahead of the REJECT at the chain's end.
    iptables -C "${spec[@]}" 2> /dev/null || iptables -I "${spec[@]}"
  done
fi
# --- end firewall

# The official installer (https://get.k3s.io), pinned by INSTALL_K3S_VERSION.
curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION="$INSTALL_K3S_VERSION" sh -s - server
