"""FunctionGraph: functions, versions, aliases, and the sandboxed instances that run them.

models.py     the domain values, FunctionVersionSpec among them (what a version needs to run)
service.py    FunctionRegistry: functions and code under IAM's FunctionGraph actions
versions.py   published versions and aliases
store.py      persistence (tables.py); code.py and packages.py: code packages on disk
fgsapi/       the HTTP edge speaking FunctionGraph's v2 API
spec.py       what the pool is asked to run (InstanceSpec, Invocation) and what it answers
pool.py       FunctionPool: warm reuse, cold starts, scaling limits, idle reaping, stats
instance.py   one sandboxed process: its socket, its log pipes, its timeouts
zygotes.py    the fork servers (one per runtime) the instances are forked from
runtimes.py   which Python interpreters this machine offers, named as FunctionGraph names them
logs.py       bounded capture of an invocation's stdout and stderr
"""
