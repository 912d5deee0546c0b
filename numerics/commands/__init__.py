"""Sub-commands of ``gradproof`` that need only numpy (no SymPy import).

Each module exposes ``configure(parser)`` (adds its arguments to an
``argparse.ArgumentParser``) and ``run(args) -> int`` (the exit status).
Modules keep their heavy imports inside ``run`` so that ``gradproof --help``
stays fast.
"""
