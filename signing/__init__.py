"""Adapters that check an incoming document before it is accepted: PDF signatures (signatures.py), viruses
(clamav.py), completeness (completeness.py). Import the submodule you need; this package imports nothing."""
