"""The suite along its axes: the kernel/compiler matrix (fetch Debian kernels, boot them under
qemu, run every cell) and a loader's releases (`versions`).

Modules: `kernels` (private-apt fetching and unpacking), `vm` (one qemu/virtme-ng boot
returning files), `matrix` (orchestration of host and VM cells), `merge` (combining
results written on several machines), `guest` (the cell driver inside a VM), `versions`
(one loader's suite results over its releases). The subcommands are in harness.commands
(`matrix`); `__main__` is the `python3 -m harness.matrix` front-end.
"""
