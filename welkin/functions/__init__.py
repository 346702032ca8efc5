"""FunctionGraph: functions, versions, aliases, triggers, and the instances that run them.

spec.py      what the pool is asked to run (InstanceSpec, Invocation) and what it answers
pool.py      FunctionPool: warm reuse, cold starts, scaling limits, idle reaping, stats
instance.py  one sandboxed process: its socket, its log pipes, its timeouts
zygotes.py   the fork servers (one per runtime) the instances are forked from
runtimes.py  which Python interpreters this machine offers, named as FunctionGraph names them
logs.py      bounded capture of an invocation's stdout and stderr
"""
