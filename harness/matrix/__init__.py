"""The kernel/compiler matrix: fetch Debian kernels, boot them under qemu, run every cell.

Modules: `kernels` (private-apt fetching and unpacking), `vm` (one qemu/virtme-ng boot
returning files), `matrix` (orchestration of host and VM cells), `merge` (combining
results written on several machines).
"""
