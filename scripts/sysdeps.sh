#!/usr/bin/env bash
# Check (and, as root, install) the Debian packages perfeval needs at runtime and for tests.
#
#   bash scripts/sysdeps.sh            # app / PDF export requirements
#   bash scripts/sysdeps.sh --browser  # ... plus Chromium for the end-to-end tests
#
# Quiet (one line) when everything is present. As root with apt-get available, missing
# packages are installed; otherwise the missing packages and the command to install them are
# printed and the script exits 1. If another apt/dpkg process holds the lock (e.g. a
# background install), this waits for it (up to about 10 minutes) instead of failing.
set -euo pipefail

PACKAGES=(
    fonts-noto-cjk       # CJK glyphs for the PDF exports (no web fonts / CDN)
    libharfbuzz-subset0  # WeasyPrint font subsetting (keeps PDFs with CJK fonts small and fast)
    libpango-1.0-0       # WeasyPrint text layout
    libpangoft2-1.0-0    # WeasyPrint text layout
    poppler-utils        # pdftotext / pdfinfo, used by the tests to inspect generated PDFs
    gettext              # msgfmt for `manage.py compilemessages`
)

for arg in "$@"; do
    case "$arg" in
        --browser) PACKAGES+=(chromium) ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "sysdeps: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

LOCK_FILES=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock)
LOCK_TRIES=120   # x 5 s = 10 minutes
LOCK_SLEEP=5

is_installed() {
    local status
    status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
    [ "$status" = "install ok installed" ]
}

missing_packages() {
    local p
    for p in "${PACKAGES[@]}"; do
        is_installed "$p" || printf '%s\n' "$p"
    done
}

lock_held() {
    command -v fuser >/dev/null 2>&1 || return 1
    local f
    for f in "${LOCK_FILES[@]}"; do
        [ -e "$f" ] && fuser "$f" >/dev/null 2>&1 && return 0
    done
    return 1
}

wait_for_lock() {
    local i announced=0
    for ((i = 0; i < LOCK_TRIES; i++)); do
        lock_held || return 0
        if [ "$announced" -eq 0 ]; then
            echo "sysdeps: another apt/dpkg process holds the lock; waiting (up to $((LOCK_TRIES * LOCK_SLEEP)) s)..." >&2
            announced=1
        fi
        sleep "$LOCK_SLEEP"
    done
    echo "sysdeps: apt/dpkg lock still held after $((LOCK_TRIES * LOCK_SLEEP)) s; trying anyway" >&2
}

# Run apt-get, retrying only while the failure is a lock conflict (up to ~10 minutes).
apt_get() {
    local i log rc
    log=$(mktemp)
    for ((i = 1; i <= LOCK_TRIES; i++)); do
        wait_for_lock
        rc=0
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 "$@" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
        if [ "$rc" -eq 0 ]; then
            rm -f "$log"
            return 0
        fi
        if grep -qiE 'could not get lock|unable to (acquire|lock)|is another process using it' "$log"; then
            echo "sysdeps: apt-get is blocked by a lock (attempt $i/$LOCK_TRIES); retrying in ${LOCK_SLEEP} s" >&2
            sleep "$LOCK_SLEEP"
            continue
        fi
        rm -f "$log"
        return "$rc"
    done
    rm -f "$log"
    echo "sysdeps: giving up: apt-get stayed locked" >&2
    return 1
}

mapfile -t MISSING < <(missing_packages)

# A background install may be half-way through; let it finish, then look again.
if [ "${#MISSING[@]}" -gt 0 ] && lock_held; then
    wait_for_lock
    mapfile -t MISSING < <(missing_packages)
fi

if [ "${#MISSING[@]}" -eq 0 ]; then
    echo "sysdeps: all ${#PACKAGES[@]} system packages present"
    exit 0
fi

INSTALL_CMD="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${MISSING[*]}"

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "sysdeps: missing Debian packages: ${MISSING[*]}" >&2
    if command -v apt-get >/dev/null 2>&1; then
        echo "sysdeps: install them as root with:" >&2
        echo "    sudo sh -c '$INSTALL_CMD'" >&2
    else
        echo "sysdeps: apt-get not found; install the equivalent packages with your system's package manager" >&2
    fi
    exit 1
fi

echo "sysdeps: installing missing packages: ${MISSING[*]}"
apt_get update -qq
apt_get install -y --no-install-recommends "${MISSING[@]}"

mapfile -t STILL_MISSING < <(missing_packages)
if [ "${#STILL_MISSING[@]}" -gt 0 ]; then
    echo "sysdeps: still missing after install: ${STILL_MISSING[*]}" >&2
    exit 1
fi
echo "sysdeps: installed ${MISSING[*]}"
