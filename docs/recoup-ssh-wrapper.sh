#!/bin/sh
# Forced command for Recoup over SSH (docs/deploy-ssh.md). sshd runs this instead of whatever
# the client asked for, as the authenticated system user, who is the Recoup operator.
# It fixes the terminal settings a Textual application needs and replaces itself with recoup.
# Anything the client asked to run (SSH_ORIGINAL_COMMAND) is ignored: an operator gets the
# application and nothing else.
set -eu
# Every RECOUP* setting comes from the admin's env file below, none from the session: a variable
# the client or its login files can set (AcceptEnv, ~/.ssh/environment) must not choose what
# runs or where. The program and the env file are fixed here; edit these two lines when Recoup
# is installed elsewhere.
for name in $(env | sed -n 's/^\(RECOUP[A-Za-z0-9_]*\)=.*/\1/p'); do
  unset "$name"
done
program=/opt/recoup/venv/bin/recoup
env_file=/etc/recoup/env
# Terminals that announce nothing useful get a sane default; a real xterm/tmux keeps its own.
case "${TERM:-dumb}" in
  dumb|unknown|"") TERM=xterm-256color ;;
esac
export TERM
export COLORTERM="${COLORTERM:-truecolor}"
export LANG=C.UTF-8 LC_ALL=C.UTF-8
# The database every operator shares, from the env file, so operators need no flags.
if [ -r "$env_file" ]; then
  # shellcheck disable=SC1090
  . "$env_file"
  export RECOUP_DATABASE_URL
fi
unset SSH_ORIGINAL_COMMAND
exec "$program" "$@"
