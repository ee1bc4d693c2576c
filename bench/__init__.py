"""Benchmarks for the Quollo interviews API (`make bench`, i.e. `python -m bench`).

Every figure is measured against a floor taken in the same run, so that a busy machine moves
the figure and its floor together and the ratio stays meaningful.
"""
