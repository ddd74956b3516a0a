# tests/cli/test_slurm.sh: srm sweep on a real Slurm (issue 15). Starts a one-node cluster on
# this machine (Debian's slurm-wlm and munge, which make check installs): munged with its own
# key and socket, slurmctld and slurmd on localhost with a minimal slurm.conf written into the
# scratch folder (ports from the process id), submits the array srm sweep slurm generated with
# sbatch --wait, checks every task's result and the collected summary against the same sweep
# run through GNU parallel, resubmits one task alone, and stops the daemons it started. When the
# cluster cannot start, one FAIL line says why: it never counts as passed.
. "$(dirname "$0")/lib.sh"
export SRM_DATE=2000-01-01T00:00:00Z SRM_DATA="$TOP/data" OPENBLAS_NUM_THREADS=1
C=$TMP/cluster
mkdir -p "$C/state" "$C/spool"
pids="" # of the daemons started, read from their pid files (which they remove on exit)
started() { [ -s "$C/$1.pid" ] && pids="$pids $(cat "$C/$1.pid")"; }
alive() { for p in $pids; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
stop() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    i=0
    while [ $i -lt 100 ] && alive; do sleep 0.1; i=$((i + 1)); done
}
trap 'stop; rm -rf "$TMP"' EXIT
why=""
for b in munged slurmctld slurmd sbatch sinfo; do
    command -v $b >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
    command -v $b >/dev/null 2>&1 || why="${why:-$b is not installed (Debian slurm-wlm, munge; make check installs them)}"
done
host=$(hostname)
port=$((20000 + $$ % 20000))
if [ -z "$why" ]; then
    head -c 1024 /dev/urandom >"$C/munge.key" && chmod 400 "$C/munge.key"
    munged --key-file="$C/munge.key" --socket="$C/munge.socket" --pid-file="$C/munged.pid" \
        --log-file="$C/munged.log" --seed-file="$C/munged.seed" --force >"$C/munged.out" 2>&1 ||
        why="munged does not start: $(tail -n 1 "$C/munged.out")"
    started munged
fi
cat >"$C/slurm.conf" <<EOF
ClusterName=srmtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$(id -un)
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$C/munge.socket
CredType=cred/munge
StateSaveLocation=$C/state
SlurmdSpoolDir=$C/spool
SlurmctldPidFile=$C/slurmctld.pid
SlurmdPidFile=$C/slurmd.pid
SlurmctldLogFile=$C/slurmctld.log
SlurmdLogFile=$C/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=2000 State=UNKNOWN
PartitionName=srmtest Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$C/slurm.conf"
if [ -z "$why" ]; then
    slurmctld >"$C/ctld.out" 2>&1 || why="slurmctld does not start: $(tail -n 1 "$C/ctld.out")"
    sleep 0.3
    started slurmctld
fi
if [ -z "$why" ]; then
    slurmd >"$C/slurmd.out" 2>&1 || why="slurmd does not start: $(tail -n 1 "$C/slurmd.out")"
    sleep 0.3
    started slurmd
fi
i=0
while [ -z "$why" ] && ! sinfo -h -o %t 2>/dev/null | grep -q '^idle' && [ $i -lt 200 ]; do
    sleep 0.1; i=$((i + 1))
done
if [ -z "$why" ] && ! sinfo -h -o %t 2>/dev/null | grep -q '^idle'; then
    why="the node never became idle: $(tail -n 1 "$C/slurmd.log" 2>/dev/null)"
fi
if [ -n "$why" ]; then
    fail "a one-node Slurm on this machine: $why"
    finish
    exit 1
fi
pass "a one-node Slurm on this machine: munged, slurmctld, slurmd ($host, ports $port, $((port + 1)))"

J="--task jsb --cell rnn --stable off,on --seed 1-2 --max-train 20 --max-valid 8 --max-test 8 --hidden 16 --epochs 3"
"$SRM" sweep plan "$TMP/s" train $J >/dev/null && "$SRM" sweep plan "$TMP/p" train $J >/dev/null
ok "srm sweep slurm: a 4-task array" "$SRM" sweep slurm "$TMP/s" --time 00:05:00 --mem 200M --max-running 2 --name srm-test
expect "--array=0-3%2" grep -qx '#SBATCH --array=0-3%2' "$TMP/s/sweep.sbatch"
ok "sbatch --wait on it" timeout 300 sbatch --wait "$TMP/s/sweep.sbatch"
expect "every task's run finished (4 result.json)" [ "$(ls "$TMP"/s/runs/*/result.json 2>/dev/null | wc -l)" -eq 4 ]
expect "each task's Slurm output in logs/ (4 files)" [ "$(ls "$TMP"/s/logs/slurm-*_*.out 2>/dev/null | wc -l)" -eq 4 ]
ok "collect" "$SRM" sweep collect "$TMP/s"
ok "the same sweep through GNU parallel" "$SRM" sweep run "$TMP/p" --jobs 2
ok "collect it" "$SRM" sweep collect "$TMP/p"
expect "the two engines give the same summary" sh -c "grep -v '^#' '$TMP/s/summary.tsv' >'$TMP/a' && grep -v '^#' '$TMP/p/summary.tsv' >'$TMP/b' && cmp -s '$TMP/a' '$TMP/b'"
# a failed task alone again: remove one run's result, resubmit its array index only
first=$TMP/s/$(sed -n 's/.*--out \([^ ]*\) .*/\1/p' "$TMP/s/jobs.txt" | head -n 1)
mv "$first/result.json" "$TMP/first.json"
cp "$first/log.tsv" "$TMP/first.log"
ok "sbatch --array=0 resubmits one task" timeout 300 sbatch --wait --array=0 "$TMP/s/sweep.sbatch"
a=$(json_get test_metric "$first/result.json" 2>/dev/null)
b=$(json_get test_metric "$TMP/first.json")
expect "its result is back, the same test metric ($a)" [ -n "$a" -a "$a" = "$b" ]
expect "from the checkpoint: log.tsv unchanged, no epoch trained again" cmp -s "$first/log.tsv" "$TMP/first.log"
S1="--config quick --tasks jsb --cells rnn --seeds 1-2 --projection both --max-train 8 --max-valid 4 --max-test 4 --hidden 8 --epochs 2 --quiet"
ok "srm table1 --seeds --engine slurm" timeout 300 "$SRM" table1 $S1 --engine slurm --slurm-mem 200M --slurm-time 00:05:00 --out "$TMP/ts"
ok "the same table through GNU parallel" "$SRM" table1 $S1 --out "$TMP/tp"
grep -v '^#' "$TMP/ts/table1-seeds.tsv" >"$TMP/ts.a"
grep -v '^#' "$TMP/tp/table1-seeds.tsv" >"$TMP/tp.a"
expect "both engines give the same 2-seed table" sh -c "[ \$(wc -l <'$TMP/ts.a') -eq 2 ] && cmp -s '$TMP/ts.a' '$TMP/tp.a'"
expect "three daemons were started (pids$pids)" [ "$(echo $pids | wc -w)" -eq 3 ]
stop
expect "and are stopped" sh -c "! { $(for p in $pids; do printf 'kill -0 %s 2>/dev/null || ' "$p"; done) false; }"
finish
