"""One process-wide allocator setting: keep freed memory for reuse (appendix,
section 6)."""

import ctypes
import ctypes.util

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
MMAP_LIMIT = 32 << 20  # the largest threshold glibc accepts


def keep_freed_memory(limit=1 << 30):
    """Ask the C library's malloc to keep freed memory for reuse instead of
    returning it to the system.

    Every forward and backward allocates fresh arrays of several megabytes. By
    default glibc maps large blocks straight from the operating system and
    hands them back when they are freed, so the next call must fault the same
    memory in again, page by page, each page zeroed by the kernel; on some
    machines that costs as much time as the arithmetic. Two mallopt settings
    stop it: blocks up to 32 MiB (the largest threshold glibc accepts) come
    from the heap (M_MMAP_THRESHOLD), and up to `limit` bytes of freed heap
    stay with the process (M_TRIM_THRESHOLD). Results do not change; the
    setting holds for the whole process, numpy and TensorFlow alike, and cannot
    be undone from here.

    Returns:
        True if both settings were applied (glibc), False where there is no
        mallopt (e.g. macOS).
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_LIMIT)) and bool(
            libc.mallopt(M_TRIM_THRESHOLD, int(limit))
        )
    except (OSError, AttributeError, TypeError):
        return False
