"""The Python API: Problem, its results, and homework for a class."""
