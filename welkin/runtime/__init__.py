"""What runs inside a function sandbox.

This package is loaded into every zygote and therefore into every function instance: it imports
only the standard library, and its import time is part of every cold start.

    zygote.py   the fork server: receives spawn requests, forks, reports pids and exits
    sandbox.py  what a forked child does before any user code: namespaces, root, uid, limits
    cgroups.py  the per-instance memory/pids/cpu cgroup (v2 or v1)
    libc.py     the syscalls Python 3.11 does not wrap (unshare, mount, pivot_root, setns, prctl)
    probe.py    which of the above this kernel allows, detected once at start-up
    loop.py     the handler loop: init once, then read request, call handler, write result
    context.py  the ``context`` handed to handlers (FunctionGraph getters, Lambda attributes)
    wire.py     length-prefixed frames on the instance socket, and the runtime's error codes
"""
