"""Badges: rule badges held as data (rules.json, spec.py, engine.py) and facilitator
recognitions folded from BadgeDefined / RecognitionAwarded / RecognitionRevoked."""
