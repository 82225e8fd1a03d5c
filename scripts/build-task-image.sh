#!/bin/sh
# Builds the task base image localhost/aios-task-base:latest from busybox-static, on this machine (no registry).
# Idempotent: does nothing when podman already has the image (--force rebuilds it). The same layout as
# `aios-sec task image build` (Sources/Sandbox/TaskImage.swift); see docs/tasks.md.
#
#   scripts/build-task-image.sh [--force] [--rootfs DIR] [--image NAME] [--busybox PATH]
#
#   --rootfs DIR   also keep the root filesystem in DIR (usable with `aios-sec task run --rootfs DIR`)
set -eu

image=localhost/aios-task-base:latest
busybox=/bin/busybox
keep=
force=
while [ $# -gt 0 ]; do
    case $1 in
    --force) force=1 ;;
    --rootfs) keep=$2; shift ;;
    --image) image=$2; shift ;;
    --busybox) busybox=$2; shift ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "build-task-image: unknown argument $1" >&2; exit 64 ;;
    esac
    shift
done

command -v podman >/dev/null || { echo "build-task-image: podman not found (make installs it)" >&2; exit 69; }
[ -x "$busybox" ] || { echo "build-task-image: $busybox missing (apt-get install busybox-static)" >&2; exit 69; }
if file -L "$busybox" 2>/dev/null | grep -q 'dynamically linked'; then
    echo "build-task-image: $busybox is dynamically linked; install busybox-static" >&2
    exit 69
fi

if [ -z "$force" ] && [ -z "$keep" ] && podman image exists "$image"; then
    echo "$image already present"
    exit 0
fi

# make_rootfs DIR: busybox and its applets, the mount points runc cannot create inside the task's user namespace
# (proc dev sys tmp run etc, etc/hosts etc/hostname etc/resolv.conf), accounts for root and nobody.
make_rootfs() {
    dir=$1
    mkdir -p "$dir"
    for d in bin dev etc proc root run sys tmp usr; do mkdir -p "$dir/$d"; chmod 755 "$dir/$d"; done
    chmod 1777 "$dir/tmp"
    chmod 700 "$dir/root"
    chmod 755 "$dir"
    rm -f "$dir/bin/busybox"
    cp "$busybox" "$dir/bin/busybox"
    chmod 755 "$dir/bin/busybox"
    for applet in $("$busybox" --list); do
        case $applet in busybox | */*) continue ;; esac
        ln -sfn busybox "$dir/bin/$applet"
    done
    ln -sfn bin "$dir/sbin"
    ln -sfn ../bin "$dir/usr/bin"
    ln -sfn ../bin "$dir/usr/sbin"
    ln -sfn /proc/mounts "$dir/etc/mtab"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
    printf '127.0.0.1 localhost\n::1 localhost\n' >"$dir/etc/hosts"
    printf 'task\n' >"$dir/etc/hostname"
    : >"$dir/etc/resolv.conf"
    chmod 644 "$dir/etc/passwd" "$dir/etc/group" "$dir/etc/hosts" "$dir/etc/hostname" "$dir/etc/resolv.conf"
}

if [ -n "$keep" ]; then
    rootfs=$keep
else
    rootfs=$(mktemp -d /tmp/aios-task-rootfs.XXXXXX)
    trap 'rm -rf "$rootfs"' EXIT
fi
make_rootfs "$rootfs"
[ -n "$keep" ] && echo "rootfs written to $rootfs"

if [ -z "$force" ] && podman image exists "$image"; then
    echo "$image already present"
    exit 0
fi
tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf - . |
    podman import --quiet --message "aiOS task base (busybox-static)" - "$image" >/dev/null
echo "built $image"
