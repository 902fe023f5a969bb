#!/bin/sh
# The entrypoint of the haproxy stand-in (scripts/container-images), as the official image
# has it: `haproxy ARGS` (and bare options) run in master-worker mode in the foreground.
set -e

# The first argument is an option such as `-f`: run haproxy with it.
if [ "${1#-}" != "$1" ]; then
	set -- haproxy "$@"
fi

if [ "$1" = 'haproxy' ]; then
	shift
	# -W: master-worker mode (SIGUSR2 reloads); -db: stay in the foreground.
	set -- haproxy -W -db "$@"
fi

exec "$@"
