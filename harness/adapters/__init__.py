"""Adapters: what an adapter is (`manifest`), what it says (`protocol`), and the one module that
spawns one (`client`); `gate`, the hello gate a loader-version manifest runs its adapter behind."""
