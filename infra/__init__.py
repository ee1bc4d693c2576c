"""The CDK app that deploys Quollo: one Lambda function per route of ``functions.routes``."""
