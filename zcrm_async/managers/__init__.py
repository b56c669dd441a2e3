"""Entity managers: thin classes that turn calls into requests and answers into models.

Each lives in its own module (``records``, ``users``, ``org``, ``metadata``, ``settings``,
``notes``, ``tags``, ``coql``...) and is reached through the client (``crm.records(...)``,
``crm.modules``...); nothing is imported here, so loading one manager loads only its own module.
"""
