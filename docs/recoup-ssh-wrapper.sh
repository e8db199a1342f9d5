#!/bin/sh
# Forced command for Recoup over SSH (docs/deploy-ssh.md). sshd runs this instead of whatever
# the client asked for, as the authenticated system user, who is the Recoup operator.
# It fixes the terminal settings a Textual application needs and replaces itself with recoup.
# Anything the client asked to run (SSH_ORIGINAL_COMMAND) is ignored: an operator gets the
# application and nothing else.
set -eu
: "${RECOUP:=/opt/recoup/venv/bin/recoup}"
# Terminals that announce nothing useful get a sane default; a real xterm/tmux keeps its own.
case "${TERM:-dumb}" in
  dumb|unknown|"") TERM=xterm-256color ;;
esac
export TERM
export COLORTERM="${COLORTERM:-truecolor}"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
# The database every operator shares; set it here (or in /etc/recoup/env) so operators need no flags.
if [ -r /etc/recoup/env ]; then
  # shellcheck disable=SC1091
  . /etc/recoup/env
  export RECOUP_DATABASE_URL
fi
unset SSH_ORIGINAL_COMMAND
exec "$RECOUP" "$@"
