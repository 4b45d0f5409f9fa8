#!/usr/bin/env bash
# A validator operator's staking walkthrough on a local testnet, as README.md ("Staking")
# tells it: a spare full node becomes a validator through a candidacy and a delegation, signs
# blocks, earns rewards, then unbonds everything, leaves the set and gets its CMT back.
#
# Every step checks what the chain shows and the script exits 0 only if all of them did; the
# first failure stops it with a message and a non-zero exit. The testnet is stopped on every
# exit. Only the cmt command line is used (node -e parses its JSON output).
set -euo pipefail
set -o errtrace

usage() {
  cat <<'EOF'
usage: scripts/walkthroughs/staking.sh --dir D

Runs the staking walkthrough of README.md ("Staking") against a new local testnet in D
(a directory that must not exist yet, or be empty): 4 validators and 1 spare full node,
node4, which is declared a candidate, receives a delegation, validates, earns rewards,
then unbonds everything and leaves the validator set.

  --dir D       where the testnet's node homes go (kept afterwards, for its logs;
                "cmt testnet reset --dir D" deletes it)
  -h, --help    this text

Environment: WALK_STEP_TIMEOUT (seconds each wait may take, default 90).
Exit status: 0 when every step showed what it should, 1 at the first step that did not,
2 for bad usage. Builds dist/ first (npm run build) if it is missing.
EOF
}

DIR=''
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) [[ $# -ge 2 ]] || { echo "error: --dir needs a directory" >&2; usage >&2; exit 2; }; DIR="$2"; shift 2 ;;
    --dir=*) DIR="${1#--dir=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "error: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ -n "$DIR" ]] || { echo "error: --dir D is required" >&2; usage >&2; exit 2; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLI="$ROOT/dist/src/cli/main.js"
STEP_TIMEOUT="${WALK_STEP_TIMEOUT:-90}"
POLL=0.3

# What the walkthrough stakes (amounts as the CLI takes them, and in base units).
SELF_STAKE=15000cmt
MAX_STAKE=150000cmt
DELEGATION=1000cmt
ONE_CMT=1000000000000000000
SELF_STAKE_UNITS="15000$(printf '%018d' 0)"
DELEGATION_UNITS="1000$(printf '%018d' 0)"

# ---------------------------------------------------------------------------------------
# helpers

STEP=0
STEP_NAME=''
STARTED_AT=$SECONDS

step() {
  STEP=$((STEP + 1))
  STEP_NAME="$1"
  echo "step $STEP: $1"
}
ok() { echo "step $STEP: ok${1:+ ($1)}"; }
info() { echo "  $*"; }
fail() {
  echo "step $STEP: FAILED ($STEP_NAME): $*" >&2
  exit 1
}

# An unexpected command failure (set -e) still names the step; inside $(...) it names the
# inner command, then the main shell fails the step.
on_error() {
  local rc="$1" line="$2" command="$3"
  if [[ "$BASHPID" != "$$" ]]; then
    echo "  (\"$command\" exited with status $rc, line $line)" >&2
    exit "$rc"
  fi
  echo "step $STEP: FAILED ($STEP_NAME): \"$command\" exited with status $rc (line $line)" >&2
  exit 1
}
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

cmt() { node "$CLI" "$@"; }

# run cmt ARGS...: prints the command, runs it and keeps its stdout in OUT; a failing command
# fails the step with its stderr.
OUT=''
run() {
  local shown err
  shown="$(printf ' %q' "$@")"
  info "\$ cmt${shown}"
  err="$(mktemp)"
  if ! OUT="$(cmt "$@" 2>"$err")"; then
    local msg
    msg="$(cat "$err")"
    rm -f "$err"
    fail "cmt${shown} failed: ${msg:-no message}"
  fi
  rm -f "$err"
}

# quiet cmt ARGS...: the same without printing the command (for polling); returns its status.
quiet() { OUT="$(cmt "$@" 2>/dev/null)"; }

# json EXPR: evaluates the JavaScript expression EXPR over the JSON on stdin (as `j`); objects
# are printed as JSON, everything else as a string.
json() {
  node -e '
    let text = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (d) => (text += d)).on("end", () => {
      const j = JSON.parse(text);
      const v = new Function("j", "return (" + process.argv[1] + ");")(j);
      process.stdout.write(v !== null && typeof v === "object" ? JSON.stringify(v) : String(v));
    });' "$1"
}

# big EXPR A B ...: EXPR over the integers A, B, ... as BigInt a, b, ... (e.g. big 'a + b' 1 2).
big() {
  node -e '
    const [expr, ...xs] = process.argv.slice(1);
    const names = xs.map((_, i) => String.fromCharCode(97 + i));
    process.stdout.write(String(new Function(...names, "return (" + expr + ");")(...xs.map(BigInt))));' "$@"
}

# base units as CMT, e.g. 1000000000000000000000 -> 1000
cmt_of() {
  node -e '
    const v = BigInt(process.argv[1]), one = BigInt(process.argv[2]);
    const sign = v < 0n ? "-" : "", a = v < 0n ? -v : v;
    const frac = (a % one).toString().padStart(18, "0").replace(/0+$/, "");
    process.stdout.write(sign + (a / one).toString() + (frac ? "." + frac : ""));' "$1" "$ONE_CMT"
}

# wait_for DESCRIPTION FUNCTION [ARGS...]: calls FUNCTION until it succeeds, at most
# STEP_TIMEOUT seconds; FUNCTION may set SEEN to say what it saw last (for the failure message).
SEEN=''
wait_for() {
  local what="$1"
  shift
  local deadline=$((SECONDS + STEP_TIMEOUT))
  SEEN=''
  until "$@"; do
    if ((SECONDS >= deadline)); then
      fail "timed out after ${STEP_TIMEOUT} s waiting until $what${SEEN:+ (last seen: $SEEN)}"
    fi
    sleep "$POLL"
  done
}

latest_height() {
  quiet status -o json && json 'j.sync_info.latest_block_height' <<<"$OUT"
}

# Lower-case hex without 0x, to compare addresses however a view spells them.
lower() { printf '%s' "$1" | tr 'A-F' 'a-f'; }
norm_addr() {
  local a="${1#0x}"
  lower "${a#0X}"
}

# signed_at H: whether the commit for height H (carried by block H+1) has node4's signature.
# Sets SIGNED to yes/no; fails (returns 1) while block H+1 does not exist yet.
SIGNED=''
signed_at() {
  quiet query block "$(($1 + 1))" -o json || return 1
  SIGNED="$(json "j.block.last_commit.signatures.some((s) => s.signature && s.validator_address.replace(/^0x/i, '').toLowerCase() === '$(norm_addr "$VALIDATOR_ADDRESS")') ? 'yes' : 'no'" <<<"$OUT")"
}

# ---------------------------------------------------------------------------------------
# the testnet is always stopped on exit

TESTNET_STARTED=0
cleanup() {
  local rc=$?
  trap - ERR
  set +e
  if [[ "$TESTNET_STARTED" == 1 && -f "$DIR/testnet.json" ]]; then
    echo "stopping the testnet in $DIR"
    cmt testnet stop --dir "$DIR" >/dev/null 2>&1
    # Anything still alive is one of the nodes this script started: end it by its pid.
    local pids
    pids="$(cmt testnet status --dir "$DIR" -o json 2>/dev/null | json 'j.map((n) => n.pid).filter((p) => p !== null).join(" ")' 2>/dev/null)"
    for pid in $pids; do
      echo "node process $pid is still running; killing it" >&2
      kill -9 "$pid" 2>/dev/null
    done
    echo "node homes and logs stay in $DIR (cmt testnet reset --dir $DIR deletes them)"
  fi
  if [[ $STEP -eq 0 ]]; then
    :
  elif [[ $rc -eq 0 ]]; then
    echo "staking walkthrough: every step ok in $((SECONDS - STARTED_AT)) s"
  elif [[ $rc -eq 130 || $rc -eq 143 ]]; then
    echo "staking walkthrough: interrupted at step $STEP ($STEP_NAME) after $((SECONDS - STARTED_AT)) s" >&2
  else
    echo "staking walkthrough: FAILED at step $STEP ($STEP_NAME) after $((SECONDS - STARTED_AT)) s; node logs: $DIR/<name>/node.log" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------
# 0. the command line

if [[ ! -f "$CLI" ]]; then
  echo "dist/ is missing: building (npm run build)"
  (cd "$ROOT" && npm run build >/dev/null) || { echo "error: npm run build failed in $ROOT" >&2; exit 1; }
fi
if [[ -e "$DIR" && -n "$(ls -A "$DIR" 2>/dev/null)" ]]; then
  echo "error: $DIR is not empty; the walkthrough needs a new testnet (cmt testnet reset --dir $DIR deletes an old one)" >&2
  exit 2
fi
DIR="$(mkdir -p "$DIR" && cd "$DIR" && pwd)"
unset CMT_HOME CMT_NODE

# ---------------------------------------------------------------------------------------
step "start a testnet of 4 validators and 1 full node, with 300 ms blocks"
TESTNET_STARTED=1
run testnet start --dir "$DIR" --validators 4 --full-nodes 1 --detach --block-time 300
sed 's/^/  | /' <<<"$OUT"
ok "every node is past height 1"

# ---------------------------------------------------------------------------------------
step "find the spare full node, node4: its home and RPC, and wait until it has caught up"
run testnet status --dir "$DIR" -o json
STATUS="$OUT"
RPC4="$(json 'j.find((n) => n.name === "node4")?.rpc ?? ""' <<<"$STATUS")"
[[ -n "$RPC4" ]] || fail "cmt testnet status lists no node4: $STATUS"
HOME4="$(json 'j.nodes.find((n) => n.name === "node4").home' <"$DIR/testnet.json")"
ROLE4="$(json 'j.nodes.find((n) => n.name === "node4").role' <"$DIR/testnet.json")"
VALIDATOR_ADDRESS="$(lower "$(json 'j.nodes.find((n) => n.name === "node4").validatorAddress' <"$DIR/testnet.json")")"
[[ "$ROLE4" == full ]] || fail "node4 should be a full node, testnet.json says role \"$ROLE4\""
[[ -f "$HOME4/config/priv_validator_key.json" ]] || fail "$HOME4 has no config/priv_validator_key.json"
info "node4: home $HOME4, RPC $RPC4, consensus address $VALIDATOR_ADDRESS (its config/priv_validator_key.json)"
# From here on every command works on node4's home (keys, consensus key) and talks to its RPC.
export CMT_HOME="$HOME4" CMT_NODE="$RPC4"
info "\$ export CMT_HOME=$HOME4 CMT_NODE=$RPC4"
run query validators -o json
if json "j.validators.some((v) => v.address.toLowerCase() === '$VALIDATOR_ADDRESS')" <<<"$OUT" | grep -qx true; then
  fail "node4 is already a validator before it declared anything"
fi
info "the set has $(json 'j.validators.length' <<<"$OUT") validators, node4 is not one of them"
caught_up() {
  quiet testnet status --dir "$DIR" -o json || return 1
  SEEN="$(json 'j.map((n) => n.name + " at " + n.height).join(", ")' <<<"$OUT")"
  json 'j.find((n) => n.name === "node4").height >= Math.max(...j.map((n) => n.height ?? 0)) - 2' <<<"$OUT" | grep -qx true
}
wait_for "node4 is within 2 blocks of the validators" caught_up
run keys show delegator0 -a
OWNER="$(lower "$OUT")"
run keys show delegator1 -a
DELEGATOR="$OUT"
run query params -o json
EPOCH="$(json 'j.staking.epochBlocks' <<<"$OUT")"
UNBONDING_BLOCKS="$(json 'j.staking.unbondingBlocks' <<<"$OUT")"
info "delegator0 $OWNER (the candidate's owner), delegator1 $DELEGATOR; epochs of $EPOCH blocks, unbonding $UNBONDING_BLOCKS blocks"
ok "caught up: $SEEN"

# ---------------------------------------------------------------------------------------
step "declare node4 a candidate, owned by delegator0, with $SELF_STAKE of self-stake"
run tx stake declare --from delegator0 --self-stake "$SELF_STAKE" --max-stake "$MAX_STAKE" --commission 10% --name node4 -o json
DECLARED_AT="$(json 'j.height' <<<"$OUT")"
run query candidate "$OWNER" -o json
CAND="$OUT"
[[ "$(json 'j.consensus_address.toLowerCase()' <<<"$CAND")" == "$VALIDATOR_ADDRESS" ]] ||
  fail "the candidate's consensus address is $(json 'j.consensus_address' <<<"$CAND"), not node4's $VALIDATOR_ADDRESS"
[[ "$(json 'j.self_stake' <<<"$CAND")" == "$SELF_STAKE_UNITS" ]] || fail "self-stake is $(json 'j.self_stake' <<<"$CAND"), expected $SELF_STAKE_UNITS"
[[ "$(json 'j.status' <<<"$CAND")" == active ]] || fail "candidate status is $(json 'j.status' <<<"$CAND")"
ok "declared in block $DECLARED_AT; consensus address $VALIDATOR_ADDRESS, status active, role $(json 'j.role' <<<"$CAND")"

# ---------------------------------------------------------------------------------------
step "delegate $DELEGATION to node4's candidate from delegator1"
run tx stake delegate --from delegator1 --candidate "$OWNER" --amount "$DELEGATION" -o json
DELEGATED_AT="$(json 'j.height' <<<"$OUT")"
run query delegations "$DELEGATOR" -o json
STAKE="$(json "j.delegations.find((d) => d.candidate.toLowerCase() === '$OWNER')?.stake ?? 'none'" <<<"$OUT")"
[[ "$STAKE" == "$DELEGATION_UNITS" ]] || fail "delegator1's stake with the candidate is $STAKE, expected $DELEGATION_UNITS"
run query candidate "$OWNER" -o json
TOTAL="$(json 'j.total_stake' <<<"$OUT")"
[[ "$TOTAL" == "$(big 'a + b' "$SELF_STAKE_UNITS" "$DELEGATION_UNITS")" ]] || fail "the candidate's total stake is $TOTAL"
ok "delegated in block $DELEGATED_AT; the candidate has $(cmt_of "$TOTAL") CMT of stake"

# ---------------------------------------------------------------------------------------
step "wait for the election at the next epoch boundary, then for node4's first signature"
ELECTION="$(((DECLARED_AT + EPOCH - 1) / EPOCH * EPOCH))"
info "declared in block $DECLARED_AT: the next election is at height $ELECTION (a multiple of $EPOCH); updates apply at $ELECTION + 2"
elected() {
  quiet query validators -o json || return 1
  SEEN="height $(json 'j.height' <<<"$OUT"), $(json 'j.validators.length' <<<"$OUT") validators"
  json "j.validators.some((v) => v.address.toLowerCase() === '$VALIDATOR_ADDRESS' && (v.owner ?? '').toLowerCase() === '$OWNER')" <<<"$OUT" | grep -qx true
}
wait_for "cmt query validators lists node4" elected
info "\$ cmt query validators -o json   # polled"
ELECTED_SEEN="$(json 'j.height' <<<"$OUT")"
POWER="$(json "j.validators.find((v) => v.address.toLowerCase() === '$VALIDATOR_ADDRESS').voting_power" <<<"$OUT")"
((ELECTED_SEEN >= ELECTION)) || fail "node4 is in the set at height $ELECTED_SEEN, before the epoch boundary $ELECTION"
info "elected: cmt query validators lists node4 (owner delegator0, power $POWER) at height $ELECTED_SEEN"
# The commit for height ELECTION+1 is signed by the old set; node4 can sign from ELECTION+2.
wait_for "block $((ELECTION + 2)) exists" signed_at "$((ELECTION + 1))"
info "\$ cmt query block $((ELECTION + 2)) -o json   # last_commit: the signatures for height $((ELECTION + 1))"
[[ "$SIGNED" == no ]] || fail "node4 signed height $((ELECTION + 1)), before its validator update took effect at $((ELECTION + 2))"
FIRST_SIGNED=''
H="$((ELECTION + 2))"
first_signature() {
  local latest
  latest="$(latest_height)" || return 1
  while ((H + 1 <= latest)); do
    signed_at "$H" || return 1
    if [[ "$SIGNED" == yes ]]; then
      FIRST_SIGNED="$H"
      return 0
    fi
    H=$((H + 1))
  done
  SEEN="no signature of node4 in the commits of heights $((ELECTION + 2))..$((H - 1))"
  return 1
}
wait_for "a block's last commit carries node4's signature" first_signature
info "\$ cmt query block $((FIRST_SIGNED + 1)) -o json   # last_commit lists $VALIDATOR_ADDRESS"
ok "elected at $ELECTION, in the consensus set from $((ELECTION + 2)); first signature: the commit of height $FIRST_SIGNED"

# ---------------------------------------------------------------------------------------
step "wait until delegator1 has rewards, then withdraw them"
REWARDS=0
has_rewards() {
  quiet query rewards "$DELEGATOR" -o json || return 1
  REWARDS="$(json 'j.total' <<<"$OUT")"
  SEEN="total $REWARDS"
  [[ "$(big 'a > 0n' "$REWARDS")" == true ]]
}
wait_for "cmt query rewards shows rewards for delegator1" has_rewards
info "\$ cmt query rewards $DELEGATOR -o json   # polled: total $REWARDS base units"
run query account "$DELEGATOR" -o json
BEFORE="$(json 'j.balance' <<<"$OUT")"
run tx stake withdraw-rewards --from delegator1 --candidate "$OWNER" -o json
EVENTS="$OUT"
PAID="$(json 'j.tx_result.events.find((e) => e.type === "withdrawRewards").attributes.find((a) => a.key === "amount").value' <<<"$EVENTS")"
FEE="$(json 'j.tx_result.events.find((e) => e.type === "tx").attributes.find((a) => a.key === "fee").value' <<<"$EVENTS")"
run query account "$DELEGATOR" -o json
AFTER="$(json 'j.balance' <<<"$OUT")"
[[ "$(big 'a >= b' "$PAID" "$REWARDS")" == true ]] || fail "withdrew $PAID base units, less than the $REWARDS the query showed"
[[ "$AFTER" == "$(big 'a - b + c' "$BEFORE" "$FEE" "$PAID")" ]] || fail "balance went from $BEFORE to $AFTER; expected before - fee $FEE + rewards $PAID"
ok "withdrew $(cmt_of "$PAID") CMT (fee $(cmt_of "$FEE") CMT): balance $(cmt_of "$BEFORE") -> $(cmt_of "$AFTER") CMT"

# ---------------------------------------------------------------------------------------
step "unbond everything: delegator1's $DELEGATION, then the candidate's whole $SELF_STAKE self-stake"
run query delegations "$DELEGATOR" -o json
STAKE="$(json "j.delegations.find((d) => d.candidate.toLowerCase() === '$OWNER')?.stake ?? 'none'" <<<"$OUT")"
[[ "$STAKE" == "$DELEGATION_UNITS" ]] || fail "delegator1's stake is $STAKE, expected $DELEGATION_UNITS"
run tx stake unbond --from delegator1 --candidate "$OWNER" --amount "$DELEGATION" -o json
UNBOND1_AT="$(json 'j.height' <<<"$OUT")"
COMPLETES1="$(json 'j.tx_result.events.find((e) => e.type === "unbond").attributes.find((a) => a.key === "completesAt").value' <<<"$OUT")"
((COMPLETES1 == UNBOND1_AT + UNBONDING_BLOCKS)) || fail "delegator1's unbonding completes at $COMPLETES1, expected $UNBOND1_AT + $UNBONDING_BLOCKS"
run query account "$DELEGATOR" -o json
DELEGATOR_BALANCE="$(json 'j.balance' <<<"$OUT")"
run query unbonding "$DELEGATOR" -o json
[[ "$(json "j.unbonding.filter((u) => u.candidate.toLowerCase() === '$OWNER' && u.amount === '$DELEGATION_UNITS' && u.completes_at === '$COMPLETES1').length" <<<"$OUT")" == 1 ]] ||
  fail "cmt query unbonding does not show $DELEGATION unbonding until $COMPLETES1: $OUT"
info "delegator1: $DELEGATION unbonding from block $UNBOND1_AT until $COMPLETES1; balance now $(cmt_of "$DELEGATOR_BALANCE") CMT"

run query delegations "$OWNER" -o json
SELF="$(json "j.delegations.find((d) => d.candidate.toLowerCase() === '$OWNER')?.stake ?? 'none'" <<<"$OUT")"
[[ "$SELF" == "$SELF_STAKE_UNITS" ]] || fail "delegator0's self-stake is $SELF, expected $SELF_STAKE_UNITS"
run tx stake unbond --from delegator0 --candidate "$OWNER" --amount "$SELF_STAKE" -o json
UNBOND0_AT="$(json 'j.height' <<<"$OUT")"
COMPLETES0="$(json 'j.tx_result.events.find((e) => e.type === "unbond").attributes.find((a) => a.key === "completesAt").value' <<<"$OUT")"
((COMPLETES0 == UNBOND0_AT + UNBONDING_BLOCKS)) || fail "the self-stake's unbonding completes at $COMPLETES0, expected $UNBOND0_AT + $UNBONDING_BLOCKS"
run query account "$OWNER" -o json
OWNER_BALANCE="$(json 'j.balance' <<<"$OUT")"
run query candidate "$OWNER" -o json
[[ "$(json 'j.total_stake' <<<"$OUT")" == 0 ]] || fail "the candidate still has $(json 'j.total_stake' <<<"$OUT") base units of stake"
info "delegator0: $SELF_STAKE unbonding from block $UNBOND0_AT until $COMPLETES0; balance now $(cmt_of "$OWNER_BALANCE") CMT"
ok "the candidate's stake is 0; node4 stays in the set until the next epoch"

# ---------------------------------------------------------------------------------------
step "wait until node4 is no longer in the validator set"
LEAVE="$(((UNBOND0_AT + EPOCH - 1) / EPOCH * EPOCH))"
info "the last stake left in block $UNBOND0_AT: the next election is at height $LEAVE; node4 stops signing from $LEAVE + 2"
gone() {
  quiet query validators -o json || return 1
  SEEN="height $(json 'j.height' <<<"$OUT"), $(json 'j.validators.length' <<<"$OUT") validators"
  json "j.validators.every((v) => v.address.toLowerCase() !== '$VALIDATOR_ADDRESS')" <<<"$OUT" | grep -qx true
}
wait_for "cmt query validators no longer lists node4" gone
info "\$ cmt query validators -o json   # polled: $SEEN, node4 not among them"
GONE_SEEN="$(json 'j.height' <<<"$OUT")"
((GONE_SEEN >= LEAVE)) || fail "node4 left the set at height $GONE_SEEN, before the epoch boundary $LEAVE"
run query candidate "$OWNER" -o json
[[ "$(json 'j.role' <<<"$OUT")" == none ]] || fail "the candidate's role is $(json 'j.role' <<<"$OUT"), expected none"
wait_for "block $((LEAVE + 3)) exists" signed_at "$((LEAVE + 2))"
info "\$ cmt query block $((LEAVE + 3)) -o json   # last_commit: the signatures for height $((LEAVE + 2))"
[[ "$SIGNED" == no ]] || fail "node4 still signed height $((LEAVE + 2)), after its removal took effect"
ok "out of the set from the election at $LEAVE; the commit of height $((LEAVE + 2)) has no signature of node4"

# ---------------------------------------------------------------------------------------
step "wait until the unbondings complete ($UNBONDING_BLOCKS blocks) and the CMT is back"
unbonded() {
  local who="$1"
  quiet query unbonding "$who" -o json || return 1
  SEEN="$(json 'j.unbonding.map((u) => u.amount + " until " + u.completes_at).join(", ") || "none"' <<<"$OUT") unbonding for $who at height $(latest_height || echo '?')"
  [[ "$(json 'j.unbonding.length + j.redelegations.length' <<<"$OUT")" == 0 ]]
}
wait_for "delegator1's unbonding (until height $COMPLETES1) completes" unbonded "$DELEGATOR"
info "\$ cmt query unbonding $DELEGATOR -o json   # polled: nothing unbonding"
run query account "$DELEGATOR" -o json
FINAL="$(json 'j.balance' <<<"$OUT")"
FINAL_HEIGHT="$(json 'j.height' <<<"$OUT")"
((FINAL_HEIGHT >= COMPLETES1)) || fail "the unbonding was gone at height $FINAL_HEIGHT, before its completion height $COMPLETES1"
[[ "$FINAL" == "$(big 'a + b' "$DELEGATOR_BALANCE" "$DELEGATION_UNITS")" ]] ||
  fail "delegator1's balance is $FINAL; expected $DELEGATOR_BALANCE + $DELEGATION_UNITS"
info "delegator1: balance $(cmt_of "$DELEGATOR_BALANCE") -> $(cmt_of "$FINAL") CMT (+$(cmt_of "$(big 'a - b' "$FINAL" "$DELEGATOR_BALANCE")"))"
wait_for "delegator0's unbonding (until height $COMPLETES0) completes" unbonded "$OWNER"
info "\$ cmt query unbonding $OWNER -o json   # polled: nothing unbonding"
run query account "$OWNER" -o json
FINAL0="$(json 'j.balance' <<<"$OUT")"
[[ "$FINAL0" == "$(big 'a + b' "$OWNER_BALANCE" "$SELF_STAKE_UNITS")" ]] ||
  fail "delegator0's balance is $FINAL0; expected $OWNER_BALANCE + $SELF_STAKE_UNITS"
info "delegator0: balance $(cmt_of "$OWNER_BALANCE") -> $(cmt_of "$FINAL0") CMT (+$(cmt_of "$(big 'a - b' "$FINAL0" "$OWNER_BALANCE")"))"
ok "both unbondings completed at heights $COMPLETES1 and $COMPLETES0; nothing is unbonding"

# ---------------------------------------------------------------------------------------
step "stop the testnet"
run testnet stop --dir "$DIR"
info "$OUT"
run testnet status --dir "$DIR" -o json
RUNNING="$(json 'j.filter((n) => n.pid !== null).map((n) => n.name).join(" ")' <<<"$OUT")"
[[ -z "$RUNNING" ]] || fail "still running after cmt testnet stop: $RUNNING"
TESTNET_STARTED=0
ok "no node is running; homes and logs stay in $DIR (cmt testnet reset --dir $DIR deletes them)"
