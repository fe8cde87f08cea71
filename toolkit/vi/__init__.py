"""Vietnamese knowledge: question analysis (question.py), person names (names.py)."""
