"""Workflow engine (流程引擎): state machines written as data, ``act()``, timelines and requests.

A platform package: any domain (cases, services, office …) declares its machine here and acts
through the same engine; nothing here imports a domain.
"""
