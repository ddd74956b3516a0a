#!/bin/sh
# scripts/apt_install.sh WHO PACKAGE...: installs Debian packages with apt-get (through sudo when
# not root), saying "WHO: installing: PACKAGE..." first. The one installer of scripts/deps.sh,
# scripts/notes.sh, tests/fuzz/deps.sh and tests/browser/run.sh; they decide what is missing.
set -e
who=$1
shift
echo "$who: installing: $*"
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "$@"
