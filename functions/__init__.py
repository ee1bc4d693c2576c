"""Quollo's Lambda functions: one entry module per function, over runtime, domain, data and models.

The first line of ours any Lambda init runs is this one, before any library is imported: the collector
is paused there for the init (functions/runtime/init_collector.py says why and until when).
"""

from functions.runtime.init_collector import pause_for_lambda_init

pause_for_lambda_init()
