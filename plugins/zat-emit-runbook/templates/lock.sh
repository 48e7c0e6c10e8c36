{#- The bundle's lock, shared, as `zat build --check` takes it (zat_core's lock.rs): included by
    zowe.sh and snapshot.sh, which define `bundle` (the bundle's folder) and `say`. -#}
lock="$(dirname -- "$bundle")/.$(basename -- "$bundle").zat-lock"
locked=0
take_lock() {
    command -v flock >/dev/null 2>&1 || return 0
    turns=0
    while [ "$turns" -lt 100 ]; do
        turns=$((turns + 1))
        # A failed `exec` would end the script: the file is tried in a subshell first.
        ( : >>"$lock" ) 2>/dev/null || return 0
        exec 9>>"$lock"
        if ! flock -n -s 9; then
            say "waiting for a zat build of $bundle to finish"
            flock -s 9 || return 0
        fi
        # A build removes the file as it lets go: the lock must be on the file there now.
        if [ ! -d "/proc/$$/fd" ] || [ "/proc/$$/fd/9" -ef "$lock" ]; then
            locked=1
            return 0
        fi
        exec 9>&-
    done
}
# The last to let go removes the file, as zat does.
release_lock() {
    [ "$locked" = 1 ] || return 0
    if flock -n -x 9 2>/dev/null; then
        rm -f -- "$lock"
    fi
}
