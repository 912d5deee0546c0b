"""Imports the reference from a helper folder that is a symbolic link to the project's submissions."""
from lib.reference import KNN  # lib -> <project>/tests/submissions (made by the test)
