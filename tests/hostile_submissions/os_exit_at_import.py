"""os._exit(0) at import: no reply at all."""
import os

os._exit(0)

class KNN:
    pass
