"""Evaluation: communities and periods side by side, with value-creation stories by cycle."""
