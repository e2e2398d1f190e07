#!/usr/bin/env bash
# Installs k3s with the official installer, pinned, on the VM the runner lives on. Run as root
# (scripts/deploy.ts calls it through sudo on the first deploy only).
#
# Flags live in /etc/rancher/k3s/config.yaml rather than on the installer's command line: a
# later re-run of the installer with fewer flags would silently drop them.
set -euo pipefail

: "${INSTALL_K3S_VERSION:?INSTALL_K3S_VERSION must name a k3s release, e.g. v1.33.13+k3s1}"

install -d -m 755 /etc/rancher/k3s
cat > /etc/rancher/k3s/config.yaml <<'EOF'
# Written by codeclashers scripts/install-k3s.sh.
# Only root may read the admin kubeconfig; the deploy copies it for the runner user (mode 600).
write-kubeconfig-mode: "0600"
# Traefik would hold ports 80/443; nothing here uses an Ingress.
disable:
  - traefik
# Encrypt Secrets (app-secrets) at rest in the datastore.
secrets-encryption: true
EOF
chmod 600 /etc/rancher/k3s/config.yaml

# The official installer (https://get.k3s.io), pinned by INSTALL_K3S_VERSION.
curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION="$INSTALL_K3S_VERSION" sh -s - server

# Oracle's Ubuntu images REJECT incoming connections in iptables even where the VCN security
# list allows them: open the game port and MongoDB's NodePort, and keep the rules across reboots.
if [ -f /etc/iptables/rules.v4 ] && command -v netfilter-persistent > /dev/null; then
  for port in 2567 32017; do
    iptables -C INPUT -p tcp --dport "$port" -j ACCEPT 2> /dev/null \
      || iptables -I INPUT -p tcp --dport "$port" -j ACCEPT
  done
  netfilter-persistent save
fi
