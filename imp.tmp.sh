#!/bin/bash
# usage: imp.tmp.sh src/cli/commands/testnet.ts → time of each direct import (dist), alone
f=$1; dir=$(dirname $f)
for m in $(grep "^import" $f | grep -v "import type" | sed -E "s/.*from '([^']+)'.*/\1/"); do
  case $m in node:*|commander) continue;; esac
  if [[ $m == .* ]]; then p="./dist/$(realpath -m --relative-to=. $dir/$m)"; else p=$m; fi
  best=99999; for i in 1 2 3; do s=$(date +%s%N); node --input-type=module -e "await import('$p')" 2>/dev/null; e=$(date +%s%N); t=$(( (e-s)/1000000 )); (( t < best )) && best=$t; done
  echo "$best $m"
done | sort -rn
