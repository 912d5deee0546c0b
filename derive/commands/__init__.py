"""Sub-commands of ``gradproof`` that use the symbolic side."""
