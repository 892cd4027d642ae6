#!/usr/bin/env bash
# Installs (Debian packages) and starts the services the test suite talks to:
# PostgreSQL, Redis, and a one-node Slurm cluster with munge; and installs the tools some tests
# drive: Chromium, promtool and PyTorch. Idempotent; run as root.
# Prints the environment the tests read; source it: `eval "$(bash .ci/services.sh)"`.
set -euo pipefail
log() { echo "[services] $*" >&2; }

need=()
command -v pg_ctlcluster >/dev/null || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
command -v slurmctld >/dev/null || need+=(slurm-wlm)
command -v munged >/dev/null || need+=(munge)
# Browser tests (dashboard): Debian's Chromium, driven by playwright-core; never a browser download.
command -v chromium >/dev/null || need+=(chromium)
# Alerting rules are checked with Prometheus's promtool.
command -v promtool >/dev/null || need+=(prometheus)
# The MoE lab is checked against PyTorch (Debian's build, for /usr/bin/python3).
/usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || need+=(python3-torch)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi

# --- PostgreSQL: password auth over TCP on loopback ---
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q online; then
  pg_lsclusters -h | grep -q "^$ver main" || pg_createcluster "$ver" main >&2
  pg_ctlcluster "$ver" main start >&2
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done
su postgres -c "psql -qtAc \"ALTER USER postgres PASSWORD 'verdant'\"" >&2
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='verdant_test'\"" | grep -q 1 \
  || su postgres -c "createdb verdant_test" >&2
log "postgresql $ver up"

# --- Redis on loopback ---
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes >&2
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
log "redis up"

# --- Slurm: one node on this host ---
host=$(hostname -s)
mkdir -p /etc/munge /var/log/munge /run/munge /var/lib/munge /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /etc/slurm
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
fi
chown -R munge:munge /etc/munge /var/log/munge /run/munge /var/lib/munge
chmod 0400 /etc/munge/munge.key; chmod 0700 /etc/munge
pgrep -x munged >/dev/null || su -s /bin/sh munge -c "/usr/sbin/munged" >&2
# Two stand-in GPUs as generic resources, so `--gres=gpu:h100:N` requests are scheduled for real (the
# device files are /dev/null's; nothing runs on them).
# Where device nodes cannot be made, the node has no GRES and the GRES test says so.
mkdir -p /run/verdant-gres
for i in 0 1; do [ -e /run/verdant-gres/gpu$i ] || mknod /run/verdant-gres/gpu$i c 1 3 2>/dev/null || true; done
gres_types='' node_gres=''
if [ -c /run/verdant-gres/gpu1 ]; then
  echo "NodeName=$host Name=gpu Type=h100 File=/run/verdant-gres/gpu[0-1]" > /etc/slurm/gres.conf
  gres_types='GresTypes=gpu' node_gres='Gres=gpu:h100:2'
else
  : > /etc/slurm/gres.conf
fi
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=verdant
$gres_types
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1,sched_interval=2
ReturnToService=2
SlurmUser=root
SlurmdUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
NodeName=$host CPUs=$(nproc) $node_gres State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
cp /etc/slurm/slurm.conf /etc/slurm/gres.conf /etc/slurm-llnl/ 2>/dev/null || true
pgrep -x slurmctld >/dev/null || slurmctld >&2
pgrep -x slurmd >/dev/null || slurmd >&2
for _ in $(seq 1 60); do
  state=$(sinfo -h -o %T 2>/dev/null | head -1 || true)
  case "$state" in idle|mixed|allocated) break ;; esac
  sleep 0.5
done
scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true
log "slurm node $host: $(sinfo -h -o %T 2>/dev/null | head -1)"

echo "export VERDANT_TEST_DATABASE_URL=postgres://postgres:verdant@127.0.0.1:5432/verdant_test"
echo "export VERDANT_TEST_REDIS_URL=redis://127.0.0.1:6379"
echo "export VERDANT_TEST_SLURM=1"
