#!/bin/sh
# The entrypoint of the redis stand-in (scripts/container-images), as the official image
# has it: bare options or a *.conf file run redis-server; as root it owns /data and drops
# to the redis user; files are made private (umask 0077).
set -e

# The first argument is an option such as `--port`, or a configuration file.
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

# The official image builds Redis with protected mode off (a container's port is reachable
# only where it is published); Debian's build keeps it on, so it is turned off here, after
# the configuration file (or `-` for standard input) if there is one: an option given later
# still wins.
if [ "$1" = 'redis-server' ]; then
	shift
	case "${1:-}" in
		-- | --* | '') set -- redis-server --protected-mode no "$@" ;;
		*) conf=$1; shift; set -- redis-server "$conf" --protected-mode no "$@" ;;
	esac
fi

um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

exec "$@"
