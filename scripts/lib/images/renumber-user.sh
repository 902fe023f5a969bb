#!/bin/sh
# renumber-user.sh ROOT USER UID GID, an mmdebstrap hook of scripts/container-images: the
# official images' users have fixed IDs, Debian's packages make theirs with the next free
# ones. Gives USER and its group in the tree at ROOT the official IDs, and moves whatever
# the old IDs owned to the new ones.
set -eu
root=$1 user=$2 uid=$3 gid=$4
old_uid=$(chroot "$root" id -u "$user")
old_gid=$(chroot "$root" id -g "$user")
chroot "$root" groupmod -g "$gid" "$user"
chroot "$root" usermod -u "$uid" -g "$gid" "$user"
find "$root" -xdev -uid "$old_uid" -exec chown -h "$uid" {} +
find "$root" -xdev -gid "$old_gid" -exec chgrp -h "$gid" {} +
