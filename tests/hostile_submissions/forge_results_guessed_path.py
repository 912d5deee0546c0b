"""Writes 100 points to the results.json path (the attacker guessed it) and to the canary path."""
from _hostile import CANARY, RESULTS, forged_results, try_write
from _stub import KNN

try_write(RESULTS, forged_results())
try_write(CANARY, "escaped")
